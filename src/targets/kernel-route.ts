// The kernel's route to a destination without running `ip` (two process
// spawns were ~30 ms of a one-port scan):
//   source   connect() on a UDP socket: the kernel routes it, policy rules
//            included, and picks the source; a UDP connect sends nothing
//   device   the main routing table's best match (/proc/net/route: longest
//            prefix, then lowest metric), with its next hop
// The answer counts only when the two agree, i.e. the device is the one
// interface that holds the source address; a local destination (127/8 or an
// address of this host) goes over lo, as the kernel's local table says. Every
// other case (no route, a reject route, a source on another interface, policy
// routing to another table) is left to `ip route get` (route.ts).

import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { endianness, networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { ipToString, parseIpv4 } from './ipv4.js';
import type { Route } from './route.js';

/** What kernelRoute asks of the host; tests give their own. */
export interface HostView {
  /** the source address the kernel picks to reach dest, undefined when it has no route */
  sourceFor(dest: string): Promise<string | undefined>;
  /** the text of /proc/net/route (the main table), undefined when unreadable */
  mainTable(): string | undefined;
  /** os.networkInterfaces(): the addresses of the interfaces that are up */
  interfaces(): NodeJS.Dict<NetworkInterfaceInfo[]>;
}

/** Any port does: connect() only routes, and the socket is closed unused. */
const DISCARD_PORT = 9;
const RTF_UP = 0x1;
const RTF_GATEWAY = 0x2;

export const thisHost: HostView = {
  sourceFor: (dest) =>
    new Promise((resolve) => {
      const socket = createSocket('udp4');
      socket.connect(DISCARD_PORT, dest, (error?: Error) => {
        resolve(error ? undefined : socket.address().address);
        socket.close();
      });
    }),
  mainTable: () => {
    try {
      return readFileSync('/proc/net/route', 'latin1');
    } catch {
      return undefined;
    }
  },
  interfaces: networkInterfaces,
};

/** The route to dest when the kernel's source and main table agree on a device, else undefined. */
export async function kernelRoute(dest: string, host: HostView = thisHost): Promise<Route | undefined> {
  const destination = parseIpv4(dest);
  if (destination === null) return undefined;
  const source = await host.sourceFor(dest);
  if (source === undefined) return undefined;
  const owners = ipv4Owners(host.interfaces());
  if (destination >>> 24 === 127 || owners.has(dest)) return { device: 'lo', source };
  const table = host.mainTable();
  const best = table === undefined ? undefined : bestMainRoute(table, destination);
  if (best === undefined || owners.get(source)?.join() !== best.device) return undefined;
  return { ...best, source };
}

/** IPv4 address -> the interfaces that hold it. */
function ipv4Owners(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const [name, infos] of Object.entries(interfaces)) {
    for (const info of infos ?? []) {
      if (info.family !== 'IPv4') continue;
      owners.set(info.address, [...(owners.get(info.address) ?? []), name]);
    }
  }
  return owners;
}

/**
 * The main table's route for dest as the kernel picks it (longest prefix,
 * then lowest metric), or undefined when none matches or the best is not a
 * usable unicast route (a reject route has no device: "*").
 */
export function bestMainRoute(table: string, dest: number): { device: string; gateway?: string } | undefined {
  let best: { prefix: number; metric: number; device: string; flags: number; gateway: number } | undefined;
  for (const line of table.split('\n').slice(1)) {
    const [device, destHex, gatewayHex, flagsHex, , , metricText, maskHex] = line.trim().split(/\s+/);
    if (maskHex === undefined) continue;
    const mask = procAddress(maskHex);
    if ((dest & mask) >>> 0 !== procAddress(destHex)) continue;
    const route = {
      prefix: maskPrefix(mask),
      metric: Number(metricText),
      device,
      flags: parseInt(flagsHex, 16),
      gateway: procAddress(gatewayHex),
    };
    if (!best || route.prefix > best.prefix || (route.prefix === best.prefix && route.metric < best.metric)) {
      best = route;
    }
  }
  if (!best || !(best.flags & RTF_UP) || best.device === '*') return undefined;
  return best.flags & RTF_GATEWAY
    ? { device: best.device, gateway: ipToString(best.gateway) }
    : { device: best.device };
}

/** /proc/net/route prints each address as the hex of its network-order bytes read as a host u32. */
function procAddress(hex: string): number {
  const raw = parseInt(hex, 16) >>> 0;
  if (endianness() === 'BE') return raw;
  return (((raw & 0xff) << 24) | ((raw & 0xff00) << 8) | ((raw >>> 8) & 0xff00) | (raw >>> 24)) >>> 0;
}

/** Prefix length of a host-order netmask: its leading one bits. */
function maskPrefix(mask: number): number {
  let prefix = 0;
  for (let bits = mask; bits & 0x80000000; bits = (bits << 1) >>> 0) prefix++;
  return prefix;
}
