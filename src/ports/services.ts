// TCP service names from a services(5) file (/etc/services by default), used
// to accept names in -p (`-p http,ssh`), to build the default port list and to
// label ports in the output. Lines read "name port/proto [aliases...] [# comment]";
// only /tcp entries are kept. A missing file gives an empty table: numeric -p
// still works, names do not.

import { readFileSync } from 'node:fs';

export const SYSTEM_SERVICES_PATH = '/etc/services';

export class ServiceTable {
  /** lower-cased name or alias → ports */
  private readonly byName = new Map<string, number[]>();
  /** port → first name listed for it */
  private readonly byPort = new Map<number, string>();

  /** @param source the file the entries came from, for messages */
  constructor(
    entries: Iterable<{ name: string; port: number; aliases?: string[] }>,
    readonly source = 'services table',
  ) {
    for (const { name, port, aliases = [] } of entries) {
      if (!this.byPort.has(port)) this.byPort.set(port, name);
      for (const key of [name, ...aliases].map((n) => n.toLowerCase())) {
        const ports = this.byName.get(key) ?? [];
        if (!ports.includes(port)) ports.push(port);
        this.byName.set(key, ports);
      }
    }
  }

  static parse(text: string, source?: string): ServiceTable {
    const entries: { name: string; port: number; aliases: string[] }[] = [];
    for (const line of text.split('\n')) {
      const [name, portProto, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/);
      const match = /^(\d+)\/tcp$/i.exec(portProto ?? '');
      const port = match ? Number(match[1]) : 0;
      if (name && port >= 1 && port <= 65535) entries.push({ name, port, aliases });
    }
    return new ServiceTable(entries, source);
  }

  /** Reads a services(5) file; an unreadable file yields an empty table (see file comment). */
  static load(path = SYSTEM_SERVICES_PATH): ServiceTable {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      // Minimal containers ship without /etc/services; numbers still work.
    }
    return ServiceTable.parse(text, path);
  }

  /** Ports whose name or alias matches; `*` in the pattern matches any run of characters. */
  portsNamed(pattern: string): number[] {
    const key = pattern.toLowerCase();
    if (!key.includes('*')) return [...(this.byName.get(key) ?? [])];
    const escaped = key.replace(/[.+?^${}()|[\]\\-]/g, '\\$&').replace(/\*/g, '.*');
    const regex = new RegExp(`^${escaped}$`);
    const ports = new Set<number>();
    for (const [name, named] of this.byName) if (regex.test(name)) named.forEach((port) => ports.add(port));
    return [...ports];
  }

  serviceName(port: number): string | undefined {
    return this.byPort.get(port);
  }

  /** Every port that has a name, ascending. */
  namedPorts(): number[] {
    return [...this.byPort.keys()].sort((a, b) => a - b);
  }
}

let system: ServiceTable | undefined;

/** The table of /etc/services, read once on first use. */
export function systemServices(): ServiceTable {
  system ??= ServiceTable.load();
  return system;
}

/** Service name of a TCP port for the formatters; undefined when the table has none. */
export function serviceName(port: number, table: ServiceTable = systemServices()): string | undefined {
  return table.serviceName(port);
}
