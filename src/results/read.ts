// Reads a scan result file back: rawscan JSON (-oJ) or nmap XML (-oX, from nmap
// or rawscan), told apart by content, not by file name. Every problem is a
// UsageError naming the file (and the line or field where there is one).

import { readFile } from 'node:fs/promises';
import { UsageError } from '../cli/errors.js';
import { resultFromJson } from './read-json.js';
import { resultFromXml } from './read-xml.js';
import type { ScanResult } from './types.js';
import { XmlSyntaxError, parseXml } from './xml.js';

export async function readResult(path: string): Promise<ScanResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new UsageError(`cannot read scan result '${path}' (${why}): give a file written with -oJ or -oX`);
  }
  return parseResult(text, path);
}

/** The same, from text already read; path names it in messages. */
export function parseResult(text: string, path: string): ScanResult {
  const start = text.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('{')) return resultFromJson(text, path);
  if (start.startsWith('<')) {
    try {
      return resultFromXml(parseXml(text, path), path);
    } catch (err) {
      if (err instanceof XmlSyntaxError) throw new UsageError(err.message);
      throw err;
    }
  }
  const shown = start.slice(0, 20).split('\n')[0];
  const what = start === '' ? 'it is empty' : `it starts with "${shown}"`;
  throw new UsageError(
    `${path} is not a scan result (${what}): give rawscan JSON (-oJ) or nmap XML (-oX); normal (-oN) and grepable (-oG) output cannot be read back`,
  );
}
