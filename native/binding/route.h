// The kernel's choice of source address for a destination, for the route
// lookup of src/targets/kernel-route.ts (HostView.sourceFor).
#pragma once
#include <napi.h>

namespace rawscan::binding {

// routeSource(address) → the source address (host-order number) the kernel
// picks for a UDP socket connected to address, policy routing included; null
// when connect() fails (no route, a broadcast address). A UDP connect() sends
// nothing. node:dgram gives the same answer, but its connect() loads node's
// cluster and child_process modules, ~4 ms of a scan's start.
Napi::Value route_source(const Napi::CallbackInfo& info);

}  // namespace rawscan::binding
