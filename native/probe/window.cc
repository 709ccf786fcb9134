// Window scan (-sW): an ACK scan that reads the window of the RST. Sends: ACK
// only, seq = cookie, ack = cookie, window p.window. Replies:
//   RST (seq == cookie) with window > 0  → open      (reset)
//   RST (seq == cookie) with window 0    → closed    (reset)
//   any ICMP 3 or 11 quoting it          → filtered  (the ICMP reason)
//   silence after every retry            → filtered  (no-response)
// Only some stacks put a non-zero window in the RST of an open port; on the
// rest every port reads closed (nmap: "don't count on it").
#include "probe/tcp_probe.h"

namespace rawscan {
namespace {

constexpr uint8_t kFlags = tcpflag::ACK;

Classification classify_tcp(const ParsedReply& r, const ProbeParams&) {
  if (!(r.tcp_flags & tcpflag::RST)) return kSynAckOpen;
  return {r.window > 0 ? PortState::Open : PortState::Closed, Reason::Reset};
}

}  // namespace

const ProbeModule kWindowModule =
    fixed_flags_module<kFlags>(ProbeKind::Window, "window", PortState::Filtered, classify_tcp);

}  // namespace rawscan
