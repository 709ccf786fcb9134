import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { IntervalBuilder } from '../../src/targets/intervals.js';
import { ipToString } from '../../src/targets/ipv4.js';
import { MAX_INTERVALS, parseTargetSpec } from '../../src/targets/spec.js';

/** Normalized intervals of one address spec, as "first-last" strings. */
function ranges(spec: string): string[] {
  const builder = new IntervalBuilder();
  expect(parseTargetSpec(spec, builder)).toEqual({ kind: 'addresses' });
  const list = builder.normalize();
  return Array.from(list.firsts, (first, k) => `${ipToString(first)}-${ipToString(list.lasts[k])}`);
}

function usageError(spec: string): UsageError {
  try {
    parseTargetSpec(spec, new IntervalBuilder());
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`${spec} was accepted`);
}

describe('parseTargetSpec: address forms', () => {
  it.each<[string, string[]]>([
    ['198.18.0.1', ['198.18.0.1-198.18.0.1']],
    ['198.18.0.5/24', ['198.18.0.0-198.18.0.255']],
    ['198.18.0.5/32', ['198.18.0.5-198.18.0.5']],
    ['198.18.0.5/31', ['198.18.0.4-198.18.0.5']],
    ['198.19.1.1/15', ['198.18.0.0-198.19.255.255']],
    ['10.9.8.7/8', ['10.0.0.0-10.255.255.255']],
    ['1.2.3.4/0', ['0.0.0.0-255.255.255.255']],
    ['198.18.1-3.0-255', ['198.18.1.0-198.18.3.255']],
    ['198.18.0.1,5,9-11', ['198.18.0.1-198.18.0.1', '198.18.0.5-198.18.0.5', '198.18.0.9-198.18.0.11']],
    ['198.18.0.-', ['198.18.0.0-198.18.0.255']],
    ['198.18.0.*', ['198.18.0.0-198.18.0.255']],
    ['198.18.0.-5', ['198.18.0.0-198.18.0.5']],
    ['198.18.0.250-', ['198.18.0.250-198.18.0.255']],
    ['198.18.0.9-11,10-12', ['198.18.0.9-198.18.0.12']],
    ['198.18.0-1.7', ['198.18.0.7-198.18.0.7', '198.18.1.7-198.18.1.7']],
    ['198.18,19.0.0-255', ['198.18.0.0-198.18.0.255', '198.19.0.0-198.19.0.255']],
    ['198.18-19.0-255.0-255', ['198.18.0.0-198.19.255.255']],
    ['-.-.-.-', ['0.0.0.0-255.255.255.255']],
  ])('%s', (spec, expected) => expect(ranges(spec)).toEqual(expected));

  it('expands multi-octet ranges per combination of the upper octets, lazily', () => {
    const builder = new IntervalBuilder();
    parseTargetSpec('10.0-255.0-255.1', builder);
    const list = builder.normalize();
    expect(list.firsts.length).toBe(65536);
    expect(ipToString(list.firsts[0])).toBe('10.0.0.1');
    expect(ipToString(list.lasts[65535])).toBe('10.255.255.1');
  });
});

describe('parseTargetSpec: hostnames', () => {
  it.each([
    ['scanme.example.org', 'scanme.example.org', null],
    ['localhost', 'localhost', null],
    ['lab-target_1.example.', 'lab-target_1.example.', null],
    ['host.example.org/28', 'host.example.org', 28],
  ])('%s', (spec, name, prefix) => {
    expect(parseTargetSpec(spec, new IntervalBuilder())).toEqual({ kind: 'hostname', name, prefix });
  });
});

describe('parseTargetSpec: errors name the spec', () => {
  it.each<[string, RegExp]>([
    ['198.18.0.256', /octet 256 in target 198\.18\.0\.256 is larger than 255/],
    ['198.18.300-301.1', /octet 300 in target 198\.18\.300-301\.1 is larger than 255/],
    ['198.18.0.1/33', /prefix \/33 in target 198\.18\.0\.1\/33 is larger than \/32/],
    ['198.18.0.1/', /malformed prefix in target 198\.18\.0\.1\/; valid forms: /],
    ['198.18.0.1/x', /malformed prefix in target 198\.18\.0\.1\/x/],
    ['198.18.0.256/24', /octet 256 in target 198\.18\.0\.256\/24 is larger than 255/],
    ['198.18.0-3.1/24', /target 198\.18\.0-3\.1\/24: a \/prefix needs a plain address/],
    [
      '198.18.0',
      /malformed target 198\.18\.0: an address needs 4 octets; valid forms: 198\.18\.0\.1, 198\.18\.0\.0\/24/,
    ],
    ['198.18.0.1.2', /malformed target 198\.18\.0\.1\.2: an address needs 4 octets/],
    ['198.18.0.9-3', /octet range 9-3 in target 198\.18\.0\.9-3 runs backwards/],
    ['198.18.0.1,,2', /malformed octet "1,,2" in target 198\.18\.0\.1,,2/],
    ['198.18..1', /malformed octet "" in target 198\.18\.\.1/],
    ['198.18.0.1-2-3', /malformed octet "1-2-3" in target 198\.18\.0\.1-2-3/],
    ['198.18.0.0001', /malformed octet 0001 in target 198\.18\.0\.0001/],
    ['host name!', /malformed target host name!; valid forms: /],
    ['-host', /malformed target -host/],
    ['::1', /IPv6 target ::1 is not supported/],
    [
      '0-255.0-255.0-255.1',
      new RegExp(`target 0-255\\.0-255\\.0-255\\.1 brings the list to more than ${MAX_INTERVALS}`),
    ],
  ])('%s', (spec, message) => expect(usageError(spec).message).toMatch(message));
});
