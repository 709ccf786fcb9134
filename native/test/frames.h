// Builders of reply frames for tests and seed inputs: IPv4+TCP and
// IPv4+ICMP-error packets with correct checksums, wrapped in any link header.
#pragma once
#include <cstdint>
#include <vector>

#include "packet/reply.h"

namespace rawscan::test {

using Bytes = std::vector<uint8_t>;

struct TcpReplySpec {
  uint32_t src = 0, dst = 0;  // host order
  uint16_t sport = 0, dport = 0;
  uint32_t seq = 0, ack = 0;
  uint8_t flags = 0;
  uint16_t window = 0;
  uint8_t ttl = 64;
  uint16_t ip_id = 0;
  size_t options_len = 0;  // zero bytes of TCP options (multiple of 4)
};

// IPv4 (20-byte header) + TCP, both checksums correct.
Bytes tcp_reply(const TcpReplySpec& s);
// IPv4 + ICMP type/code from src to dst, quoting the first quote_len bytes of `probe`.
Bytes icmp_error(uint32_t src, uint32_t dst, uint8_t type, uint8_t code, const Bytes& probe,
                 size_t quote_len = 28);
// The IP packet behind a link header: Ethernet with `vlan_tags` 802.1Q tags
// (the outer one 802.1ad when there are two), SLL, SLL2 or none.
Bytes with_link(LinkType link, const Bytes& ip, int vlan_tags = 0);

// parse_reply over a heap copy of exactly the first n bytes (all if n is
// larger), so AddressSanitizer flags any read past the captured length.
ParsedReply parse_exact(LinkType link, const Bytes& frame, size_t n = SIZE_MAX);

}  // namespace rawscan::test
