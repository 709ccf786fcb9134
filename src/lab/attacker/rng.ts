// A small seeded generator (xorshift32) so a run of the attacker can be
// repeated exactly: forged traffic from seed S is the same bytes every time.
// Not cryptographic; the attacker needs variety, not secrecy.

export class Rng {
  private state: number;

  /** seed: any integer; 0 is replaced, since xorshift never leaves the zero state */
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** uniform u32 */
  u32(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** uniform integer in [0, n), n >= 1 (modulo bias is irrelevant here) */
  below(n: number): number {
    return this.u32() % n;
  }

  /** uniform integer in [lo, hi], inclusive */
  between(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }

  fill(buf: Buffer, off: number, len: number): void {
    for (let i = 0; i < len; i++) buf[off + i] = this.u32() & 0xff;
  }
}
