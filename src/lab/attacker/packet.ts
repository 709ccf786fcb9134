// Byte-level writers for the frames the attacker forges: Ethernet II, IPv4,
// TCP and ICMP headers at explicit offsets in a caller-owned buffer, and the
// Internet checksum. Addresses are host-order u32; every multi-byte field is
// written big-endian (network order). Nothing here validates: the attacker
// writes wrong values on purpose, so callers decide what is "right".

export const ETH_HEADER_LEN = 14;
export const IPV4_HEADER_LEN = 20; // without options
export const TCP_HEADER_LEN = 20; // without options
export const ICMP_HEADER_LEN = 8;
/** Largest frame the attacker writes: Ethernet header + a 1500-byte IPv4 packet. */
export const MAX_FRAME_LEN = ETH_HEADER_LEN + 1500;

export const ETHERTYPE_IPV4 = 0x0800;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

/** IPv4 flags/fragment-offset field: More Fragments bit; offset is in 8-byte units. */
export const IP_MF = 0x2000;
export const IP_DF = 0x4000;
export const IP_OFFSET_MASK = 0x1fff;

/** Source MAC of every frame the attacker sends: locally administered, so a capture can tell forged from real. */
export const FORGED_SOURCE_MAC = Uint8Array.of(0x02, 0x72, 0x73, 0x61, 0x74, 0x6b);

export function macToString(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Six hex octets separated by ':' ("02:72:73:61:74:6b"), else null. */
export function parseMac(text: string): Uint8Array | null {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(text)) return null;
  return Uint8Array.from(text.split(':'), (h) => parseInt(h, 16));
}

export function writeEthernet(
  buf: Buffer,
  dst: Uint8Array,
  src: Uint8Array,
  ethertype = ETHERTYPE_IPV4,
): void {
  buf.set(dst, 0);
  buf.set(src, 6);
  buf.writeUInt16BE(ethertype, 12);
}

export interface Ipv4Fields {
  /** header length in 32-bit words as written (may lie); default 5 */
  ihl?: number;
  /** bytes, header included, as written (may lie) */
  totalLength: number;
  id: number;
  /** flags and fragment offset (IP_MF | offset in 8-byte units); default 0 */
  fragment?: number;
  ttl: number;
  protocol: number;
  src: number;
  dst: number;
}

/** Writes a 20-byte IPv4 header at off and its checksum (over those 20 bytes). */
export function writeIpv4(buf: Buffer, off: number, f: Ipv4Fields): void {
  buf.writeUInt8(0x40 | ((f.ihl ?? 5) & 0x0f), off);
  buf.writeUInt8(0, off + 1);
  buf.writeUInt16BE(f.totalLength & 0xffff, off + 2);
  buf.writeUInt16BE(f.id & 0xffff, off + 4);
  buf.writeUInt16BE((f.fragment ?? 0) & 0xffff, off + 6);
  buf.writeUInt8(f.ttl & 0xff, off + 8);
  buf.writeUInt8(f.protocol & 0xff, off + 9);
  buf.writeUInt32BE(f.src >>> 0, off + 12);
  buf.writeUInt32BE(f.dst >>> 0, off + 16);
  refreshIpv4Checksum(buf, off);
}

/** Recomputes the checksum of the 20 bytes of IPv4 header at off (options, if any, are not covered). */
export function refreshIpv4Checksum(buf: Buffer, off: number): void {
  buf.writeUInt16BE(0, off + 10);
  buf.writeUInt16BE(internetChecksum(buf, off, IPV4_HEADER_LEN), off + 10);
}

export interface TcpFields {
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  window: number;
  /** data offset in 32-bit words as written (may lie); default 5 */
  doff?: number;
}

/** Writes a 20-byte TCP header at off with a zero checksum (see refreshTcpChecksum). */
export function writeTcp(buf: Buffer, off: number, f: TcpFields): void {
  buf.writeUInt16BE(f.sport & 0xffff, off);
  buf.writeUInt16BE(f.dport & 0xffff, off + 2);
  buf.writeUInt32BE(f.seq >>> 0, off + 4);
  buf.writeUInt32BE(f.ack >>> 0, off + 8);
  buf.writeUInt8(((f.doff ?? 5) & 0x0f) << 4, off + 12);
  buf.writeUInt8(f.flags & 0xff, off + 13);
  buf.writeUInt16BE(f.window & 0xffff, off + 14);
  buf.writeUInt32BE(0, off + 16); // checksum, urgent pointer
}

/** Sets the TCP checksum of the segment [tcpOff, tcpOff+tcpLen) under the pseudo-header of src/dst. */
export function refreshTcpChecksum(
  buf: Buffer,
  tcpOff: number,
  tcpLen: number,
  src: number,
  dst: number,
): void {
  buf.writeUInt16BE(0, tcpOff + 16);
  const pseudo = pseudoHeaderSum(src, dst, IPPROTO_TCP, tcpLen);
  buf.writeUInt16BE(internetChecksum(buf, tcpOff, tcpLen, pseudo), tcpOff + 16);
}

/** Writes an 8-byte ICMP header at off; the checksum is set by refreshIcmpChecksum once the body is in place. */
export function writeIcmpHeader(buf: Buffer, off: number, type: number, code: number): void {
  buf.writeUInt8(type, off);
  buf.writeUInt8(code, off + 1);
  buf.writeUInt32BE(0, off + 2); // checksum and the first half of "unused"
  buf.writeUInt16BE(0, off + 6);
}

export function refreshIcmpChecksum(buf: Buffer, icmpOff: number, icmpLen: number): void {
  buf.writeUInt16BE(0, icmpOff + 2);
  buf.writeUInt16BE(internetChecksum(buf, icmpOff, icmpLen), icmpOff + 2);
}

/** Sum of the TCP/UDP pseudo-header words (unfolded), to seed internetChecksum. */
export function pseudoHeaderSum(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}

/**
 * RFC 1071 Internet checksum of buf[off, off+len) plus `initial` (an unfolded
 * sum of 16-bit words). An odd trailing byte is padded with zero. A region that
 * already holds its correct checksum sums to 0.
 */
export function internetChecksum(buf: Buffer, off: number, len: number, initial = 0): number {
  let sum = initial;
  const end = off + len - (len & 1);
  for (let i = off; i < end; i += 2) sum += (buf[i] << 8) | buf[i + 1];
  if (len & 1) sum += buf[off + len - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
