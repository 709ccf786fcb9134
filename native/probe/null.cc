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

void prepare(ProbeTemplate& t, const ProbeParams& p) { prepare_tcp_probe(t, p, kFlags); }

bool validate_tcp(const ParsedReply& r, uint32_t cookie, const ProbeParams& p) {
  return tcp_reply_answers(r, cookie, kFlags, p.data_length);
}

Classification classify_tcp(const ParsedReply& r, const ProbeParams&) {
  if (r.tcp_flags & tcpflag::RST) return {PortState::Closed, Reason::Reset};
  return kSynAckOpen;
}

}  // namespace

const ProbeModule kNullModule = {ProbeKind::Null,        "null",       kFlags,       prepare,
                                 make_tcp_probe,         validate_tcp, classify_tcp, classify_icmp_filtered,
                                 PortState::OpenFiltered};

}  // namespace rawscan
