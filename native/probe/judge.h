// From a parsed reply to a verdict: which probe of ours it answers (kind, try,
// target, port), whether its cookie checks, and what it says about the port.
// Pure function of its inputs: the capture thread and the fuzzers drive it alike.
#pragma once
#include <cstdint>

#include "engine/cookie.h"
#include "packet/reply.h"
#include "probe/probe.h"

namespace rawscan {

// Source ports: sport = sport_base + slot * kTrySlots + try, where slot is the
// index of the probe kind in the scan's kind list. So try < kTrySlots.
constexpr int kTrySlots = 16;
constexpr int kMaxSlots = 8;

struct JudgeContext {
  CookieKey key{};
  uint32_t saddr = 0;  // scanner address, host order
  uint16_t sport_base = 0;
  uint8_t slot_count = 0;  // number of probe kinds in this scan
  ProbeKind slot_kind[kMaxSlots] = {};
  // The scan's probe parameters; judging uses data_length, custom_flags and
  // custom_base (a RST acknowledges the payload; Custom replies follow their base).
  ProbeParams params;
};

enum class Rejection : uint8_t {
  None = 0,
  Malformed,   // parse error
  NotOurPort,  // destination (or quoted source) port outside our range
  NotToUs,     // addressed to another host, or quoted probe not from us
  BadCookie,   // seq/ack do not carry the probe's cookie
};

struct Verdict {
  Rejection rejection = Rejection::Malformed;
  ProbeKind kind = ProbeKind::Syn;
  uint8_t try_no = 0;
  uint32_t target = 0;  // probed address, host order
  uint16_t port = 0;    // probed port
  Classification cls{PortState::Filtered, Reason::NoResponse};
};

Verdict judge_reply(const JudgeContext& ctx, const ParsedReply& r);

// The scanner-side port of a probe, and its inverse (false if out of range).
uint16_t probe_sport(const JudgeContext& ctx, uint8_t slot, uint8_t try_no);
bool decode_sport(const JudgeContext& ctx, uint16_t sport, uint8_t& slot, uint8_t& try_no);

}  // namespace rawscan
