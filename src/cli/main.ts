#!/usr/bin/env node
// rawscan's entry point: the only place that calls process.exit. Commands
// throw UsageError for input the user can fix; main prints its message alone
// and exits with its code. Anything else is a bug and keeps its stack.
import yargs, { type Argv, type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UsageError } from './errors.js';
import { rewriteNmapArgv } from './nmap-argv.js';
import { defineScanParser, scanCommand, scanFromPositionals, type ScanArgs } from './scan-command.js';
import { VERSION } from './version.js';
import { exitCode } from './exit.js';
import { mayBeTerminal } from '../output/write.js';
import { renewStartupHost, warmCaptureFor } from './warm-capture.js';
import { warmCaptureState } from '../native/addon.js';

const SUBCOMMANDS = new Set(['lab', 'demo', 'diff', 'merge', 'help']);

/** Registers one subcommand on a parser. */
type Registration = (y: Argv) => Argv;

// Subcommand modules, in --help order, imported only when the command line
// names one (or asks for help, which lists them all): a scan does not pay for
// loading them (the audit command's YAML parser alone loads slower than a
// one-port scan runs).
const SUBCOMMAND_LOADERS: [name: string, load: () => Promise<Registration>][] = [
  ['lab', async () => register((await import('./lab-command.js')).labCommand)],
  ['demo', async () => register((await import('./demo-command.js')).demoCommand)],
  ['diff', async () => register((await import('./diff-command.js')).diffCommand)],
  ['merge', async () => register((await import('./merge-command.js')).mergeCommand)],
  ['firewalk', async () => register((await import('./firewalk-command.js')).firewalkCommand)],
  ['audit', async () => register((await import('./audit-command.js')).auditCommand)],
];

function register<U>(command: CommandModule<object, U>): Registration {
  return (y) => y.command(command);
}

/** The subcommands args needs: the one it names, all of them for help, none for a scan. */
export async function subcommandsFor(args: string[]): Promise<Registration[]> {
  const named = SUBCOMMAND_LOADERS.find(([name]) => name === args[0]);
  if (named) return [await named[1]()];
  const help = args[0] === 'help' || args.includes('--help') || args.includes('-h');
  return help ? Promise.all(SUBCOMMAND_LOADERS.map(([, load]) => load())) : [];
}

/** The full parser: the scan as the default command, and the subcommands given (all of them for --help). */
export function buildParser(args: string[], subcommands: Registration[] = []): Argv {
  let parser = yargs(args)
    .scriptName('rawscan')
    .usage(
      "rawscan [options] TARGETS...\n\nRaw-packet TCP port scanner with nmap's flags, reasons and outputs.",
    )
    .command(scanCommand);
  for (const add of subcommands) parser = add(parser);
  return finish(parser.strict(), args);
}

/**
 * The parser of a scan's command line (no subcommand, no help): the scan's
 * options at the top level, its targets the positionals (defineScanParser).
 * Only options are checked strictly: every positional is a target.
 */
export function buildScanParser(args: string[]): Argv<ScanArgs> {
  return finish(defineScanParser(yargs(args).scriptName('rawscan')).strictOptions(), args);
}

/** What both parsers share: --version, --help, the width, and failures as UsageErrors. */
function finish<T>(parser: Argv<T>, args: string[]): Argv<T> {
  return parser
    .version(VERSION)
    .alias('version', 'V')
    .help()
    .alias('help', 'h')
    .wrap(Math.min(110, (mayBeTerminal(1) && process.stdout.columns) || 110))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(`${oneLine(msg)}; see ${helpCommand(args)}`);
    });
}

/**
 * A yargs message on one line (it spreads invalid choices over several),
 * an unknown --long-option named once (yargs adds its camelCase twin).
 */
function oneLine(msg: string): string {
  const unknown = /^(Unknown arguments?): (.*)$/s.exec(msg);
  if (!unknown) return msg.replace(/\n\s*/g, ' ');
  const names = unknown[2].split(', ');
  const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const once = names.filter((name) => !names.some((other) => other !== name && camel(other) === name));
  return `${once.length > 1 ? 'Unknown arguments' : 'Unknown argument'}: ${once.join(', ')}`;
}

/** The --help that documents the command args names: the subcommand's own, or the scan's. */
function helpCommand(args: string[]): string {
  const subcommand = SUBCOMMAND_LOADERS.find(([name]) => name === args[0]);
  return subcommand ? `rawscan ${subcommand[0]} --help` : 'rawscan --help';
}

/** Scan options use nmap spellings; subcommands take ordinary ones. */
export function normalizeArgv(args: string[]): string[] {
  return SUBCOMMANDS.has(args[0] ?? '') ? args : rewriteNmapArgv(args);
}

export async function main(args: string[]): Promise<number> {
  try {
    const normalized = normalizeArgv(args);
    const subcommands = await subcommandsFor(args);
    renewStartupHost();
    if (subcommands.length === 0) {
      // A scan's capture starts opening now, while yargs parses (src/cli/warm-capture.ts).
      await warmCaptureFor(normalized);
      const argv = await buildScanParser(normalized).parseAsync();
      if (!argv.help && !argv.version) await scanFromPositionals(argv);
    } else {
      await buildParser(normalized, subcommands).parseAsync();
    }
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
  } finally {
    if (process.env.RAWSCAN_WARM_CAPTURE === 'report') {
      process.stderr.write(`rawscan: warm capture ${warmCaptureState()}\n`);
    }
  }
}

// No top-level await: the build bundles this module into a CommonJS script
// (scripts/bundle-cli.mjs). Exit even if a library left a handle open, once
// stdout has drained: node writes pipes and files synchronously on Linux, so
// only a terminal's process.stdout is waited for (touching process.stdout
// otherwise would load node's stream and net modules just to exit).
void main(hideBin(process.argv)).then((code) =>
  mayBeTerminal(1) ? process.stdout.write('', () => process.exit(code)) : process.exit(code),
);
