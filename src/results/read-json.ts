// rawscan's JSON document (-oJ, src/output/json.ts, formatVersion 1 or 2) → ScanReport.
// Every field that a diff or merge relies on is checked; an error names the
// file and the field ("hosts[2].ports[7].state") and, for top-level fields and
// syntax errors, the line.

import { UsageError } from '../cli/errors.js';
import type { HostResult, PortEvidence, PortResult, ScanReport, ScanStats, ScanType } from '../scan/types.js';
import { emptyStats, PORT_STATES, PROBE_KINDS, REASONS, STAT_COUNTERS } from '../scan/types.js';
import { parseRanges } from './ranges.js';
import type { ScanResult } from './types.js';

/**
 * the newest formatVersion this reader understands (src/output/json.ts JSON_FORMAT_VERSION);
 * older ones read too: 2 only added fields this reader does not need (baseline, filtering, middlebox)
 */
const READABLE_VERSION = 2;
const SCAN_TYPES: readonly string[] = [...PROBE_KINDS, 'connect'];
const EVIDENCE_FIELDS = [
  'ttl',
  'ipId',
  'window',
  'tcpFlags',
  'icmpType',
  'icmpCode',
  'tryNo',
  'rttMs',
] as const;

type Json = Record<string, unknown>;

export function resultFromJson(text: string, path: string): ScanResult {
  return new JsonResultReader(text, path).read();
}

class JsonResultReader {
  constructor(
    private readonly text: string,
    private readonly path: string,
  ) {}

  read(): ScanResult {
    const doc = this.parse();
    if (doc.format === 'rawscan-ndjson' || doc.type === 'header')
      this.fail(
        '',
        'this is an NDJSON stream, not a JSON document: write the scan with -oJ to diff or merge it',
      );
    if (doc.format !== 'rawscan-report')
      this.fail('format', `is ${JSON.stringify(doc.format)}, not "rawscan-report"`);
    const version = doc.formatVersion;
    if (typeof version !== 'number' || version > READABLE_VERSION)
      this.fail(
        'formatVersion',
        `${version} is not one this rawscan reads (${READABLE_VERSION}): upgrade rawscan`,
      );
    const scanTypes = this.array(doc.scanTypes, 'scanTypes').map((s, i) =>
      this.scanType(s, `scanTypes[${i}]`),
    );
    const portsText = this.string(this.object(doc.ports, 'ports').tcp, 'ports.tcp');
    const ports = parseRanges(portsText);
    if (!ports) this.fail('ports.tcp', `"${portsText}" is not a port range list such as "1-1024,8080"`);
    const scanner = this.object(doc.scanner, 'scanner');
    const report: ScanReport = {
      scanner: 'rawscan',
      version: this.string(scanner.version, 'scanner.version'),
      args: this.string(doc.args, 'args'),
      scanTypes,
      ports,
      startTime: this.time(doc.startTime, 'startTime'),
      endTime: this.time(doc.endTime, 'endTime'),
      hosts: [],
      stats: this.stats(this.object(doc.stats, 'stats')),
      incomplete: this.boolean(doc.incomplete, 'incomplete'),
      verbose: 0,
    };
    for (const [i, host] of this.array(doc.hosts, 'hosts').entries())
      report.hosts.push(this.host(host, `hosts[${i}]`, scanTypes));
    return {
      path: this.path,
      format: 'rawscan-json',
      producer: 'rawscan',
      report,
      openOnly: doc.openOnly === true,
      scanTypesAt: `field scanTypes, line ${this.keyLine('scanTypes')}`,
      where: (address, p) => fieldOf(report, address, p),
    };
  }

  private parse(): Json {
    try {
      const doc: unknown = JSON.parse(this.text);
      if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) return doc as Json;
    } catch (err) {
      const at = /position (\d+)/.exec((err as Error).message);
      const line = at ? ` (line ${this.lineOf(Number(at[1]))})` : '';
      throw new UsageError(`${this.path}: not valid JSON${line}: ${(err as Error).message}`);
    }
    throw new UsageError(`${this.path}: not a rawscan JSON document: the top level is not an object`);
  }

  private host(value: unknown, field: string, scanTypes: ScanType[]): HostResult {
    const json = this.object(value, field);
    const host: HostResult = { address: this.string(json.address, `${field}.address`), ports: [] };
    if (json.hostname !== undefined) host.hostname = this.string(json.hostname, `${field}.hostname`);
    if (json.startTime !== undefined) host.startTime = this.time(json.startTime, `${field}.startTime`);
    if (json.endTime !== undefined) host.endTime = this.time(json.endTime, `${field}.endTime`);
    for (const [j, p] of this.array(json.ports, `${field}.ports`).entries()) {
      const port = this.port(p, `${field}.ports[${j}]`);
      if (!scanTypes.includes(port.scan))
        this.fail(
          `${field}.ports[${j}].scan`,
          `"${port.scan}" is not one of the scanTypes (${scanTypes.join(', ')})`,
        );
      host.ports.push(port);
    }
    return host;
  }

  private port(value: unknown, field: string): PortResult {
    const json = this.object(value, field);
    const port = this.number(json.port, `${field}.port`);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      this.fail(`${field}.port`, `${port} is not a TCP port`);
    if (json.protocol !== 'tcp')
      this.fail(`${field}.protocol`, `${JSON.stringify(json.protocol)} is not "tcp"`);
    const result: PortResult = {
      port,
      protocol: 'tcp',
      scan: this.scanType(json.scan, `${field}.scan`),
      state: this.oneOf(json.state, PORT_STATES, `${field}.state`),
      reason: this.oneOf(json.reason, REASONS, `${field}.reason`),
      reasonTtl: this.number(json.reasonTtl, `${field}.reasonTtl`),
    };
    if (json.service !== undefined) result.service = this.string(json.service, `${field}.service`);
    if (json.evidence !== undefined)
      result.evidence = this.evidence(this.object(json.evidence, `${field}.evidence`), field);
    return result;
  }

  private evidence(json: Json, field: string): PortEvidence {
    const evidence: PortEvidence = {};
    if (json.responder !== undefined)
      evidence.responder = this.string(json.responder, `${field}.evidence.responder`);
    for (const key of EVIDENCE_FIELDS) {
      if (json[key] !== undefined) evidence[key] = this.number(json[key], `${field}.evidence.${key}`);
    }
    return evidence;
  }

  private stats(json: Json): ScanStats {
    const stats: ScanStats = emptyStats(
      this.array(json.notes ?? [], 'stats.notes').map((n, i) => this.string(n, `stats.notes[${i}]`)),
    );
    for (const key of STAT_COUNTERS) stats[key] = this.number(json[key], `stats.${key}`);
    if (json.srttMs !== undefined) stats.srttMs = this.number(json.srttMs, 'stats.srttMs');
    return stats;
  }

  private scanType(value: unknown, field: string): ScanType {
    return this.oneOf(value, SCAN_TYPES, field) as ScanType;
  }

  private oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
      this.fail(field, `${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
    return value as T;
  }

  private time(value: unknown, field: string): number {
    const ms = Date.parse(this.string(value, field));
    if (Number.isNaN(ms)) this.fail(field, `${JSON.stringify(value)} is not an ISO 8601 time`);
    return ms;
  }

  private object(value: unknown, field: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      this.fail(field, 'must be an object');
    return value as Json;
  }

  private array(value: unknown, field: string): unknown[] {
    if (!Array.isArray(value)) this.fail(field, 'must be an array');
    return value;
  }

  private string(value: unknown, field: string): string {
    if (typeof value !== 'string') this.fail(field, `must be a string, not ${JSON.stringify(value)}`);
    return value;
  }

  private number(value: unknown, field: string): number {
    if (typeof value !== 'number') this.fail(field, `must be a number, not ${JSON.stringify(value)}`);
    return value;
  }

  private boolean(value: unknown, field: string): boolean {
    if (typeof value !== 'boolean') this.fail(field, `must be true or false, not ${JSON.stringify(value)}`);
    return value;
  }

  /**
   * Line of the first `"key":` in the text. Right for top-level keys that
   * appear before "hosts" (rawscan writes them so, and jq keeps key order).
   */
  private keyLine(key: string): number {
    const at = this.text.indexOf(`"${key}"`);
    return at < 0 ? 1 : this.lineOf(at);
  }

  private lineOf(offset: number): number {
    let line = 1;
    for (let i = this.text.indexOf('\n'); i >= 0 && i < offset; i = this.text.indexOf('\n', i + 1)) line++;
    return line;
  }

  private fail(field: string, detail: string): never {
    const top = field !== '' && !field.includes('.') && !field.includes('[');
    const where = field === '' ? '' : ` field ${field}${top ? ` (line ${this.keyLine(field)})` : ''}`;
    throw new UsageError(`${this.path}:${where} ${detail}`);
  }
}

/** "hosts[i].ports[j]" of a port result of report; searched on demand, for messages only. */
function fieldOf(report: ScanReport, address: string, p: PortResult): string {
  const i = report.hosts.findIndex((h) => h.address === address);
  const j = i < 0 ? -1 : report.hosts[i].ports.indexOf(p);
  return j < 0 ? '?' : `hosts[${i}].ports[${j}]`;
}
