// TCP service names from a services(5) file (/etc/services by default), used
// to accept names in -p (`-p http,ssh`), to build the default port list and to
// label ports in the output. Lines read "name port/proto [aliases...] [# comment]";
// only /tcp entries are kept. A missing file gives an empty table: numeric -p
// still works, names do not.

import { readFileSync } from 'node:fs';

export const SYSTEM_SERVICES_PATH = '/etc/services';

/** A services(5) entry: its name, port and aliases. */
interface ServiceEntry {
  name: string;
  port: number;
  aliases?: string[];
}

/** serviceName() searches the text this many times before it builds the whole table. */
const DIRECT_SEARCHES = 16;

/**
 * The /tcp lines whose port matches port (a pattern): name, port, and the rest
 * up to a comment (the aliases). The port's digits run to the slash, so
 * "70000/tcp" matches \d+ and is dropped by the range check; a name or alias
 * never holds a "#".
 */
function tcpLines(port: string, flags: string): RegExp {
  return new RegExp(`^[ \\t]*([^\\s#]+)[ \\t]+(${port})\\/tcp(?=[\\s#]|$)([^#\\n]*)`, flags);
}

const TCP_LINE = tcpLines('\\d+', 'gim');

export class ServiceTable {
  /** lower-cased name or alias → ports, built on first use (a name in -p) */
  private names: Map<string, number[]> | undefined;
  /** port → first name listed for it, built on first use */
  private ports: Map<number, string> | undefined;
  /** serviceName() calls answered by searching the text, not from ports */
  private searches = 0;

  /**
   * @param entries the table's entries, or a services(5) text parsed when the
   *   table is first asked (a scan asks for a few ports' names; parsing every
   *   line of /etc/services up front took ~4 ms of each start)
   * @param source the file the entries came from, for messages
   */
  constructor(
    private readonly entries: Iterable<ServiceEntry> | string,
    readonly source = 'services table',
  ) {}

  static parse(text: string, source?: string): ServiceTable {
    return new ServiceTable(text, source);
  }

  /** Reads a services(5) file; an unreadable file yields an empty table (see file comment). */
  static load(path = SYSTEM_SERVICES_PATH): ServiceTable {
    let text = '';
    try {
      text = readFileSync(path, 'latin1'); // names are ASCII; a one-byte string reads fastest
    } catch {
      // Minimal containers ship without /etc/services; numbers still work.
    }
    return ServiceTable.parse(text, path);
  }

  /** The entries of a text in file order, /tcp only, ports 1-65535. */
  private *each(): Iterable<ServiceEntry> {
    if (typeof this.entries !== 'string') {
      yield* this.entries;
      return;
    }
    for (const [, name, port, rest] of this.entries.matchAll(TCP_LINE)) {
      const number = Number(port);
      if (number >= 1 && number <= 65535)
        yield { name, port: number, aliases: rest.split(/\s+/).filter(Boolean) };
    }
  }

  private byPort(): Map<number, string> {
    if (this.ports === undefined) {
      this.ports = new Map();
      for (const { name, port } of this.each()) if (!this.ports.has(port)) this.ports.set(port, name);
    }
    return this.ports;
  }

  private byName(): Map<string, number[]> {
    if (this.names === undefined) {
      this.names = new Map();
      for (const { name, port, aliases = [] } of this.each()) {
        for (const key of [name, ...aliases].map((n) => n.toLowerCase())) {
          const ports = this.names.get(key) ?? [];
          if (!ports.includes(port)) ports.push(port);
          this.names.set(key, ports);
        }
      }
    }
    return this.names;
  }

  /** Ports whose name or alias matches; `*` in the pattern matches any run of characters. */
  portsNamed(pattern: string): number[] {
    const key = pattern.toLowerCase();
    if (!key.includes('*')) return [...(this.byName().get(key) ?? [])];
    const escaped = key.replace(/[.+?^${}()|[\]\\-]/g, '\\$&').replace(/\*/g, '.*');
    const regex = new RegExp(`^${escaped}$`);
    const ports = new Set<number>();
    for (const [name, named] of this.byName()) if (regex.test(name)) named.forEach((port) => ports.add(port));
    return [...ports];
  }

  serviceName(port: number): string | undefined {
    if (this.ports === undefined && typeof this.entries === 'string' && ++this.searches <= DIRECT_SEARCHES) {
      // A few ports' names (a small scan's report): a search of the text each.
      const valid = Number.isInteger(port) && port >= 1 && port <= 65535;
      return valid ? tcpLines(`0*${port}`, 'im').exec(this.entries)?.[1] : undefined;
    }
    return this.byPort().get(port);
  }

  /** Every port that has a name, ascending. */
  namedPorts(): number[] {
    return [...this.byPort().keys()].sort((a, b) => a - b);
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
