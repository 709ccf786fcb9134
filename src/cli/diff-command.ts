// `rawscan diff OLD NEW`: what changed between two results of the same scan
// (hosts gone/new, ports whose state changed), as ndiff-style text or --json.
// Exit status, like diff(1) and ndiff: 0 identical, 1 changed, 2 error.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from './errors.js';
import { setExitCode } from './exit.js';
import { serviceName } from '../ports/services.js';
import { writeOutput } from '../output/write.js';
import { diffResults, isIdentical } from '../results/diff.js';
import { renderDiffJson, renderDiffText } from '../results/diff-render.js';
import { readResult } from '../results/read.js';

/** diff's status for errors: 1 already means "changed" */
const DIFF_ERROR = 2;

export const command = 'diff <old> <new>';
export const describe = 'compare two scan results (rawscan -oJ JSON, or nmap XML from rawscan or nmap)';

export function builder(y: Argv) {
  return y
    .positional('old', {
      type: 'string',
      demandOption: true,
      describe: 'the earlier result (-oJ or -oX file)',
    })
    .positional('new', {
      type: 'string',
      demandOption: true,
      describe: 'the later result, same format and scan types',
    })
    .option('json', { type: 'boolean', default: false, describe: 'print the differences as a JSON document' })
    .option('force', {
      type: 'boolean',
      default: false,
      describe: 'compare results of different scan types (one against the other, or the shared ones)',
    })
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(`${msg}; see rawscan diff --help`, DIFF_ERROR);
    });
}

type DiffArgs = ArgumentsCamelCase<ReturnType<typeof builder> extends Argv<infer T> ? T : never>;

export async function handler(argv: DiffArgs): Promise<void> {
  let text: string;
  let identical: boolean;
  try {
    const [old, neu] = await Promise.all([readResult(argv.old), readResult(argv.new)]);
    const diff = diffResults(old, neu, { force: argv.force });
    const opts = { serviceName: (port: number) => serviceName(port) };
    text = argv.json ? renderDiffJson(diff, opts) : renderDiffText(diff, opts);
    identical = isIdentical(diff);
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(err.message, DIFF_ERROR);
    throw err;
  }
  await writeOutput('-', text, 'diff');
  setExitCode(identical ? 0 : 1);
}

export const diffCommand = { command, describe, builder, handler } as CommandModule<object, DiffArgs>;
