import { describe, expect, it } from 'vitest';
import { IntervalBuilder, subtractIntervals, type IntervalList } from '../../src/targets/intervals.js';
import { cidrBounds, ipToString, parseIpv4 } from '../../src/targets/ipv4.js';
import { TargetSet } from '../../src/targets/target-set.js';

const ip = (text: string): number => {
  const addr = parseIpv4(text);
  if (addr === null) throw new Error(`bad test address ${text}`);
  return addr;
};

function list(...pairs: [string, string][]): IntervalList {
  const builder = new IntervalBuilder();
  for (const [first, last] of pairs) builder.add(ip(first), ip(last));
  return builder.normalize();
}

const show = (l: IntervalList): string[] =>
  Array.from(l.firsts, (first, k) => `${ipToString(first)}-${ipToString(l.lasts[k])}`);

describe('parseIpv4 / ipToString', () => {
  it.each([
    ['0.0.0.0', 0],
    ['255.255.255.255', 0xffffffff],
    ['198.18.0.1', 0xc6120001],
    ['10.1.2.3', 0x0a010203],
  ])('%s <-> %d', (text, value) => {
    expect(parseIpv4(text)).toBe(value);
    expect(ipToString(value)).toBe(text);
  });

  it.each([
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '1.2.3.-1',
    '1..2.3',
    'a.b.c.d',
    '1.2.3.4 ',
    '0x1.2.3.4',
    '1.2.3.1000',
  ])('rejects %j', (text) => expect(parseIpv4(text)).toBeNull());
});

describe('cidrBounds', () => {
  it.each([
    ['198.18.0.5', 24, '198.18.0.0', '198.18.0.255'],
    ['198.18.0.5', 32, '198.18.0.5', '198.18.0.5'],
    ['198.19.255.1', 15, '198.18.0.0', '198.19.255.255'],
    ['203.0.113.9', 0, '0.0.0.0', '255.255.255.255'],
  ])('%s/%d', (addr, prefix, first, last) => {
    expect(cidrBounds(ip(addr), prefix).map(ipToString)).toEqual([first, last]);
  });
});

describe('IntervalBuilder.normalize', () => {
  it('sorts, merges overlapping and adjacent intervals, keeps gaps', () => {
    const merged = list(
      ['198.18.0.10', '198.18.0.20'],
      ['198.18.0.1', '198.18.0.5'],
      ['198.18.0.6', '198.18.0.9'], // adjacent to both neighbours
      ['198.18.0.15', '198.18.0.30'], // overlaps
      ['198.18.0.32', '198.18.0.32'], // gap at .31
    );
    expect(show(merged)).toEqual(['198.18.0.1-198.18.0.30', '198.18.0.32-198.18.0.32']);
  });

  it('keeps the top of the address space', () => {
    expect(show(list(['255.255.255.0', '255.255.255.255'], ['0.0.0.0', '255.255.255.254']))).toEqual([
      '0.0.0.0-255.255.255.255',
    ]);
  });
});

describe('subtractIntervals', () => {
  it.each<[string, [string, string][], [string, string][], string[]]>([
    [
      'middle split',
      [['198.18.0.0', '198.18.0.255']],
      [['198.18.0.10', '198.18.0.19']],
      ['198.18.0.0-198.18.0.9', '198.18.0.20-198.18.0.255'],
    ],
    [
      'removes head and tail',
      [['198.18.0.0', '198.18.0.255']],
      [
        ['198.17.0.0', '198.18.0.0'],
        ['198.18.0.255', '198.19.0.0'],
      ],
      ['198.18.0.1-198.18.0.254'],
    ],
    [
      'one removal across two intervals',
      [
        ['198.18.0.0', '198.18.0.9'],
        ['198.18.0.20', '198.18.0.29'],
      ],
      [['198.18.0.5', '198.18.0.25']],
      ['198.18.0.0-198.18.0.4', '198.18.0.26-198.18.0.29'],
    ],
    ['everything', [['198.18.0.0', '198.18.0.9']], [['0.0.0.0', '255.255.255.255']], []],
    ['disjoint', [['198.18.0.0', '198.18.0.9']], [['10.0.0.0', '10.0.0.255']], ['198.18.0.0-198.18.0.9']],
    [
      'several holes',
      [['198.18.0.0', '198.18.0.9']],
      [
        ['198.18.0.1', '198.18.0.1'],
        ['198.18.0.3', '198.18.0.4'],
        ['198.18.0.9', '198.18.0.9'],
      ],
      ['198.18.0.0-198.18.0.0', '198.18.0.2-198.18.0.2', '198.18.0.5-198.18.0.8'],
    ],
  ])('%s', (_name, from, remove, expected) => {
    expect(show(subtractIntervals(list(...from), list(...remove)))).toEqual(expected);
  });
});

describe('TargetSet', () => {
  const set = new TargetSet(
    list(['198.18.0.0', '198.18.0.3'], ['198.18.1.10', '198.18.1.11'], ['198.19.0.0', '198.19.0.0']),
  );
  const expected = [
    '198.18.0.0',
    '198.18.0.1',
    '198.18.0.2',
    '198.18.0.3',
    '198.18.1.10',
    '198.18.1.11',
    '198.19.0.0',
  ];

  it('counts, indexes and iterates in ascending order', () => {
    expect(set.size).toBe(7);
    expect(set.intervalCount).toBe(3);
    expect(expected.map((_, i) => ipToString(set.at(i)))).toEqual(expected);
    expect([...set].map(ipToString)).toEqual(expected);
  });

  it.each([-1, 7, 1.5, NaN])('at(%d) is out of range', (i) => {
    expect(() => set.at(i)).toThrow(RangeError);
  });

  it.each([
    ['198.18.0.0', true],
    ['198.18.0.3', true],
    ['198.18.0.4', false],
    ['198.18.1.9', false],
    ['198.18.1.11', true],
    ['198.19.0.0', true],
    ['198.17.255.255', false],
    ['255.255.255.255', false],
    ['0.0.0.0', false],
  ])('has(%s) = %s', (addr, member) => expect(set.has(ip(addr))).toBe(member));

  it('holds 0.0.0.0/0 as one interval of 2^32 addresses', () => {
    const all = new TargetSet(list(['0.0.0.0', '255.255.255.255']));
    expect(all.size).toBe(2 ** 32);
    expect(all.intervalCount).toBe(1);
    expect(all.at(0)).toBe(0);
    expect(all.at(2 ** 32 - 1)).toBe(0xffffffff);
    expect(ipToString(all.at(0xc6120001))).toBe('198.18.0.1');
  });

  it('is empty without intervals', () => {
    const empty = new TargetSet(list());
    expect(empty.size).toBe(0);
    expect(empty.has(0)).toBe(false);
    expect([...empty]).toEqual([]);
  });

  it('at() agrees with iteration over many intervals', () => {
    const builder = new IntervalBuilder();
    for (let k = 0; k < 500; k++) builder.add(k * 1000, k * 1000 + (k % 7));
    const many = new TargetSet(builder.normalize());
    const walked = [...many];
    expect(many.size).toBe(walked.length);
    for (let i = 0; i < walked.length; i += 13) expect(many.at(i)).toBe(walked[i]);
    expect(many.at(walked.length - 1)).toBe(walked[walked.length - 1]);
  });
});
