// The scan context under which test/fixtures/packets/*.hex were captured
// (test/fixtures/packets/make-fixtures.sh + tools/send_probe.cc): scanner
// 198.18.0.1, target 198.18.0.2, key 00 01 .. 0f, sport base 40000, slot i
// sends ProbeKind i, Custom sends SYN|ECE|CWR classified as SYN. Tests judge
// the captured replies under it.
#pragma once
#include "probe/judge.h"

namespace rawscan::test {

constexpr uint32_t kFixtureSaddr = 0xc6120001;   // 198.18.0.1
constexpr uint32_t kFixtureTarget = 0xc6120002;  // 198.18.0.2
constexpr uint16_t kFixtureSportBase = 40000;
constexpr uint8_t kFixtureCustomFlags = tcpflag::SYN | tcpflag::ECE | tcpflag::CWR;

inline JudgeContext fixture_context(uint16_t data_length = 0) {
  JudgeContext ctx;
  for (int i = 0; i < 16; ++i) ctx.key.bytes[i] = static_cast<uint8_t>(i);
  ctx.saddr = kFixtureSaddr;
  ctx.sport_base = kFixtureSportBase;
  ctx.slot_count = kProbeKindCount;
  for (int i = 0; i < kProbeKindCount; ++i) ctx.slot_kind[i] = static_cast<ProbeKind>(i);
  ctx.params.saddr = kFixtureSaddr;
  ctx.params.data_length = data_length;
  ctx.params.custom_flags = kFixtureCustomFlags;
  ctx.params.custom_base = ProbeKind::Syn;
  return ctx;
}

}  // namespace rawscan::test
