// The default command: `rawscan [options] TARGETS...`. Validates the options,
// builds the target set and port list, runs a raw scan through the native
// engine (or a connect scan without privileges) and writes the outputs.
import { randomBytes } from 'node:crypto';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from './errors.js';
import { canUseRawSockets } from './privilege.js';
import {
  customBase,
  defineScanOptions,
  validateScanArgs,
  type RawScanArgs,
  type ScanSettings,
} from './scan-options.js';
import { writeReports, type OutputArgs } from './outputs.js';
import { VERSION } from './version.js';
import { loadTargets } from '../targets/load.js';
import { ipToString, parseIpv4 } from '../targets/ipv4.js';
import { lookupRoute } from '../targets/route.js';
import type { TargetSet } from '../targets/target-set.js';
import { defaultPorts, parsePortSpec } from '../ports/spec.js';
import { loadAddon, mapEngineError, PRIVILEGE_MESSAGE } from '../native/addon.js';
import type { EngineConfig } from '../native/types.js';
import { runScan } from '../scan/orchestrator.js';
import { runConnectScan } from '../scan/connect-report.js';
import { PROBE_KINDS, type ProbeKind, type ScanReport } from '../scan/types.js';

export interface ScanArgs extends RawScanArgs, OutputArgs {
  targets?: string[];
  'input-list'?: string;
  exclude?: string;
  excludefile?: string;
  interface?: string;
  source?: string;
  seed?: string;
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

async function scan(argv: ArgumentsCamelCase<ScanArgs>): Promise<void> {
  const privileged = canUseRawSockets();
  const settings = validateScanArgs(argv, privileged);
  const raw = !settings.scanTypes.includes('connect');
  if (raw && !privileged) throw new UsageError(PRIVILEGE_MESSAGE);
  const ports = Array.from(argv.ports === undefined ? defaultPorts() : parsePortSpec(argv.ports));
  const targets = await loadTargets({
    specs: argv.targets ?? [],
    inputFile: argv['input-list'],
    exclude: argv.exclude === undefined ? [] : [argv.exclude],
    excludeFile: argv.excludefile,
  });
  for (const note of targets.notes) process.stderr.write(`rawscan: ${note}\n`);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const commandLine = ['rawscan', ...process.argv.slice(2)].join(' ');
    const report = raw
      ? await rawScan(argv, settings, targets, ports, abort.signal, commandLine)
      : await runConnectScan(targets, ports, {
          timing: settings.timing,
          maxRetries: settings.maxRetries,
          signal: abort.signal,
          commandLine,
          version: VERSION,
          verbose: argv.verbose,
        });
    await writeReports(report, argv);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function rawScan(
  argv: ScanArgs,
  settings: ScanSettings,
  targets: TargetSet,
  ports: number[],
  signal: AbortSignal,
  commandLine: string,
): Promise<ScanReport> {
  const route = await lookupRoute(ipToString(targets.at(0)), { device: argv.interface, source: argv.source });
  const kinds = settings.scanTypes as ProbeKind[];
  const addon = loadAddon();
  const config: EngineConfig = {
    device: route.device,
    sourceAddress: parseIpv4(route.source)!,
    // Ephemeral-range ports by default, away from the kernel's own connections.
    sourcePortBase: settings.sourcePort ?? 40000 + Math.floor(Math.random() * 20000),
    key: randomBytes(16),
    kinds: kinds.map((k) => PROBE_KINDS.indexOf(k)),
    ttl: settings.ttl,
    dataLength: settings.dataLength,
    badsum: settings.badsum,
    customFlags: settings.customFlags,
    customBase: PROBE_KINDS.indexOf(customBase(argv.scan) as ProbeKind),
    ratePps: 0,
  };
  const engine = addon.createEngine(config);
  try {
    engine.open();
  } catch (err) {
    throw mapEngineError(err, route.device);
  }
  return runScan({ targets, ports, scanTypes: kinds }, engine, {
    clock: () => addon.monotonicMs(),
    template: settings.timing,
    minRate: settings.minRate,
    maxRate: settings.maxRate,
    maxRetries: settings.maxRetries,
    seed: argv.seed === undefined ? undefined : parseSeed(argv.seed),
    signal,
    verbose: argv.verbose,
    commandLine,
    version: VERSION,
  });
}

function parseSeed(text: string): bigint {
  if (!/^(0x[0-9a-f]{1,16}|\d{1,20})$/i.test(text) || BigInt(text) >= 2n ** 64n) {
    throw new UsageError(`--seed ${text} is not a number: use a decimal or 0x-hex number below 2^64`);
  }
  return BigInt(text);
}
