// The order in which a scan visits its index space: a lazy pseudo-random
// permutation of [0, size), keyed by a 64-bit seed, in O(1) memory.
//
// Construction: a balanced Feistel network over the smallest domain 4^h >= size
// (two h-bit halves), made to fit [0, size) by cycle-walking: encrypt again
// until the value falls inside. Since 4^h < 4 * size, a walk takes fewer than
// four encryptions on average. Everything is double/int32 arithmetic, no BigInt
// per index; size is capped at 2^52 so that every value stays an exact double
// (2^32 addresses x 65536 ports = 2^48 fits, with room for 16 probe kinds).
import { UsageError } from '../cli/errors.js';

export const MAX_PERMUTATION_SIZE = 2 ** 52;
const ROUNDS = 6;

export class Permutation {
  private readonly halfBits: number;
  /** 2^halfBits */
  private readonly halfSize: number;
  private readonly mask: number;
  private readonly roundKeys = new Int32Array(ROUNDS);

  /** seed: any 64-bit value (bigint) or a non-negative integer number */
  constructor(
    readonly size: number,
    seed: bigint | number,
  ) {
    if (!Number.isInteger(size) || size < 0 || size > MAX_PERMUTATION_SIZE) {
      throw new RangeError(`permutation size ${size} is not an integer in [0, 2^52]`);
    }
    let h = 0;
    while (4 ** h < size) h++;
    this.halfBits = h;
    this.halfSize = 2 ** h;
    this.mask = this.halfSize - 1;
    const [lo, hi] = splitSeed(seed);
    for (let r = 0; r < ROUNDS; r++) this.roundKeys[r] = mix32(lo + Math.imul(r + 1, 0x9e3779b9), hi);
  }

  /** The value at position i (0 <= i < size). */
  at(position: number): number {
    let x = position;
    do x = this.encrypt(x);
    while (x >= this.size);
    return x;
  }

  private encrypt(x: number): number {
    const h = this.halfBits;
    let left: number;
    let right: number;
    if (h <= 15) {
      left = x >>> h;
      right = x & this.mask;
    } else {
      left = Math.floor(x / this.halfSize);
      right = x - left * this.halfSize;
    }
    for (let r = 0; r < ROUNDS; r++) {
      const next = (left ^ mix32(right, this.roundKeys[r])) & this.mask;
      left = right;
      right = next;
    }
    return left * this.halfSize + right;
  }
}

/** murmur3's finalizer over (value ^ key): a keyed 32-bit mixing function. */
function mix32(value: number, key: number): number {
  let x = Math.imul(value ^ key, 0x9e3779b1);
  x ^= x >>> 15;
  x = Math.imul(x, 0x85ebca77);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae3d);
  return x ^ (x >>> 16);
}

function splitSeed(seed: bigint | number): [number, number] {
  if (typeof seed === 'bigint') {
    const s = BigInt.asUintN(64, seed);
    return [Number(s & 0xffffffffn) | 0, Number(s >> 32n) | 0];
  }
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new RangeError(`seed ${seed} is not a safe integer >= 0`);
  return [(seed % 2 ** 32) | 0, Math.floor(seed / 2 ** 32) | 0];
}

/** --shard K/N: this scanner takes the permuted positions p with p % N == K - 1. */
export interface Shard {
  /** K, 1-based */
  index: number;
  /** N, total number of shards */
  count: number;
}

export const WHOLE_SCAN: Shard = { index: 1, count: 1 };

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!(index >= 1 && count >= 1 && index <= count && count <= 2 ** 32)) {
    throw new UsageError(`--shard ${text}: expected K/N with 1 <= K <= N (for example --shard 2/4)`);
  }
  return { index, count };
}

/**
 * The positions of one shard in the permuted sequence: the j-th probe of the
 * shard (0 <= j < length) is permutation.at(first + j * stride).
 */
export class ShardWalk {
  readonly length: number;
  private readonly first: number;
  private readonly stride: number;

  constructor(
    readonly permutation: Permutation,
    shard: Shard,
  ) {
    this.first = shard.index - 1;
    this.stride = shard.count;
    const size = permutation.size;
    this.length = size > this.first ? Math.ceil((size - this.first) / this.stride) : 0;
  }

  /** The index-space value of the shard's j-th probe. */
  at(j: number): number {
    return this.permutation.at(this.first + j * this.stride);
  }
}
