// The probes of one scan: a template prepared once per slot (probe kind),
// patched per descriptor. The sender and the buildProbe test hook share it,
// so the bytes a test inspects are the bytes the sender puts on the wire.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/engine.h"
#include "probe/judge.h"
#include "probe/probe.h"

namespace rawscan {

// The capture side's view of the scan configuration.
JudgeContext make_judge_context(const EngineConfig& cfg);

// One descriptor (engine.h), unpacked.
struct Descriptor {
  uint32_t daddr;  // host order
  uint16_t dport;
  uint8_t try_no;
  uint8_t slot;

  static Descriptor unpack(const uint32_t* words) {
    return Descriptor{words[0], static_cast<uint16_t>(words[1] & 0xffff),
                      static_cast<uint8_t>((words[1] >> 16) & 0xff), static_cast<uint8_t>(words[1] >> 24)};
  }
};

class ProbeFactory {
 public:
  // cfg.kinds must hold 1..kMaxSlots kinds.
  explicit ProbeFactory(const EngineConfig& cfg);

  // Writes the probe for d into buf (kMaxProbeLen bytes) and returns its
  // length; 0 when the descriptor's slot or try is out of range.
  size_t build(uint8_t* buf, const Descriptor& d) const;

 private:
  JudgeContext ctx_;
  ProbeParams params_;
  std::vector<const ProbeModule*> modules_;  // per slot
  std::vector<ProbeTemplate> templates_;     // per slot
};

}  // namespace rawscan
