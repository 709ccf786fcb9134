// One raw scan through the native engine, as the scan and audit commands run
// it: route lookup, engine configuration from validated ScanSettings, open
// (privilege and device errors mapped to UsageError), then runScan. A command
// that runs several scans opens every engine first (openRawScan), drops its
// privileges, and only then runs them: a dropped process cannot open another.
import { UsageError } from './errors.js';
import { customBase, type ScanSettings } from './scan-options.js';
import { VERSION } from './version.js';
import { kernelSourceFor, loadAddon } from '../native/addon.js';
import type { EngineConfig } from '../native/types.js';
import { prepareScan, type ScanHooks } from '../scan/orchestrator.js';
import type { DecidedProbe } from '../scan/resume.js';
import { PROBE_KINDS, type ProbeKind, type ScanReport, type TargetList } from '../scan/types.js';
import { ipToString, parseIpv4 } from '../targets/ipv4.js';
import { lookupRoute } from '../targets/route.js';
import { thisHost, type HostView } from '../targets/kernel-route.js';
import { randomBytes } from '../scan/random.js';

export interface RawScanRequest {
  targets: TargetList;
  ports: number[];
  /** validated options; settings.scanTypes must all be raw probe kinds */
  settings: ScanSettings;
  /** the -s types as given (--scan), whose first raw one is --scanflags' base kind */
  requestedScans?: readonly string[];
  /** -e and -S; the route to the first target decides what is absent */
  device?: string;
  /** whom to ask for that route without `ip` (default KERNEL_VIA_ADDON) */
  host?: HostView;
  source?: string;
  /** --seed, already parsed (parseSeed) */
  seed?: bigint;
  signal?: AbortSignal;
  /** the command line as typed (ScanReport.args) */
  commandLine: string;
  verbose: number;
  hooks?: ScanHooks;
  /** period of hooks.progress, ms */
  progressMs?: number;
  /** probes decided by an earlier run (--resume, src/cli/resume.ts) */
  decided?: Iterable<DecidedProbe>;
  /**
   * Runs once the engine holds its raw socket and capture, before it starts
   * (before any packet is parsed): the privilege drop (src/cli/drop-privileges.ts).
   */
  afterOpen?: () => void;
  /** the engine's pcap ring, bytes (default: ringBytesPerEngine of this one scan) */
  pcapBufferBytes?: number;
}

/** A raw scan whose engine holds its raw socket and capture but has not started (parses no packet yet). */
export interface OpenedRawScan {
  /** starts the engine and runs the scan (once); rejects as runScan does */
  run(): Promise<ScanReport>;
  /** closes the engine of a scan that will not run; harmless after run() */
  close(): Promise<void>;
}

/** Runs the scan; rejects with UsageError when the engine cannot open (privileges, device). */
export async function runRawScan(req: RawScanRequest): Promise<ScanReport> {
  return runBegunRawScan(await beginRawScan(req), req.afterOpen);
}

/** A raw scan whose engine is opening: `opened` settles as openRawScan's promise would. */
export interface BegunRawScan {
  opened: Promise<OpenedRawScan>;
  /** closes the engine of a scan that will not run, once its open has settled */
  close(): Promise<void>;
}

/** Waits until the engine is open, runs afterOpen (the privilege drop), then the scan. */
export async function runBegunRawScan(begun: BegunRawScan, afterOpen?: () => void): Promise<ScanReport> {
  const scan = await begun.opened;
  afterOpen?.();
  return scan.run();
}

/**
 * This host as kernelRoute asks it, its source address from the addon: a
 * raw scan loads the addon anyway, and node:dgram's connect() would load
 * node's cluster and child_process modules as well (~4 ms of a start).
 */
export const KERNEL_VIA_ADDON: HostView = { ...thisHost, sourceFor: async (dest) => kernelSourceFor(dest) };

/**
 * A view of host that asks it each question once: a scan's start asks for
 * the route to its first target twice, a few ms apart, to warm its capture
 * (src/cli/warm-capture.ts) and to open its engine (~3 ms each time).
 */
export function rememberingHost(host: HostView): HostView {
  const sources = new Map<string, Promise<string | undefined>>();
  let table: { text: string | undefined } | undefined;
  let interfaces: ReturnType<HostView['interfaces']> | undefined;
  return {
    sourceFor: (dest) => {
      let source = sources.get(dest);
      if (source === undefined) sources.set(dest, (source = host.sourceFor(dest)));
      return source;
    },
    mainTable: () => (table ??= { text: host.mainTable() }).text,
    interfaces: () => (interfaces ??= host.interfaces()),
  };
}

/** Looks up the route and opens the engine; UsageError when it cannot open (privileges, device). */
export async function openRawScan(req: RawScanRequest): Promise<OpenedRawScan> {
  return (await beginRawScan(req, false)).opened;
}

/**
 * Looks up the route, creates the engine and starts opening it (openAsync):
 * the caller may prepare the rest of the scan while the kernel sets up the
 * capture, then await `opened` (which a failure rejects, as a UsageError for
 * privileges or a device, only when awaited). prepareNow: build the scan's
 * scheduler meanwhile too, for a scan that runs as soon as it is open (its
 * clock starts then); a command that opens several engines before running
 * them one by one (audit) builds each when it runs.
 */
export async function beginRawScan(req: RawScanRequest, prepareNow = true): Promise<BegunRawScan> {
  const { settings } = req;
  const route = await lookupRoute(ipToString(req.targets.at(0)), {
    device: req.device,
    source: req.source,
    host: req.host ?? KERNEL_VIA_ADDON,
  });
  const kinds = settings.scanTypes as ProbeKind[];
  const base = customBase(req.requestedScans) as ProbeKind;
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
    customBase: PROBE_KINDS.indexOf(base),
    ratePps: 0,
    pcapBufferBytes:
      req.pcapBufferBytes ?? ringBytesPerEngine(1, req.targets.size * req.ports.length * kinds.length),
  };
  // loadAddon's engines map their errors (mapEngineError) themselves.
  const engine = addon.createEngine(config);
  // stop() waits for an open still running.
  const close = () => engine.stop();
  let prepared: ReturnType<typeof prepareScan> | undefined;
  const opened = engine
    .openAsync()
    .then((): OpenedRawScan => ({ run: () => (prepared ?? prepare()).start(), close }));
  opened.catch(() => {}); // the caller awaits it later; a failure meanwhile is not an unhandled one
  // A scan touches its engine only once started: it may be built while the engine opens.
  const prepare = () =>
    prepareScan(
      { targets: req.targets, ports: req.ports, scanTypes: kinds, customBase: base },
      engine,
      {
        clock: () => addon.monotonicMs(),
        template: settings.timing,
        ...settings.timingOverrides,
        minRate: settings.minRate,
        maxRate: settings.maxRate,
        maxRetries: settings.maxRetries,
        seed: req.seed,
        shard: settings.shard,
        signal: req.signal,
        verbose: req.verbose,
        commandLine: req.commandLine,
        version: VERSION,
        progressMs: req.progressMs,
        decided: req.decided,
      },
      req.hooks,
    );
  try {
    if (prepareNow) prepared = prepare();
  } catch (err) {
    await close();
    throw err;
  }
  return { opened, close };
}

/** The engine's own pcap ring (EngineConfig.pcap_buffer_bytes in native/engine/engine.h), bytes. */
const ENGINE_RING_BYTES = 16 << 20;
/** Ring memory of all the engines one command opens before its privilege drop, bytes. */
const OPENED_TOGETHER_RING_BYTES = 64 << 20;
/** Smallest ring: a few hundred frames (a frame slot holds a 256-byte snapshot). */
const MIN_RING_BYTES = 256 << 10;
/** Room per probe: a few replies (one per try) and strays. */
const RING_BYTES_PER_PROBE = 2 << 10;

/**
 * The pcap ring of each of `engines` engines that one command opens before its
 * privilege drop and starts one after another; `probes` is what the largest of
 * their scans sends. One engine may take the engine's default ring; several
 * share a fixed budget (ring memory is the kernel's, held from open to close);
 * none takes more than its probes need. A small ring also opens sooner: the
 * kernel zeroes the whole ring when the capture opens (a 16 MiB ring took ~6 ms
 * of a one-port scan's ~20 ms open).
 */
export function ringBytesPerEngine(engines: number, probes: number): number {
  const share = engines <= 1 ? ENGINE_RING_BYTES : Math.floor(OPENED_TOGETHER_RING_BYTES / engines);
  return Math.max(MIN_RING_BYTES, Math.min(ENGINE_RING_BYTES, share, probes * RING_BYTES_PER_PROBE));
}

/** --seed: a decimal or 0x-hex number below 2^64. */
export function parseSeed(text: string): bigint {
  if (!/^(0x[0-9a-f]{1,16}|\d{1,20})$/i.test(text) || BigInt(text) >= 2n ** 64n) {
    throw new UsageError(`--seed ${text} is not a number: use a decimal or 0x-hex number below 2^64`);
  }
  return BigInt(text);
}
