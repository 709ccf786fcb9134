// NULL scan (-sN). Sends: no flags at all, seq = cookie, ack = 0, window p.window.
// Replies (nmap: an RFC 793 stack answers a segment without SYN, RST or ACK
// to a closed port with RST and drops it silently at an open one):
//   RST acknowledging the probe      → closed         (reset)
//   any ICMP 3 or 11 quoting it      → filtered       (the ICMP reason)
//   silence after every retry        → open|filtered  (no-response)
// Stacks that answer RST regardless of the port (Windows, some others) make
// every port look closed; that is the scan type's limit, not a bug.
#include "probe/tcp_probe.h"

namespace rawscan {
namespace {

constexpr uint8_t kFlags = 0;

}  // namespace

const ProbeModule kNullModule = {ProbeKind::Null,
                                 "null",
                                 kFlags,
                                 prepare_with_flags<kFlags>,
                                 make_tcp_probe,
                                 validate_with_flags<kFlags>,
                                 classify_rst_closed,
                                 classify_icmp_filtered,
                                 PortState::OpenFiltered};

}  // namespace rawscan
