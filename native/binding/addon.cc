// The addon's exports (src/native/types.ts NativeAddon, and PrivilegeOps in
// src/native/addon.ts). Registration only: the engine object lives in
// engine_object.cc, the test hooks in test_hooks.cc, the privilege calls in
// privilege.cc, the route's source address in route.cc.
#include <napi.h>

#include "binding/engine_object.h"
#include "binding/privilege.h"
#include "binding/route.h"
#include "binding/test_hooks.h"
#include "engine/record.h"

namespace {

using namespace rawscan::binding;

Napi::Value monotonic_ms_js(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), rawscan::monotonic_ms());
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
  return exports;
}

}  // namespace

NODE_API_MODULE(rawscan, Init)
