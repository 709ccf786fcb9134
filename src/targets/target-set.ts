// The addresses a scan visits: a lazy, read-only view over normalized intervals.
// Memory is O(number of intervals): a /8 is one interval, 10.0-255.0-255.1 is
// 65536 of them. Addresses are indexed 0 .. size-1 in ascending order; the scan
// permutes that index space, so at(i) must be cheap (binary search over prefix sums).

import type { IntervalList } from './intervals.js';

export class TargetSet implements Iterable<number> {
  /** number of addresses, up to 2^32 */
  readonly size: number;
  /** names the user typed, by the host-order address they resolved to */
  readonly hostnames: ReadonlyMap<number, string>;
  /** things the user should know (other addresses of a name that were not scanned) */
  readonly notes: readonly string[];
  private readonly firsts: Uint32Array;
  private readonly lasts: Uint32Array;
  /** before[k] = addresses in intervals 0 .. k-1 */
  private readonly before: Float64Array;

  constructor(list: IntervalList, hostnames: ReadonlyMap<number, string> = new Map(), notes: string[] = []) {
    this.firsts = list.firsts;
    this.lasts = list.lasts;
    this.before = new Float64Array(list.firsts.length);
    let total = 0;
    for (let k = 0; k < list.firsts.length; k++) {
      this.before[k] = total;
      total += list.lasts[k] - list.firsts[k] + 1;
    }
    this.size = total;
    this.hostnames = hostnames;
    this.notes = notes;
  }

  get intervalCount(): number {
    return this.firsts.length;
  }

  /** The index-th address in ascending order (host-order u32); RangeError outside 0 .. size-1. */
  at(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`target index ${index} outside 0..${this.size - 1}`);
    }
    // Last interval whose prefix sum is <= index.
    let lo = 0;
    let hi = this.before.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.before[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return this.firsts[lo] + (index - this.before[lo]);
  }

  has(addr: number): boolean {
    // Last interval whose first address is <= addr.
    let lo = 0;
    let hi = this.firsts.length - 1;
    if (hi < 0 || addr < this.firsts[0]) return false;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.firsts[mid] <= addr) lo = mid;
      else hi = mid - 1;
    }
    return addr <= this.lasts[lo];
  }

  /** The normalized intervals, [first, last] inclusive. */
  *intervals(): IterableIterator<[number, number]> {
    for (let k = 0; k < this.firsts.length; k++) yield [this.firsts[k], this.lasts[k]];
  }

  *[Symbol.iterator](): IterableIterator<number> {
    for (let k = 0; k < this.firsts.length; k++) {
      for (let addr = this.firsts[k]; addr <= this.lasts[k]; addr++) yield addr;
    }
  }
}
