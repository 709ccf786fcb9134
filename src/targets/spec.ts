// One nmap-style target specification, parsed without touching the network:
//   198.18.0.1            one address
//   198.18.0.5/24         the whole /24 that contains it (nmap semantics), /0 .. /32
//   198.18.1-3.0-255      ranges per octet; "-" or "*" is 0-255, "-5" is 0-5, "250-" is 250-255
//   198.18.0.1,5,9-11     lists per octet (combinable with ranges)
//   scanme.example.org    a hostname (optionally with /prefix), resolved later
// Octet-range specs become one interval per combination of the octets above the
// lowest octet that is not 0-255, so 10.0-255.0-255.1 is 65536 intervals and
// 10.0-255.0-255.0-255 is one. MAX_INTERVALS caps the total to bound memory.

import { UsageError } from '../cli/errors.js';
import { IntervalBuilder } from './intervals.js';
import { cidrBounds, parseIpv4 } from './ipv4.js';

/** Upper bound on separate intervals in one target or exclude list (~24 MiB of TargetSet). */
export const MAX_INTERVALS = 1 << 20;

export const VALID_FORMS =
  'valid forms: 198.18.0.1, 198.18.0.0/24, 198.18.1-3.0-255, 198.18.0.1,5,9-11, host.example.org, host.example.org/28';

export type TargetSpec = { kind: 'addresses' } | { kind: 'hostname'; name: string; prefix: number | null };

type OctetRange = [number, number];

/**
 * Parses one spec. Address forms are added to `into` (not normalized) and yield
 * {kind: 'addresses'}; names yield {kind: 'hostname'} for the caller to resolve.
 */
export function parseTargetSpec(spec: string, into: IntervalBuilder): TargetSpec {
  if (spec.includes(':')) {
    throw new UsageError(`IPv6 target ${spec} is not supported; rawscan scans IPv4 only`);
  }
  const slash = spec.indexOf('/');
  const base = slash < 0 ? spec : spec.slice(0, slash);
  const prefix = slash < 0 ? null : parsePrefix(spec, spec.slice(slash + 1));

  if (/^[\d.,*-]+$/.test(base)) {
    const addr = parseIpv4(base);
    if (addr !== null) {
      const [first, last] = cidrBounds(addr, prefix ?? 32);
      addCapped(into, first, last, spec);
    } else if (prefix !== null) {
      base.split('.').forEach((text) => parseOctet(text, spec)); // reports a bad octet first
      throw new UsageError(
        `target ${spec}: a /prefix needs a plain address, not octet ranges; ${VALID_FORMS}`,
      );
    } else {
      addOctetRanges(spec, into);
    }
    return { kind: 'addresses' };
  }
  if (/^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/.test(base) && base.length <= 253) {
    return { kind: 'hostname', name: base, prefix };
  }
  throw new UsageError(`malformed target ${spec}; ${VALID_FORMS}`);
}

function parsePrefix(spec: string, text: string): number {
  if (!/^\d{1,3}$/.test(text)) throw new UsageError(`malformed prefix in target ${spec}; ${VALID_FORMS}`);
  const prefix = Number(text);
  if (prefix > 32) throw new UsageError(`prefix /${prefix} in target ${spec} is larger than /32`);
  return prefix;
}

function addOctetRanges(spec: string, into: IntervalBuilder): void {
  const texts = spec.split('.');
  if (texts.length !== 4) {
    throw new UsageError(`malformed target ${spec}: an address needs 4 octets; ${VALID_FORMS}`);
  }
  const octets = texts.map((text) => parseOctet(text, spec));
  const isFull = (ranges: OctetRange[]) => ranges.length === 1 && ranges[0][0] === 0 && ranges[0][1] === 255;
  // lowest: the last octet that is not 0-255; everything below it is whole.
  let lowest = 3;
  while (lowest > 0 && isFull(octets[lowest])) lowest--;

  let combinations = octets[lowest].length;
  for (let k = 0; k < lowest; k++) combinations *= octetValueCount(octets[k]);
  if (into.count + combinations > MAX_INTERVALS) throw tooManyIntervals(spec);

  const span = 256 ** (3 - lowest); // addresses per value of the lowest octet
  const expand = (k: number, prefixValue: number): void => {
    if (k === lowest) {
      for (const [a, b] of octets[k]) {
        const base = prefixValue * 256 * span;
        into.add(base + a * span, base + b * span + span - 1);
      }
      return;
    }
    for (const [a, b] of octets[k]) for (let v = a; v <= b; v++) expand(k + 1, prefixValue * 256 + v);
  };
  expand(0, 0);
}

/** One octet: comma-separated items N, N-M, -M, N-, - or *; returns sorted merged ranges. */
function parseOctet(text: string, spec: string): OctetRange[] {
  const ranges: OctetRange[] = [];
  for (const item of text.split(',')) {
    const match = /^(\d*)(-?)(\d*)$/.exec(item === '*' ? '-' : item);
    if (!match || item === '' || (match[2] === '' && match[1] === '')) {
      throw new UsageError(`malformed octet "${text}" in target ${spec}; ${VALID_FORMS}`);
    }
    const low = match[1] === '' ? 0 : octetValue(match[1], spec);
    const high = match[2] === '' ? low : match[3] === '' ? 255 : octetValue(match[3], spec);
    if (low > high)
      throw new UsageError(`octet range ${item} in target ${spec} runs backwards (${low} > ${high})`);
    ranges.push([low, high]);
  }
  ranges.sort((x, y) => x[0] - y[0]);
  const merged: OctetRange[] = [];
  for (const [a, b] of ranges) {
    const top = merged[merged.length - 1];
    if (top && a <= top[1] + 1) top[1] = Math.max(top[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

function octetValue(digits: string, spec: string): number {
  const value = Number(digits);
  if (value > 255) throw new UsageError(`octet ${digits} in target ${spec} is larger than 255`);
  if (digits.length > 3) throw new UsageError(`malformed octet ${digits} in target ${spec}; ${VALID_FORMS}`);
  return value;
}

function octetValueCount(ranges: OctetRange[]): number {
  return ranges.reduce((sum, [a, b]) => sum + b - a + 1, 0);
}

export function addCapped(into: IntervalBuilder, first: number, last: number, spec: string): void {
  if (into.count >= MAX_INTERVALS) throw tooManyIntervals(spec);
  into.add(first, last);
}

function tooManyIntervals(spec: string): UsageError {
  return new UsageError(
    `target ${spec} brings the list to more than ${MAX_INTERVALS} separate address ranges, ` +
      'the limit that bounds memory; use CIDR blocks or ranges in the last octets (198.18.0-255.0-255)',
  );
}
