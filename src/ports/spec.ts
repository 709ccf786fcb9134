// nmap-style TCP port specifications (-p):
//   22,80,1000-2000     ports and ranges, comma-separated
//   -                   every port 1-65535 (`-p-`)
//   -100  60000-        open ranges: 1-100, 60000-65535
//   T:443,8080          protocol prefix; only T: (TCP) is accepted, it applies to what follows
//   http,ssh,http*      service names (and `*` wildcards) from a ServiceTable
// The result is a sorted, duplicate-free array of ports in 1..65535.

import { UsageError } from '../cli/errors.js';
import { systemServices, type ServiceTable } from './services.js';

const MAX_PORT = 65535;
/** a service name or wildcard: it needs a letter or *, so "1-2-3" is no name */
const SERVICE_PATTERN = /^(?=.*[A-Za-z*])[A-Za-z0-9*][\w.*+-]*$/;
const PROTOCOL_NAMES: Record<string, string> = { U: 'UDP', S: 'SCTP', P: 'IP protocol' };

/** @param option how the user gave the spec, for messages ("-p", "--open") */
export function parsePortSpec(
  spec: string,
  services: ServiceTable = systemServices(),
  option = '-p',
): number[] {
  const selected = new Uint8Array(MAX_PORT + 1); // selected[port] = 1
  const where = `${option} ${spec}`;
  if (spec.trim() === '') throw new UsageError(`${option} needs a port list; write e.g. -p 22,80,1000-2000`);
  for (const rawItem of spec.split(',')) {
    const item = stripProtocol(rawItem, where);
    if (item === '') throw new UsageError(`empty port item in ${where}; write e.g. -p 22,80,1000-2000`);
    const range = /^(\d*)-(\d*)$/.exec(item);
    if (range) {
      const low = range[1] === '' ? 1 : portNumber(range[1], where);
      const high = range[2] === '' ? MAX_PORT : portNumber(range[2], where);
      if (low > high) {
        throw new UsageError(`port range ${item} in ${where} runs backwards; write ${high}-${low}`);
      }
      selected.fill(1, low, high + 1);
    } else if (/^\d+$/.test(item)) {
      selected[portNumber(item, where)] = 1;
    } else if (SERVICE_PATTERN.test(item)) {
      const ports = services.portsNamed(item);
      if (ports.length === 0) {
        throw new UsageError(
          `unknown service name ${item} in ${where}; give the port number or a name from ${services.source}`,
        );
      }
      for (const port of ports) selected[port] = 1;
    } else {
      throw new UsageError(`malformed port item "${item}" in ${where}; write e.g. -p 22,80,1000-2000 or -p-`);
    }
  }
  return collectSelected(selected);
}

/**
 * The ports scanned when -p is absent, as early nmap did before it ranked ports
 * by frequency: 1-1024 plus every TCP port named in the services table.
 */
export function defaultPorts(services: ServiceTable = systemServices()): number[] {
  const selected = new Uint8Array(MAX_PORT + 1);
  selected.fill(1, 1, 1025);
  for (const port of services.namedPorts()) selected[port] = 1;
  return collectSelected(selected);
}

function stripProtocol(item: string, where: string): string {
  const prefixed = /^([A-Za-z]):(.*)$/.exec(item);
  if (!prefixed) return item;
  const letter = prefixed[1].toUpperCase();
  if (letter === 'T') return prefixed[2];
  const protocol = PROTOCOL_NAMES[letter];
  if (protocol) {
    throw new UsageError(
      `${item} in ${where} asks for ${protocol} ports; only TCP is supported (T: or no prefix)`,
    );
  }
  throw new UsageError(`unknown protocol prefix ${prefixed[1]}: in ${where}; only T: (TCP) is supported`);
}

function portNumber(digits: string, where: string): number {
  const port = Number(digits);
  if (port < 1 || port > MAX_PORT) throw new UsageError(`port ${digits} in ${where} is outside 1-65535`);
  return port;
}

/**
 * The selected ports, ascending. indexOf finds each run of selected ports
 * natively: a loop over all 65535 ports, or one indexOf per port, ran 5-10 ms
 * in the interpreter of every scan of a wide range.
 */
function collectSelected(selected: Uint8Array): number[] {
  const runs: number[] = [];
  let count = 0;
  for (let start = selected.indexOf(1, 1); start !== -1;) {
    let end = selected.indexOf(0, start);
    if (end === -1) end = selected.length;
    runs.push(start, end);
    count += end - start;
    start = selected.indexOf(1, end);
  }
  const ports = new Array<number>(count);
  let next = 0;
  for (let r = 0; r < runs.length; r += 2) {
    for (let port = runs[r]; port < runs[r + 1]; port++) ports[next++] = port;
  }
  return ports;
}
