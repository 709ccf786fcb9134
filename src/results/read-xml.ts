// nmap XML (-oX) → ScanReport, for files written by nmap (7.x) or by rawscan
// (src/output/xml.ts). Only TCP port scans: one <scaninfo> per scan type, and
// per host either one <ports> (nmap: one TCP scan type per file) or one <ports>
// per <scaninfo>, in the same order (rawscan with several scan types).
//
// <extraports> lists no ports, only a state, a count and <extrareasons>. Every
// port it stands for becomes a PortResult with that state: nmap ≥ 7.80 and
// rawscan name the ports in <extrareasons ports="...">; for older files the
// ports are the scanned ones (<scaninfo services>) that the host lists nowhere
// else, which must come to exactly the count.

import { UsageError } from '../cli/errors.js';
import type { HostResult, PortResult, PortState, Reason, ScanReport, ScanType } from '../scan/types.js';
import { PORT_STATES } from '../scan/types.js';
import { parseRanges } from './ranges.js';
import type { ScanResult } from './types.js';
import type { XmlElement } from './xml.js';

/** nmap's <scaninfo type> → rawscan's scan type (rawscan writes "syn" for its custom-flag scan, too) */
const SCAN_TYPES: Record<string, ScanType> = {
  syn: 'syn',
  connect: 'connect',
  ack: 'ack',
  window: 'window',
  maimon: 'maimon',
  fin: 'fin',
  null: 'null',
  xmas: 'xmas',
};

export function resultFromXml(root: XmlElement, path: string): ScanResult {
  return new XmlResultReader(path).read(root);
}

class XmlResultReader {
  private readonly notes: string[] = [];
  /** <host> elements by address, to find a port's line when a message needs it */
  private readonly hostElements = new Map<string, XmlElement>();

  constructor(private readonly path: string) {}

  read(root: XmlElement): ScanResult {
    if (root.name !== 'nmaprun')
      this.fail(root, `the root element is <${root.name}>, not <nmaprun>: not nmap XML`);
    const scanner = this.attr(root, 'scanner');
    const version = root.attributes.get('version') ?? '';
    const ours = version.startsWith('rawscan-') || root.attributes.get('profile_name') === 'rawscan';
    if (scanner !== 'nmap' && !ours)
      this.fail(root, `scanner="${scanner}": rawscan reads nmap XML written by nmap or rawscan only`);
    const infos = root.children.filter((e) => e.name === 'scaninfo');
    if (infos.length === 0) this.fail(root, 'no <scaninfo>: this is not the result of a port scan');
    const scanTypes = infos.map((info) => this.scanType(info));
    const ports = this.scannedPorts(infos);
    const finished = root.children
      .find((e) => e.name === 'runstats')
      ?.children.find((e) => e.name === 'finished');
    const startTime = this.seconds(root, 'start') ?? 0;
    const report: ScanReport = {
      scanner: 'rawscan',
      version: ours ? version.replace(/^rawscan-/, '') : version,
      args: root.attributes.get('args') ?? '',
      scanTypes,
      ports,
      startTime,
      endTime: (finished && this.seconds(finished, 'time')) ?? startTime,
      hosts: [],
      stats: zeroStats(this.notes),
      incomplete: finished?.attributes.get('exit') === 'error',
      verbose: Number(root.children.find((e) => e.name === 'verbose')?.attributes.get('level') ?? 0) || 0,
    };
    for (const element of root.children.filter((e) => e.name === 'host')) {
      const host = this.host(element, report);
      if (host) {
        report.hosts.push(host);
        this.hostElements.set(host.address, element);
      }
    }
    return {
      path: this.path,
      format: 'nmap-xml',
      producer: ours ? 'rawscan' : 'nmap',
      report,
      openOnly: false,
      scanTypesAt: `line ${infos[0].line}`,
      where: (address, p) => `line ${this.lineOf(address, p, scanTypes) ?? '?'}`,
    };
  }

  private scanType(info: XmlElement): ScanType {
    const type = this.attr(info, 'type');
    const protocol = this.attr(info, 'protocol');
    const scan = SCAN_TYPES[type];
    if (!scan || protocol !== 'tcp')
      this.fail(info, `<scaninfo type="${type}" protocol="${protocol}">: rawscan reads TCP port scans only`);
    return scan;
  }

  /** The TCP ports scanned: every <scaninfo> must list the same. */
  private scannedPorts(infos: XmlElement[]): number[] {
    const lists = infos.map((info) => {
      const services = this.attr(info, 'services');
      const ports = parseRanges(services);
      if (!ports) this.fail(info, `services="${services}" is not a port range list such as "1-1024,8080"`);
      const count = info.attributes.get('numservices');
      if (count !== undefined && Number(count) !== ports.length)
        this.fail(info, `numservices="${count}" but services="${services}" lists ${ports.length} ports`);
      return ports;
    });
    for (const [i, list] of lists.entries()) {
      if (list.join() !== lists[0].join())
        this.fail(infos[i], `this <scaninfo> lists other ports than the one on line ${infos[0].line}`);
    }
    return lists[0];
  }

  /** undefined for a host that is down and has no port results (nmap -v lists those). */
  private host(element: XmlElement, report: ScanReport): HostResult | undefined {
    const status = element.children.find((e) => e.name === 'status')?.attributes.get('state');
    const sections = element.children.filter((e) => e.name === 'ports');
    if (sections.length === 0 && status === 'down') return undefined;
    const addresses = element.children.filter(
      (e) => e.name === 'address' && e.attributes.get('addrtype') !== 'mac',
    );
    if (addresses.length === 0) this.fail(element, '<host> has no IPv4 or IPv6 <address>');
    const host: HostResult = { address: this.attr(addresses[0], 'addr'), ports: [] };
    const names = element.children
      .find((e) => e.name === 'hostnames')
      ?.children.filter((e) => e.name === 'hostname');
    const name = (names?.find((e) => e.attributes.get('type') === 'user') ?? names?.[0])?.attributes.get(
      'name',
    );
    if (name !== undefined) host.hostname = name;
    const start = this.seconds(element, 'starttime');
    const end = this.seconds(element, 'endtime');
    if (start !== undefined) host.startTime = start;
    if (end !== undefined) host.endTime = end;
    if (sections.length > 0 && sections.length !== report.scanTypes.length)
      this.fail(
        sections[0],
        `host ${host.address} has ${sections.length} <ports> for ${report.scanTypes.length} scan types ` +
          `(${report.scanTypes.join(', ')}): the file must hold one <ports> per scan type; diff one scan type per file`,
      );
    // Not push(...ports): a host's 65535 ports would exceed the argument limit.
    for (const [i, section] of sections.entries())
      for (const p of this.ports(section, report.scanTypes[i], report.ports)) host.ports.push(p);
    const order = report.scanTypes;
    host.ports.sort((a, b) => a.port - b.port || order.indexOf(a.scan) - order.indexOf(b.scan));
    return host;
  }

  /** One <ports>: listed ports, then the ports <extraports> stands for. */
  private ports(section: XmlElement, scan: ScanType, scanned: number[]): PortResult[] {
    const results = new Map<number, Placed>();
    for (const element of section.children.filter((e) => e.name === 'port')) {
      const result = this.port(element, scan);
      const earlier = results.get(result.port);
      if (earlier) this.fail(element, `port ${result.port} is listed twice (first on line ${earlier.line})`);
      results.set(result.port, { result, line: element.line });
    }
    const unnamed: XmlElement[] = [];
    const extras = section.children.filter((e) => e.name === 'extraports');
    for (const extra of extras) {
      const state = this.state(extra, 'state');
      const count = this.count(extra, 'count');
      const reasons = extra.children.filter((e) => e.name === 'extrareasons');
      if (reasons.length === 0 || reasons.some((r) => !r.attributes.has('ports'))) {
        unnamed.push(extra);
        continue;
      }
      let listed = 0;
      for (const group of reasons) {
        const ports = this.rangesAttr(group, 'ports');
        if (ports.length !== this.count(group, 'count'))
          this.fail(group, `count="${group.attributes.get('count')}" but ports= lists ${ports.length}`);
        listed += ports.length;
        const reason = this.reason(group);
        for (const p of ports) this.add(results, group, { ...base(p, scan, state), reason });
      }
      if (listed !== count) this.fail(extra, `count="${count}" but its <extrareasons> list ${listed} ports`);
    }
    if (unnamed.length > 1)
      this.fail(unnamed[1], 'two <extraports> without port lists: cannot tell which ports each stands for');
    if (unnamed.length === 1) this.expandUnnamed(unnamed[0], scan, scanned, results);
    return [...results.values()].map((placed) => placed.result);
  }

  /** An <extraports> without port lists stands for every scanned port not listed elsewhere. */
  private expandUnnamed(
    extra: XmlElement,
    scan: ScanType,
    scanned: number[],
    results: Map<number, Placed>,
  ): void {
    const state = this.state(extra, 'state');
    const count = this.count(extra, 'count');
    const rest = scanned.filter((p) => !results.has(p));
    if (rest.length !== count)
      this.fail(
        extra,
        `count="${count}" but ${rest.length} scanned ports are listed nowhere else, and no <extrareasons ports=...> ` +
          'says which: cannot tell which ports it stands for',
      );
    const reasons = extra.children.filter((e) => e.name === 'extrareasons');
    const commonest = reasons.reduce<XmlElement | undefined>(
      (best, r) => (best && this.count(best, 'count') >= this.count(r, 'count') ? best : r),
      undefined,
    );
    const reason = commonest ? this.reason(commonest) : 'no-response';
    if (reasons.length !== 1)
      this.notes.push(
        `${this.path} line ${extra.line}: ${count} ${state} ports have no per-port reasons; each was given "${reason}"`,
      );
    for (const p of rest) this.add(results, extra, { ...base(p, scan, state), reason });
  }

  private port(element: XmlElement, scan: ScanType): PortResult {
    const protocol = this.attr(element, 'protocol');
    if (protocol !== 'tcp')
      this.fail(element, `<port protocol="${protocol}">: rawscan reads TCP port scans only`);
    const port = this.count(element, 'portid');
    if (port < 1 || port > 65535) this.fail(element, `portid="${port}" is not a TCP port (1-65535)`);
    const stateElement = element.children.find((e) => e.name === 'state');
    if (!stateElement) this.fail(element, `<port portid="${port}"> has no <state>`);
    const result: PortResult = {
      ...base(port, scan, this.state(stateElement, 'state')),
      reason: this.reason(stateElement),
      reasonTtl: Number(stateElement.attributes.get('reason_ttl') ?? 0) || 0,
    };
    const service = element.children.find((e) => e.name === 'service')?.attributes.get('name');
    if (service !== undefined && service !== 'unknown') result.service = service;
    const responder = stateElement.attributes.get('reason_ip');
    if (responder !== undefined) result.evidence = { responder };
    return result;
  }

  private add(results: Map<number, Placed>, element: XmlElement, result: PortResult): void {
    const earlier = results.get(result.port);
    if (earlier)
      this.fail(element, `port ${result.port} is summarised here but also appears on line ${earlier.line}`);
    results.set(result.port, { result, line: element.line });
  }

  /**
   * The line a port's result was read from: its <port>, or the <extrareasons>
   * (else <extraports>) that summarised it. Searched on demand, for messages only:
   * per-port bookkeeping would cost memory for every port of every scan.
   */
  private lineOf(address: string, p: PortResult, scanTypes: ScanType[]): number | undefined {
    const section = this.hostElements.get(address)?.children.filter((e) => e.name === 'ports')[
      scanTypes.indexOf(p.scan)
    ];
    if (!section) return undefined;
    const portid = String(p.port);
    const listed = section.children.find((e) => e.name === 'port' && e.attributes.get('portid') === portid);
    if (listed) return listed.line;
    const extras = section.children.filter(
      (e) => e.name === 'extraports' && e.attributes.get('state') === p.state,
    );
    const groups = extras.flatMap((e) => e.children.filter((r) => r.name === 'extrareasons'));
    const group = groups.find((r) => parseRanges(r.attributes.get('ports') ?? '')?.includes(p.port));
    return group?.line ?? extras[0]?.line;
  }

  private state(element: XmlElement, key: string): PortState {
    const state = this.attr(element, key);
    if (!(PORT_STATES as readonly string[]).includes(state))
      this.fail(element, `${key}="${state}" is not a port state (${PORT_STATES.join(', ')})`);
    return state as PortState;
  }

  /** nmap reasons rawscan does not produce are kept verbatim (see ScanResult.report). */
  private reason(element: XmlElement): Reason {
    return this.attr(element, 'reason') as Reason;
  }

  private rangesAttr(element: XmlElement, key: string): number[] {
    const text = this.attr(element, key);
    const ports = parseRanges(text);
    if (!ports) this.fail(element, `${key}="${text}" is not a port range list such as "1-1024,8080"`);
    return ports;
  }

  private count(element: XmlElement, key: string): number {
    const text = this.attr(element, key);
    if (!/^\d+$/.test(text)) this.fail(element, `${key}="${text}" is not a whole number`);
    return Number(text);
  }

  /** A time attribute in seconds since the epoch → ms; undefined when absent. */
  private seconds(element: XmlElement, key: string): number | undefined {
    if (!element.attributes.has(key)) return undefined;
    return this.count(element, key) * 1000;
  }

  private attr(element: XmlElement, key: string): string {
    const value = element.attributes.get(key);
    if (value === undefined) this.fail(element, `<${element.name}> has no ${key}= attribute`);
    return value;
  }

  private fail(element: XmlElement, detail: string): never {
    throw new UsageError(`${this.path} line ${element.line}: ${detail}`);
  }
}

/** a port's result and the line it was read from */
interface Placed {
  result: PortResult;
  line: number;
}

function base(port: number, scan: ScanType, state: PortState): Omit<PortResult, 'reason'> {
  return { port, protocol: 'tcp', scan, state, reasonTtl: 0 };
}

function zeroStats(notes: string[]): ScanReport['stats'] {
  return {
    probesSent: 0,
    retransmissions: 0,
    repliesAccepted: 0,
    repliesRejected: 0,
    pcapReceived: 0,
    pcapDropped: 0,
    sendErrors: 0,
    notes,
  };
}
