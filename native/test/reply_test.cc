// parse_reply on synthetic frames: every field, every link type, VLAN tags,
// and every way a frame can be short or lie about itself.
#include "packet/reply.h"
#include "packet/bytes.h"
#include "packet/headers.h"
#include "probe/types.h"
#include "test/check.h"
#include "test/frames.h"

namespace rawscan::test {
namespace {

const LinkType kLinks[] = {LinkType::Ethernet, LinkType::LinuxCooked, LinkType::LinuxCooked2,
                           LinkType::RawIp};

TcpReplySpec syn_ack() {
  TcpReplySpec s;
  s.src = 0xc6130005;  // 198.19.0.5
  s.dst = 0xc6120001;  // 198.18.0.1
  s.sport = 443;
  s.dport = 40017;
  s.seq = 0x11223344;
  s.ack = 0xa1b2c3d5;
  s.flags = tcpflag::SYN | tcpflag::ACK;
  s.window = 64240;
  s.ttl = 61;
  s.ip_id = 0xbeef;
  return s;
}

// A SYN probe as a router would quote it: IPv4 header + 24 bytes of TCP.
Bytes quoted_probe() {
  TcpReplySpec p;
  p.src = 0xc6120001;
  p.dst = 0xc6130005;
  p.sport = 40018;
  p.dport = 8443;
  p.seq = 0xcafef00d;
  p.flags = tcpflag::SYN;
  p.options_len = 4;
  return tcp_reply(p);
}

Bytes icmp_frame(uint8_t type = 3, uint8_t code = 13, size_t quote_len = 28) {
  return icmp_error(0xc6120101, 0xc6120001, type, code, quoted_probe(), quote_len);
}

}  // namespace

TEST(parse_tcp_reads_every_field_on_every_link) {
  for (LinkType link : kLinks) {
    const ParsedReply r = parse_exact(link, with_link(link, tcp_reply(syn_ack())));
    CHECK_EQ(r.error, ParseError::Ok);
    CHECK_EQ(r.kind, ReplyKind::Tcp);
    CHECK_EQ(r.ip_src, 0xc6130005u);
    CHECK_EQ(r.ip_dst, 0xc6120001u);
    CHECK_EQ(r.ttl, 61);
    CHECK_EQ(r.ip_id, 0xbeef);
    CHECK_EQ(r.sport, 443);
    CHECK_EQ(r.dport, 40017);
    CHECK_EQ(r.seq, 0x11223344u);
    CHECK_EQ(r.ack, 0xa1b2c3d5u);
    CHECK_EQ(r.tcp_flags, tcpflag::SYN | tcpflag::ACK);
    CHECK_EQ(r.window, 64240);
  }
}

TEST(parse_icmp_error_reads_the_quoted_probe) {
  for (LinkType link : kLinks) {
    const ParsedReply r = parse_exact(link, with_link(link, icmp_frame(3, 13)));
    CHECK_EQ(r.error, ParseError::Ok);
    CHECK_EQ(r.kind, ReplyKind::IcmpError);
    CHECK_EQ(r.ip_src, 0xc6120101u);
    CHECK_EQ(r.icmp_type, 3);
    CHECK_EQ(r.icmp_code, 13);
    CHECK_EQ(r.inner_src, 0xc6120001u);
    CHECK_EQ(r.inner_dst, 0xc6130005u);
    CHECK_EQ(r.inner_sport, 40018);
    CHECK_EQ(r.inner_dport, 8443);
    CHECK_EQ(r.inner_seq, 0xcafef00du);
  }
  CHECK_EQ(parse_exact(LinkType::RawIp, icmp_frame(11, 0)).kind, ReplyKind::IcmpError);
}

TEST(parse_vlan_tags_single_and_qinq) {
  for (int tags = 0; tags <= 3; ++tags) {
    const ParsedReply r =
        parse_exact(LinkType::Ethernet, with_link(LinkType::Ethernet, tcp_reply(syn_ack()), tags));
    CHECK_EQ(r.error, ParseError::Ok);
    CHECK_EQ(r.sport, 443);
  }
}

TEST(parse_rejects_non_ipv4_link_payloads) {
  Bytes eth = with_link(LinkType::Ethernet, tcp_reply(syn_ack()));
  store_be16(&eth[12], 0x86dd);
  CHECK_EQ(parse_exact(LinkType::Ethernet, eth).error, ParseError::NotIpv4);
  Bytes sll = with_link(LinkType::LinuxCooked, tcp_reply(syn_ack()));
  store_be16(&sll[14], 0x0806);
  CHECK_EQ(parse_exact(LinkType::LinuxCooked, sll).error, ParseError::NotIpv4);
  Bytes sll2 = with_link(LinkType::LinuxCooked2, tcp_reply(syn_ack()));
  store_be16(&sll2[0], 0x86dd);
  CHECK_EQ(parse_exact(LinkType::LinuxCooked2, sll2).error, ParseError::NotIpv4);
  Bytes raw = tcp_reply(syn_ack());
  raw[0] = 0x60;
  CHECK_EQ(parse_exact(LinkType::RawIp, raw).error, ParseError::NotIpv4);
  CHECK_EQ(parse_exact(static_cast<LinkType>(9), raw).error, ParseError::Truncated);
}

TEST(parse_every_truncation_fails_cleanly) {
  const Bytes ips[] = {tcp_reply(syn_ack()), icmp_frame()};
  for (LinkType link : kLinks) {
    for (const Bytes& ip : ips) {
      const Bytes frame = with_link(link, ip);
      for (size_t n = 0; n < frame.size(); ++n) {
        const ParsedReply r = parse_exact(link, frame, n);
        CHECK(r.error != ParseError::Ok);
        CHECK_EQ(r.kind, ReplyKind::Invalid);
      }
      CHECK_EQ(parse_exact(link, frame).error, ParseError::Ok);
    }
  }
}

TEST(parse_uses_ip_total_length_not_link_padding) {
  Bytes ip = tcp_reply(syn_ack());
  Bytes padded = with_link(LinkType::Ethernet, ip);
  padded.resize(padded.size() + 6, 0xee);  // Ethernet minimum-frame padding
  CHECK_EQ(parse_exact(LinkType::Ethernet, padded).error, ParseError::Ok);
  // Total length shorter than IHL + a TCP header: the header would lie in padding.
  store_be16(&ip[2], 30);
  ip[10] = ip[11] = 0;
  CHECK_EQ(parse_exact(LinkType::RawIp, ip).error, ParseError::Truncated);
}

TEST(parse_rejects_bogus_ip_headers) {
  struct Case {
    uint8_t version_ihl;
    uint16_t total_len;
    ParseError want;
  };
  const Case cases[] = {
      {0x44, 40, ParseError::BadIpHeader},  // IHL 4 < 5
      {0x40, 40, ParseError::BadIpHeader},  // IHL 0
      {0x55, 40, ParseError::BadIpHeader},  // version 5
      {0x45, 19, ParseError::BadIpHeader},  // total length < IHL
      {0x46, 22, ParseError::BadIpHeader},  // total length < IHL (24)
      {0x4f, 60, ParseError::Truncated},    // IHL 60 > 40 captured bytes
      {0x46, 40, ParseError::Truncated},    // options eat the TCP header: 16 bytes left
  };
  for (const Case& c : cases) {
    Bytes ip = tcp_reply(syn_ack());
    ip[0] = c.version_ihl;
    store_be16(&ip[2], c.total_len);
    CHECK_EQ(parse_exact(LinkType::Ethernet, with_link(LinkType::Ethernet, ip)).error, c.want);
  }
}

TEST(parse_rejects_fragments) {
  const uint16_t fragment_fields[] = {ipv4::kFlagMF, 1, 0x1fff, ipv4::kFlagMF | 8};
  for (uint16_t f : fragment_fields) {
    Bytes ip = tcp_reply(syn_ack());
    store_be16(&ip[6], f);
    CHECK_EQ(parse_exact(LinkType::RawIp, ip).error, ParseError::Fragment);
  }
  Bytes df = tcp_reply(syn_ack());
  store_be16(&df[6], ipv4::kFlagDF);
  CHECK_EQ(parse_exact(LinkType::RawIp, df).error, ParseError::Ok);
}

TEST(parse_rejects_bogus_tcp_data_offset) {
  const uint8_t offsets[] = {0x00, 0x40, 0x60, 0xf0};
  for (uint8_t doff : offsets) {
    Bytes ip = tcp_reply(syn_ack());
    ip[20 + 12] = doff;
    CHECK_EQ(parse_exact(LinkType::RawIp, ip).error, ParseError::BadTcpHeader);
  }
  // Options present in the packet but cut by the capture: truncated, not bogus.
  TcpReplySpec s = syn_ack();
  s.options_len = 12;
  const Bytes ip = tcp_reply(s);
  CHECK_EQ(parse_exact(LinkType::RawIp, ip).error, ParseError::Ok);
  CHECK_EQ(parse_exact(LinkType::RawIp, ip, ip.size() - 4).error, ParseError::Truncated);
}

TEST(parse_rejects_other_protocols_and_icmp_types) {
  Bytes udp = tcp_reply(syn_ack());
  udp[9] = 17;
  CHECK_EQ(parse_exact(LinkType::RawIp, udp).error, ParseError::UnsupportedProto);
  const uint8_t not_errors[] = {0, 5, 8, 12};
  for (uint8_t type : not_errors) {
    CHECK_EQ(parse_exact(LinkType::RawIp, icmp_frame(type, 0)).error, ParseError::NotIcmpError);
  }
}

TEST(parse_rejects_bad_quotes) {
  CHECK_EQ(parse_exact(LinkType::RawIp, icmp_frame(3, 3, 27)).error,
           ParseError::BadInnerPacket);  // 7 TCP bytes
  CHECK_EQ(parse_exact(LinkType::RawIp, icmp_frame(3, 3, 10)).error, ParseError::BadInnerPacket);
  CHECK_EQ(parse_exact(LinkType::RawIp, icmp_frame(3, 3, 0)).error, ParseError::BadInnerPacket);
  Bytes probe = quoted_probe();
  probe[9] = 17;  // quoting UDP
  CHECK_EQ(parse_exact(LinkType::RawIp, icmp_error(1, 2, 3, 3, probe)).error, ParseError::BadInnerPacket);
  probe = quoted_probe();
  probe[0] = 0x44;  // quoted IHL < 5
  CHECK_EQ(parse_exact(LinkType::RawIp, icmp_error(1, 2, 3, 3, probe)).error, ParseError::BadInnerPacket);
  probe = quoted_probe();
  probe[0] = 0x46;  // quoted IHL 24: the 8 TCP bytes would need 32 quoted bytes
  CHECK_EQ(parse_exact(LinkType::RawIp, icmp_error(1, 2, 3, 3, probe, 28)).error, ParseError::BadInnerPacket);
  probe = quoted_probe();
  store_be16(&probe[6], 0x0010);  // quoting a non-first fragment: no TCP header in it
  CHECK_EQ(parse_exact(LinkType::RawIp, icmp_error(1, 2, 3, 3, probe)).error, ParseError::BadInnerPacket);
}

}  // namespace rawscan::test
