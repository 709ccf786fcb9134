#include "test/frames.h"

#include "packet/bytes.h"
#include "packet/checksum.h"
#include "packet/headers.h"

namespace rawscan::test {
namespace {

Bytes ipv4_packet(uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl, uint16_t id, const Bytes& payload) {
  Bytes p(20 + payload.size());
  p[0] = 0x45;
  store_be16(&p[2], static_cast<uint16_t>(p.size()));
  store_be16(&p[4], id);
  p[8] = ttl;
  p[9] = proto;
  store_be32(&p[12], src);
  store_be32(&p[16], dst);
  store_be16(&p[10], ipv4_checksum(p.data(), 20));
  std::copy(payload.begin(), payload.end(), p.begin() + 20);
  return p;
}

Bytes ethernet(uint16_t ethertype, int vlan_tags) {
  Bytes h = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
  for (int i = 0; i < vlan_tags; ++i) {
    const uint16_t tpid = (i == 0 && vlan_tags > 1) ? ether::kTypeQinQ : ether::kTypeVlan;
    h.insert(h.end(), {static_cast<uint8_t>(tpid >> 8), static_cast<uint8_t>(tpid), 0x00,
                       static_cast<uint8_t>(10 + i)});
  }
  h.insert(h.end(), {static_cast<uint8_t>(ethertype >> 8), static_cast<uint8_t>(ethertype)});
  return h;
}

}  // namespace

Bytes tcp_reply(const TcpReplySpec& s) {
  Bytes t(20 + s.options_len);
  store_be16(&t[0], s.sport);
  store_be16(&t[2], s.dport);
  store_be32(&t[4], s.seq);
  store_be32(&t[8], s.ack);
  t[12] = static_cast<uint8_t>(t.size() / 4 << 4);
  t[13] = s.flags;
  store_be16(&t[14], s.window);
  store_be16(&t[16], tcp_checksum(s.src, s.dst, t.data(), t.size()));
  return ipv4_packet(s.src, s.dst, ipv4::kProtoTcp, s.ttl, s.ip_id, t);
}

Bytes icmp_error(uint32_t src, uint32_t dst, uint8_t type, uint8_t code, const Bytes& probe,
                 size_t quote_len) {
  Bytes m = {type, code, 0, 0, 0, 0, 0, 0};
  const size_t n = quote_len < probe.size() ? quote_len : probe.size();
  m.insert(m.end(), probe.begin(), probe.begin() + static_cast<long>(n));
  store_be16(&m[2], ipv4_checksum(m.data(), m.size()));
  return ipv4_packet(src, dst, ipv4::kProtoIcmp, 64, 0, m);
}

Bytes with_link(LinkType link, const Bytes& ip, int vlan_tags) {
  Bytes h;
  switch (link) {
    case LinkType::Ethernet:
      h = ethernet(ether::kTypeIpv4, vlan_tags);
      break;
    case LinkType::LinuxCooked:  // packet type 0 (to us), ARPHRD_ETHER, 6-byte address, protocol
      h = {0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00};
      break;
    case LinkType::LinuxCooked2:  // protocol, reserved, ifindex 2, ARPHRD_ETHER, to us, 6-byte address
      h = {0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0};
      break;
    case LinkType::RawIp:
      break;
  }
  h.insert(h.end(), ip.begin(), ip.end());
  return h;
}

ParsedReply parse_exact(LinkType link, const Bytes& frame, size_t n) {
  const size_t len = n < frame.size() ? n : frame.size();
  const Bytes copy(frame.begin(), frame.begin() + static_cast<long>(len));
  return parse_reply(link, copy.data(), copy.size());
}

}  // namespace rawscan::test
