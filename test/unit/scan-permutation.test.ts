import { describe, expect, it } from 'vitest';
import { Permutation, ShardWalk, parseShard } from '../../src/scan/permutation.js';
import { UsageError } from '../../src/cli/errors.js';

function visitAll(size: number, seed: bigint | number): Uint8Array {
  const p = new Permutation(size, seed);
  const seen = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    const v = p.at(i);
    if (!(v >= 0 && v < size && Number.isInteger(v))) throw new Error(`at(${i}) = ${v} outside [0, ${size})`);
    seen[v]++;
  }
  return seen;
}

describe('Permutation', () => {
  it.each([1, 2, 3, 7, 97, 1021, 4096, 65535, 65536 * 3])(
    'visits each of %i indices exactly once',
    (size) => {
      const seen = visitAll(size, 0x1234_5678_9abc_def0n);
      expect(seen.every((c) => c === 1)).toBe(true);
    },
  );

  it('is deterministic per seed and differs between seeds', () => {
    const a = new Permutation(100_000, 42);
    const b = new Permutation(100_000, 42);
    const c = new Permutation(100_000, 43);
    const first = (p: Permutation) => Array.from({ length: 32 }, (_, i) => p.at(i));
    expect(first(a)).toEqual(first(b));
    expect(first(a)).not.toEqual(first(c));
  });

  it('shuffles: consecutive positions are not consecutive values', () => {
    const p = new Permutation(65536, 7);
    let adjacent = 0;
    for (let i = 1; i < 65536; i++) if (Math.abs(p.at(i) - p.at(i - 1)) === 1) adjacent++;
    expect(adjacent).toBeLessThan(50);
  });

  it('handles sizes beyond 2^32 with exact values', () => {
    const size = 2 ** 32 * 65536; // every address x every port
    const p = new Permutation(size, 99n);
    const values = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const v = p.at(i);
      expect(Number.isSafeInteger(v) && v >= 0 && v < size).toBe(true);
      values.add(v);
    }
    expect(values.size).toBe(1000);
  });

  it('rejects sizes above 2^52', () => {
    expect(() => new Permutation(2 ** 53, 1)).toThrow(RangeError);
  });
});

describe('ShardWalk', () => {
  it.each([
    [1000, 1],
    [1000, 3],
    [65535, 7],
    [5, 8],
  ])('the shards of %i indices in %i parts partition them', (size, count) => {
    const perm = new Permutation(size, 5n);
    const seen = new Uint8Array(size);
    let total = 0;
    for (let k = 1; k <= count; k++) {
      const walk = new ShardWalk(perm, { index: k, count });
      total += walk.length;
      for (let j = 0; j < walk.length; j++) seen[walk.at(j)]++;
    }
    expect(total).toBe(size);
    expect(seen.every((c) => c === 1)).toBe(true);
  });

  it('takes the positions p with p % N == K - 1', () => {
    const perm = new Permutation(100, 3);
    const walk = new ShardWalk(perm, { index: 2, count: 4 });
    expect(walk.length).toBe(25);
    expect(walk.at(0)).toBe(perm.at(1));
    expect(walk.at(3)).toBe(perm.at(13));
  });
});

describe('parseShard', () => {
  it.each([
    ['1/1', { index: 1, count: 1 }],
    ['3/4', { index: 3, count: 4 }],
  ])('%s', (text, shard) => expect(parseShard(text)).toEqual(shard));

  it.each(['0/4', '5/4', '1', 'a/b', '1/0'])('rejects %s with a UsageError', (text) => {
    expect(() => parseShard(text)).toThrow(UsageError);
  });
});
