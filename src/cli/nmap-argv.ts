// nmap spells options in ways yargs cannot parse (`-sS`, `-p-`, `-Pn`, `-T4`,
// `-oX file`, `-vv`). This module rewrites those tokens into long options
// before yargs sees them, so the rest of the CLI deals with one spelling.
import { UsageError } from './errors.js';

/** `-sX` scan-type letters and the scan each selects. */
export const SCAN_LETTERS: Record<string, string> = {
  S: 'syn',
  F: 'fin',
  N: 'null',
  X: 'xmas',
  A: 'ack',
  W: 'window',
  M: 'maimon',
  T: 'connect',
};

/** `-oX` output letters and the long option each becomes. */
const OUTPUT_LETTERS: Record<string, string> = {
  N: '--output-normal',
  X: '--output-xml',
  G: '--output-grepable',
  J: '--output-json',
};

/** Short options that take a value, as separate word or glued (`-p22`, `-eveth0`). */
const VALUED_SHORT: Record<string, string> = {
  p: '--ports',
  e: '--interface',
  S: '--source',
  g: '--source-port',
  T: '--timing',
};

/** nmap's long options whose spelling differs from ours. */
const LONG_ALIASES: Record<string, string> = {
  '--iL': '--input-list',
  '--ttl': '--ttl',
};

export function rewriteNmapArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i];
    if (tok === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const last = out.length - 1;
    if (tok === '-' && last >= 0 && /^--[\w-]+$/.test(out[last])) {
      // yargs reads a lone "-" after an option as no value: glue it ("-oX -" = stdout).
      out[last] += '=-';
      continue;
    }
    const rewritten = rewriteToken(tok);
    if (rewritten === null) {
      out.push(tok);
    } else {
      out.push(...rewritten);
    }
  }
  return out;
}

function rewriteToken(tok: string): string[] | null {
  if (!tok.startsWith('-') || tok === '-' || tok.startsWith('--')) {
    return LONG_ALIASES[tok] ? [LONG_ALIASES[tok]] : null;
  }
  // -sS, -sF, ... and combined -sSA is not nmap syntax; one letter each.
  if (tok.startsWith('-s') && tok.length === 3) {
    const scan = SCAN_LETTERS[tok[2]];
    if (!scan) {
      throw new UsageError(
        `unknown scan type ${tok}: use one of ${Object.keys(SCAN_LETTERS)
          .map((l) => `-s${l}`)
          .join(' ')}`,
      );
    }
    return ['--scan', scan];
  }
  if (tok === '-Pn') return ['--Pn'];
  if (tok === '-iL') return ['--input-list'];
  if (tok === '-p-') return ['--ports', '1-65535'];
  if (/^-o[NXGJ]$/.test(tok)) return [OUTPUT_LETTERS[tok[2]]];
  if (/^-o[NXGJ]./.test(tok)) return [OUTPUT_LETTERS[tok[2]], tok.slice(3)];
  if (/^-v+$/.test(tok)) return Array.from({ length: tok.length - 1 }, () => '--verbose');
  if (/^-T[0-5]$/.test(tok)) return ['--timing', tok[2]];
  const valued = VALUED_SHORT[tok[1]];
  if (valued && tok.length > 2) return [valued, tok.slice(2)];
  return null;
}
