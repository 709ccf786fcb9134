// Reply parsing: untrusted bytes from the capture in, a flat description out.
// Every read goes through the bounds-checked Reader (reader.h); a packet that
// would make any read run past caplen is rejected with a ParseError.
#pragma once
#include <cstddef>
#include <cstdint>

namespace rawscan {

enum class LinkType : uint8_t {
  Ethernet = 0,      // DLT_EN10MB (also Linux loopback), optional 802.1Q tags
  LinuxCooked = 1,   // DLT_LINUX_SLL ("any")
  LinuxCooked2 = 2,  // DLT_LINUX_SLL2
  RawIp = 3,         // DLT_RAW / LINKTYPE_RAW / DLT_IPV4 (tun, WireGuard)
};

enum class ParseError : uint8_t {
  Ok = 0,
  Truncated,         // a header runs past the captured bytes
  NotIpv4,           // link payload is not IPv4
  BadIpHeader,       // version != 4, IHL < 5, total length < IHL*4
  Fragment,          // non-first fragment, or MF set: never an answer we trust
  BadTcpHeader,      // data offset < 5 or past the packet
  UnsupportedProto,  // neither TCP nor ICMP
  NotIcmpError,      // ICMP that is not type 3 (unreachable) or 11 (time exceeded)
  BadInnerPacket,    // ICMP error whose quoted packet is not IPv4+TCP with 8 bytes of TCP
};

enum class ReplyKind : uint8_t { Invalid = 0, Tcp = 1, IcmpError = 2 };

struct ParsedReply {
  ReplyKind kind = ReplyKind::Invalid;
  ParseError error = ParseError::Ok;
  // Outer IPv4 header, addresses in host order.
  uint32_t ip_src = 0, ip_dst = 0;
  uint8_t ttl = 0;
  uint16_t ip_id = 0;
  // TCP (kind == Tcp)
  uint16_t sport = 0, dport = 0;  // as sent by the replier: sport = target port
  uint32_t seq = 0, ack = 0;
  uint8_t tcp_flags = 0;
  uint16_t window = 0;
  // ICMP error (kind == IcmpError)
  uint8_t icmp_type = 0, icmp_code = 0;
  // The quoted probe inside the ICMP error (host order); seq only when quoted.
  uint32_t inner_src = 0, inner_dst = 0;
  uint16_t inner_sport = 0, inner_dport = 0;
  uint32_t inner_seq = 0;
};

ParsedReply parse_reply(LinkType link, const uint8_t* data, size_t caplen);

}  // namespace rawscan
