// A capture handle opened ahead of its engine. Activating a packet socket's
// ring waits for an RCU grace period in the kernel (packet_set_ring calls
// synchronize_net: 10-30 ms here), and a one-port scan spends about as long
// parsing its command line before it knows its capture's interface. The CLI
// guesses the interface and ring from the raw arguments first
// (src/cli/warm-capture.ts) and calls warm_capture(), which activates a
// handle on a thread of its own; Capture::open() then takes it instead of
// activating one. A guess that turns out wrong costs a handle closed again.
#pragma once
#include <pcap/pcap.h>

#include <string>

namespace rawscan {

// Starts activating a handle for device with a ring of buffer_bytes
// (activate_capture, capture.h) on a thread of its own. The handle takes no
// packet (a filter that drops all, no outgoing frames) until an engine
// installs its own filter. Once per process: false, and nothing started,
// after an earlier call, for a name that is not a network interface
// (pcap's pseudo-devices: any, dbus-system, nflog...), or when no thread can
// be created.
bool warm_capture(const std::string& device, int buffer_bytes);

// The warmed handle, after waiting for its activation, if it was opened on
// device (the same interface, by index) with a ring of at least
// buffer_bytes; nullptr when none was warmed, it was taken before, or its
// activation failed (the caller activates its own, and reports that one's
// error). A handle that does not fit is not waited for: it is closed on
// another thread (the kernel's teardown takes two RCU grace periods) while
// the caller activates its own.
pcap_t* take_warm_capture(const std::string& device, int buffer_bytes);

// Before the privilege drop: waits for the warm-up's thread and any closer,
// and closes a handle nobody took. No warm-up thread or untaken handle
// outlives it.
void settle_warm_capture();

// What became of the warmed handle: "none" (no warm-up started),
// "opening", "ready" (activated, not yet asked for), "taken", "discarded"
// (closed: it did not fit, or nobody took it) or "failed" (activation failed).
const char* warm_capture_state();

}  // namespace rawscan
