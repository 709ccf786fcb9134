#include "engine/probe_factory.h"

namespace rawscan {

JudgeContext make_judge_context(const EngineConfig& cfg) {
  JudgeContext ctx{};
  ctx.key = cfg.key;
  ctx.saddr = cfg.saddr;
  ctx.sport_base = cfg.sport_base;
  ctx.slot_count = static_cast<uint8_t>(cfg.kinds.size() < kMaxSlots ? cfg.kinds.size() : kMaxSlots);
  for (uint8_t i = 0; i < ctx.slot_count; ++i) ctx.slot_kind[i] = cfg.kinds[i];
  // The cookie rule needs the payload length; Custom needs its flags and base kind.
  ctx.params = cfg.params;
  ctx.params.saddr = cfg.saddr;
  return ctx;
}

ProbeFactory::ProbeFactory(const EngineConfig& cfg) : ctx_(make_judge_context(cfg)), params_(cfg.params) {
  params_.saddr = cfg.saddr;
  templates_.resize(ctx_.slot_count);
  for (uint8_t slot = 0; slot < ctx_.slot_count; ++slot) {
    modules_.push_back(&probe_module(ctx_.slot_kind[slot]));
    modules_.back()->prepare(templates_[slot], params_);
  }
}

size_t ProbeFactory::build(uint8_t* buf, const Descriptor& d) const {
  if (d.slot >= ctx_.slot_count || d.try_no >= kTrySlots) return 0;
  ProbeTarget target{};
  target.daddr = d.daddr;
  target.sport = probe_sport(ctx_, d.slot, d.try_no);
  target.dport = d.dport;
  target.cookie = probe_cookie(ctx_.key, params_.saddr, d.daddr, target.sport, d.dport);
  // IP id: derived from the cookie, so a probe is reproducible from its descriptor.
  target.ip_id = static_cast<uint16_t>(target.cookie ^ (target.cookie >> 16));
  return modules_[d.slot]->make(buf, templates_[d.slot], target, params_);
}

}  // namespace rawscan
