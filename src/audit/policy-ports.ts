// Port entries of a policy: a number (443), a range ("3000-3010") or a service
// name ("ssh"). The service table doubles as the list of commonly exposed ports
// that every non-`any` default is checked on (see plan.ts).

export const MIN_PORT = 1;
export const MAX_PORT = 65535;

/** An inclusive port range; a single port has low === high. */
export interface PortSpan {
  low: number;
  high: number;
}

/** TCP services a policy may name instead of a number (IANA names, plus common aliases). */
export const SERVICE_PORTS: Readonly<Record<string, number>> = {
  ftp: 21,
  ssh: 22,
  telnet: 23,
  smtp: 25,
  domain: 53,
  dns: 53,
  http: 80,
  pop3: 110,
  rpcbind: 111,
  'netbios-ssn': 139,
  imap: 143,
  ldap: 389,
  https: 443,
  'microsoft-ds': 445,
  smb: 445,
  smtps: 465,
  submission: 587,
  ldaps: 636,
  imaps: 993,
  pop3s: 995,
  'ms-sql-s': 1433,
  mssql: 1433,
  oracle: 1521,
  nfs: 2049,
  docker: 2375,
  'docker-s': 2376,
  'etcd-client': 2379,
  mysql: 3306,
  'ms-wbt-server': 3389,
  rdp: 3389,
  postgresql: 5432,
  postgres: 5432,
  vnc: 5900,
  redis: 6379,
  'kube-apiserver': 6443,
  'http-alt': 8080,
  'https-alt': 8443,
  kafka: 9092,
  elasticsearch: 9200,
  memcache: 11211,
  mongodb: 27017,
};

/** The distinct ports of SERVICE_PORTS, ascending. */
export const COMMON_PORTS: readonly number[] = [...new Set(Object.values(SERVICE_PORTS))].sort(
  (a, b) => a - b,
);

/** A policy's port entry → a span, or an error text naming the fix. */
export function parsePortEntry(value: unknown): PortSpan | string {
  if (typeof value === 'number') return singlePort(value, String(value));
  if (typeof value !== 'string') {
    return `expected a port (443), a range ("3000-3010") or a service name ("ssh"), found ${value === null ? 'nothing' : String(value)}`;
  }
  const text = value.trim();
  if (/^-?[0-9]+$/.test(text)) return singlePort(Number(text), text);
  const range = /^([0-9]+)\s*-\s*([0-9]+)$/.exec(text);
  if (range) {
    const low = singlePort(Number(range[1]), range[1]);
    if (typeof low === 'string') return low;
    const high = singlePort(Number(range[2]), range[2]);
    if (typeof high === 'string') return high;
    if (low.low > high.low) return `range ${text} is reversed; write ${high.low}-${low.low}`;
    return { low: low.low, high: high.low };
  }
  const service = SERVICE_PORTS[text.toLowerCase()];
  if (service !== undefined) return { low: service, high: service };
  return `"${text}" is not a port, a range ("3000-3010") or a known service name; write the port number`;
}

function singlePort(port: number, written: string): PortSpan | string {
  if (!Number.isInteger(port)) return `port ${written} is not a whole number`;
  if (port < MIN_PORT || port > MAX_PORT) return `port ${written} is out of range (${MIN_PORT}-${MAX_PORT})`;
  return { low: port, high: port };
}

export function spansOverlap(a: PortSpan, b: PortSpan): boolean {
  return a.low <= b.high && b.low <= a.high;
}

export function spanText(span: PortSpan): string {
  return span.low === span.high ? String(span.low) : `${span.low}-${span.high}`;
}
