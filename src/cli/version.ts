import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** package.json's version, read once. */
export const VERSION: string = (require('../../package.json') as { version: string }).version;
