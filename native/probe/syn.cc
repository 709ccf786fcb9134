// SYN scan (-sS), half-open. Sends: SYN, MSS option, window p.window,
// seq = cookie, ack = 0. Replies:
//   SYN-ACK with ack == cookie + 1   → open      (syn-ack)
//   RST acknowledging the SYN        → closed    (reset)
//   ICMP 3 codes 0,1,2,3,9,10,13     → filtered  (net-/host-/proto-/port-unreach,
//   net-/host-/admin-prohibited) other ICMP 3 codes, ICMP 11      → filtered  (icmp-unreach, time-exceeded;
//   the orchestrator decides) silence after every retry        → filtered  (no-response)
// A bare SYN back (simultaneous open, which nmap calls open) acknowledges
// nothing, so it cannot prove it answers our probe: it is rejected as BadCookie.
#include "probe/tcp_probe.h"

namespace rawscan {

const ProbeModule kSynModule = fixed_flags_module<tcpflag::SYN>(ProbeKind::Syn, "syn", PortState::Filtered);

}  // namespace rawscan
