// The addon's exports (src/native/types.ts NativeAddon, and PrivilegeOps in
// src/native/addon.ts). Registration only: the engine object lives in
// engine_object.cc, the test hooks in test_hooks.cc, the privilege calls in
// privilege.cc, the route's source address in route.cc; the capture warm-up is
// engine/warm_capture.cc.
#include <napi.h>

#include "binding/engine_object.h"
#include "binding/privilege.h"
#include "binding/route.h"
#include "binding/test_hooks.h"
#include "engine/record.h"
#include "engine/warm_capture.h"

namespace {

using namespace rawscan::binding;

Napi::Value monotonic_ms_js(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), rawscan::monotonic_ms());
}

// warmCapture(device, bufferBytes): native/engine/warm_capture.h.
Napi::Value warm_capture_js(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (info.Length() != 2 || !info[0].IsString() || !info[1].IsNumber()) {
    throw Napi::TypeError::New(env, "warmCapture(device: string, bufferBytes: number)");
  }
  const int bytes = info[1].As<Napi::Number>().Int32Value();
  if (bytes <= 0) throw Napi::RangeError::New(env, "warmCapture: bufferBytes must be positive");
  return Napi::Boolean::New(env, rawscan::warm_capture(info[0].As<Napi::String>(), bytes));
}

Napi::Value settle_warm_capture_js(const Napi::CallbackInfo& info) {
  rawscan::settle_warm_capture();
  return info.Env().Undefined();
}

Napi::Value warm_capture_state_js(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), rawscan::warm_capture_state());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  EngineObject::Define(env);
  exports.Set("createEngine", Napi::Function::New<EngineObject::Create>(env, "createEngine"));
  exports.Set("monotonicMs", Napi::Function::New<monotonic_ms_js>(env, "monotonicMs"));
  exports.Set("probeCookie", Napi::Function::New<probe_cookie_hook>(env, "probeCookie"));
  exports.Set("buildProbe", Napi::Function::New<build_probe_hook>(env, "buildProbe"));
  exports.Set("judgeFrame", Napi::Function::New<judge_frame_hook>(env, "judgeFrame"));
  exports.Set("lookupUser", Napi::Function::New<lookup_user>(env, "lookupUser"));
  exports.Set("clearCapabilities", Napi::Function::New<clear_capabilities>(env, "clearCapabilities"));
  exports.Set("routeSource", Napi::Function::New<route_source>(env, "routeSource"));
  exports.Set("warmCapture", Napi::Function::New<warm_capture_js>(env, "warmCapture"));
  exports.Set("settleWarmCapture", Napi::Function::New<settle_warm_capture_js>(env, "settleWarmCapture"));
  exports.Set("warmCaptureState", Napi::Function::New<warm_capture_state_js>(env, "warmCaptureState"));
  return exports;
}

}  // namespace

NODE_API_MODULE(rawscan, Init)
