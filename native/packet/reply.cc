// parse_reply: link header → IPv4 → TCP, or ICMP error → quoted IPv4 + TCP.
// IPv4 only. The IP payload ends at min(total length, captured bytes), so link
// padding is never read as payload and a short capture is never read past.
#include "packet/reply.h"

#include "packet/headers.h"
#include "packet/reader.h"

namespace rawscan {
namespace {

bool is_vlan_type(uint16_t ethertype) {
  return ethertype == ether::kTypeVlan || ethertype == ether::kTypeQinQ || ethertype == ether::kTypeQinQOld;
}

// Skips any number of 802.1Q / 802.1ad tags; `ethertype` ends as the inner type.
ParseError skip_vlan_tags(Reader& r, uint16_t& ethertype) {
  while (is_vlan_type(ethertype)) {
    if (!r.skip(2) || !r.be16(ethertype)) return ParseError::Truncated;
  }
  return ethertype == ether::kTypeIpv4 ? ParseError::Ok : ParseError::NotIpv4;
}

// Leaves `r` at the first byte of the IPv4 header.
ParseError skip_link_header(LinkType link, Reader& r) {
  uint16_t ethertype = 0;
  uint8_t first = 0;
  switch (link) {
    case LinkType::Ethernet:
      if (!r.peek_be16(ether::kTypeOffset, ethertype) || !r.skip(ether::kHeaderLen)) break;
      return skip_vlan_tags(r, ethertype);
    case LinkType::LinuxCooked:
      if (!r.peek_be16(sll::kProtocolOffset, ethertype) || !r.skip(sll::kHeaderLen)) break;
      return skip_vlan_tags(r, ethertype);
    case LinkType::LinuxCooked2:
      if (!r.peek_be16(sll::kProtocol2Offset, ethertype) || !r.skip(sll::kHeader2Len)) break;
      return skip_vlan_tags(r, ethertype);
    case LinkType::RawIp:
      if (!r.peek_u8(0, first)) break;
      return first >> 4 == 4 ? ParseError::Ok : ParseError::NotIpv4;
  }
  return ParseError::Truncated;
}

// Reads the outer IPv4 header into `out`; `payload` gets the IP payload.
ParseError parse_ipv4(Reader& r, ParsedReply& out, uint8_t& proto, Reader& payload,
                      size_t& declared_payload_len) {
  uint8_t version_ihl = 0;
  uint16_t total_len = 0, fragment = 0;
  if (!r.can_read(ipv4::kMinHeaderLen)) return ParseError::Truncated;
  r.peek_u8(ipv4::kVersionIhl, version_ihl);
  r.peek_be16(ipv4::kTotalLength, total_len);
  r.peek_be16(ipv4::kFragment, fragment);
  const size_t ihl = (version_ihl & 0x0f) * 4u;
  if (version_ihl >> 4 != 4 || ihl < ipv4::kMinHeaderLen || total_len < ihl) return ParseError::BadIpHeader;
  if (!r.can_read(ihl)) return ParseError::Truncated;
  if (fragment & (ipv4::kFlagMF | ipv4::kOffsetMask)) return ParseError::Fragment;
  r.peek_u8(ipv4::kTtl, out.ttl);
  r.peek_be16(ipv4::kId, out.ip_id);
  r.peek_u8(ipv4::kProtocol, proto);
  r.peek_be32(ipv4::kSrc, out.ip_src);
  r.peek_be32(ipv4::kDst, out.ip_dst);
  r.limit(total_len);
  r.skip(ihl);
  declared_payload_len = total_len - ihl;
  payload = r;
  return ParseError::Ok;
}

ParseError parse_tcp(Reader r, size_t declared_len, ParsedReply& out) {
  uint8_t data_offset = 0;
  if (!r.can_read(tcp::kMinHeaderLen)) return ParseError::Truncated;
  r.peek_u8(tcp::kDataOffset, data_offset);
  const size_t header_len = (data_offset >> 4) * 4u;
  if (header_len < tcp::kMinHeaderLen || header_len > declared_len) return ParseError::BadTcpHeader;
  if (!r.can_read(header_len)) return ParseError::Truncated;
  r.peek_be16(tcp::kSport, out.sport);
  r.peek_be16(tcp::kDport, out.dport);
  r.peek_be32(tcp::kSeq, out.seq);
  r.peek_be32(tcp::kAck, out.ack);
  r.peek_u8(tcp::kFlags, out.tcp_flags);
  r.peek_be16(tcp::kWindow, out.window);
  out.kind = ReplyKind::Tcp;
  return ParseError::Ok;
}

// The probe quoted by an ICMP error: its IPv4 header and at least 8 TCP bytes
// (RFC 792). The quote's total length describes the original packet, not the
// quote, so only the quoted bytes bound the reads.
ParseError parse_quoted_probe(Reader r, ParsedReply& out) {
  uint8_t version_ihl = 0, proto = 0;
  uint16_t fragment = 0;
  if (!r.peek_u8(ipv4::kVersionIhl, version_ihl)) return ParseError::BadInnerPacket;
  const size_t ihl = (version_ihl & 0x0f) * 4u;
  if (version_ihl >> 4 != 4 || ihl < ipv4::kMinHeaderLen) return ParseError::BadInnerPacket;
  if (!r.can_read(ihl + tcp::kQuotedLen)) return ParseError::BadInnerPacket;
  r.peek_u8(ipv4::kProtocol, proto);
  r.peek_be16(ipv4::kFragment, fragment);
  if (proto != ipv4::kProtoTcp || (fragment & ipv4::kOffsetMask)) return ParseError::BadInnerPacket;
  r.peek_be32(ipv4::kSrc, out.inner_src);
  r.peek_be32(ipv4::kDst, out.inner_dst);
  r.skip(ihl);
  r.peek_be16(tcp::kSport, out.inner_sport);
  r.peek_be16(tcp::kDport, out.inner_dport);
  r.peek_be32(tcp::kSeq, out.inner_seq);
  return ParseError::Ok;
}

ParseError parse_icmp(Reader r, ParsedReply& out) {
  if (!r.can_read(icmp::kHeaderLen)) return ParseError::Truncated;
  r.peek_u8(0, out.icmp_type);
  r.peek_u8(1, out.icmp_code);
  if (out.icmp_type != icmp::kDestUnreachable && out.icmp_type != icmp::kTimeExceeded) {
    return ParseError::NotIcmpError;
  }
  r.skip(icmp::kHeaderLen);
  const ParseError e = parse_quoted_probe(r, out);
  if (e == ParseError::Ok) out.kind = ReplyKind::IcmpError;
  return e;
}

ParseError parse_into(LinkType link, Reader r, ParsedReply& out) {
  ParseError e = skip_link_header(link, r);
  if (e != ParseError::Ok) return e;
  uint8_t proto = 0;
  Reader payload;
  size_t declared_len = 0;
  e = parse_ipv4(r, out, proto, payload, declared_len);
  if (e != ParseError::Ok) return e;
  if (proto == ipv4::kProtoTcp) return parse_tcp(payload, declared_len, out);
  if (proto == ipv4::kProtoIcmp) return parse_icmp(payload, out);
  return ParseError::UnsupportedProto;
}

}  // namespace

ParsedReply parse_reply(LinkType link, const uint8_t* data, size_t caplen) {
  ParsedReply out;
  out.error = parse_into(link, Reader(data, caplen), out);
  if (out.error != ParseError::Ok) out.kind = ReplyKind::Invalid;
  return out;
}

}  // namespace rawscan
