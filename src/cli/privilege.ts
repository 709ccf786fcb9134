// What this process may do, read from /proc/self/status: its user and group
// ids, its capability sets (CAP_NET_RAW in the effective set comes from root,
// from setcap on the node binary, or from the ambient set) and no_new_privs.
import { readFileSync } from 'node:fs';

const CAP_NET_RAW = 13n;

/** The user a scan started as root runs as, unless --user names another (src/cli/drop-privileges.ts). */
export const DEFAULT_USER = 'nobody';

export interface Credentials {
  /** real, effective, saved and filesystem uid (the order of the Uid: line) */
  uids: number[];
  /** real, effective, saved and filesystem gid */
  gids: number[];
  /** supplementary groups */
  groups: number[];
  capInh: bigint;
  capPrm: bigint;
  capEff: bigint;
  capAmb: bigint;
  noNewPrivs: boolean;
}

/** The fields of a /proc/PID/status text that matter for privilege; absent ones read as 0 / empty. */
export function parseStatus(status: string): Credentials {
  const fields = new Map<string, string>();
  for (const line of status.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  const numbers = (key: string) =>
    (fields.get(key) ?? '')
      .split(/\s+/)
      .filter((word) => word !== '')
      .map(Number);
  const mask = (key: string) => BigInt(`0x${fields.get(key) || '0'}`);
  return {
    uids: numbers('Uid'),
    gids: numbers('Gid'),
    groups: numbers('Groups'),
    capInh: mask('CapInh'),
    capPrm: mask('CapPrm'),
    capEff: mask('CapEff'),
    capAmb: mask('CapAmb'),
    noNewPrivs: fields.get('NoNewPrivs') === '1',
  };
}

/** Every capability the process holds or could raise: permitted | effective | inheritable | ambient. */
export function heldCapabilities(c: Credentials): bigint {
  return c.capPrm | c.capEff | c.capInh | c.capAmb;
}

export function effectiveCapabilities(status = readStatus()): bigint {
  return parseStatus(status).capEff;
}

export function canUseRawSockets(status = readStatus()): boolean {
  return ((effectiveCapabilities(status) >> CAP_NET_RAW) & 1n) === 1n;
}

/** /proc/self/status (of the main thread), or '' where /proc is not mounted. */
export function readStatus(path = '/proc/self/status'): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
