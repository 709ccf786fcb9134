// Which interface and source address reach a target, as the kernel sees it:
// without a process when the kernel's answers agree (kernel-route.ts), else
// `ip -j route get ADDR` (iproute2 JSON), run through execFile (no shell).
// The sender uses IPPROTO_RAW and lets the kernel route; the capture side needs
// the device, and the cookie needs the source address, so both come from here.
//   -e IFACE   capture on IFACE (must exist), route via it, source = its first IPv4 address
//   -S ADDR    source address as given (no check that it is local: spoofing is the user's call)

import { execFile } from 'node:child_process';
import { UsageError } from '../cli/errors.js';
import { parseIpv4 } from './ipv4.js';
import { kernelRoute, type HostView } from './kernel-route.js';

export interface Route {
  device: string;
  /** dotted quad the probes carry as source */
  source: string;
  /** next hop, absent when the target is on-link or local */
  gateway?: string;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** exit status; 0 = success */
  code: number;
}

/** Runs a program with arguments, no shell. Rejects only when the program cannot be started. */
export type CommandRunner = (file: string, args: string[]) => Promise<CommandResult>;

export interface RouteOptions {
  /** -e: interface to use */
  device?: string;
  /** -S: source address to use */
  source?: string;
  run?: CommandRunner;
  /** asks the kernel without `ip` first (default: this host's); null: `ip` only */
  host?: HostView | null;
}

const execRunner: CommandRunner = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8', timeout: 10_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ stdout, stderr, code: error ? Number(error.code) : 0 });
    });
  });

export async function lookupRoute(addr: string, options: RouteOptions = {}): Promise<Route> {
  const run = options.run ?? execRunner;
  if (parseIpv4(addr) === null) throw new UsageError(`cannot route to ${addr}: not an IPv4 address`);
  if (options.source !== undefined && parseIpv4(options.source) === null) {
    throw new UsageError(`-S ${options.source} is not an IPv4 address; give one like -S 198.18.0.2`);
  }

  if (options.device !== undefined) {
    const device = options.device;
    const deviceSource = await firstIpv4(run, device);
    const found = await routeGet(run, addr, ['oif', device]);
    if (typeof found === 'string') {
      throw new UsageError(
        `no route to ${addr} via interface ${device} (${found}); check \`ip route\` or drop -e`,
      );
    }
    return withGateway({ device, source: options.source ?? required(deviceSource, device) }, found.gateway);
  }

  const direct = options.host === null ? undefined : await kernelRoute(addr, options.host);
  if (direct) return options.source === undefined ? direct : { ...direct, source: options.source };
  const found = await routeGet(run, addr, []);
  if (typeof found === 'string') {
    throw new UsageError(
      `no route to ${addr} from this host/namespace (${found}); check \`ip route get ${addr}\` or choose an interface with -e`,
    );
  }
  const device = String(found.dev);
  const source = options.source ?? (typeof found.prefsrc === 'string' ? found.prefsrc : undefined);
  return withGateway(
    { device, source: source ?? required(await firstIpv4(run, device), device) },
    found.gateway,
  );
}

function withGateway(route: Route, gateway: unknown): Route {
  return typeof gateway === 'string' ? { ...route, gateway } : route;
}

interface RouteEntry {
  dev?: unknown;
  prefsrc?: unknown;
  gateway?: unknown;
}

/**
 * The kernel's route to addr, or, when there is none (ip exits non-zero for
 * unreachable, prohibit and blackhole routes too), ip's reason as a string.
 */
async function routeGet(run: CommandRunner, addr: string, extra: string[]): Promise<RouteEntry | string> {
  const result = await runIp(run, ['-j', 'route', 'get', addr, ...extra]);
  const reason = result.stderr.replace(/^RTNETLINK answers: /, '').trim() || 'no route';
  if (result.code !== 0) return reason;
  const entry = (parseJson(result.stdout, 'ip route get') as RouteEntry[])[0];
  return entry && typeof entry.dev === 'string' ? entry : reason;
}

/** First IPv4 address of an interface (undefined if it has none); UsageError when it does not exist. */
async function firstIpv4(run: CommandRunner, device: string): Promise<string | undefined> {
  if (device === '') throw new UsageError('-e needs an interface name: give one that `ip link` lists');
  // IFNAMSIZ is 16 including the NUL; names never contain "/" or whitespace.
  if (!/^[^\s/]{1,15}$/.test(device) || device.startsWith('-')) {
    throw new UsageError(`interface ${device} does not exist; see \`ip link\``);
  }
  const result = await runIp(run, ['-j', 'addr', 'show', 'dev', device]);
  if (result.code !== 0) throw new UsageError(`interface ${device} does not exist; see \`ip link\``);
  const links = parseJson(result.stdout, 'ip addr show') as {
    addr_info?: { family?: string; local?: string }[];
  }[];
  const inet = (links[0]?.addr_info ?? []).find(
    (info) => info.family === 'inet' && typeof info.local === 'string',
  );
  return inet?.local;
}

function required(source: string | undefined, device: string): string {
  if (source !== undefined) return source;
  throw new UsageError(
    `interface ${device} has no IPv4 address; add one (ip addr add ... dev ${device}) or give the source with -S`,
  );
}

async function runIp(run: CommandRunner, args: string[]): Promise<CommandResult> {
  try {
    return await run('ip', args);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(
      `cannot run \`ip ${args.join(' ')}\` (${reason}); rawscan needs iproute2 to find routes`,
    );
  }
}

function parseJson(text: string, what: string): unknown[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) throw new Error(`unexpected output from ${what}: ${text.slice(0, 200)}`);
  return value;
}
