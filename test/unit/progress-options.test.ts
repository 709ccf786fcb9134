// The scan options of P2: --stats-every and --shard (with --seed), validated
// into ScanSettings.
import { describe, expect, it } from 'vitest';
import { MAX_SHARDS, validateScanArgs } from '../../src/cli/scan-options.js';
import { UsageError } from '../../src/cli/errors.js';

const base = { n: false };

describe('--stats-every', () => {
  it('is absent unless given, and in ms when given', () => {
    expect(validateScanArgs(base, true).statsEveryMs).toBeUndefined();
    expect(validateScanArgs({ ...base, 'stats-every': '10s' }, true).statsEveryMs).toBe(10_000);
    expect(validateScanArgs({ ...base, 'stats-every': '500ms' }, true).statsEveryMs).toBe(500);
  });

  it('rejects a bad duration, naming the option', () => {
    expect(() => validateScanArgs({ ...base, 'stats-every': 'often' }, true)).toThrow(
      /--stats-every often is not a duration/,
    );
  });
});

describe('--shard K/N', () => {
  it('is the whole scan unless given', () => {
    expect(validateScanArgs({ ...base, seed: '42' }, true).shard).toBeUndefined();
  });

  it.each([
    ['1/1', { index: 1, count: 1 }],
    ['2/3', { index: 2, count: 3 }],
    [`${MAX_SHARDS}/${MAX_SHARDS}`, { index: 65536, count: 65536 }],
  ])('%s with --seed → %j', (text, shard) => {
    expect(validateScanArgs({ ...base, shard: text, seed: '42' }, true).shard).toEqual(shard);
  });

  it.each([
    [{ shard: '2/3' }, /--shard 2\/3 needs --seed/],
    [{ shard: '0/3', seed: '1' }, /--shard 0\/3: expected K\/N/],
    [{ shard: '4/3', seed: '1' }, /--shard 4\/3: expected K\/N/],
    [{ shard: '1/0', seed: '1' }, /expected K\/N/],
    [{ shard: 'half', seed: '1' }, /--shard half: expected K\/N/],
    [{ shard: '1/65537', seed: '1' }, /at most 65536 shards/],
    [{ shard: '1/2', seed: '1', scan: ['connect'] }, /--shard needs a raw scan type/],
  ])('rejects %j', (args, message) => {
    expect(() => validateScanArgs({ ...base, ...args }, true)).toThrow(UsageError);
    expect(() => validateScanArgs({ ...base, ...args }, true)).toThrow(message);
  });
});
