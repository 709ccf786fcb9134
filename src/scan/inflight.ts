// The probes a scan has released and not yet decided, in typed arrays:
//  - a pool of probe records with stable indices (free list), so memory follows
//    the number of probes in flight and never the size of the scan;
//  - an open-addressing hash (linear probing, backward-shift deletion) from the
//    probe key (address, port | slot << 16) to its pool index, for replies;
//  - the transmission ring: every released descriptor in release order. The
//    engine sends descriptors FIFO, so ring order is send order and, with one
//    timeout for all probes, deadline order: expiry only looks at the head.
// A ring entry is live while the pool record's `seq` equals the entry's sequence
// number; answered or reused records leave stale entries that are skipped.

const NOT_IN_RING = -1;

export class InFlight {
  /** permutation index of the probe (its place in the report order) */
  index = new Float64Array(0);
  address = new Uint32Array(0);
  /** port | slot << 16 */
  portSlot = new Uint32Array(0);
  /** current try, 0 = first transmission */
  tryNo = new Uint8Array(0);
  /** send time of the current try, NaN until a Sent watermark covers it */
  lastSentMs = new Float64Array(0);
  /** send time of the try before the current one */
  prevSentMs = new Float64Array(0);
  /** ring sequence number of the current try, or NOT_IN_RING */
  seq = new Float64Array(0);
  /** bumped whenever a record is freed, so stale queue entries can be recognised */
  generation = new Uint32Array(0);
  /** 1 once the probe waits for a host's ICMP rate limit (icmp-limit.ts) */
  held = new Uint8Array(0);

  /** live probe records */
  size = 0;
  private freeList = new Uint32Array(0);
  private freeCount = 0;
  /** hash slots: pool index + 1, 0 = empty */
  private slots = new Uint32Array(0);
  private slotMask = 0;

  // Transmission ring: entries [headSeq, tailSeq); [headSeq, sentSeq) are on the wire.
  private ring = new Uint32Array(0);
  private ringMask = 0;
  private headPos = 0;
  headSeq = 0;
  sentSeq = 0;
  tailSeq = 0;

  constructor(capacity = 1024) {
    this.growPool(capacity);
    this.growRing(capacity);
  }

  /** Pool index of the probe with this key, or -1. */
  find(address: number, portSlot: number): number {
    let i = hashKey(address, portSlot) & this.slotMask;
    for (;;) {
      const v = this.slots[i];
      if (v === 0) return -1;
      const p = v - 1;
      if (this.address[p] === address && this.portSlot[p] === portSlot) return p;
      i = (i + 1) & this.slotMask;
    }
  }

  /** Adds a probe record (try 0, not yet in the ring) and returns its pool index. */
  add(index: number, address: number, portSlot: number): number {
    if (this.freeCount === 0) this.growPool(this.index.length * 2);
    const p = this.freeList[--this.freeCount];
    this.index[p] = index;
    this.address[p] = address;
    this.portSlot[p] = portSlot;
    this.tryNo[p] = 0;
    this.lastSentMs[p] = NaN;
    this.prevSentMs[p] = NaN;
    this.seq[p] = NOT_IN_RING;
    this.held[p] = 0;
    this.insertSlot(p);
    this.size++;
    return p;
  }

  /** Forgets a decided probe. */
  remove(p: number): void {
    this.deleteSlot(p);
    this.seq[p] = NOT_IN_RING;
    this.generation[p]++;
    this.freeList[this.freeCount++] = p;
    this.size--;
  }

  /** Appends a transmission of probe p (its current try) to the ring. */
  transmit(p: number): void {
    if (this.tailSeq - this.headSeq === this.ring.length) this.growRing(this.ring.length * 2);
    this.ring[(this.headPos + (this.tailSeq - this.headSeq)) & this.ringMask] = p;
    this.seq[p] = this.tailSeq++;
    this.lastSentMs[p] = NaN;
  }

  /** True while p's current try sits in the ring (released, neither answered nor expired). */
  inRing(p: number): boolean {
    return this.seq[p] !== NOT_IN_RING;
  }

  /**
   * Marks the ring up to sequence `consumed` (exclusive) as sent at timeMs;
   * returns how many of those were first tries.
   */
  markSent(consumed: number, timeMs: number): number {
    const end = Math.min(consumed, this.tailSeq);
    let firstTries = 0;
    for (let s = Math.max(this.sentSeq, this.headSeq); s < end; s++) {
      const p = this.ring[(this.headPos + (s - this.headSeq)) & this.ringMask];
      if (this.seq[p] !== s) continue;
      this.lastSentMs[p] = timeMs;
      if (this.tryNo[p] === 0) firstTries++;
    }
    if (end > this.sentSeq) this.sentSeq = end;
    return firstTries;
  }

  /**
   * The live transmission at the head of the ring, after dropping stale entries;
   * -1 when the ring holds no live transmission that has been sent.
   */
  sentHead(): number {
    while (this.headSeq < this.tailSeq) {
      const p = this.ring[this.headPos];
      if (this.seq[p] === this.headSeq) return this.headSeq < this.sentSeq ? p : -1;
      this.popHead();
    }
    return -1;
  }

  /** Takes the head transmission (returned by sentHead) out of the ring. */
  popHead(): void {
    const p = this.ring[this.headPos];
    if (this.seq[p] === this.headSeq) this.seq[p] = NOT_IN_RING;
    this.headPos = (this.headPos + 1) & this.ringMask;
    this.headSeq++;
    if (this.sentSeq < this.headSeq) this.sentSeq = this.headSeq;
  }

  /** Calls fn with the pool index of every live probe record. */
  forEachLive(fn: (p: number) => void): void {
    for (let i = 0; i < this.slots.length; i++) if (this.slots[i] !== 0) fn(this.slots[i] - 1);
  }

  private insertSlot(p: number): void {
    let i = hashKey(this.address[p], this.portSlot[p]) & this.slotMask;
    while (this.slots[i] !== 0) i = (i + 1) & this.slotMask;
    this.slots[i] = p + 1;
  }

  private deleteSlot(p: number): void {
    const mask = this.slotMask;
    let i = hashKey(this.address[p], this.portSlot[p]) & mask;
    while (this.slots[i] !== p + 1) i = (i + 1) & mask;
    // Backward shift: move later members of the cluster into the hole when their home allows it.
    let hole = i;
    for (let j = (i + 1) & mask; this.slots[j] !== 0; j = (j + 1) & mask) {
      const q = this.slots[j] - 1;
      const home = hashKey(this.address[q], this.portSlot[q]) & mask;
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        this.slots[hole] = this.slots[j];
        hole = j;
      }
    }
    this.slots[hole] = 0;
  }

  private growPool(capacity: number): void {
    const old = this.index.length;
    this.index = grow(this.index, capacity);
    this.address = grow(this.address, capacity);
    this.portSlot = grow(this.portSlot, capacity);
    this.tryNo = grow(this.tryNo, capacity);
    this.lastSentMs = grow(this.lastSentMs, capacity);
    this.prevSentMs = grow(this.prevSentMs, capacity);
    this.seq = grow(this.seq, capacity);
    this.generation = grow(this.generation, capacity);
    this.held = grow(this.held, capacity);
    const free = new Uint32Array(capacity);
    free.set(this.freeList.subarray(0, this.freeCount));
    for (let p = capacity - 1; p >= old; p--) free[this.freeCount++] = p;
    this.freeList = free;
    // Hash at most half full. The pool grows only when full, so every old record is live.
    this.slots = new Uint32Array(capacity * 2);
    this.slotMask = capacity * 2 - 1;
    for (let p = 0; p < old; p++) this.insertSlot(p);
  }

  private growRing(capacity: number): void {
    const ring = new Uint32Array(capacity);
    const count = this.tailSeq - this.headSeq;
    for (let k = 0; k < count; k++) ring[k] = this.ring[(this.headPos + k) & this.ringMask];
    this.ring = ring;
    this.ringMask = capacity - 1;
    this.headPos = 0;
  }
}

/** Two 32-bit words to a well-mixed 32-bit hash. */
function hashKey(address: number, portSlot: number): number {
  let h = Math.imul(address ^ Math.imul(portSlot, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

type Typed = Float64Array | Uint32Array | Uint8Array;
function grow<T extends Typed>(a: T, capacity: number): T {
  const b = new (a.constructor as new (n: number) => T)(capacity);
  b.set(a);
  return b;
}

/**
 * A FIFO of probe records (retransmissions due, or probes parked at their try
 * limit): pool index plus the record's generation when queued, so entries of
 * records decided meanwhile are recognised as stale and skipped.
 */
export class ProbeQueue {
  private items = new Uint32Array(2 * 256);
  private first = 0;
  length = 0;

  push(p: number, generation: number): void {
    if (this.length === this.items.length >> 1) this.grow();
    const at = ((this.first + this.length) & ((this.items.length >> 1) - 1)) * 2;
    this.items[at] = p;
    this.items[at + 1] = generation;
    this.length++;
  }

  /** Pops the oldest entry; returns its pool index, or -1 if it went stale. */
  shift(inFlight: InFlight): number {
    const at = this.first * 2;
    const p = this.items[at];
    const live = inFlight.generation[p] === this.items[at + 1];
    this.first = (this.first + 1) & ((this.items.length >> 1) - 1);
    this.length--;
    return live ? p : -1;
  }

  /** The oldest live entry without taking it (stale ones are dropped), or -1. */
  peek(inFlight: InFlight): number {
    while (this.length > 0) {
      const at = this.first * 2;
      if (inFlight.generation[this.items[at]] === this.items[at + 1]) return this.items[at];
      this.shift(inFlight);
    }
    return -1;
  }

  /** Keeps, in order, the live entries for which keep(p) is true. */
  filter(inFlight: InFlight, keep: (p: number) => boolean): void {
    for (let k = this.length; k > 0; k--) {
      const at = this.first * 2;
      const generation = this.items[at + 1];
      const p = this.shift(inFlight);
      if (p >= 0 && keep(p)) this.push(p, generation);
    }
  }

  private grow(): void {
    const cap = this.items.length >> 1;
    const items = new Uint32Array(this.items.length * 2);
    for (let k = 0; k < this.length; k++) {
      const at = ((this.first + k) & (cap - 1)) * 2;
      items[2 * k] = this.items[at];
      items[2 * k + 1] = this.items[at + 1];
    }
    this.items = items;
    this.first = 0;
  }
}
