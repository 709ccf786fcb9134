// ACK scan (-sA): maps firewall rules, never tells open from closed. Sends: ACK
// only, seq = cookie, ack = cookie, window p.window. Replies:
//   RST (seq == cookie, RFC 793's <SEQ=SEG.ACK>) → unfiltered  (reset)
//   any ICMP 3 or 11 quoting it                 → filtered    (the ICMP reason)
//   silence after every retry                   → filtered    (no-response)
// Open and closed ports both answer an unexpected ACK with RST, so a RST only
// proves that the probe got through.
#include "probe/tcp_probe.h"

namespace rawscan {
namespace {

constexpr uint8_t kFlags = tcpflag::ACK;

Classification classify_tcp(const ParsedReply& r, const ProbeParams&) {
  if (r.tcp_flags & tcpflag::RST) return {PortState::Unfiltered, Reason::Reset};
  return kSynAckOpen;
}

}  // namespace

const ProbeModule kAckModule =
    fixed_flags_module<kFlags>(ProbeKind::Ack, "ack", PortState::Filtered, classify_tcp);

}  // namespace rawscan
