// The default command: `rawscan [options] TARGETS...`. Validates the options,
// builds the target set and port list, runs a raw scan through the native
// engine (or a connect scan without privileges) and writes the outputs.
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from './errors.js';
import { canUseRawSockets } from './privilege.js';
import { dropForScan, planDropForProcess } from './drop-privileges.js';
import { defineScanOptions, validateScanArgs, type RawScanArgs, type ScanSettings } from './scan-options.js';
import { partialReport, renderOptions, writeReports, type OutputArgs } from './outputs.js';
import { ProgressDisplay, trapInterrupts } from './progress.js';
import {
  beginRawScan,
  parseSeed,
  runBegunRawScan,
  type BegunRawScan,
  type RawScanRequest,
} from './raw-scan.js';
import { closeResume, journalingVerdicts, openScanResume, type ResumeSession } from './resume.js';
import { VERSION } from './version.js';
import { startupHost } from './warm-capture.js';
import { loadTargets } from '../targets/load.js';
import { applySafeDefaults, boundedFileReader, checkScanSize } from '../targets/safety.js';
import { systemServices } from '../ports/services.js';
import { closeEarlyOutputs, mayBeTerminal, openOutputsEarly } from '../output/write.js';
import type { TargetSet } from '../targets/target-set.js';
import { defaultPorts, parsePortSpec } from '../ports/spec.js';
import { PRIVILEGE_MESSAGE } from '../native/addon.js';
import type { ScanHooks } from '../scan/orchestrator.js';
import type { ScanReport } from '../scan/types.js';

export interface ScanArgs extends RawScanArgs, OutputArgs {
  targets?: string[];
  'input-list'?: string;
  exclude?: string;
  excludefile?: string;
  interface?: string;
  source?: string;
  'allow-broadcast': boolean;
  user?: string;
  verbose: number;
}

const EXAMPLES: [string, string][] = [
  ['rawscan -sS -p- -n 198.19.0.1', 'SYN scan of every TCP port'],
  ['rawscan -sF -p 1-1024 --reason 198.19.0.0/30', 'FIN scan, with the reason for each state'],
  [
    'rawscan -sS -p 22,80,443 -T4 -oX out.xml -oJ out.json 198.19.1-3.0-255',
    'outputs for nmap tools and for scripts',
  ],
  ['rawscan -sT -p 80 198.19.0.1', 'connect scan: needs no privileges'],
];

export const scanCommand: CommandModule<object, ScanArgs> = {
  command: '$0 [targets..]',
  describe: 'scan TCP ports of TARGETS (addresses, CIDR, octet ranges, host names)',
  builder: (y: Argv) => {
    let b = defineScanOptions(y).positional('targets', {
      type: 'string',
      array: true,
      describe: 'what to scan',
    });
    for (const [cmd, what] of EXAMPLES) b = b.example(cmd, what);
    return b.epilogue(
      'Host discovery is not implemented yet: every target is treated as up, as with nmap -Pn.\n' +
        'Raw scan types need root or CAP_NET_RAW; -sT works without. Docs: docs/usage.md',
    ) as unknown as Argv<ScanArgs>;
  },
  handler: (argv) => scan(argv),
};

/**
 * The scan's options on a parser of their own, for a command line that names
 * no subcommand and asks for no help (main.ts): the targets are its
 * positionals, kept as typed. yargs parses such a line once, where the
 * default command above costs it two more parses and its command machinery
 * (~4 ms of a one-port scan); --help and the subcommands keep scanCommand.
 */
export function defineScanParser(y: Argv): Argv<ScanArgs> {
  return defineScanOptions(y).parserConfiguration({
    'parse-positional-numbers': false,
  }) as unknown as Argv<ScanArgs>;
}

/** Runs the scan of a command line that defineScanParser's parser read: its positionals are the targets. */
export function scanFromPositionals(argv: ArgumentsCamelCase<ScanArgs>): Promise<void> {
  return scan({ ...argv, targets: argv._.map(String) });
}

async function scan(argv: ArgumentsCamelCase<ScanArgs>): Promise<void> {
  const privileged = canUseRawSockets();
  const settings = validateScanArgs(argv, privileged);
  const raw = !settings.scanTypes.includes('connect');
  if (raw && !privileged) throw new UsageError(PRIVILEGE_MESSAGE);
  const dropPlan = planDropForProcess(argv.user);
  const ports = argv.ports === undefined ? defaultPorts() : parsePortSpec(argv.ports);
  const loaded = await loadTargets({
    specs: argv.targets ?? [],
    inputFile: argv['input-list'],
    exclude: argv.exclude === undefined ? [] : [argv.exclude],
    excludeFile: argv.excludefile,
    readText: boundedFileReader(),
  });
  // The interfaces as the start's route lookup saw them (the same getifaddrs, once).
  const targets = await applySafeDefaults(loaded, argv['allow-broadcast'], startupHost().interfaces());
  checkScanSize(targets.size, ports.length, settings.scanTypes.length, settings.shard?.count);
  for (const note of targets.notes) process.stderr.write(`rawscan: ${note}\n`);
  const commandLine = ['rawscan', ...process.argv.slice(2)].join(' ');
  const resume =
    argv.resume === undefined
      ? undefined
      : await openScanResume(argv.resume, settings, targets, ports, argv.scan, argv.seed);
  const display =
    raw && (settings.statsEveryMs !== undefined || mayBeTerminal(2))
      ? ProgressDisplay.forScan(process.stderr, settings.statsEveryMs)
      : undefined;
  const ndjsonPath = argv['output-ndjson'];
  // The connect scan has no verdict hook: its NDJSON is written after the scan.
  const stream =
    raw && ndjsonPath !== undefined
      ? await (
          await import('./stream-output.js')
        ).NdjsonStream.open(
          ndjsonPath,
          {
            version: VERSION,
            args: commandLine,
            scanTypes: settings.scanTypes,
            ports,
            startTime: Date.now(),
          },
          targets,
          renderOptions(argv),
          () => display?.clear(),
        )
      : undefined;
  const verdict = resume ? journalingVerdicts(resume, stream?.port) : stream?.port;
  const hooks: ScanHooks = { progress: display && ((p) => display.update(p)), verdict };
  const abort = new AbortController();
  const drop = () => dropForScan(dropPlan, argv.verbose);
  const releaseSignals = trapInterrupts(abort, display);
  let begun: BegunRawScan | undefined;
  let ran = false;
  try {
    // A raw scan's engine opens while the rest is prepared (the kernel takes
    // 10-30 ms to set up the capture).
    begun = raw
      ? await beginRawScan(
          rawScanRequest(argv, settings, targets, ports, abort.signal, commandLine, hooks, display, resume),
        )
      : undefined;
    // Everything the scan reads or writes is open before the privilege drop.
    systemServices();
    await openOutputsEarly(earlyOutputs(argv, stream !== undefined));
    if (!raw) drop(); // a raw scan drops once its engine is open
    ran = true;
    const report = begun
      ? await runBegunRawScan(begun, drop).catch(partialReport)
      : await (
          await import('../scan/connect-report.js')
        ).runConnectScan(targets, ports, {
          timing: settings.timing,
          maxRetries: settings.maxRetries,
          signal: abort.signal,
          commandLine,
          version: VERSION,
          verbose: argv.verbose,
        });
    display?.clear();
    await stream?.finish(report);
    await writeReports(report, argv, stream ? ['output-ndjson'] : []);
  } finally {
    if (begun && !ran) await begun.close(); // an output that could not be opened: the engine never ran
    if (resume) await closeResume(resume);
    display?.clear();
    await stream?.close();
    await closeEarlyOutputs();
    releaseSignals();
  }
}

const EARLY_OUTPUTS: [keyof OutputArgs, string][] = [
  ['output-normal', '-oN output'],
  ['output-xml', '-oX output'],
  ['output-grepable', '-oG output'],
  ['output-json', '-oJ output'],
  ['output-ndjson', '--output-ndjson output'],
  ['evidence', '--evidence output'],
];

/** The files writeReports will write (a streamed NDJSON file is open already). */
function earlyOutputs(argv: ScanArgs, ndjsonStreamed: boolean): { path: string; what: string }[] {
  return EARLY_OUTPUTS.filter(([key]) => typeof argv[key] === 'string')
    .filter(([key]) => !(ndjsonStreamed && key === 'output-ndjson'))
    .map(([key, what]) => ({ path: argv[key] as string, what }));
}

function rawScanRequest(
  argv: ScanArgs,
  settings: ScanSettings,
  targets: TargetSet,
  ports: number[],
  signal: AbortSignal,
  commandLine: string,
  hooks: ScanHooks,
  display: ProgressDisplay | undefined,
  resume: ResumeSession | undefined,
): RawScanRequest {
  return {
    targets,
    ports,
    settings,
    requestedScans: argv.scan,
    device: argv.interface,
    source: argv.source,
    host: startupHost(),
    seed: resume?.seed ?? (argv.seed === undefined ? undefined : parseSeed(argv.seed)),
    decided: resume?.decided,
    signal,
    commandLine,
    verbose: argv.verbose,
    hooks,
    progressMs: display?.periodMs,
  };
}
