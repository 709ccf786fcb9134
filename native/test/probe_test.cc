// Build → parse round trips for every probe kind: the bytes make() writes are
// checked field by field, through parse_reply (as raw IP) and directly, and
// both checksums are verified independently over the whole header.
#include "engine/cookie.h"
#include "packet/bytes.h"
#include "packet/checksum.h"
#include "packet/headers.h"
#include "probe/judge.h"
#include "probe/tcp_probe.h"
#include "test/check.h"
#include "test/frames.h"

namespace rawscan::test {
namespace {

struct Built {
  Bytes bytes;
  ProbeTarget target;
};

ProbeParams scan_params() {
  ProbeParams p;
  p.saddr = 0xc6120001;  // 198.18.0.1
  p.ttl = 53;
  p.custom_flags = tcpflag::SYN | tcpflag::FIN | tcpflag::ACK;
  return p;
}

Built build(ProbeKind kind, const ProbeParams& p, uint32_t daddr = 0xc6130a0b, uint16_t dport = 8443) {
  static ProbeTemplate t;
  const ProbeModule& m = probe_module(kind);
  m.prepare(t, p);
  CookieKey key{};
  key.bytes[3] = 0x5a;
  Built b;
  b.target = {daddr, 40033, dport, probe_cookie(key, p.saddr, daddr, 40033, dport), 0x7e57};
  uint8_t buf[kMaxProbeLen];
  std::fill(buf, buf + sizeof buf, 0xcc);  // make() must not depend on what was there
  const size_t len = m.make(buf, t, b.target, p);
  b.bytes.assign(buf, buf + len);
  return b;
}

uint8_t flags_of(ProbeKind kind, const ProbeParams& p) {
  return kind == ProbeKind::Custom ? p.custom_flags : probe_module(kind).tcp_flags;
}

bool tcp_checksum_ok(const Bytes& ip) {
  return tcp_checksum(load_be32(&ip[12]), load_be32(&ip[16]), &ip[20], ip.size() - 20) == 0;
}

void check_probe(ProbeKind kind, const ProbeParams& p) {
  const Built b = build(kind, p);
  const Bytes& ip = b.bytes;
  const uint8_t flags = flags_of(kind, p);
  const bool syn = flags & tcpflag::SYN, ack = flags & tcpflag::ACK;
  const size_t tcp_len = syn ? 24 : 20;
  CHECK_EQ(ip.size(), 20 + tcp_len + p.data_length);
  // IPv4 header: version/IHL, length, DF off and no fragment, TTL, protocol, checksum.
  CHECK_EQ(ip[0], 0x45);
  CHECK_EQ(load_be16(&ip[2]), ip.size());
  CHECK_EQ(load_be16(&ip[6]), 0);
  CHECK_EQ(ip[9], ipv4::kProtoTcp);
  CHECK_EQ(ipv4_checksum(ip.data(), 20), uint16_t{0});
  CHECK_EQ(tcp_checksum_ok(ip), !p.badsum);
  // TCP header beyond what parse_reply reads: data offset, urgent pointer, MSS option.
  CHECK_EQ(ip[20 + 12], static_cast<uint8_t>(tcp_len / 4 << 4));
  CHECK_EQ(load_be16(&ip[20 + 18]), 0);
  if (syn) {
    CHECK_EQ(ip[40], tcp::kOptMss);
    CHECK_EQ(ip[41], tcp::kOptMssLen);
    CHECK_EQ(load_be16(&ip[42]), p.mss);
  }
  for (size_t i = 0; i < p.data_length; ++i) CHECK_EQ(ip[20 + tcp_len + i], probe_payload_byte(i));
  // Everything parse_reply sees.
  const ParsedReply r = parse_exact(LinkType::RawIp, ip);
  CHECK_EQ(r.error, ParseError::Ok);
  CHECK_EQ(r.ip_src, p.saddr);
  CHECK_EQ(r.ip_dst, b.target.daddr);
  CHECK_EQ(r.ttl, p.ttl);
  CHECK_EQ(r.ip_id, b.target.ip_id);
  CHECK_EQ(r.sport, b.target.sport);
  CHECK_EQ(r.dport, b.target.dport);
  CHECK_EQ(r.seq, b.target.cookie);
  CHECK_EQ(r.ack, ack ? b.target.cookie : 0u);
  CHECK_EQ(r.tcp_flags, flags);
  CHECK_EQ(r.window, p.window);
}

const ProbeKind kAllKinds[] = {ProbeKind::Syn, ProbeKind::Fin,    ProbeKind::Null,   ProbeKind::Xmas,
                               ProbeKind::Ack, ProbeKind::Window, ProbeKind::Maimon, ProbeKind::Custom};

}  // namespace

TEST(probe_round_trip_every_kind) {
  for (ProbeKind kind : kAllKinds) check_probe(kind, scan_params());
}

TEST(probe_round_trip_with_payload_and_badsum) {
  ProbeParams p = scan_params();
  p.data_length = 37;  // odd: the checksum's padding byte matters
  for (ProbeKind kind : kAllKinds) check_probe(kind, p);
  p.badsum = true;
  for (ProbeKind kind : kAllKinds) check_probe(kind, p);
  p.data_length = 0;
  for (ProbeKind kind : kAllKinds) check_probe(kind, p);
}

TEST(probe_flags_per_kind) {
  using namespace tcpflag;
  struct Case {
    ProbeKind kind;
    const char* name;
    uint8_t flags;
    PortState silent;
  };
  const Case cases[] = {
      {ProbeKind::Syn, "syn", SYN, PortState::Filtered},
      {ProbeKind::Fin, "fin", FIN, PortState::OpenFiltered},
      {ProbeKind::Null, "null", 0, PortState::OpenFiltered},
      {ProbeKind::Xmas, "xmas", FIN | PSH | URG, PortState::OpenFiltered},
      {ProbeKind::Ack, "ack", ACK, PortState::Filtered},
      {ProbeKind::Window, "window", ACK, PortState::Filtered},
      {ProbeKind::Maimon, "maimon", FIN | ACK, PortState::OpenFiltered},
  };
  for (const Case& c : cases) {
    const ProbeModule& m = probe_module(c.kind);
    CHECK_EQ(m.kind, c.kind);
    CHECK_EQ(std::string(m.name), std::string(c.name));
    CHECK_EQ(m.tcp_flags, c.flags);
    CHECK_EQ(m.silent_state, c.silent);
    CHECK_EQ(build(c.kind, scan_params()).bytes[33], c.flags);
  }
  CHECK_EQ(std::string(probe_module(ProbeKind::Custom).name), std::string("custom"));
}

TEST(probe_checksums_hold_for_many_targets) {
  ProbeParams p = scan_params();
  uint32_t x = 2463534242u;
  for (int i = 0; i < 2000; ++i) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    const Built b = build(i % 2 ? ProbeKind::Syn : ProbeKind::Maimon, p, x, static_cast<uint16_t>(x >> 9));
    CHECK_EQ(ipv4_checksum(b.bytes.data(), 20), uint16_t{0});
    CHECK(tcp_checksum_ok(b.bytes));
  }
}

TEST(probe_payload_is_capped_at_the_buffer) {
  ProbeParams p = scan_params();
  p.data_length = 65535;
  const Built b = build(ProbeKind::Syn, p);
  CHECK_EQ(b.bytes.size(), kMaxProbeLen);
  CHECK(tcp_checksum_ok(b.bytes));
}

TEST(probe_sport_encodes_slot_and_try) {
  JudgeContext ctx;
  ctx.sport_base = 40000;
  ctx.slot_count = 3;
  for (uint8_t slot = 0; slot < 3; ++slot) {
    for (uint8_t t = 0; t < kTrySlots; ++t) {
      const uint16_t sport = probe_sport(ctx, slot, t);
      CHECK_EQ(sport, 40000 + slot * 16 + t);
      uint8_t s2 = 99, t2 = 99;
      CHECK(decode_sport(ctx, sport, s2, t2));
      CHECK_EQ(s2, slot);
      CHECK_EQ(t2, t);
    }
  }
  uint8_t s = 0, t = 0;
  CHECK(!decode_sport(ctx, 39999, s, t));
  CHECK(!decode_sport(ctx, 40048, s, t));
  CHECK(!decode_sport(ctx, 0, s, t));
  CHECK(!decode_sport(ctx, 65535, s, t));
}

TEST(icmp_reasons_follow_nmap) {
  struct Case {
    uint8_t type, code;
    Reason reason;
    bool filtered;
  };
  const Case cases[] = {
      {3, 0, Reason::NetUnreach, true},       {3, 1, Reason::HostUnreach, true},
      {3, 2, Reason::ProtoUnreach, true},     {3, 3, Reason::PortUnreach, true},
      {3, 9, Reason::NetProhibited, true},    {3, 10, Reason::HostProhibited, true},
      {3, 13, Reason::AdminProhibited, true}, {3, 4, Reason::IcmpUnreach, false},
      {3, 6, Reason::IcmpUnreach, false},     {3, 14, Reason::IcmpUnreach, false},
      {11, 0, Reason::TimeExceeded, false},   {11, 1, Reason::TimeExceeded, false},
  };
  for (const Case& c : cases) {
    CHECK_EQ(icmp_reason(c.type, c.code), c.reason);
    CHECK_EQ(icmp_means_filtered(c.type, c.code), c.filtered);
  }
}

}  // namespace rawscan::test
