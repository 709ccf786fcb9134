// The JSON text of a port's and of a host's fields, written directly: the same
// characters as JSON.stringify of the JsonPort / JsonHost objects (json.ts),
// fields in the same order, undefined fields left out, without building those
// objects (a report can have 65535 ports or 65536 hosts).
//
// Values of the closed string unions (scan type, state, reason, protocol, ISO
// times, range lists) need no escaping and are written between quotes as they
// are; free text (addresses, names, services) goes through jsonString. What
// repeats from port to port and host to host is written once and kept
// (JsonText): the fields that come from the closed unions, service names,
// times, and a host's counts and baseline like the previous host's.
import type { HostBaseline, MiddleboxFlag } from '../audit/middlebox.js';
import { hostFilterRanges } from '../audit/stateful.js';
import type { HostResult, PortEvidence, PortResult } from '../scan/types.js';
import { PORT_STATES, PROBE_KINDS, REASONS, REASON_ORDINAL, STATE_ORDINAL } from '../scan/types.js';
import { hostLiveness } from './port-view.js';
import type { RowsSummary } from './rows-summary.js';
import type { RenderOptions } from './types.js';
import { iso } from './time.js';

/** JSON's number: null for NaN and the infinities, as JSON.stringify writes them. */
function num(n: number): string {
  return Number.isFinite(n) ? `${n}` : 'null';
}

/** text, then `"key":value` (after a comma unless text is empty) when n is defined */
function withNumber(text: string, key: string, n: number | undefined): string {
  return n === undefined ? text : `${text}${text === '' ? '' : ','}"${key}":${num(n)}`;
}

/** JSON.stringify of a string, without its work for the many that need no escape. */
export function jsonString(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // What JSON.stringify escapes: '"', '\\', control characters, surrogates (when lone).
    if (c === 0x22 || c === 0x5c || c < 0x20 || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(text);
  }
  return `"${text}"`;
}

const SCAN_TYPES = [...PROBE_KINDS, 'connect'];
const SCAN_ORDINAL = new Map(SCAN_TYPES.map((scan, i) => [scan, i]));

/** Distinct times kept; beyond, the kept texts are dropped and kept again. */
const MAX_KEPT_TIMES = 4096;

/** The JSON texts of one set of render options (jsonText), with what they keep. */
export class JsonText {
  /** `,"protocol":"tcp","scan":...,"reasonTtl":` by scan, state and reason ordinal */
  private readonly fixedFields: string[] = [];
  /** `,"service":"ssh"` by name */
  private readonly serviceFields = new Map<string, string>();
  /** millisecond texts (rttMs, latencyMs) by whole microseconds */
  private readonly times = new Map<number, string>();
  private lastCounts: { scans: readonly string[]; counts: readonly number[]; text: string } | undefined;
  private lastBaseline: { baseline: HostBaseline; text: string } | undefined;

  constructor(private readonly opts: RenderOptions) {}

  /** JsonPort's fields without the braces: "port":22,"protocol":"tcp",... */
  portFields(p: PortResult, middlebox?: MiddleboxFlag): string {
    const service = p.service ?? this.opts.serviceName?.(p.port, p.protocol);
    const e = p.evidence;
    return (
      `"port":${num(p.port)}${this.fixed(p)}${num(p.reasonTtl)}` +
      (service === undefined ? '' : this.serviceField(service)) +
      (e === undefined ? '' : `,"evidence":{${this.evidenceFields(e)}}`) +
      (middlebox === undefined ? '' : `,"middlebox":${JSON.stringify(middlebox)}`)
    );
  }

  /**
   * JsonHost's fields without the braces: "address":"198.18.0.2","status":"up",...
   * baseline: the host's hostBaseline (middleboxFlags has it).
   */
  hostFields(host: HostResult, baseline: HostBaseline): string {
    const live = hostLiveness(host);
    let text = `"address":${jsonString(host.address)}`;
    if (host.hostname !== undefined) text += `,"hostname":${jsonString(host.hostname)}`;
    text += live.up ? ',"status":"up"' : ',"status":"unknown"';
    if (live.latencyMs !== undefined) text += `,"latencyMs":${this.milliseconds(live.latencyMs)}`;
    if (host.startTime !== undefined) text += `,"startTime":"${iso(host.startTime)}"`;
    if (host.endTime !== undefined) text += `,"endTime":"${iso(host.endTime)}"`;
    text += `,"stateCounts":${this.stateCounts(live)}${this.baselineField(baseline)}`;
    const filtering = hostFilterRanges(host);
    if (filtering.length > 0) text += `,"filtering":${JSON.stringify(filtering)}`;
    return text;
  }

  /** `,"protocol":"tcp","scan":"syn","state":"open","reason":"syn-ack","reasonTtl":` */
  private fixed(p: PortResult): string {
    const scan = SCAN_ORDINAL.get(p.scan);
    const state = STATE_ORDINAL.get(p.state);
    const reason = REASON_ORDINAL.get(p.reason);
    const known = p.protocol === 'tcp' && scan !== undefined && state !== undefined && reason !== undefined;
    const key = known ? (scan * PORT_STATES.length + state) * REASONS.length + reason : -1;
    const kept = known ? this.fixedFields[key] : undefined;
    if (kept !== undefined) return kept;
    const text = `,"protocol":"${p.protocol}","scan":"${p.scan}","state":"${p.state}","reason":"${p.reason}","reasonTtl":`;
    if (known) this.fixedFields[key] = text;
    return text;
  }

  private serviceField(name: string): string {
    let text = this.serviceFields.get(name);
    if (text === undefined) this.serviceFields.set(name, (text = `,"service":${jsonString(name)}`));
    return text;
  }

  /** The documented evidence fields in schema order (json.ts jsonEvidence). */
  private evidenceFields(e: PortEvidence): string {
    const { ttl, ipId, window, tcpFlags, tryNo, rttMs } = e;
    const ownSegment =
      e.responder === undefined &&
      e.icmpType === undefined &&
      e.icmpCode === undefined &&
      tryNo !== undefined;
    if (
      ownSegment &&
      ttl !== undefined &&
      ipId !== undefined &&
      window !== undefined &&
      tcpFlags !== undefined
    ) {
      // Most replies are TCP segments from the target itself: one template, no field-by-field joins.
      const rtt = rttMs === undefined ? '' : `,"rttMs":${this.milliseconds(rttMs)}`;
      return `"ttl":${num(ttl)},"ipId":${num(ipId)},"window":${num(window)},"tcpFlags":${num(tcpFlags)},"tryNo":${num(tryNo)}${rtt}`;
    }
    let text = e.responder === undefined ? '' : `"responder":${jsonString(e.responder)}`;
    text = withNumber(text, 'ttl', ttl);
    text = withNumber(text, 'ipId', ipId);
    text = withNumber(text, 'window', window);
    text = withNumber(text, 'tcpFlags', tcpFlags);
    text = withNumber(text, 'icmpType', e.icmpType);
    text = withNumber(text, 'icmpCode', e.icmpCode);
    text = withNumber(text, 'tryNo', tryNo);
    return withNumber(text, 'rttMs', rttMs);
  }

  /** num(ms), kept for whole microseconds (a raw scan's round-trip times and latencies are) */
  private milliseconds(ms: number): string {
    const us = Math.round(ms * 1000);
    if (us / 1000 !== ms || us < 0 || us >= 2 ** 30) return num(ms);
    let text = this.times.get(us);
    if (text === undefined) {
      if (this.times.size >= MAX_KEPT_TIMES) this.times.clear();
      this.times.set(us, (text = num(ms)));
    }
    return text;
  }

  /** {"syn":{"open":3,"closed":55}}: scan types by first appearance, states in PORT_STATES order */
  private stateCounts({ scans, counts }: RowsSummary): string {
    const last = this.lastCounts;
    if (last !== undefined && last.scans === scans && sameCounts(last.counts, counts)) return last.text;
    let text = '';
    for (let k = 0; k < scans.length; k++) {
      let states = '';
      for (let s = 0; s < PORT_STATES.length; s++) {
        const count = counts[k * PORT_STATES.length + s];
        if (count > 0) states += `${states === '' ? '' : ','}"${PORT_STATES[s]}":${count}`;
      }
      text += `${k === 0 ? '' : ','}"${scans[k]}":{${states}}`;
    }
    this.lastCounts = { scans, counts, text: `{${text}}` };
    return this.lastCounts.text;
  }

  /** `,"baseline":{...}`, or '' when the host has none */
  private baselineField(baseline: HostBaseline): string {
    // Hosts without flags share their baseline object (middleboxFlags).
    if (this.lastBaseline?.baseline === baseline) return this.lastBaseline.text;
    const { ttl, ttlFrom, resetWindow } = baseline;
    let text = '';
    if (ttl !== undefined || resetWindow !== undefined) {
      let fields = withNumber('', 'ttl', ttl);
      if (ttlFrom !== undefined) fields += `${fields === '' ? '' : ','}"ttlFrom":"${ttlFrom}"`;
      text = `,"baseline":{${withNumber(fields, 'resetWindow', resetWindow)}}`;
    }
    this.lastBaseline = { baseline, text };
    return text;
  }
}

function sameCounts(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The JsonText of each options object in use. */
const texts = new WeakMap<RenderOptions, JsonText>();

export function jsonText(opts: RenderOptions): JsonText {
  let text = texts.get(opts);
  if (text === undefined) texts.set(opts, (text = new JsonText(opts)));
  return text;
}

/** JsonPort's fields without the braces (JsonText.portFields) */
export function jsonPortFields(p: PortResult, opts: RenderOptions, middlebox?: MiddleboxFlag): string {
  return jsonText(opts).portFields(p, middlebox);
}

const NO_OPTIONS: RenderOptions = {};

/** JsonHost's fields without the braces (JsonText.hostFields; they do not depend on options) */
export function jsonHostFields(host: HostResult, baseline: HostBaseline): string {
  return jsonText(NO_OPTIONS).hostFields(host, baseline);
}
