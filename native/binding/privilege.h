// Privilege drop helpers (src/native/addon.ts PrivilegeOps). Node can switch
// uid/gid itself (process.setuid: glibc applies it to every thread), but it has
// no getpwnam and no capset; these two calls fill the gap.
#pragma once
#include <napi.h>

namespace rawscan::binding {

// lookupUser(name) → {uid, gid} from the passwd database (NSS), or null when
// there is no such user.
Napi::Value lookup_user(const Napi::CallbackInfo& info);

// clearCapabilities() → {threads, privileged}. Makes the process non-dumpable
// (no ptrace by other processes of the same user), sets no_new_privs and empties
// the permitted, effective and inheritable capability sets (and so the ambient
// set) of the calling thread, then of every other thread of the process: Linux
// keeps capabilities per thread, so each thread must drop its own, which it
// does in a real-time signal handler. `threads` counts the other threads,
// `privileged` those that still hold a capability afterwards (they block the
// signal, e.g. Node's SIGUSR1 watchdog thread, which also keeps its
// no_new_privs unset).
// Throws when the calling thread cannot drop.
Napi::Value clear_capabilities(const Napi::CallbackInfo& info);

}  // namespace rawscan::binding
