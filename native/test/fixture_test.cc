// Real Linux replies (test/fixtures/packets, see its README): each parses on
// Ethernet, SLL, SLL2 and (with the Ethernet header cut off) raw IP, carries
// checksums that verify with our checksum code, and is judged under the
// context it was captured with.
#include <string>

#include "packet/bytes.h"
#include "packet/checksum.h"
#include "probe/judge.h"
#include "test/check.h"
#include "test/fixture_context.h"
#include "test/fixtures.h"

namespace rawscan::test {
namespace {

struct Expected {
  const char* name;  // file name without ".LINK.hex"
  uint16_t data_length;
  ProbeKind kind;
  uint8_t try_no;
  uint16_t port;
  uint8_t tcp_flags;  // 0 for ICMP
  uint8_t icmp_type, icmp_code;
  PortState state;
  Reason reason;
};

using namespace tcpflag;
const Expected kFixtures[] = {
    {"syn-8080-try0-synack", 0, ProbeKind::Syn, 0, 8080, SYN | ACK, 0, 0, PortState::Open, Reason::SynAck},
    {"syn-8080-try1-synack", 16, ProbeKind::Syn, 1, 8080, SYN | ACK, 0, 0, PortState::Open, Reason::SynAck},
    {"syn-8090-try0-rst", 0, ProbeKind::Syn, 0, 8090, RST | ACK, 0, 0, PortState::Closed, Reason::Reset},
    {"syn-8090-try1-rst", 16, ProbeKind::Syn, 1, 8090, RST | ACK, 0, 0, PortState::Closed, Reason::Reset},
    {"fin-8090-try0-rst", 0, ProbeKind::Fin, 0, 8090, RST | ACK, 0, 0, PortState::Closed, Reason::Reset},
    {"fin-8090-try2-rst", 8, ProbeKind::Fin, 2, 8090, RST | ACK, 0, 0, PortState::Closed, Reason::Reset},
    {"null-8090-try0-rst", 0, ProbeKind::Null, 0, 8090, RST | ACK, 0, 0, PortState::Closed, Reason::Reset},
    {"xmas-8090-try0-rst", 0, ProbeKind::Xmas, 0, 8090, RST | ACK, 0, 0, PortState::Closed, Reason::Reset},
    {"ack-8080-try0-rst", 0, ProbeKind::Ack, 0, 8080, RST, 0, 0, PortState::Unfiltered, Reason::Reset},
    {"window-8090-try0-rst", 0, ProbeKind::Window, 0, 8090, RST, 0, 0, PortState::Closed, Reason::Reset},
    {"maimon-8090-try0-rst", 0, ProbeKind::Maimon, 0, 8090, RST, 0, 0, PortState::Closed, Reason::Reset},
    {"custom-8080-try0-synack", 0, ProbeKind::Custom, 0, 8080, SYN | ACK, 0, 0, PortState::Open,
     Reason::SynAck},
    {"syn-8081-try0-icmp3-13", 0, ProbeKind::Syn, 0, 8081, 0, 3, 13, PortState::Filtered,
     Reason::AdminProhibited},
    {"syn-8082-try0-icmp3-3", 0, ProbeKind::Syn, 0, 8082, 0, 3, 3, PortState::Filtered, Reason::PortUnreach},
    {"fin-8081-try0-icmp3-13", 0, ProbeKind::Fin, 0, 8081, 0, 3, 13, PortState::Filtered,
     Reason::AdminProhibited},
};

// The IP packet inside a parsed frame: the frame minus the link header.
Bytes ip_of(const Fixture& f) {
  const size_t link_len[] = {14, 16, 20, 0};
  return Bytes(f.bytes.begin() + static_cast<long>(link_len[static_cast<int>(f.link)]), f.bytes.end());
}

void check_checksums(const Bytes& ip, bool is_tcp) {
  const size_t ihl = (ip[0] & 15) * 4u;
  CHECK_EQ(ipv4_checksum(ip.data(), ihl), uint16_t{0});
  const uint8_t* payload = ip.data() + ihl;
  const size_t len = load_be16(&ip[2]) - ihl;
  if (is_tcp) {
    CHECK_EQ(tcp_checksum(load_be32(&ip[12]), load_be32(&ip[16]), payload, len), uint16_t{0});
  } else {
    CHECK_EQ(checksum_finish(checksum_add(0, payload, len)), uint16_t{0});  // ICMP
  }
}

void check_fixture(const Expected& e, LinkType link, const Bytes& frame) {
  const ParsedReply r = parse_exact(link, frame);
  CHECK_EQ(r.error, ParseError::Ok);
  CHECK_EQ(r.ip_src, kFixtureTarget);
  CHECK_EQ(r.ip_dst, kFixtureSaddr);
  const uint16_t our_port =
      static_cast<uint16_t>(kFixtureSportBase + static_cast<int>(e.kind) * 16 + e.try_no);
  if (e.tcp_flags) {
    CHECK_EQ(r.kind, ReplyKind::Tcp);
    CHECK_EQ(r.sport, e.port);
    CHECK_EQ(r.dport, our_port);
    CHECK_EQ(r.tcp_flags & 0x3f, e.tcp_flags);  // ECE/CWR may come back on the ECN probe
  } else {
    CHECK_EQ(r.kind, ReplyKind::IcmpError);
    CHECK_EQ(r.icmp_type, e.icmp_type);
    CHECK_EQ(r.icmp_code, e.icmp_code);
    CHECK_EQ(r.inner_sport, our_port);
    CHECK_EQ(r.inner_dport, e.port);
  }
  const Verdict v = judge_reply(fixture_context(e.data_length), r);
  CHECK_EQ(v.rejection, Rejection::None);
  CHECK_EQ(v.kind, e.kind);
  CHECK_EQ(v.try_no, e.try_no);
  CHECK_EQ(v.port, e.port);
  CHECK_EQ(v.cls.state, e.state);
  CHECK_EQ(v.cls.reason, e.reason);
  // The same reply under another key is not ours.
  JudgeContext other = fixture_context(e.data_length);
  other.key.bytes[0] ^= 0x80;
  CHECK_EQ(judge_reply(other, r).rejection, Rejection::BadCookie);
}

}  // namespace

TEST(fixtures_parse_verify_and_judge_on_every_link) {
  const char* links[] = {"eth", "sll", "sll2"};
  for (const Expected& e : kFixtures) {
    for (const char* link : links) {
      const Fixture f = load_fixture(std::string(e.name) + "." + link + ".hex");
      CHECK(!f.bytes.empty());
      if (f.bytes.empty()) continue;
      check_fixture(e, f.link, f.bytes);
      check_checksums(ip_of(f), e.tcp_flags != 0);
      if (f.link == LinkType::Ethernet) check_fixture(e, LinkType::RawIp, ip_of(f));
    }
  }
}

TEST(fixtures_linux_rst_acknowledges_payload) {
  // Linux acks SYN/FIN plus payload in a RST (RFC 793 SEG.LEN), but only the
  // SYN in a SYN-ACK: the rules in tcp_probe.h rest on this.
  const JudgeContext ctx = fixture_context(16);
  const ParsedReply rst = parse_exact(LinkType::Ethernet, load_fixture("syn-8090-try1-rst.eth.hex").bytes);
  CHECK_EQ(rst.ack, probe_cookie(ctx.key, kFixtureSaddr, kFixtureTarget, rst.dport, rst.sport) + 17);
  const ParsedReply synack =
      parse_exact(LinkType::Ethernet, load_fixture("syn-8080-try1-synack.eth.hex").bytes);
  CHECK_EQ(synack.ack, probe_cookie(ctx.key, kFixtureSaddr, kFixtureTarget, synack.dport, synack.sport) + 1);
  const ParsedReply ack_rst =
      parse_exact(LinkType::Ethernet, load_fixture("ack-8080-try0-rst.eth.hex").bytes);
  CHECK_EQ(ack_rst.seq, probe_cookie(ctx.key, kFixtureSaddr, kFixtureTarget, ack_rst.dport, ack_rst.sport));
}

TEST(fixtures_truncated_at_every_length) {
  // A capture may stop anywhere after the headers rawscan reads (snaplen);
  // one byte earlier must be rejected, at every length, on every link.
  const char* links[] = {"eth", "sll", "sll2"};
  for (const Expected& e : kFixtures) {
    for (const char* link : links) {
      const Fixture f = load_fixture(std::string(e.name) + "." + link + ".hex");
      const Bytes ip = ip_of(f);
      if (ip.size() < 20) continue;
      const size_t ihl = (ip[0] & 15) * 4u;
      const size_t needed = f.bytes.size() - ip.size() + ihl +
                            (e.tcp_flags ? (ip[ihl + 12] >> 4) * 4u : 8 + (ip[ihl + 8] & 15) * 4u + 8);
      for (size_t n = 0; n <= f.bytes.size(); ++n) {
        CHECK_EQ(parse_exact(f.link, f.bytes, n).error == ParseError::Ok, n >= needed);
      }
    }
  }
}

}  // namespace rawscan::test
