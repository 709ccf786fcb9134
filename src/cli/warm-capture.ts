// A raw scan's capture, opened before yargs has parsed the command line
// (native/engine/warm_capture.h). Setting up the capture's ring waits for the
// kernel (10-30 ms), and yargs' parse and the scan's preparation take about
// as long, so a one-port scan used to wait for the ring after both. This
// module guesses, from the arguments alone, the interface and ring the scan
// will ask for, and starts the native warm-up; the engine takes the handle if
// the guess was right (same interface, a ring at least as large) and opens its
// own otherwise. The guess uses the scan's own option table, target and port
// parsers, and declines whenever it would need more than a few cheap steps:
// host names, list files, exclusions, a connect scan, no privileges.
// RAWSCAN_WARM_CAPTURE=report says on stderr, after a command, what became of
// the warmed handle (native/engine/warm_capture.h: taken, discarded, ...).
import { Parser } from 'yargs/helpers';
import type { Argv, Options } from 'yargs';
import { canUseRawSockets } from './privilege.js';
import { KERNEL_VIA_ADDON, rememberingHost, ringBytesPerEngine } from './raw-scan.js';
import { defineScanOptions } from './scan-options.js';
import { warmCapture } from '../native/addon.js';
import { kernelRoute, type HostView } from '../targets/kernel-route.js';
import { loadTargets } from '../targets/load.js';
import { ipToString } from '../targets/ipv4.js';
import { defaultPorts, parsePortSpec } from '../ports/spec.js';

let host = rememberingHost(KERNEL_VIA_ADDON);

/**
 * The host as this command line's start sees it: the warm-up's route answers
 * serve its scan too. main() renews it for each command line it runs.
 */
export function startupHost(): HostView {
  return host;
}

export function renewStartupHost(): void {
  host = rememberingHost(KERNEL_VIA_ADDON);
}

/** What the scan of some arguments will capture on: its first target, -e, and its probe count. */
export interface CaptureGuess {
  firstTarget: string;
  /** -e as given; absent: the route to firstTarget decides */
  device?: string;
  probes: number;
}

/** yargs-parser's options for the scan command: its options' types and aliases, --help and --version. */
let parserOptions: Parameters<typeof Parser>[1] | undefined;

function scanParserOptions(): NonNullable<typeof parserOptions> {
  if (parserOptions) return parserOptions;
  const options = {
    alias: {} as Record<string, string[]>,
    array: [] as string[],
    boolean: ['help', 'version'],
    count: [] as string[],
    narg: {} as Record<string, number>,
    number: [] as string[],
    string: [] as string[],
  };
  options.alias.help = ['h'];
  options.alias.version = ['V'];
  // The scan command's own definitions, recorded rather than given to yargs.
  const recorder = {
    option(key: string, o: Options) {
      if (o.alias !== undefined) options.alias[key] = ([] as string[]).concat(o.alias);
      if (o.array) options.array.push(key);
      if (o.nargs !== undefined) options.narg[key] = o.nargs;
      if (o.type === 'boolean' || o.type === 'count' || o.type === 'number' || o.type === 'string') {
        options[o.type].push(key);
      }
      return recorder;
    },
  };
  defineScanOptions(recorder as unknown as Argv);
  parserOptions = options;
  return options;
}

/**
 * The capture a scan of args (as rewritten by normalizeArgv) would open, when
 * the arguments say so without DNS, files or the network; undefined
 * otherwise. A wrong guess costs only a handle opened for nothing: yargs and
 * the scan still validate everything as before.
 */
export async function guessCapture(args: string[]): Promise<CaptureGuess | undefined> {
  const argv = Parser(args, scanParserOptions());
  const scans: unknown[] = Array.isArray(argv.scan) ? argv.scan : [];
  const declined =
    argv.help ||
    argv.version ||
    scans.includes('connect') ||
    ['input-list', 'exclude', 'excludefile', 'resume'].some((key) => argv[key] !== undefined);
  if (declined || argv._.length === 0) return undefined;
  try {
    const targets = await loadTargets({
      specs: argv._.map(String),
      resolve: () => Promise.reject(new Error('no DNS for a guess')),
    });
    const ports = argv.ports === undefined ? defaultPorts() : parsePortSpec(String(argv.ports));
    const kinds = argv.scanflags !== undefined ? 1 : Math.max(1, new Set(scans).size);
    const device = typeof argv.interface === 'string' ? argv.interface : undefined;
    return { firstTarget: ipToString(targets.at(0)), device, probes: targets.size * ports.length * kinds };
  } catch {
    return undefined; // a host name, or input yargs and the scan will report
  }
}

/**
 * Starts the capture warm-up for a scan of args, as root (or with
 * CAP_NET_RAW) only. Resolves once the native thread has started, or at
 * once when there is nothing to guess; never rejects.
 */
export async function warmCaptureFor(args: string[], view: HostView = startupHost()): Promise<void> {
  try {
    if (!canUseRawSockets()) return;
    const guess = await guessCapture(args);
    if (guess === undefined) return;
    // Without -e only the kernel's answers are asked: a route that needs `ip` is left to the scan.
    const device = guess.device ?? (await kernelRoute(guess.firstTarget, view))?.device;
    if (device !== undefined) warmCapture(device, ringBytesPerEngine(1, guess.probes));
  } catch {
    // The scan reports whatever went wrong here (an addon that does not load, say) itself.
  }
}
