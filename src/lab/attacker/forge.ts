// The forged traffic categories: each one writes a complete Ethernet frame,
// addressed to the scanner from an address of the target range, that a
// correct scanner must not take for an answer to its probes. Every category
// names what it attacks and what the scanner should make of it (Expectation).
import {
  ETH_HEADER_LEN,
  FORGED_SOURCE_MAC,
  ICMP_HEADER_LEN,
  IP_MF,
  IP_OFFSET_MASK,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV4_HEADER_LEN,
  TCP_ACK,
  TCP_HEADER_LEN,
  TCP_RST,
  TCP_SYN,
  refreshIcmpChecksum,
  refreshTcpChecksum,
  writeEthernet,
  writeIcmpHeader,
  writeIpv4,
  writeTcp,
  type Ipv4Fields,
  type TcpFields,
} from './packet.js';
import type { Rng } from './rng.js';

/** Where forged frames go and whom they pretend to come from. */
export interface ForgeContext {
  /** scanner address, host order */
  scanner: number;
  /** the scanner's source ports: [sportBase, sportBase + sportSpan) */
  sportBase: number;
  sportSpan: number;
  /** forged source addresses: [sourceFirst, sourceFirst + sourceCount) */
  sourceFirst: number;
  sourceCount: number;
  /** target ports the forged replies claim to come from */
  targetPorts: readonly number[];
  /** Ethernet destination: the scanner side of the link */
  peerMac: Uint8Array;
  rng: Rng;
}

/**
 * What a correct scanner does with a category's frames:
 *  'forged'     well-formed and addressed to its port range, but carrying no cookie of its
 *               probes: rejected (bad cookie, or not ours when the port decodes to no probe kind)
 *  'malformed'  fails parsing (truncated, bad header lengths, fragments, bad quoted packet);
 *               the capture filter may already drop some of these before the parser counts them
 *  'off-filter' outside the capture filter: never reaches the parser at all
 * In every case no port state may change because of it.
 */
export type Expectation = 'forged' | 'malformed' | 'off-filter';

interface CategorySpec {
  expect: Expectation;
  /** writes one frame at buf[0..]; returns its length in bytes (buf holds FORGED_FRAME_MAX) */
  build(buf: Buffer, ctx: ForgeContext): number;
}

/** Upper bound of every forged frame's length, bytes (the longest is an ICMP error with 64 bytes of garbage). */
export const FORGED_FRAME_MAX = 128;

const SYN_ACK = TCP_SYN | TCP_ACK;
const TCP_FRAME_LEN = ETH_HEADER_LEN + IPV4_HEADER_LEN + TCP_HEADER_LEN;
const IP_OFF = ETH_HEADER_LEN;
const TCP_OFF = ETH_HEADER_LEN + IPV4_HEADER_LEN;
const ICMP_UNREACH = 3;
const ICMP_TIME_EXCEEDED = 11;
/** Codes of forged unreachables: port unreachable and administratively prohibited. */
const UNREACH_CODES = [3, 13] as const;
/** Another host of the lab space (198.18.0.0/15) that is not the scanner. */
const LAB_SPACE_FIRST = 0xc6120000;

export const FORGED_CATEGORIES = {
  'synack-random-ack': {
    expect: 'forged',
    build: (b, c) => tcpFrame(b, c, { flags: SYN_ACK, ack: c.rng.u32() }),
  },
  'synack-ack-plus-one': { expect: 'forged', build: buildSynAckPlusOne },
  'rst-wrong-ack': {
    expect: 'forged',
    build: (b, c) => tcpFrame(b, c, { flags: TCP_RST | TCP_ACK, seq: 0 }),
  },
  'rst-wrong-seq': { expect: 'forged', build: (b, c) => tcpFrame(b, c, { flags: TCP_RST, ack: 0 }) },
  'port-outside-range': { expect: 'off-filter', build: (b, c) => tcpFrame(b, c, { dport: outsidePort(c) }) },
  'ip-truncated': { expect: 'malformed', build: buildTruncatedIp },
  'ip-ihl-short': { expect: 'malformed', build: (b, c) => tcpFrame(b, c, {}, { ihl: c.rng.between(0, 4) }) },
  'ip-ihl-long': { expect: 'malformed', build: (b, c) => tcpFrame(b, c, {}, { ihl: c.rng.between(6, 15) }) },
  'ip-total-length-long': { expect: 'malformed', build: buildTotalLengthLong },
  'ip-total-length-short': {
    expect: 'malformed',
    build: (b, c) => tcpFrame(b, c, {}, { totalLength: c.rng.between(0, IPV4_HEADER_LEN - 1) }),
  },
  'tcp-doff-short': { expect: 'malformed', build: (b, c) => tcpFrame(b, c, { doff: c.rng.between(0, 4) }) },
  'tcp-doff-long': { expect: 'malformed', build: (b, c) => tcpFrame(b, c, { doff: c.rng.between(6, 15) }) },
  'fragment-first': { expect: 'malformed', build: (b, c) => tcpFrame(b, c, {}, { fragment: IP_MF }) },
  'fragment-later': { expect: 'malformed', build: buildLaterFragment },
  'icmp-unreach-unsent': { expect: 'forged', build: (b, c) => buildUnreach(b, c, c.scanner) },
  'icmp-quote-other-host': { expect: 'forged', build: (b, c) => buildUnreach(b, c, otherLabHost(c)) },
  'icmp-truncated-quote': { expect: 'malformed', build: buildTruncatedQuote },
  'icmp-time-exceeded-garbage': { expect: 'malformed', build: buildTimeExceededGarbage },
} as const satisfies Record<string, CategorySpec>;

export type ForgedCategory = keyof typeof FORGED_CATEGORIES;
export const FORGED_CATEGORY_NAMES = Object.keys(FORGED_CATEGORIES) as ForgedCategory[];

export function buildForged(category: ForgedCategory, buf: Buffer, ctx: ForgeContext): number {
  return FORGED_CATEGORIES[category].build(buf, ctx);
}

/**
 * Prebuilt frames of one category, handed out round-robin, so that sending at
 * a high rate costs no building time. Memory is fixed: size * FORGED_FRAME_MAX.
 */
export class FramePool {
  private readonly slots: Buffer[];
  private readonly lengths: Uint16Array;
  private nextSlot = 0;

  constructor(
    private readonly category: ForgedCategory,
    size: number,
    private readonly ctx: ForgeContext,
  ) {
    const bytes = Buffer.alloc(size * FORGED_FRAME_MAX);
    this.slots = Array.from({ length: size }, (_, i) =>
      bytes.subarray(i * FORGED_FRAME_MAX, (i + 1) * FORGED_FRAME_MAX),
    );
    this.lengths = new Uint16Array(size);
    for (let i = 0; i < size; i++) this.lengths[i] = buildForged(category, this.slots[i], ctx);
  }

  /** The next frame (its first `length` bytes); with fresh, it is rebuilt first, else a frame sent before. */
  next(fresh: boolean): { frame: Buffer; length: number } {
    const slot = this.nextSlot;
    this.nextSlot = (slot + 1) % this.slots.length;
    if (fresh) this.lengths[slot] = buildForged(this.category, this.slots[slot], this.ctx);
    return { frame: this.slots[slot], length: this.lengths[slot] };
  }
}

export function forgedSource(ctx: ForgeContext): number {
  return ctx.sourceFirst + ctx.rng.below(ctx.sourceCount);
}

export function scannerPort(ctx: ForgeContext): number {
  return ctx.sportBase + ctx.rng.below(ctx.sportSpan);
}

/** A port in 1..65535 outside the scanner's source-port range. */
export function outsidePort(ctx: ForgeContext): number {
  const outside = 65535 - ctx.sportSpan;
  const p = 1 + ctx.rng.below(outside);
  return p < ctx.sportBase ? p : p + ctx.sportSpan;
}

/**
 * Ethernet + IPv4 + TCP frame from a forged source to the scanner; unset TCP
 * fields are random (a SYN-ACK with random seq/ack into our port range) and ip
 * overrides the IPv4 header as written. Checksums are computed over what is
 * written, so only the intended field is wrong. Returns the frame length.
 */
function tcpFrame(
  buf: Buffer,
  ctx: ForgeContext,
  tcp: Partial<TcpFields>,
  ip: Partial<Ipv4Fields> = {},
): number {
  const src = forgedSource(ctx);
  writeEthernet(buf, ctx.peerMac, FORGED_SOURCE_MAC);
  writeTcp(buf, TCP_OFF, {
    sport: tcp.sport ?? ctx.rng.pick(ctx.targetPorts),
    dport: tcp.dport ?? scannerPort(ctx),
    seq: tcp.seq ?? ctx.rng.u32(),
    ack: tcp.ack ?? ctx.rng.u32(),
    flags: tcp.flags ?? SYN_ACK,
    window: tcp.window ?? 64240,
    doff: tcp.doff,
  });
  refreshTcpChecksum(buf, TCP_OFF, TCP_HEADER_LEN, src, ctx.scanner);
  writeIpv4(buf, IP_OFF, {
    totalLength: IPV4_HEADER_LEN + TCP_HEADER_LEN,
    id: ctx.rng.u32(),
    ttl: 64,
    protocol: IPPROTO_TCP,
    src,
    dst: ctx.scanner,
    ...ip,
  });
  return TCP_FRAME_LEN;
}

/** A naive forger's guess: seq = guessed cookie g, ack = g + 1 (the shape of a real answer). */
function buildSynAckPlusOne(buf: Buffer, ctx: ForgeContext): number {
  const guess = ctx.rng.u32();
  return tcpFrame(buf, ctx, { flags: SYN_ACK, seq: guess, ack: (guess + 1) >>> 0 });
}

/** The frame ends inside the IPv4 header: 1..19 bytes of it are on the wire. */
function buildTruncatedIp(buf: Buffer, ctx: ForgeContext): number {
  return tcpFrame(buf, ctx, {}) - TCP_HEADER_LEN - ctx.rng.between(1, IPV4_HEADER_LEN - 1);
}

/** Total length claims more bytes than the frame carries. */
function buildTotalLengthLong(buf: Buffer, ctx: ForgeContext): number {
  return tcpFrame(
    buf,
    ctx,
    {},
    { totalLength: ctx.rng.between(IPV4_HEADER_LEN + TCP_HEADER_LEN + 1, 0xffff) },
  );
}

/** A non-first fragment (offset != 0, MF either way) whose payload looks like a SYN-ACK to our range. */
function buildLaterFragment(buf: Buffer, ctx: ForgeContext): number {
  const more = ctx.rng.below(2) === 1 ? IP_MF : 0;
  return tcpFrame(buf, ctx, {}, { fragment: more | ctx.rng.between(1, IP_OFFSET_MASK) });
}

function otherLabHost(ctx: ForgeContext): number {
  const host = LAB_SPACE_FIRST + ctx.rng.between(1, 0x1fffe);
  return host === ctx.scanner ? host + 1 : host;
}

/**
 * ICMP error frame from a forged router/target to the scanner. quote writes the
 * quoted packet at its offset and returns its length; it gets the outer source
 * (the sender of the error). Returns the frame length.
 */
function icmpFrame(
  buf: Buffer,
  ctx: ForgeContext,
  type: number,
  code: number,
  quote: (buf: Buffer, off: number, sender: number) => number,
): number {
  const icmpOff = ETH_HEADER_LEN + IPV4_HEADER_LEN;
  const src = forgedSource(ctx);
  writeEthernet(buf, ctx.peerMac, FORGED_SOURCE_MAC);
  writeIcmpHeader(buf, icmpOff, type, code);
  const icmpLen = ICMP_HEADER_LEN + quote(buf, icmpOff + ICMP_HEADER_LEN, src);
  refreshIcmpChecksum(buf, icmpOff, icmpLen);
  writeIpv4(buf, IP_OFF, {
    totalLength: IPV4_HEADER_LEN + icmpLen,
    id: ctx.rng.u32(),
    ttl: 64,
    protocol: IPPROTO_ICMP,
    src,
    dst: ctx.scanner,
  });
  return icmpOff + icmpLen;
}

interface QuotedProbe {
  src: number;
  dst: number;
  /** inner IPv4 header as written: ihl (default 5), protocol (default TCP) */
  ihl?: number;
  protocol?: number;
  /** TCP bytes quoted after the inner IPv4 header (0..20) */
  tcpBytes: number;
}

/** Writes the quoted probe: a SYN from q.src to q.dst with a random sequence number nobody sent. */
function writeQuote(buf: Buffer, off: number, ctx: ForgeContext, q: QuotedProbe): number {
  writeIpv4(buf, off, {
    ihl: q.ihl,
    totalLength: IPV4_HEADER_LEN + TCP_HEADER_LEN + 4, // a SYN with an MSS option
    id: ctx.rng.u32(),
    ttl: ctx.rng.between(1, 64),
    protocol: q.protocol ?? IPPROTO_TCP,
    src: q.src,
    dst: q.dst,
  });
  writeTcp(buf, off + IPV4_HEADER_LEN, {
    sport: scannerPort(ctx),
    dport: ctx.rng.pick(ctx.targetPorts),
    seq: ctx.rng.u32(),
    ack: 0,
    flags: TCP_SYN,
    window: 1024,
    doff: 6,
  });
  return IPV4_HEADER_LEN + q.tcpBytes;
}

/**
 * Destination unreachable (3/3 or 3/13) quoting a probe from innerSrc that was
 * never sent, to the sender of the error itself (as a target's firewall
 * answers) or to another address behind it (as a router answers).
 */
function buildUnreach(buf: Buffer, ctx: ForgeContext, innerSrc: number): number {
  const code = ctx.rng.pick(UNREACH_CODES);
  const tcpBytes = ctx.rng.pick([8, TCP_HEADER_LEN]);
  const fromTarget = ctx.rng.below(2) === 0;
  return icmpFrame(buf, ctx, ICMP_UNREACH, code, (b, off, sender) =>
    writeQuote(b, off, ctx, { src: innerSrc, dst: fromTarget ? sender : forgedSource(ctx), tcpBytes }),
  );
}

/** Ways of breaking the quoted packet of an unreachable; each one must fail parsing. */
const TRUNCATED_QUOTES: readonly ((ctx: ForgeContext) => Omit<QuotedProbe, 'src' | 'dst'>)[] = [
  () => ({ tcpBytes: 0 }), //                                 inner IPv4 header only
  () => ({ tcpBytes: 4 }), //                                 ports, but no sequence number
  (c) => ({ tcpBytes: 8, ihl: c.rng.between(0, 4) }), //      inner IHL < 5
  () => ({ tcpBytes: 8, ihl: 15 }), //                        inner IHL past the quote
  () => ({ tcpBytes: 8, protocol: IPPROTO_UDP }), //          quoted packet is not TCP
];

function buildTruncatedQuote(buf: Buffer, ctx: ForgeContext): number {
  const variant = ctx.rng.below(TRUNCATED_QUOTES.length + 1);
  if (variant === TRUNCATED_QUOTES.length) {
    // the frame ends inside the ICMP header; the outer total length still claims a full quote
    const full = icmpFrame(buf, ctx, ICMP_UNREACH, ctx.rng.pick(UNREACH_CODES), (b, off) =>
      writeQuote(b, off, ctx, { src: ctx.scanner, dst: forgedSource(ctx), tcpBytes: 8 }),
    );
    return full - (IPV4_HEADER_LEN + 8) - ctx.rng.between(1, ICMP_HEADER_LEN);
  }
  const shape = TRUNCATED_QUOTES[variant](ctx);
  return icmpFrame(buf, ctx, ICMP_UNREACH, ctx.rng.pick(UNREACH_CODES), (b, off) =>
    writeQuote(b, off, ctx, { src: ctx.scanner, dst: forgedSource(ctx), ...shape }),
  );
}

/** Time exceeded (code 0 or 1) whose "quoted packet" is 0..64 random bytes. */
function buildTimeExceededGarbage(buf: Buffer, ctx: ForgeContext): number {
  return icmpFrame(buf, ctx, ICMP_TIME_EXCEEDED, ctx.rng.below(2), (b, off) => {
    const len = ctx.rng.between(0, 64);
    ctx.rng.fill(b, off, len);
    return len;
  });
}
