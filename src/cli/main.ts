#!/usr/bin/env node
// rawscan's entry point: the only place that calls process.exit. Commands
// throw UsageError for input the user can fix; main prints its message alone
// and exits with its code. Anything else is a bug and keeps its stack.
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UsageError } from './errors.js';
import { rewriteNmapArgv } from './nmap-argv.js';
import { scanCommand } from './scan-command.js';
import { labCommand } from './lab-command.js';
import { demoCommand } from './demo-command.js';
import { diffCommand } from './diff-command.js';
import { mergeCommand } from './merge-command.js';
import { firewalkCommand } from './firewalk-command.js';
import { VERSION } from './version.js';
import { exitCode } from './exit.js';

const SUBCOMMANDS = new Set(['lab', 'demo', 'diff', 'merge', 'help']);

export function buildParser(args: string[]): Argv {
  return yargs(args)
    .scriptName('rawscan')
    .usage(
      "rawscan [options] TARGETS...\n\nRaw-packet TCP port scanner with nmap's flags, reasons and outputs.",
    )
    .command(scanCommand)
    .command(labCommand)
    .command(demoCommand)
    .command(diffCommand)
    .command(mergeCommand)
    .command(firewalkCommand)
    .version(VERSION)
    .alias('version', 'V')
    .help()
    .alias('help', 'h')
    .strict()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(`${msg}; see rawscan --help`);
    });
}

/** Scan options use nmap spellings; subcommands take ordinary ones. */
export function normalizeArgv(args: string[]): string[] {
  return SUBCOMMANDS.has(args[0] ?? '') ? args : rewriteNmapArgv(args);
}

export async function main(args: string[]): Promise<number> {
  try {
    const parser = buildParser(normalizeArgv(args));
    await parser.parseAsync();
    return exitCode();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`rawscan: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(
      `rawscan: internal error (please report): ${(err as Error)?.stack ?? String(err)}\n`,
    );
    return 3;
  }
}

const code = await main(hideBin(process.argv));
// Exit once stdout has drained, even if a library left a handle open.
process.stdout.write('', () => process.exit(code));
