// The JSON text of a port's and of a host's fields, written directly: the same
// characters as JSON.stringify of the JsonPort / JsonHost objects (json.ts),
// fields in the same order, undefined fields left out, without building those
// objects (a report can have 65535 ports or 65536 hosts).
//
// Values of the closed string unions (scan type, state, reason, protocol, ISO
// times, range lists) need no escaping and are written between quotes as they
// are; free text (addresses, names, services) goes through JSON.stringify.
import type { HostBaseline, MiddleboxFlag } from '../audit/middlebox.js';
import { hostFilterRanges } from '../audit/stateful.js';
import { portRows } from '../scan/port-rows.js';
import type { HostResult, PortEvidence, PortResult } from '../scan/types.js';
import { PORT_STATES } from '../scan/types.js';
import { hostLiveness } from './port-view.js';
import { rowsSummary } from './rows-summary.js';
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

/** JsonPort's fields without the braces: "port":22,"protocol":"tcp",... */
export function jsonPortFields(p: PortResult, opts: RenderOptions, middlebox?: MiddleboxFlag): string {
  const service = p.service ?? opts.serviceName?.(p.port, p.protocol);
  const e = p.evidence;
  return (
    `"port":${num(p.port)},"protocol":"${p.protocol}","scan":"${p.scan}","state":"${p.state}",` +
    `"reason":"${p.reason}","reasonTtl":${num(p.reasonTtl)}` +
    (service === undefined ? '' : `,"service":${JSON.stringify(service)}`) +
    (e === undefined ? '' : `,"evidence":{${evidenceFields(e)}}`) +
    (middlebox === undefined ? '' : `,"middlebox":${JSON.stringify(middlebox)}`)
  );
}

/** The documented evidence fields in schema order (json.ts jsonEvidence). */
function evidenceFields(e: PortEvidence): string {
  const { ttl, ipId, window, tcpFlags, tryNo, rttMs } = e;
  const ownSegment =
    e.responder === undefined && e.icmpType === undefined && e.icmpCode === undefined && tryNo !== undefined;
  if (
    ownSegment &&
    ttl !== undefined &&
    ipId !== undefined &&
    window !== undefined &&
    tcpFlags !== undefined
  ) {
    // Most replies are TCP segments from the target itself: one template, no field-by-field joins.
    const rtt = rttMs === undefined ? '' : `,"rttMs":${num(rttMs)}`;
    return `"ttl":${num(ttl)},"ipId":${num(ipId)},"window":${num(window)},"tcpFlags":${num(tcpFlags)},"tryNo":${num(tryNo)}${rtt}`;
  }
  let text = e.responder === undefined ? '' : `"responder":${JSON.stringify(e.responder)}`;
  text = withNumber(text, 'ttl', ttl);
  text = withNumber(text, 'ipId', ipId);
  text = withNumber(text, 'window', window);
  text = withNumber(text, 'tcpFlags', tcpFlags);
  text = withNumber(text, 'icmpType', e.icmpType);
  text = withNumber(text, 'icmpCode', e.icmpCode);
  text = withNumber(text, 'tryNo', tryNo);
  return withNumber(text, 'rttMs', rttMs);
}

/**
 * JsonHost's fields without the braces: "address":"198.18.0.2","status":"up",...
 * baseline: the host's hostBaseline (middleboxFlags has it).
 */
export function jsonHostFields(host: HostResult, baseline: HostBaseline): string {
  const live = hostLiveness(host);
  let text = `"address":${JSON.stringify(host.address)}`;
  if (host.hostname !== undefined) text += `,"hostname":${JSON.stringify(host.hostname)}`;
  text += live.up ? ',"status":"up"' : ',"status":"unknown"';
  text = withNumber(text, 'latencyMs', live.latencyMs);
  if (host.startTime !== undefined) text += `,"startTime":"${iso(host.startTime)}"`;
  if (host.endTime !== undefined) text += `,"endTime":"${iso(host.endTime)}"`;
  text += `,"stateCounts":${stateCountsText(host)}`;
  const { ttl, ttlFrom, resetWindow } = baseline;
  if (ttl !== undefined || resetWindow !== undefined) {
    let fields = withNumber('', 'ttl', ttl);
    if (ttlFrom !== undefined) fields += `${fields === '' ? '' : ','}"ttlFrom":"${ttlFrom}"`;
    text += `,"baseline":{${withNumber(fields, 'resetWindow', resetWindow)}}`;
  }
  const filtering = hostFilterRanges(host);
  if (filtering.length > 0) text += `,"filtering":${JSON.stringify(filtering)}`;
  return text;
}

/** {"syn":{"open":3,"closed":55}}: scan types by first appearance, states in PORT_STATES order */
function stateCountsText(host: HostResult): string {
  const { scans, counts } = rowsSummary(portRows(host));
  let text = '';
  for (let k = 0; k < scans.length; k++) {
    let states = '';
    for (let s = 0; s < PORT_STATES.length; s++) {
      const count = counts[k * PORT_STATES.length + s];
      if (count > 0) states += `${states === '' ? '' : ','}"${PORT_STATES[s]}":${count}`;
    }
    text += `${k === 0 ? '' : ','}"${scans[k]}":{${states}}`;
  }
  return `{${text}}`;
}
