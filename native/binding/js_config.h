// JS values → plain engine structs, validated on the way in: every wrong
// field throws a TypeError (or RangeError) that names the field, the expected
// form and what was given. Nothing past this file sees a Napi type.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

#include "engine/cookie.h"
#include "engine/engine.h"

namespace rawscan::binding {

// EngineConfig from the object described by src/native/types.ts EngineConfig.
EngineConfig engine_config_from(const Napi::Value& value);

// A 16-byte Uint8Array key; what names the argument in error messages.
CookieKey cookie_key_from(const Napi::Value& value, const std::string& what);

// An integer in [min, max]; what names the argument in error messages.
int64_t integer_from(const Napi::Value& value, const std::string& what, int64_t min, int64_t max);

// A probe rate: a finite number >= 0 (0 = unlimited).
double rate_from(const Napi::Value& value, const std::string& what);

// A JS Error carrying the engine's stable code as .code.
Napi::Error engine_error(Napi::Env env, const EngineError& e);

}  // namespace rawscan::binding
