// `rawscan merge -o OUT FILES...`: joins the results of the shards of one scan
// (--shard K/N, one --seed) into one report and writes it in any output format.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from './errors.js';
import { VERSION } from './version.js';
import { serviceName } from '../ports/services.js';
import { FORMATTERS, OUTPUT_FORMATS, type OutputFormat, writeOutput } from '../output/index.js';
import { mergeResults } from '../results/merge.js';
import { readResult } from '../results/read.js';

/** The format an output file's extension implies. */
const FORMAT_BY_EXTENSION: Record<string, OutputFormat> = {
  json: 'json',
  ndjson: 'ndjson',
  xml: 'xml',
  nmap: 'normal',
  txt: 'normal',
  gnmap: 'grepable',
};

export const command = 'merge <files..>';
export const describe =
  'merge the results of the shards of one scan (--shard K/N, same --seed) into one report';

export function builder(y: Argv) {
  return y
    .positional('files', {
      type: 'string',
      array: true,
      demandOption: true,
      describe: 'shard results (-oJ or -oX files)',
    })
    .option('output', {
      alias: 'o',
      type: 'string',
      demandOption: true,
      describe: "merged report file ('-' = standard output)",
    })
    .option('format', {
      choices: OUTPUT_FORMATS,
      describe: 'format of the merged report (default: from the extension of -o, else json)',
    })
    .option('reason', { type: 'boolean', default: false, describe: 'normal format: add the REASON column' });
}

type MergeArgs = ArgumentsCamelCase<ReturnType<typeof builder> extends Argv<infer T> ? T : never>;

export async function handler(argv: MergeArgs): Promise<void> {
  const format = argv.format ?? formatOf(argv.output);
  const results = [];
  for (const file of argv.files) results.push(await readResult(file));
  const args = ['rawscan merge -o', argv.output, '--format', format, ...argv.files].join(' ');
  const { report, warnings } = mergeResults(results, { version: VERSION, args });
  for (const warning of warnings) process.stderr.write(`rawscan: warning: ${warning}\n`);
  const opts = { reason: argv.reason, serviceName: (port: number) => serviceName(port) };
  await writeOutput(argv.output, FORMATTERS[format].render(report, opts), 'merged report');
}

export function formatOf(output: string): OutputFormat {
  if (output === '-') return 'json';
  const extension = /\.([A-Za-z]+)$/.exec(output)?.[1]?.toLowerCase();
  if (extension === undefined) return 'json';
  const format = FORMAT_BY_EXTENSION[extension];
  if (!format)
    throw new UsageError(
      `cannot tell the format of '${output}' from its extension: add --format (${OUTPUT_FORMATS.join(', ')})`,
    );
  return format;
}

export const mergeCommand = { command, describe, builder, handler } as CommandModule<object, MergeArgs>;
