#include "binding/js_config.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

#include "probe/judge.h"
#include "probe/types.h"

namespace rawscan::binding {

namespace {

// A number for error messages, close to how JS prints it: integers up to 2^53 in full,
// anything else in shortest round-trip form (0.5, 1e+300, NaN), never through
// an out-of-range cast to an integer type.
std::string describe_number(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == std::floor(d) && std::fabs(d) <= 9007199254740992.0)
    return std::to_string(static_cast<int64_t>(d));
  char text[32];
  const std::to_chars_result end = std::to_chars(text, text + sizeof text, d);
  return std::string(text, end.ptr);
}

std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsNumber()) return describe_number(v.As<Napi::Number>().DoubleValue());
  if (v.IsString()) return "\"" + v.As<Napi::String>().Utf8Value() + "\"";
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  if (v.IsTypedArray()) return "a typed array";
  if (v.IsArray()) return "an array";
  return "an object";
}

[[noreturn]] void type_error(Napi::Env env, const std::string& what, const std::string& expected,
                             const Napi::Value& got) {
  throw Napi::TypeError::New(env, what + " must be " + expected + " (got " + describe(got) + ")");
}

}  // namespace

int64_t integer_from(const Napi::Value& v, const std::string& what, int64_t min, int64_t max) {
  std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!v.IsNumber()) type_error(v.Env(), what, range, v);
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d) || d < static_cast<double>(min) || d > static_cast<double>(max))
    type_error(v.Env(), what, range, v);
  return static_cast<int64_t>(d);
}

double rate_from(const Napi::Value& v, const std::string& what) {
  std::string expected = "a number of probes per second >= 0 (0 = unlimited)";
  if (!v.IsNumber()) type_error(v.Env(), what, expected, v);
  double pps = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(pps) || pps < 0) type_error(v.Env(), what, expected, v);
  return pps;
}

CookieKey cookie_key_from(const Napi::Value& v, const std::string& what) {
  CookieKey key{};
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      v.As<Napi::Uint8Array>().ElementLength() != sizeof key.bytes)
    type_error(v.Env(), what, "a Uint8Array of 16 bytes", v);
  std::memcpy(key.bytes, v.As<Napi::Uint8Array>().Data(), sizeof key.bytes);
  return key;
}

namespace {

// A required integer field of EngineConfig.
int64_t field(const Napi::Object& o, const char* name, int64_t min, int64_t max) {
  return integer_from(o.Get(name), std::string("EngineConfig.") + name, min, max);
}

// Optional integer field: the default when undefined.
int optional_int(const Napi::Object& o, const char* name, int64_t min, int64_t max, int fallback) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined()) return fallback;
  return static_cast<int>(integer_from(v, std::string("EngineConfig.") + name, min, max));
}

std::vector<ProbeKind> kinds_from(const Napi::Value& kinds) {
  if (!kinds.IsArray() || kinds.As<Napi::Array>().Length() == 0 ||
      kinds.As<Napi::Array>().Length() > kMaxSlots)
    type_error(kinds.Env(), "EngineConfig.kinds", "an array of 1 to 8 probe kind ordinals", kinds);
  Napi::Array array = kinds.As<Napi::Array>();
  std::vector<ProbeKind> out;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    std::string what = "EngineConfig.kinds[" + std::to_string(i) + "]";
    out.push_back(static_cast<ProbeKind>(integer_from(array.Get(i), what, 0, kProbeKindCount - 1)));
  }
  return out;
}

ProbeParams probe_params_from(const Napi::Object& o, uint32_t saddr) {
  ProbeParams p;
  p.saddr = saddr;
  p.ttl = static_cast<uint8_t>(field(o, "ttl", 1, 255));
  p.data_length = static_cast<uint16_t>(field(o, "dataLength", 0, 1400));
  Napi::Value badsum = o.Get("badsum");
  if (!badsum.IsBoolean()) type_error(o.Env(), "EngineConfig.badsum", "a boolean", badsum);
  p.badsum = badsum.As<Napi::Boolean>().Value();
  p.custom_flags = static_cast<uint8_t>(field(o, "customFlags", 0, 255));
  p.custom_base = static_cast<ProbeKind>(field(o, "customBase", 0, static_cast<int>(ProbeKind::Custom) - 1));
  return p;
}

}  // namespace

EngineConfig engine_config_from(const Napi::Value& value) {
  if (!value.IsObject() || value.IsArray()) type_error(value.Env(), "EngineConfig", "an object", value);
  Napi::Object o = value.As<Napi::Object>();
  EngineConfig cfg;

  Napi::Value device = o.Get("device");
  std::string name = device.IsString() ? device.As<Napi::String>().Utf8Value() : "";
  if (name.empty() || name.size() > 15)
    type_error(o.Env(), "EngineConfig.device", "an interface name of 1 to 15 characters", device);
  cfg.device = name;
  cfg.saddr = static_cast<uint32_t>(field(o, "sourceAddress", 1, 0xffffffff));
  cfg.key = cookie_key_from(o.Get("key"), "EngineConfig.key");
  cfg.kinds = kinds_from(o.Get("kinds"));
  int64_t last_base = 65536 - static_cast<int64_t>(cfg.kinds.size()) * kTrySlots;
  cfg.sport_base = static_cast<uint16_t>(field(o, "sourcePortBase", 1, last_base));
  cfg.params = probe_params_from(o, cfg.saddr);

  cfg.rate_pps = rate_from(o.Get("ratePps"), "EngineConfig.ratePps");
  cfg.sender_threads = optional_int(o, "senderThreads", 0, kMaxSenderThreads, cfg.sender_threads);
  cfg.pcap_buffer_bytes = optional_int(o, "pcapBufferBytes", 1 << 16, 1 << 30, cfg.pcap_buffer_bytes);
  cfg.flush_records = optional_int(o, "flushRecords", 1, 1 << 16, cfg.flush_records);
  cfg.flush_ms = optional_int(o, "flushMs", 1, 10000, cfg.flush_ms);
  cfg.stats_ms = optional_int(o, "statsMs", 10, 600000, cfg.stats_ms);
  return cfg;
}

Napi::Error engine_error(Napi::Env env, const EngineError& e) {
  Napi::Error err = Napi::Error::New(env, e.what());
  err.Set("code", Napi::String::New(env, e.code));
  return err;
}

}  // namespace rawscan::binding
