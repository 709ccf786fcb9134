#include "binding/test_hooks.h"

#include <vector>

#include "binding/js_config.h"
#include "engine/capture.h"
#include "engine/probe_factory.h"
#include "engine/record_batch.h"

namespace rawscan::binding {

Napi::Value probe_cookie_hook(const Napi::CallbackInfo& info) {
  CookieKey key = cookie_key_from(info[0], "probeCookie(key)");
  auto saddr = static_cast<uint32_t>(integer_from(info[1], "probeCookie(saddr)", 0, 0xffffffff));
  auto daddr = static_cast<uint32_t>(integer_from(info[2], "probeCookie(daddr)", 0, 0xffffffff));
  auto sport = static_cast<uint16_t>(integer_from(info[3], "probeCookie(sport)", 0, 65535));
  auto dport = static_cast<uint16_t>(integer_from(info[4], "probeCookie(dport)", 0, 65535));
  return Napi::Number::New(info.Env(), probe_cookie(key, saddr, daddr, sport, dport));
}

Napi::Value build_probe_hook(const Napi::CallbackInfo& info) {
  EngineConfig cfg = engine_config_from(info[0]);
  Descriptor d{};
  auto last_slot = static_cast<int64_t>(cfg.kinds.size()) - 1;
  d.slot = static_cast<uint8_t>(integer_from(info[1], "buildProbe(slot)", 0, last_slot));
  d.daddr = static_cast<uint32_t>(integer_from(info[2], "buildProbe(daddr)", 0, 0xffffffff));
  d.dport = static_cast<uint16_t>(integer_from(info[3], "buildProbe(dport)", 0, 65535));
  d.try_no = static_cast<uint8_t>(integer_from(info[4], "buildProbe(tryNo)", 0, kTrySlots - 1));
  std::vector<uint8_t> buf(kMaxProbeLen);
  size_t len = ProbeFactory(cfg).build(buf.data(), d);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), buf.data(), len);
}

Napi::Value judge_frame_hook(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EngineConfig cfg = engine_config_from(info[0]);
  LinkType link{};
  if (!link_type_of(static_cast<int>(integer_from(info[1], "judgeFrame(linkType)", 0, 65535)), link))
    throw Napi::RangeError::New(env, "judgeFrame(linkType): unsupported pcap link type " +
                                         std::to_string(info[1].As<Napi::Number>().Int32Value()));
  if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(env, "judgeFrame(frame): frame must be a Uint8Array or Buffer");
  Napi::Uint8Array frame = info[2].As<Napi::Uint8Array>();

  ParsedReply r = parse_reply(link, frame.Data(), frame.ElementLength());
  if (r.kind == ReplyKind::Invalid) return env.Null();
  Verdict v = judge_reply(make_judge_context(cfg), r);
  if (v.rejection != Rejection::None) return env.Null();
  uint8_t record[kRecordSize] = {};
  write_reply(RecordWriter{record}, v, r, monotonic_ms());
  return Napi::Buffer<uint8_t>::Copy(env, record, kRecordSize);
}

}  // namespace rawscan::binding
