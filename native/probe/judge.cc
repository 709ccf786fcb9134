// judge_reply: "is this an answer to us" (address, port range, cookie), then
// "what does it say" (the probe module's classification). The cookie is always
// recomputed over the probe's 4-tuple as sent: (saddr, target, our port, probed port).
#include "probe/judge.h"

namespace rawscan {
namespace {

Verdict reject(Rejection why) {
  Verdict v;
  v.rejection = why;
  return v;
}

// Fills kind/try from our port, or says why the port is not one of ours.
bool identify_probe(const JudgeContext& ctx, uint16_t our_port, Verdict& v) {
  uint8_t slot = 0;
  if (!decode_sport(ctx, our_port, slot, v.try_no)) return false;
  v.kind = ctx.slot_kind[slot];
  return true;
}

Verdict judge_tcp(const JudgeContext& ctx, const ParsedReply& r) {
  if (r.ip_dst != ctx.saddr) return reject(Rejection::NotToUs);
  Verdict v;
  if (!identify_probe(ctx, r.dport, v)) return reject(Rejection::NotOurPort);
  v.target = r.ip_src;
  v.port = r.sport;
  const ProbeModule& m = probe_module(v.kind);
  const uint32_t cookie = probe_cookie(ctx.key, ctx.saddr, v.target, r.dport, v.port);
  if (!m.validate_tcp(r, cookie, ctx.params)) return reject(Rejection::BadCookie);
  v.cls = m.classify_tcp(r, ctx.params);
  v.rejection = Rejection::None;
  return v;
}

// The error may come from any router on the path (r.ip_src); the probe it
// quotes names the target.
Verdict judge_icmp(const JudgeContext& ctx, const ParsedReply& r) {
  if (r.ip_dst != ctx.saddr || r.inner_src != ctx.saddr) return reject(Rejection::NotToUs);
  Verdict v;
  if (!identify_probe(ctx, r.inner_sport, v)) return reject(Rejection::NotOurPort);
  v.target = r.inner_dst;
  v.port = r.inner_dport;
  if (r.inner_seq != probe_cookie(ctx.key, ctx.saddr, v.target, r.inner_sport, v.port)) {
    return reject(Rejection::BadCookie);
  }
  v.cls = probe_module(v.kind).classify_icmp(r, ctx.params);
  v.rejection = Rejection::None;
  return v;
}

}  // namespace

Verdict judge_reply(const JudgeContext& ctx, const ParsedReply& r) {
  switch (r.kind) {
    case ReplyKind::Tcp:
      return judge_tcp(ctx, r);
    case ReplyKind::IcmpError:
      return judge_icmp(ctx, r);
    case ReplyKind::Invalid:
      break;
  }
  return reject(Rejection::Malformed);
}

uint16_t probe_sport(const JudgeContext& ctx, uint8_t slot, uint8_t try_no) {
  return static_cast<uint16_t>(ctx.sport_base + slot * kTrySlots + try_no);
}

// A slot whose kind is not a ProbeKind (a broken context) counts as not ours.
bool decode_sport(const JudgeContext& ctx, uint16_t sport, uint8_t& slot, uint8_t& try_no) {
  const int offset = static_cast<int>(sport) - static_cast<int>(ctx.sport_base);
  const int slots = ctx.slot_count < kMaxSlots ? ctx.slot_count : kMaxSlots;
  if (offset < 0 || offset >= slots * kTrySlots) return false;
  if (static_cast<int>(ctx.slot_kind[offset / kTrySlots]) >= kProbeKindCount) return false;
  slot = static_cast<uint8_t>(offset / kTrySlots);
  try_no = static_cast<uint8_t>(offset % kTrySlots);
  return true;
}

}  // namespace rawscan
