// judge_reply: every cookie rule (valid, off by one, wrong address, wrong
// port, out-of-range port, ICMP quoting a packet we never sent) and the
// classification each probe kind gives a validated reply.
#include <cstdio>

#include "packet/bytes.h"
#include "probe/judge.h"
#include "test/check.h"
#include "test/frames.h"

namespace rawscan::test {
namespace {

constexpr uint32_t kUs = 0xc6120001;      // 198.18.0.1
constexpr uint32_t kTarget = 0xc6130a0b;  // 198.19.10.11
constexpr uint32_t kRouter = 0xc6120101;  // 198.18.1.1
constexpr uint16_t kPort = 8443;
constexpr int64_t kFar = 100000;  // an offset no rule accepts

// Slots deliberately not in ProbeKind order, so slot → kind is exercised.
const ProbeKind kSlots[kMaxSlots] = {ProbeKind::Fin,    ProbeKind::Syn,  ProbeKind::Ack,  ProbeKind::Window,
                                     ProbeKind::Maimon, ProbeKind::Null, ProbeKind::Xmas, ProbeKind::Custom};

JudgeContext scan(uint16_t data_length = 0) {
  JudgeContext ctx;
  for (int i = 0; i < 16; ++i) ctx.key.bytes[i] = static_cast<uint8_t>(0xa0 + i);
  ctx.saddr = kUs;
  ctx.sport_base = 50000;
  ctx.slot_count = kMaxSlots;
  for (int i = 0; i < kMaxSlots; ++i) ctx.slot_kind[i] = kSlots[i];
  ctx.params.saddr = kUs;
  ctx.params.data_length = data_length;
  return ctx;
}

uint8_t slot_of(ProbeKind kind) {
  for (uint8_t i = 0; i < kMaxSlots; ++i) {
    if (kSlots[i] == kind) return i;
  }
  return 0;
}

uint32_t cookie_of(const JudgeContext& ctx, ProbeKind kind, uint8_t try_no, uint32_t target = kTarget,
                   uint16_t port = kPort) {
  return probe_cookie(ctx.key, ctx.saddr, target, probe_sport(ctx, slot_of(kind), try_no), port);
}

// A TCP reply from kTarget:kPort to our port of (kind, try_no).
TcpReplySpec reply_to(const JudgeContext& ctx, ProbeKind kind, uint8_t try_no = 0) {
  TcpReplySpec s;
  s.src = kTarget;
  s.dst = ctx.saddr;
  s.sport = kPort;
  s.dport = probe_sport(ctx, slot_of(kind), try_no);
  return s;
}

// The probe exactly as make() sends it.
Bytes sent_probe(const JudgeContext& ctx, ProbeKind kind, uint8_t try_no, uint16_t port = kPort) {
  static ProbeTemplate t;
  const ProbeModule& m = probe_module(kind);
  m.prepare(t, ctx.params);
  const ProbeTarget target{kTarget, probe_sport(ctx, slot_of(kind), try_no), port,
                           cookie_of(ctx, kind, try_no, kTarget, port), 1};
  uint8_t buf[kMaxProbeLen];
  const size_t len = m.make(buf, t, target, ctx.params);
  return Bytes(buf, buf + len);
}

Verdict judge_ip(const JudgeContext& ctx, const Bytes& ip) {
  return judge_reply(ctx, parse_exact(LinkType::RawIp, ip));
}

struct TcpCase {
  const char* what;
  ProbeKind kind;
  uint16_t data_length;
  uint8_t flags;
  int64_t seq_offset, ack_offset;  // from the cookie
  uint16_t window;
  Rejection want;
  PortState state;
};

void run_tcp_case(const TcpCase& c, JudgeContext ctx) {
  ctx.params.data_length = c.data_length;
  TcpReplySpec s = reply_to(ctx, c.kind, 3);
  const uint32_t cookie = cookie_of(ctx, c.kind, 3);
  s.seq = static_cast<uint32_t>(cookie + c.seq_offset);
  s.ack = static_cast<uint32_t>(cookie + c.ack_offset);
  s.flags = c.flags;
  s.window = c.window;
  const Verdict v = judge_ip(ctx, tcp_reply(s));
  if (v.rejection != c.want) std::fprintf(stderr, "  case: %s\n", c.what);
  CHECK_EQ(v.rejection, c.want);
  if (c.want != Rejection::None) return;
  CHECK_EQ(v.cls.state, c.state);
  CHECK_EQ(v.kind, c.kind);
  CHECK_EQ(v.try_no, 3);
  CHECK_EQ(v.target, kTarget);
  CHECK_EQ(v.port, kPort);
}

}  // namespace

TEST(judge_tcp_cookie_rules_and_states) {
  using namespace tcpflag;
  const Rejection ok = Rejection::None, bad = Rejection::BadCookie;
  const PortState open = PortState::Open, closed = PortState::Closed, any = PortState::Filtered;
  const TcpCase cases[] = {
      {"syn: syn-ack acks the SYN", ProbeKind::Syn, 0, SYN | ACK, kFar, 1, 0, ok, open},
      {"syn: syn-ack ack == cookie", ProbeKind::Syn, 0, SYN | ACK, kFar, 0, 0, bad, any},
      {"syn: syn-ack ack == cookie + 2", ProbeKind::Syn, 0, SYN | ACK, kFar, 2, 0, bad, any},
      {"syn: syn-ack ack == cookie - 1", ProbeKind::Syn, 0, SYN | ACK, kFar, -1, 0, bad, any},
      {"syn+data: syn-ack acks only the SYN", ProbeKind::Syn, 10, SYN | ACK, kFar, 1, 0, ok, open},
      {"syn+data: syn-ack acking the data", ProbeKind::Syn, 10, SYN | ACK, kFar, 11, 0, bad, any},
      {"syn: rst+ack acks the SYN", ProbeKind::Syn, 0, RST | ACK, 0, 1, 0, ok, closed},
      {"syn: rst ack == cookie", ProbeKind::Syn, 0, RST | ACK, 0, 0, 0, ok, closed},
      {"syn: rst ack == cookie + 2", ProbeKind::Syn, 0, RST | ACK, 0, 2, 0, bad, any},
      {"syn: rst seq == cookie proves nothing", ProbeKind::Syn, 0, RST, 0, kFar, 0, bad, any},
      {"syn+data: rst acks SYN and data", ProbeKind::Syn, 10, RST | ACK, 0, 11, 0, ok, closed},
      {"syn+data: rst ack one past", ProbeKind::Syn, 10, RST | ACK, 0, 12, 0, bad, any},
      {"syn: bare SYN back", ProbeKind::Syn, 0, SYN, kFar, 1, 0, bad, any},
      {"syn: bare ACK back", ProbeKind::Syn, 0, ACK, kFar, 1, 0, bad, any},
      {"fin: rst acks the FIN", ProbeKind::Fin, 0, RST | ACK, 0, 1, 0, ok, closed},
      {"fin+data: rst acks FIN and data", ProbeKind::Fin, 8, RST | ACK, 0, 9, 0, ok, closed},
      {"fin: rst ack far off", ProbeKind::Fin, 0, RST | ACK, 0, kFar, 0, bad, any},
      {"fin: syn-ack to a FIN", ProbeKind::Fin, 0, SYN | ACK, 0, 1, 0, bad, any},
      {"null: rst ack == cookie", ProbeKind::Null, 0, RST | ACK, 0, 0, 0, ok, closed},
      {"null+data: rst acks the data", ProbeKind::Null, 5, RST | ACK, 0, 5, 0, ok, closed},
      {"null: rst ack == cookie + 1 (lenient)", ProbeKind::Null, 0, RST | ACK, 0, 1, 0, ok, closed},
      {"null: rst ack == cookie + 2", ProbeKind::Null, 0, RST | ACK, 0, 2, 0, bad, any},
      {"xmas: rst acks the FIN", ProbeKind::Xmas, 0, RST | ACK, 0, 1, 0, ok, closed},
      {"xmas: rst ack == cookie - 1", ProbeKind::Xmas, 0, RST | ACK, 0, -1, 0, bad, any},
      {"ack: rst seq == cookie", ProbeKind::Ack, 0, RST, 0, kFar, 0, ok, PortState::Unfiltered},
      {"ack: rst seq == cookie + 1", ProbeKind::Ack, 0, RST, 1, kFar, 0, bad, any},
      {"ack: rst seq == cookie - 1", ProbeKind::Ack, 0, RST, -1, kFar, 0, bad, any},
      {"window: rst, window > 0", ProbeKind::Window, 0, RST, 0, kFar, 512, ok, open},
      {"window: rst, window 1", ProbeKind::Window, 0, RST, 0, kFar, 1, ok, open},
      {"window: rst, window 0", ProbeKind::Window, 0, RST, 0, kFar, 0, ok, closed},
      {"window: rst seq off by one", ProbeKind::Window, 0, RST, 1, kFar, 512, bad, any},
      {"maimon: rst seq == cookie", ProbeKind::Maimon, 0, RST, 0, kFar, 0, ok, closed},
      {"maimon: rst seq off by one", ProbeKind::Maimon, 0, RST, -1, kFar, 0, bad, any},
  };
  for (const TcpCase& c : cases) run_tcp_case(c, scan());
}

TEST(judge_custom_validates_by_flags_and_classifies_by_base) {
  using namespace tcpflag;
  struct Case {
    uint8_t flags;
    ProbeKind base;
    TcpCase reply;
  };
  const Rejection ok = Rejection::None, bad = Rejection::BadCookie;
  const ProbeKind custom = ProbeKind::Custom;
  const Case cases[] = {
      {SYN, ProbeKind::Syn, {"syn-ack", custom, 0, SYN | ACK, kFar, 1, 0, ok, PortState::Open}},
      {SYN | ECE | CWR, ProbeKind::Syn, {"rst", custom, 0, RST | ACK, 0, 1, 0, ok, PortState::Closed}},
      {ACK, ProbeKind::Ack, {"rst seq", custom, 0, RST, 0, kFar, 0, ok, PortState::Unfiltered}},
      {FIN | ACK, ProbeKind::Window, {"rst win", custom, 0, RST, 0, kFar, 9, ok, PortState::Open}},
      {FIN, ProbeKind::Fin, {"syn-ack to FIN", custom, 0, SYN | ACK, kFar, 1, 0, bad, PortState::Open}},
      {FIN, ProbeKind::Fin, {"rst", custom, 0, RST | ACK, kFar, 1, 0, ok, PortState::Closed}},
      {FIN,
       ProbeKind::Custom,
       {"custom base → syn", custom, 0, RST | ACK, kFar, 1, 0, ok, PortState::Closed}},
  };
  for (const Case& c : cases) {
    JudgeContext ctx = scan();
    ctx.params.custom_flags = c.flags;
    ctx.params.custom_base = c.base;
    run_tcp_case(c.reply, ctx);
  }
}

TEST(judge_tcp_rejects_replies_not_for_us) {
  const JudgeContext ctx = scan();
  TcpReplySpec s = reply_to(ctx, ProbeKind::Syn);
  s.flags = tcpflag::SYN | tcpflag::ACK;
  s.ack = cookie_of(ctx, ProbeKind::Syn, 0) + 1;
  CHECK_EQ(judge_ip(ctx, tcp_reply(s)).rejection, Rejection::None);

  TcpReplySpec other_host = s;
  other_host.dst = kUs + 1;
  CHECK_EQ(judge_ip(ctx, tcp_reply(other_host)).rejection, Rejection::NotToUs);
  TcpReplySpec wrong_target = s;  // the cookie was made for kTarget
  wrong_target.src = kTarget + 1;
  CHECK_EQ(judge_ip(ctx, tcp_reply(wrong_target)).rejection, Rejection::BadCookie);
  TcpReplySpec wrong_port = s;
  wrong_port.sport = kPort + 1;
  CHECK_EQ(judge_ip(ctx, tcp_reply(wrong_port)).rejection, Rejection::BadCookie);
  TcpReplySpec wrong_try = s;  // same slot, another try: another cookie
  wrong_try.dport = static_cast<uint16_t>(s.dport + 1);
  CHECK_EQ(judge_ip(ctx, tcp_reply(wrong_try)).rejection, Rejection::BadCookie);
  const uint16_t out_of_range[] = {0, 49999, 50000 + kMaxSlots * kTrySlots, 65535};
  for (uint16_t port : out_of_range) {
    TcpReplySpec r = s;
    r.dport = port;
    CHECK_EQ(judge_ip(ctx, tcp_reply(r)).rejection, Rejection::NotOurPort);
  }
  JudgeContext two_slots = ctx;
  two_slots.slot_count = 2;
  TcpReplySpec slot2 = reply_to(ctx, ProbeKind::Ack);  // slot 2: beyond slot_count
  slot2.flags = tcpflag::RST;
  slot2.seq = cookie_of(ctx, ProbeKind::Ack, 0);
  CHECK_EQ(judge_ip(ctx, tcp_reply(slot2)).rejection, Rejection::None);
  CHECK_EQ(judge_ip(two_slots, tcp_reply(slot2)).rejection, Rejection::NotOurPort);
}

TEST(judge_icmp_quoting_our_probe) {
  const JudgeContext ctx = scan();
  struct Case {
    ProbeKind kind;
    uint8_t type, code;
    Reason reason;
  };
  const Case cases[] = {
      {ProbeKind::Syn, 3, 13, Reason::AdminProhibited}, {ProbeKind::Syn, 3, 3, Reason::PortUnreach},
      {ProbeKind::Syn, 3, 1, Reason::HostUnreach},      {ProbeKind::Syn, 3, 4, Reason::IcmpUnreach},
      {ProbeKind::Syn, 11, 0, Reason::TimeExceeded},    {ProbeKind::Fin, 3, 10, Reason::HostProhibited},
      {ProbeKind::Ack, 3, 9, Reason::NetProhibited},    {ProbeKind::Window, 3, 0, Reason::NetUnreach},
      {ProbeKind::Xmas, 3, 2, Reason::ProtoUnreach},    {ProbeKind::Custom, 3, 13, Reason::AdminProhibited},
  };
  for (const Case& c : cases) {
    const Verdict v = judge_ip(ctx, icmp_error(kRouter, kUs, c.type, c.code, sent_probe(ctx, c.kind, 7)));
    CHECK_EQ(v.rejection, Rejection::None);
    CHECK_EQ(v.kind, c.kind);
    CHECK_EQ(v.try_no, 7);
    CHECK_EQ(v.target, kTarget);
    CHECK_EQ(v.port, kPort);
    CHECK_EQ(v.cls.state, PortState::Filtered);
    CHECK_EQ(v.cls.reason, c.reason);
  }
}

TEST(judge_icmp_rejects_quotes_of_packets_we_never_sent) {
  const JudgeContext ctx = scan();
  const Bytes probe = sent_probe(ctx, ProbeKind::Syn, 0);
  CHECK_EQ(judge_ip(ctx, icmp_error(kRouter, kUs, 3, 13, probe)).rejection, Rejection::None);
  CHECK_EQ(judge_ip(ctx, icmp_error(kRouter, kUs + 1, 3, 13, probe)).rejection, Rejection::NotToUs);

  Bytes edited = probe;  // quoted source is another host
  store_be32(&edited[12], kUs + 1);
  CHECK_EQ(judge_ip(ctx, icmp_error(kRouter, kUs, 3, 13, edited)).rejection, Rejection::NotToUs);
  edited = probe;  // seq off by one
  store_be32(&edited[24], load_be32(&probe[24]) + 1);
  CHECK_EQ(judge_ip(ctx, icmp_error(kRouter, kUs, 3, 13, edited)).rejection, Rejection::BadCookie);
  edited = probe;  // another destination port with our seq: a probe we never sent
  store_be16(&edited[22], kPort + 1);
  CHECK_EQ(judge_ip(ctx, icmp_error(kRouter, kUs, 3, 13, edited)).rejection, Rejection::BadCookie);
  edited = probe;  // another target address with our seq
  store_be32(&edited[16], kTarget + 1);
  CHECK_EQ(judge_ip(ctx, icmp_error(kRouter, kUs, 3, 13, edited)).rejection, Rejection::BadCookie);
  edited = probe;  // our source port out of range
  store_be16(&edited[20], 49999);
  CHECK_EQ(judge_ip(ctx, icmp_error(kRouter, kUs, 3, 13, edited)).rejection, Rejection::NotOurPort);
}

TEST(judge_malformed_input) {
  const JudgeContext ctx = scan();
  CHECK_EQ(judge_reply(ctx, ParsedReply{}).rejection, Rejection::Malformed);
  Bytes probe = sent_probe(ctx, ProbeKind::Syn, 0);
  probe[0] = 0x43;
  CHECK_EQ(judge_ip(ctx, probe).rejection, Rejection::Malformed);
}

}  // namespace rawscan::test
