// Test hooks (src/native/types.ts NativeAddon): pure functions over the same
// code paths as the engine's threads, so tests can check cookies, probe bytes
// and reply judgement without privileges or a network.
#pragma once
#include <napi.h>

namespace rawscan::binding {

// probeCookie(key, saddr, daddr, sport, dport) → u32
Napi::Value probe_cookie_hook(const Napi::CallbackInfo& info);
// buildProbe(config, slot, daddr, dport, tryNo) → Buffer with the probe's IPv4 packet
Napi::Value build_probe_hook(const Napi::CallbackInfo& info);
// judgeFrame(config, linkType, frame) → 32-byte reply record, or null when rejected.
// linkType is a pcap datalink number (DLT_*), as engine.datalink() returns.
Napi::Value judge_frame_hook(const Napi::CallbackInfo& info);

}  // namespace rawscan::binding
