// Maimon scan (-sM), after Uriel Maimon (Phrack 49). Sends: FIN and ACK,
// seq = cookie, ack = cookie, window p.window. Replies:
//   RST (seq == cookie, RFC 793's <SEQ=SEG.ACK>) → closed         (reset)
//   any ICMP 3 or 11 quoting it                 → filtered       (the ICMP reason)
//   silence after every retry                   → open|filtered  (no-response)
// RFC 793 wants a RST either way; many BSD-derived stacks drop the probe at
// an open port instead, which is what this scan detects.
#include "probe/tcp_probe.h"

namespace rawscan {
namespace {

constexpr uint8_t kFlags = tcpflag::FIN | tcpflag::ACK;

}  // namespace

const ProbeModule kMaimonModule = {ProbeKind::Maimon,
                                   "maimon",
                                   kFlags,
                                   prepare_with_flags<kFlags>,
                                   make_tcp_probe,
                                   validate_with_flags<kFlags>,
                                   classify_rst_closed,
                                   classify_icmp_filtered,
                                   PortState::OpenFiltered};

}  // namespace rawscan
