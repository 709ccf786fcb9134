// The output formats by name, for the CLI: -oN normal, -oJ json, NDJSON,
// -oX xml, -oG grepable. See types.ts for the Formatter contract.

import type { Formatter, OutputFormat } from './types.js';
import { normalFormatter } from './normal.js';
import { jsonFormatter } from './json.js';
import { ndjsonFormatter } from './ndjson.js';
import { xmlFormatter } from './xml.js';
import { grepableFormatter } from './grepable.js';

export const FORMATTERS: Record<OutputFormat, Formatter> = {
  normal: normalFormatter,
  json: jsonFormatter,
  ndjson: ndjsonFormatter,
  xml: xmlFormatter,
  grepable: grepableFormatter,
};

export type { Formatter, OutputFormat, RenderOptions, ServiceNameLookup } from './types.js';
export { OUTPUT_FORMATS, renderToString } from './types.js';
export { writeOutput } from './write.js';
export { ndjsonFooter, ndjsonHeader, ndjsonHost, ndjsonPort } from './ndjson.js';
