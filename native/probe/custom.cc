// Custom scan (--scanflags): the flags are p.custom_flags (an MSS option if SYN
// is among them; ack = cookie if ACK is), and replies mean what they mean for
// the base kind p.custom_base (nmap: "tell Nmap how to interpret responses";
// default SYN). The cookie rule follows the flags actually sent:
//   SYN-ACK with ack == cookie + 1 (only if SYN was sent)     → as the base kind
//   RST acknowledging the probe, or seq == cookie if ACK sent → as the base kind
//   any ICMP 3 or 11 quoting it                               → filtered (the ICMP reason)
//   silence after every retry                                 → the base kind's silent state
#include "probe/tcp_probe.h"

namespace rawscan {
namespace {

// A Custom base would recurse; it is read as SYN, nmap's default.
const ProbeModule& base_module(const ProbeParams& p) {
  return probe_module(p.custom_base == ProbeKind::Custom ? ProbeKind::Syn : p.custom_base);
}

void prepare(ProbeTemplate& t, const ProbeParams& p) { prepare_tcp_probe(t, p, p.custom_flags); }

bool validate_tcp(const ParsedReply& r, uint32_t cookie, const ProbeParams& p) {
  return tcp_reply_answers(r, cookie, p.custom_flags, p.data_length);
}

Classification classify_tcp(const ParsedReply& r, const ProbeParams& p) {
  return base_module(p).classify_tcp(r, p);
}

}  // namespace

// silent_state is that of the default base (SYN); the engine's caller reads
// probe_module(custom_base).silent_state when it knows the base.
const ProbeModule kCustomModule = {
    ProbeKind::Custom,      "custom",           0, prepare, make_tcp_probe, validate_tcp, classify_tcp,
    classify_icmp_filtered, PortState::Filtered};

}  // namespace rawscan
