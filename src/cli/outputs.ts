// Writes a finished report to every output the user asked for. Normal output
// goes to the terminal unless one of the -o options already writes to stdout
// ("-"), as with nmap.
import type { Formatter, OutputFormat, RenderOptions } from '../output/index.js';
import { normalFormatter } from '../output/normal.js';
import { writeOutput } from '../output/write.js';
import { serviceName } from '../ports/services.js';
import type { ScanReport } from '../scan/types.js';
import { ScanFailure } from '../scan/orchestrator.js';
import { UsageError } from './errors.js';
import { exitCode, setExitCode } from './exit.js';

export interface OutputArgs {
  'output-normal'?: string;
  'output-xml'?: string;
  'output-grepable'?: string;
  'output-json'?: string;
  'output-ndjson'?: string;
  /** --evidence FILE: one JSON line per probe outcome (docs/evidence.md) */
  evidence?: string;
  reason: boolean;
  open: boolean;
}

/** Exit status of a scan that was interrupted (Ctrl-C or SIGTERM) but wrote what it had. */
export const EXIT_INCOMPLETE = 130;
/** Exit status when the scan or an output failed at run time (network, capture, disk full). */
export const EXIT_RUNTIME_FAILURE = 2;

/**
 * For a scan that stopped on a fatal engine condition (ScanFailure): says so
 * on stderr and returns the partial report to write; rethrows anything else.
 */
export function partialReport(err: unknown): ScanReport {
  if (!(err instanceof ScanFailure)) throw err;
  process.stderr.write(`rawscan: ${err.message}; writing the results gathered so far\n`);
  setExitCode(EXIT_RUNTIME_FAILURE);
  return err.partial;
}

const REQUESTED: [keyof OutputArgs, OutputFormat, string][] = [
  ['output-normal', 'normal', '-oN output'],
  ['output-xml', 'xml', '-oX output'],
  ['output-grepable', 'grepable', '-oG output'],
  ['output-json', 'json', '-oJ output'],
  ['output-ndjson', 'ndjson', '--output-ndjson output'],
];

export function renderOptions(args: OutputArgs): RenderOptions {
  return {
    reason: args.reason,
    openOnly: args.open,
    serviceName: (port) => serviceName(port),
  };
}

/**
 * Writes every requested output except those in `streamed` (already written
 * while the scan ran, e.g. the NDJSON stream); they still count as taking
 * stdout when their file is "-".
 */
export async function writeReports(
  report: ScanReport,
  args: OutputArgs,
  streamed: readonly (keyof OutputArgs)[] = [],
): Promise<void> {
  const opts = renderOptions(args);
  const files = REQUESTED.filter(([key]) => typeof args[key] === 'string');
  if (!files.some(([key]) => args[key] === '-') && args.evidence !== '-') {
    await writeEach('-', normalFormatter.render(report, { ...opts, interactive: true }), 'output');
  }
  for (const [key, format, what] of files) {
    if (streamed.includes(key)) continue;
    await writeEach(args[key] as string, (await formatter(format)).render(report, opts), what);
  }
  if (args.evidence !== undefined) {
    const { evidenceLines } = await import('../audit/evidence.js');
    await writeEach(args.evidence, evidenceLines(report), '--evidence output');
  }
  // A run-time failure already requested explains the incompleteness: its status stays.
  if (report.incomplete && exitCode() === 0) setExitCode(EXIT_INCOMPLETE);
}

/** The formatter of a format; the file formats are imported only when one is requested. */
async function formatter(format: OutputFormat): Promise<Formatter> {
  return format === 'normal' ? normalFormatter : (await import('../output/index.js')).FORMATTERS[format];
}

/** One output; when it cannot be written (disk full...) that is reported and the others are still written. */
async function writeEach(path: string, content: string | Iterable<string>, what: string): Promise<void> {
  try {
    await writeOutput(path, content, what);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`rawscan: ${err.message}\n`);
    setExitCode(err.exitCode);
  }
}
