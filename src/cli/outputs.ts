// Writes a finished report to every output the user asked for. Normal output
// goes to the terminal unless one of the -o options already writes to stdout
// ("-"), as with nmap.
import { FORMATTERS, writeOutput, type OutputFormat, type RenderOptions } from '../output/index.js';
import { serviceName } from '../ports/services.js';
import type { ScanReport } from '../scan/types.js';
import { setExitCode } from './exit.js';

export interface OutputArgs {
  'output-normal'?: string;
  'output-xml'?: string;
  'output-grepable'?: string;
  'output-json'?: string;
  'output-ndjson'?: string;
  reason: boolean;
  open: boolean;
}

/** Exit status of a scan that was interrupted (Ctrl-C or SIGTERM) but wrote what it had. */
export const EXIT_INCOMPLETE = 130;

const REQUESTED: [keyof OutputArgs, OutputFormat, string][] = [
  ['output-normal', 'normal', '-oN output'],
  ['output-xml', 'xml', '-oX output'],
  ['output-grepable', 'grepable', '-oG output'],
  ['output-json', 'json', '-oJ output'],
  ['output-ndjson', 'ndjson', '--output-ndjson output'],
];

export async function writeReports(report: ScanReport, args: OutputArgs): Promise<void> {
  const opts: RenderOptions = {
    reason: args.reason,
    openOnly: args.open,
    serviceName: (port) => serviceName(port),
  };
  const files = REQUESTED.filter(([key]) => typeof args[key] === 'string');
  if (!files.some(([key]) => args[key] === '-')) {
    await writeOutput('-', FORMATTERS.normal.render(report, { ...opts, interactive: true }), 'output');
  }
  for (const [key, format, what] of files) {
    await writeOutput(args[key] as string, FORMATTERS[format].render(report, opts), what);
  }
  if (report.incomplete) setExitCode(EXIT_INCOMPLETE);
}
