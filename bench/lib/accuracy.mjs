// Accuracy against the lab's truth: every (host, port) the scan covered is
// compared with expectedState(scan, lab.truth(port)); a pair the output
// does not mention counts as wrong. Reads rawscan's JSON (-oJ) and nmap's XML
// (-oX, including the ports folded into <extraports>, whose ranges nmap
// lists in <extrareasons ports="...">).
import { readFileSync } from 'node:fs';

/** host address -> (port -> state) of a rawscan JSON report. */
export function readRawscanJson(path) {
  const report = JSON.parse(readFileSync(path, 'utf8'));
  const hosts = new Map();
  for (const host of report.hosts) {
    hosts.set(host.address, new Map(host.ports.map((p) => [p.port, p.state])));
  }
  return hosts;
}

/** host address -> (port -> state) of an nmap XML file. */
export function readNmapXml(path) {
  const xml = readFileSync(path, 'utf8');
  const hosts = new Map();
  for (const h of xml.matchAll(/<host\b[^>]*>([\s\S]*?)<\/host>/g)) {
    const address = /<address addr="([^"]+)" addrtype="ipv4"/.exec(h[1])?.[1];
    if (address !== undefined) hosts.set(address, nmapPorts(h[1]));
  }
  return hosts;
}

function nmapPorts(hostXml) {
  const ports = new Map();
  for (const m of hostXml.matchAll(/<port protocol="tcp" portid="(\d+)"><state state="([^"]+)"/g)) {
    ports.set(Number(m[1]), m[2]);
  }
  for (const extra of hostXml.matchAll(/<extraports state="([^"]+)"[^>]*>([\s\S]*?)<\/extraports>/g)) {
    for (const r of extra[2].matchAll(/<extrareasons [^>]*ports="([^"]+)"/g)) {
      for (const range of r[1].split(',')) {
        const [first, last = first] = range.split('-').map(Number);
        for (let p = first; p <= last; p++) ports.set(p, extra[1]);
      }
    }
  }
  return ports;
}

/**
 * Compares a scan's states with the truth.
 *   hosts: Map address -> Map port -> state (as read above)
 *   addresses: every address scanned; ports: every port scanned
 *   expected(port): the state the lab's truth calls for
 * Returns { total, wrong, examples } (examples: a few wrong pairs, for the notes).
 */
export function compareWithTruth(hosts, addresses, ports, expected) {
  const want = new Map(ports.map((p) => [p, expected(p)]));
  let wrong = 0;
  const examples = [];
  for (const address of addresses) {
    const got = hosts.get(address);
    for (const [port, state] of want) {
      const seen = got?.get(port) ?? 'missing';
      if (seen === state) continue;
      wrong++;
      if (examples.length < 3) examples.push(`${address}:${port} ${seen} (want ${state})`);
    }
  }
  return { total: addresses.length * ports.length, wrong, examples };
}

/** Every address of an IPv4 CIDR, as dotted quads (nmap and rawscan both scan all of them). */
export function cidrAddresses(cidr) {
  const [base, prefix] = cidr.split('/');
  const first = base.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const count = 2 ** (32 - Number(prefix));
  const out = new Array(count);
  for (let i = 0; i < count; i++) {
    const a = first + i;
    out[i] =
      `${Math.floor(a / 2 ** 24)}.${Math.floor(a / 2 ** 16) % 256}.${Math.floor(a / 256) % 256}.${a % 256}`;
  }
  return out;
}
