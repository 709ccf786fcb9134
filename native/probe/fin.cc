// FIN scan (-sF). Sends: FIN only, seq = cookie, ack = 0, window p.window.
// Replies (nmap: an RFC 793 stack answers a segment without SYN, RST or ACK
// to a closed port with RST and drops it silently at an open one):
//   RST acknowledging the probe      → closed         (reset)
//   any ICMP 3 or 11 quoting it      → filtered       (the ICMP reason)
//   silence after every retry        → open|filtered  (no-response)
// Stacks that answer RST regardless of the port (Windows, some others) make
// every port look closed; that is the scan type's limit, not a bug.
#include "probe/tcp_probe.h"

namespace rawscan {

const ProbeModule kFinModule =
    fixed_flags_module<tcpflag::FIN>(ProbeKind::Fin, "fin", PortState::OpenFiltered);

}  // namespace rawscan
