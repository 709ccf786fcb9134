// Replays of real replies: frames the target's kernel sent to the scanner,
// captured on the target's link and sent again — unchanged (duplicates of a
// genuine answer) and with one field of the 4-tuple changed, so that the
// reply carries a valid cookie for a DIFFERENT probe than the one it now
// claims to answer. A correct scanner rejects every modified replay and lets
// exact duplicates change nothing.
import type { ForgeContext } from './forge.js';
import {
  ETH_HEADER_LEN,
  ETHERTYPE_IPV4,
  FORGED_SOURCE_MAC,
  IPPROTO_TCP,
  IPV4_HEADER_LEN,
  TCP_HEADER_LEN,
  refreshIpv4Checksum,
  refreshTcpChecksum,
} from './packet.js';

export const REPLAY_VARIANTS = [
  'replay-exact', //        the captured frame again (only the Ethernet source is ours)
  'replay-other-try', //    destination port moved to the neighbouring try number (port ^ 1)
  'replay-other-source', // source address moved to another address of the target range
  'replay-other-port', //   source (target) port moved by one
] as const;
export type ReplayVariant = (typeof REPLAY_VARIANTS)[number];

/** Frames longer than this are not replayed (real answers to probes are < 100 bytes). */
export const MAX_REPLAY_FRAME = 256;

/** Offsets and fields of a captured Ethernet/IPv4/TCP frame; null if it is not one. */
export interface TcpFrameView {
  ipOff: number;
  tcpOff: number;
  tcpLen: number;
  src: number;
  dst: number;
  sport: number;
  dport: number;
}

export function viewTcpFrame(frame: Buffer, len: number): TcpFrameView | null {
  const ipOff = ETH_HEADER_LEN;
  if (len < ipOff + IPV4_HEADER_LEN || frame.readUInt16BE(12) !== ETHERTYPE_IPV4) return null;
  const ihlBytes = (frame[ipOff] & 0x0f) * 4;
  const totalLength = frame.readUInt16BE(ipOff + 2);
  const tcpOff = ipOff + ihlBytes;
  const tcpLen = totalLength - ihlBytes;
  const wellFormed =
    frame[ipOff] >> 4 === 4 && ihlBytes >= IPV4_HEADER_LEN && frame[ipOff + 9] === IPPROTO_TCP;
  if (!wellFormed || tcpLen < TCP_HEADER_LEN || ipOff + totalLength > len) return null;
  return {
    ipOff,
    tcpOff,
    tcpLen,
    src: frame.readUInt32BE(ipOff + 12),
    dst: frame.readUInt32BE(ipOff + 16),
    sport: frame.readUInt16BE(tcpOff),
    dport: frame.readUInt16BE(tcpOff + 2),
  };
}

/**
 * Writes the replay variant of a captured frame into out (MAX_REPLAY_FRAME
 * bytes) with consistent checksums; returns its length, or 0 when the variant
 * does not apply (not a TCP frame, or no other try/address to move to).
 */
export function writeReplay(
  variant: ReplayVariant,
  frame: Buffer,
  len: number,
  out: Buffer,
  ctx: ForgeContext,
): number {
  const v = viewTcpFrame(frame, len);
  if (v === null || len > MAX_REPLAY_FRAME) return 0;
  frame.copy(out, 0, 0, len);
  out.set(FORGED_SOURCE_MAC, 6);
  let { src, sport, dport } = v;
  switch (variant) {
    case 'replay-exact':
      return len;
    case 'replay-other-try': {
      const offset = (dport - ctx.sportBase) ^ 1;
      if (dport < ctx.sportBase || offset >= ctx.sportSpan) return 0;
      dport = ctx.sportBase + offset;
      break;
    }
    case 'replay-other-source': {
      const index = src - ctx.sourceFirst;
      if (ctx.sourceCount < 2 || index < 0 || index >= ctx.sourceCount) return 0;
      src = ctx.sourceFirst + ((index + 1 + ctx.rng.below(ctx.sourceCount - 1)) % ctx.sourceCount);
      break;
    }
    case 'replay-other-port':
      sport = (sport % 65535) + 1;
      break;
  }
  out.writeUInt32BE(src, v.ipOff + 12);
  out.writeUInt16BE(sport, v.tcpOff);
  out.writeUInt16BE(dport, v.tcpOff + 2);
  refreshIpv4Checksum(out, v.ipOff);
  refreshTcpChecksum(out, v.tcpOff, v.tcpLen, src, v.dst);
  return len;
}

/** The replays sent for each captured reply, in order: `copies` exact ones, then one of each modification. */
export function replayPlan(copies: number): ReplayVariant[] {
  return [...Array<ReplayVariant>(copies).fill('replay-exact'), ...REPLAY_VARIANTS.slice(1)];
}

/**
 * Captured replies waiting to be replayed: a ring of `capacity` preallocated
 * slots, so memory stays fixed however fast replies arrive; a reply that finds
 * the ring full is counted in `dropped` and forgotten.
 */
export class ReplayQueue {
  captured = 0;
  dropped = 0;
  /** captured frames that are not Ethernet/IPv4/TCP or too long to replay */
  unusable = 0;
  private readonly slots: Buffer[];
  private readonly lengths: Int32Array;
  private head = 0;
  private size = 0;
  /** index into plan of the head frame's next replay */
  private step = 0;

  constructor(
    capacity: number,
    private readonly plan: readonly ReplayVariant[],
  ) {
    this.slots = Array.from({ length: capacity }, () => Buffer.alloc(MAX_REPLAY_FRAME));
    this.lengths = new Int32Array(capacity);
  }

  get pending(): number {
    return this.size;
  }

  push(frame: Buffer, len: number): void {
    this.captured++;
    if (len > MAX_REPLAY_FRAME || viewTcpFrame(frame, len) === null) {
      this.unusable++;
      return;
    }
    if (this.size === this.slots.length) {
      this.dropped++;
      return;
    }
    const tail = (this.head + this.size) % this.slots.length;
    frame.copy(this.slots[tail], 0, 0, len);
    this.lengths[tail] = len;
    this.size++;
  }

  /** Writes the next replay into out; null when nothing is pending. */
  next(out: Buffer, ctx: ForgeContext): { variant: ReplayVariant; length: number } | null {
    while (this.size > 0) {
      const variant = this.plan[this.step];
      const length = writeReplay(variant, this.slots[this.head], this.lengths[this.head], out, ctx);
      if (++this.step === this.plan.length) {
        this.step = 0;
        this.head = (this.head + 1) % this.slots.length;
        this.size--;
      }
      if (length > 0) return { variant, length };
    }
    return null;
  }
}
