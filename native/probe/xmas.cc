// Xmas scan (-sX). Sends: FIN, PSH and URG (urgent pointer 0), seq = cookie, ack = 0.
// Replies (nmap: an RFC 793 stack answers a segment without SYN, RST or ACK
// to a closed port with RST and drops it silently at an open one):
//   RST acknowledging the probe      → closed         (reset)
//   any ICMP 3 or 11 quoting it      → filtered       (the ICMP reason)
//   silence after every retry        → open|filtered  (no-response)
// Stacks that answer RST regardless of the port (Windows, some others) make
// every port look closed; that is the scan type's limit, not a bug.
#include "probe/tcp_probe.h"

namespace rawscan {

const ProbeModule kXmasModule = fixed_flags_module<tcpflag::FIN | tcpflag::PSH | tcpflag::URG>(
    ProbeKind::Xmas, "xmas", PortState::OpenFiltered);

}  // namespace rawscan
