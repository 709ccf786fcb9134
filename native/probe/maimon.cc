// Maimon scan (-sM), after Uriel Maimon (Phrack 49). Sends: FIN and ACK,
// seq = cookie, ack = cookie, window p.window. Replies:
//   RST (seq == cookie, RFC 793's <SEQ=SEG.ACK>) → closed         (reset)
//   any ICMP 3 or 11 quoting it                 → filtered       (the ICMP reason)
//   silence after every retry                   → open|filtered  (no-response)
// RFC 793 wants a RST either way; many BSD-derived stacks drop the probe at
// an open port instead, which is what this scan detects.
#include "probe/tcp_probe.h"

namespace rawscan {

const ProbeModule kMaimonModule =
    fixed_flags_module<tcpflag::FIN | tcpflag::ACK>(ProbeKind::Maimon, "maimon", PortState::OpenFiltered);

}  // namespace rawscan
