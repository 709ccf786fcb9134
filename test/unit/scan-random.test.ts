// src/scan/random.ts: a scan's key and seed, from /dev/urandom.
import { describe, expect, it } from 'vitest';
import { randomBytes, randomSeed } from '../../src/scan/random.js';

describe('random keys and seeds', () => {
  it('gives as many bytes as asked, different on every call', () => {
    const keys = Array.from({ length: 8 }, () => randomBytes(16));
    for (const key of keys) expect(key).toHaveLength(16);
    expect(new Set(keys.map((k) => k.toString('hex'))).size).toBe(keys.length);
    expect(randomBytes(0)).toHaveLength(0);
  });

  it('gives 64-bit seeds that use all their bits', () => {
    const seeds = Array.from({ length: 64 }, randomSeed);
    for (const seed of seeds) expect(seed >= 0n && seed < 2n ** 64n).toBe(true);
    expect(new Set(seeds).size).toBe(seeds.length);
    // Some seed has its top bit set (odds of none: 2^-64).
    expect(seeds.some((seed) => seed >= 2n ** 63n)).toBe(true);
  });
});
