// What every probe module shares: the IPv4+TCP template, the per-packet patch,
// the cookie rules for TCP replies, and the reading of ICMP errors. Defined in
// probe.cc; each module (syn.cc, fin.cc, ...) is a few lines on top of these.
#pragma once
#include <cstddef>
#include <cstdint>

#include "packet/reply.h"
#include "probe/probe.h"

namespace rawscan {

// Probe layout: a 20-byte IPv4 header (no options), the TCP header at offset 20.
constexpr size_t kProbeIpHeaderLen = 20;

// Writes the constant probe: IPv4 header (version 4, IHL 5, total length, DF
// off, p.ttl, protocol TCP, p.saddr), TCP header with `flags`, p.window, an MSS
// option when SYN is set, then p.data_length payload bytes (a fixed
// pseudo-random sequence). Per-packet fields are zero and both checksums are
// those of the zeroed fields, so make_tcp_probe only adds what it fills in.
void prepare_tcp_probe(ProbeTemplate& t, const ProbeParams& p, uint8_t flags);

// Copies the template into buf (kMaxProbeLen bytes) and fills daddr, IP id,
// sport, dport, seq = cookie, ack = cookie if the template carries ACK, and
// updates both checksums; p.badsum makes the TCP checksum wrong on purpose.
size_t make_tcp_probe(uint8_t* buf, const ProbeTemplate& t, const ProbeTarget& target, const ProbeParams& p);

// Payload byte i of every probe with --data-length (deterministic, so replies
// and tests can be checked against it).
uint8_t probe_payload_byte(size_t i);

// The cookie rule for a TCP reply to a probe with `probe_flags` and
// `data_length` payload bytes whose sequence number was `cookie`:
//  - SYN-ACK: only to a SYN-flagged probe, ack == cookie + 1 (the SYN; stacks
//    do not acknowledge data on a SYN).
//  - RST: ack == cookie + data_length + 1 per SYN or FIN (RFC 793 SEG.LEN), or
//    ack ∈ {cookie, cookie + 1} for stacks that count neither payload nor flag;
//    to an ACK-flagged probe also seq == cookie (RFC 793: <SEQ=SEG.ACK><RST>).
//  - anything else (bare SYN, bare ACK, ...) is not an answer we can prove.
bool tcp_reply_answers(const ParsedReply& r, uint32_t cookie, uint8_t probe_flags, uint16_t data_length);

// ICMP errors quoting any of our probes: filtered, with the ICMP reason
// (every kind classifies ICMP this way; the orchestrator decides what to use).
Classification classify_icmp_filtered(const ParsedReply& r, const ProbeParams& p);

// A validated TCP reply that is not a RST can only be a SYN-ACK to a
// SYN-flagged probe (tcp_reply_answers admits nothing else): the port is open.
constexpr Classification kSynAckOpen{PortState::Open, Reason::SynAck};

// The prepare and validate steps of a module whose probes carry the fixed `Flags`.
template <uint8_t Flags>
void prepare_with_flags(ProbeTemplate& t, const ProbeParams& p) {
  prepare_tcp_probe(t, p, Flags);
}
template <uint8_t Flags>
bool validate_with_flags(const ParsedReply& r, uint32_t cookie, const ProbeParams& p) {
  return tcp_reply_answers(r, cookie, Flags, p.data_length);
}

// RST → closed (reset); otherwise the SYN-ACK that tcp_reply_answers admits → open.
// The reading of SYN, FIN, NULL, Xmas and Maimon probes.
Classification classify_rst_closed(const ParsedReply& r, const ProbeParams& p);

// The module of a kind whose probes carry the fixed `Flags` and whose ICMP
// errors read as classify_icmp_filtered says (every kind but Custom): only the
// kind, its name, what silence means and how a TCP reply reads differ, the
// last classify_rst_closed unless given (SYN, FIN, NULL, Xmas, Maimon).
template <uint8_t Flags>
constexpr ProbeModule fixed_flags_module(
    ProbeKind kind, const char* name, PortState silent,
    Classification (*classify_tcp)(const ParsedReply&, const ProbeParams&) = classify_rst_closed) {
  return {kind,           name,
          Flags,          prepare_with_flags<Flags>,
          make_tcp_probe, validate_with_flags<Flags>,
          classify_tcp,   classify_icmp_filtered,
          silent};
}

// The modules, one per file; probe_module() indexes them by ProbeKind.
extern const ProbeModule kSynModule, kFinModule, kNullModule, kXmasModule, kAckModule, kWindowModule,
    kMaimonModule, kCustomModule;

}  // namespace rawscan
