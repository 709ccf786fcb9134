// Whether this process may open raw sockets and capture: root, or CAP_NET_RAW
// in the effective set (granted by setcap to the node binary, or ambient).
import { readFileSync } from 'node:fs';

const CAP_NET_RAW = 13n;

export function effectiveCapabilities(status = readStatus()): bigint {
  const line = status.split('\n').find((l) => l.startsWith('CapEff:'));
  return line ? BigInt(`0x${line.slice('CapEff:'.length).trim()}`) : 0n;
}

export function canUseRawSockets(status = readStatus()): boolean {
  return ((effectiveCapabilities(status) >> CAP_NET_RAW) & 1n) === 1n;
}

function readStatus(): string {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return '';
  }
}
