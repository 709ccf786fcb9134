// Sets of IPv4 addresses as inclusive [first, last] intervals of host-order u32.
// A normalized IntervalList is sorted by first address, disjoint and merged
// (no two intervals touch), so its memory grows with the number of ranges the
// user wrote, never with the number of addresses (0.0.0.0/0 is one interval).

export interface IntervalList {
  firsts: Uint32Array;
  lasts: Uint32Array;
}

/** Collects intervals in any order; normalize() sorts and merges them. */
export class IntervalBuilder {
  private firsts: number[] = [];
  private lasts: number[] = [];

  get count(): number {
    return this.firsts.length;
  }

  add(first: number, last: number): void {
    this.firsts.push(first);
    this.lasts.push(last);
  }

  addList(list: IntervalList): void {
    for (let k = 0; k < list.firsts.length; k++) this.add(list.firsts[k], list.lasts[k]);
  }

  normalize(): IntervalList {
    const n = this.firsts.length;
    const order = new Uint32Array(n);
    for (let k = 0; k < n; k++) order[k] = k;
    if (!isSortedByFirst(this.firsts)) order.sort((a, b) => this.firsts[a] - this.firsts[b]);
    const firsts: number[] = [];
    const lasts: number[] = [];
    for (const k of order) {
      const first = this.firsts[k];
      const last = this.lasts[k];
      const top = lasts.length - 1;
      // Merge overlapping and adjacent intervals (last + 1 === first).
      if (top >= 0 && first <= lasts[top] + 1) {
        if (last > lasts[top]) lasts[top] = last;
      } else {
        firsts.push(first);
        lasts.push(last);
      }
    }
    return { firsts: Uint32Array.from(firsts), lasts: Uint32Array.from(lasts) };
  }
}

function isSortedByFirst(firsts: number[]): boolean {
  for (let k = 1; k < firsts.length; k++) if (firsts[k - 1] > firsts[k]) return false;
  return true;
}

/** Addresses in `from` and not in `remove`; both normalized, result normalized. O(n + m). */
export function subtractIntervals(from: IntervalList, remove: IntervalList): IntervalList {
  const firsts: number[] = [];
  const lasts: number[] = [];
  let r = 0;
  for (let k = 0; k < from.firsts.length; k++) {
    let first = from.firsts[k];
    const last = from.lasts[k];
    while (r < remove.firsts.length && remove.lasts[r] < first) r++;
    // Walk the removals that overlap [first, last]; each one may split it.
    let j = r;
    while (first <= last && j < remove.firsts.length && remove.firsts[j] <= last) {
      if (remove.firsts[j] > first) {
        firsts.push(first);
        lasts.push(remove.firsts[j] - 1);
      }
      first = remove.lasts[j] + 1;
      j++;
    }
    if (first <= last) {
      firsts.push(first);
      lasts.push(last);
    }
  }
  return { firsts: Uint32Array.from(firsts), lasts: Uint32Array.from(lasts) };
}

/** Number of addresses in a normalized list (at most 2^32, exact in a double). */
export function countAddresses(list: IntervalList): number {
  let total = 0;
  for (let k = 0; k < list.firsts.length; k++) total += list.lasts[k] - list.firsts[k] + 1;
  return total;
}
