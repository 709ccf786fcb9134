// The attacker's forged frames: each category must put on the wire exactly the
// defect it names, and nothing else wrong. Frames are decoded here by hand
// (offsets from RFC 791/793/792), independently of the builders.
import { describe, expect, it } from 'vitest';
import {
  FORGED_CATEGORIES,
  FORGED_CATEGORY_NAMES,
  FORGED_FRAME_MAX,
  FramePool,
  buildForged,
  type ForgeContext,
  type ForgedCategory,
} from '../../src/lab/attacker/forge.js';
import { FORGED_SOURCE_MAC, internetChecksum } from '../../src/lab/attacker/packet.js';
import { Rng } from '../../src/lab/attacker/rng.js';

const SCANNER = 0xc6120001; // 198.18.0.1
const SOURCE_FIRST = 0xc6130000; // 198.19.0.0/24
const SPORT_BASE = 40000;
const SPORT_SPAN = 128;
const PEER_MAC = Uint8Array.of(0x1a, 0x3c, 0xf9, 0x7c, 0x79, 0x7d);
const FRAMES_PER_CATEGORY = 300;

function context(seed = 1): ForgeContext {
  return {
    scanner: SCANNER,
    sportBase: SPORT_BASE,
    sportSpan: SPORT_SPAN,
    sourceFirst: SOURCE_FIRST,
    sourceCount: 256,
    targetPorts: [22, 80, 443],
    peerMac: PEER_MAC,
    rng: new Rng(seed),
  };
}

/** One's-complement sum of 16-bit words, folded (an intact checksummed region sums to 0xffff). */
function onesSum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Big-endian read that yields -1 past the end, so that truncated frames decode without throwing. */
function be(buf: Buffer, off: number, bytes: 1 | 2 | 4): number {
  return off + bytes > buf.length ? -1 : buf.readUIntBE(off, bytes);
}

/** What the test reads off a frame, by hand. ip is everything after the Ethernet header. */
function decode(frame: Buffer) {
  const ip = frame.subarray(14);
  const l4 = ip.subarray(20); // TCP header or ICMP message, after the real 20-byte header the builders write
  const pseudo = Buffer.alloc(12);
  ip.subarray(12, 20).copy(pseudo, 0);
  pseudo[9] = 6;
  pseudo.writeUInt16BE(l4.length, 10);
  return {
    frame,
    ip,
    l4,
    ihl: ip[0] & 0x0f,
    totalLength: be(ip, 2, 2),
    more: (be(ip, 6, 2) & 0x2000) !== 0,
    offset: be(ip, 6, 2) & 0x1fff,
    proto: be(ip, 9, 1),
    src: be(ip, 12, 4),
    dst: be(ip, 16, 4),
    sport: be(l4, 0, 2),
    dport: be(l4, 2, 2),
    seq: be(l4, 4, 4),
    ack: be(l4, 8, 4),
    doff: be(l4, 12, 1) >> 4,
    flags: be(l4, 13, 1),
    ipChecksumOk: onesSum(ip.subarray(0, 20)) === 0xffff,
    tcpChecksumOk: onesSum(Buffer.concat([pseudo, l4])) === 0xffff,
    /** the packet quoted by an ICMP error */
    quote: l4.subarray(8),
  };
}
type Decoded = ReturnType<typeof decode>;

const inRange = (port: number) => port >= SPORT_BASE && port < SPORT_BASE + SPORT_SPAN;
const wellFormedTcp = (d: Decoded) =>
  d.ihl === 5 &&
  d.totalLength === 40 &&
  d.ip.length === 40 &&
  d.ipChecksumOk &&
  d.tcpChecksumOk &&
  d.doff === 5;
const quoteIsOurs = (q: Buffer) =>
  q.length >= 28 && (q[0] & 0x0f) === 5 && q[9] === 6 && inRange(q.readUInt16BE(20));

/** The defect each category promises, as a predicate over one decoded frame. */
const DEFECT: Record<ForgedCategory, (d: Decoded) => boolean> = {
  'synack-random-ack': (d) => wellFormedTcp(d) && d.flags === 0x12 && inRange(d.dport),
  'synack-ack-plus-one': (d) => wellFormedTcp(d) && d.flags === 0x12 && d.ack === (d.seq + 1) >>> 0,
  'rst-wrong-ack': (d) => wellFormedTcp(d) && d.flags === 0x14 && d.seq === 0 && inRange(d.dport),
  'rst-wrong-seq': (d) => wellFormedTcp(d) && d.flags === 0x04 && d.ack === 0 && inRange(d.dport),
  'port-outside-range': (d) => wellFormedTcp(d) && !inRange(d.dport) && d.dport > 0,
  'ip-truncated': (d) => d.ip.length >= 1 && d.ip.length < 20,
  'ip-ihl-short': (d) => d.ihl < 5 && d.ipChecksumOk,
  'ip-ihl-long': (d) => d.ihl > 5 && d.ip.length === 40 && d.ipChecksumOk,
  'ip-total-length-long': (d) => d.totalLength > d.ip.length && d.ihl === 5,
  'ip-total-length-short': (d) => d.totalLength < 20 && d.ihl === 5,
  'tcp-doff-short': (d) => d.doff < 5 && d.ihl === 5 && d.tcpChecksumOk,
  'tcp-doff-long': (d) => d.doff * 4 > d.ip.length - 20 && d.tcpChecksumOk,
  'fragment-first': (d) => d.more && d.offset === 0 && d.flags === 0x12 && inRange(d.dport),
  'fragment-later': (d) => d.offset !== 0 && d.flags === 0x12 && inRange(d.dport),
  'icmp-unreach-unsent': (d) =>
    d.proto === 1 && d.l4[0] === 3 && [3, 13].includes(d.l4[1]) && onesSum(d.l4) === 0xffff &&
    quoteIsOurs(d.quote) && d.quote.readUInt32BE(12) === SCANNER, // prettier-ignore
  'icmp-quote-other-host': (d) =>
    d.proto === 1 && d.l4[0] === 3 && quoteIsOurs(d.quote) && d.quote.readUInt32BE(12) !== SCANNER &&
    d.quote.readUInt32BE(12) >>> 17 === SCANNER >>> 17, // prettier-ignore
  'icmp-truncated-quote': (d) =>
    d.proto === 1 && (d.l4.length < 8 || (d.l4[0] === 3 && !quoteIsOurs(d.quote))),
  'icmp-time-exceeded-garbage': (d) =>
    d.proto === 1 && d.l4[0] === 11 && d.l4[1] <= 1 && onesSum(d.l4) === 0xffff,
};

describe('forged categories', () => {
  /** Everything wrong with a frame of `category`, beyond the defect it is meant to carry. */
  function problems(category: ForgedCategory, d: Decoded): string[] {
    const found: string[] = [];
    if (!d.frame.subarray(0, 6).equals(PEER_MAC)) found.push('Ethernet destination is not the peer');
    if (!d.frame.subarray(6, 12).equals(FORGED_SOURCE_MAC))
      found.push('Ethernet source is not the forged MAC');
    if (d.frame.readUInt16BE(12) !== 0x0800 || d.ip[0] >> 4 !== 4) found.push('not IPv4');
    const fromRange = d.src - SOURCE_FIRST >= 0 && d.src - SOURCE_FIRST < 256;
    if (d.ip.length >= 20 && (!fromRange || d.dst !== SCANNER))
      found.push('not from the range to the scanner');
    if (!DEFECT[category](d)) found.push('defect missing');
    return found;
  }

  it.each(FORGED_CATEGORY_NAMES)(
    '%s frames carry their defect, to the scanner, from the target range',
    (category) => {
      const ctx = context();
      const buf = Buffer.alloc(FORGED_FRAME_MAX); // a builder writing past the bound throws RangeError
      for (let i = 0; i < FRAMES_PER_CATEGORY; i++) {
        const length = buildForged(category, buf, ctx);
        const d = decode(buf.subarray(0, length));
        const found = problems(category, d);
        if (found.length > 0) expect(found, `frame ${i}: ${d.frame.toString('hex')}`).toEqual([]);
      }
    },
  );

  it('the defect checks reject a well-formed SYN-ACK (so they can fail)', () => {
    const buf = Buffer.alloc(FORGED_FRAME_MAX);
    const synAck = decode(buf.subarray(0, buildForged('synack-random-ack', buf, context())));
    const passing = FORGED_CATEGORY_NAMES.filter((c) => DEFECT[c](synAck));
    expect(passing).toEqual(['synack-random-ack']);
  });

  it('covers every variation a category promises (IHL and data-offset values, ICMP codes)', () => {
    const seen = (category: ForgedCategory, read: (d: Decoded) => number) => {
      const ctx = context(7);
      const values = new Set<number>();
      const buf = Buffer.alloc(FORGED_FRAME_MAX);
      for (let i = 0; i < 2000; i++)
        values.add(read(decode(buf.subarray(0, buildForged(category, buf, ctx)))));
      return [...values].sort((a, b) => a - b);
    };
    expect(seen('ip-ihl-short', (d) => d.ihl)).toEqual([0, 1, 2, 3, 4]);
    expect(seen('ip-ihl-long', (d) => d.ihl)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(seen('tcp-doff-short', (d) => d.doff)).toEqual([0, 1, 2, 3, 4]);
    expect(seen('ip-truncated', (d) => d.ip.length)).toEqual(Array.from({ length: 19 }, (_, i) => i + 1));
    expect(seen('icmp-unreach-unsent', (d) => d.l4[1])).toEqual([3, 13]);
    // the quoted probe went to the sender of the error (a target) or past it (a router)
    expect(seen('icmp-unreach-unsent', (d) => Number(d.quote.readUInt32BE(16) === d.src))).toEqual([0, 1]);
    // inner header only, ports only, inner IHL < 5, inner IHL 15, UDP, and a cut ICMP header
    expect(seen('icmp-truncated-quote', (d) => (d.l4.length < 8 ? -1 : d.quote.length))).toEqual([
      -1, 20, 24, 28,
    ]);
  });

  it('labels every category with what the scanner must make of it', () => {
    const byExpectation = (e: string) =>
      FORGED_CATEGORY_NAMES.filter((c) => FORGED_CATEGORIES[c].expect === e);
    expect(byExpectation('off-filter')).toEqual(['port-outside-range']);
    expect(byExpectation('forged')).toContain('synack-random-ack');
    expect(byExpectation('malformed')).toContain('fragment-later');
  });

  it('is deterministic for a seed and varies across seeds', () => {
    const frame = (seed: number) => {
      const buf = Buffer.alloc(FORGED_FRAME_MAX);
      return buf.subarray(0, buildForged('synack-random-ack', buf, context(seed))).toString('hex');
    };
    expect(frame(5)).toBe(frame(5));
    expect(frame(5)).not.toBe(frame(6));
  });
});

describe('FramePool', () => {
  it('hands out its prebuilt frames round-robin, and rebuilds a slot only when asked for a fresh frame', () => {
    const pool = new FramePool('synack-random-ack', 4, context());
    const first = [0, 1, 2, 3].map(() => pool.next(false).frame.toString('hex'));
    expect(new Set(first).size).toBe(4);
    expect(pool.next(false).frame.toString('hex')).toBe(first[0]);
    const fresh = pool.next(true);
    expect(fresh.frame.subarray(0, fresh.length).toString('hex')).not.toBe(
      first[1].slice(0, fresh.length * 2),
    );
    expect(DEFECT['synack-random-ack'](decode(fresh.frame.subarray(0, fresh.length)))).toBe(true);
  });
});

describe('internetChecksum', () => {
  it.each([
    // RFC 1071 section 3 example: the words sum to 0xddf2, so the checksum is its complement
    ['0001f203f4f5f6f7', 0x220d],
    // an IPv4 header with its checksum field zeroed; the real header carries 0xb861
    ['450000730000400040110000c0a80001c0a800c7', 0xb861],
    // odd length: the last byte is padded with zero
    ['01', 0xfeff],
  ])('%s -> %s', (hex, sum) => {
    const bytes = Buffer.from(hex, 'hex');
    expect(internetChecksum(bytes, 0, bytes.length)).toBe(sum);
  });
});
