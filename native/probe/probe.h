// The probe contract, after zmap's probe modules: prepare the constant packet
// once, patch only the per-probe fields for each packet, then — for a reply —
// first validate ("is this an answer to a probe of ours?"), then classify
// ("what does it say about the port?"). One file per probe kind defines one
// ProbeModule; a reader learns the FIN probe by opening fin.cc and nothing else.
#pragma once
#include <cstddef>
#include <cstdint>

#include "packet/reply.h"
#include "probe/types.h"

namespace rawscan {

// IPv4 header (20) + TCP header with options (<= 60) + payload (<= 1400).
constexpr size_t kMaxProbeLen = 1480;

// Per-scan constants, fixed when the engine is configured.
struct ProbeParams {
  uint32_t saddr = 0;                      // scanner address, host order
  uint8_t ttl = 64;                        // IP TTL of every probe (--ttl)
  uint16_t data_length = 0;                // random payload bytes appended (--data-length)
  bool badsum = false;                     // deliberately wrong TCP checksum (--badsum)
  uint8_t custom_flags = 0;                // --scanflags value, used by ProbeKind::Custom
  ProbeKind custom_base = ProbeKind::Syn;  // how Custom replies are classified
  uint16_t window = 1024;                  // TCP window advertised by probes
  uint16_t mss = 1460;                     // MSS option value carried by SYN-flagged probes
};

// The constant packet, prepared once per scan and probe kind.
struct ProbeTemplate {
  uint8_t bytes[kMaxProbeLen];
  size_t len = 0;
};

// The fields that change from probe to probe.
struct ProbeTarget {
  uint32_t daddr;  // host order
  uint16_t sport;  // scanner's port: base + slot * kTrySlots + try
  uint16_t dport;
  uint32_t cookie;  // probe_cookie(saddr, daddr, sport, dport)
  uint16_t ip_id;
};

// What a validated reply says about the port.
struct Classification {
  PortState state;
  Reason reason;
};

struct ProbeModule {
  ProbeKind kind;
  const char* name;   // "syn", "fin", ... (as in the TypeScript ProbeKind union)
  uint8_t tcp_flags;  // flags the probe carries
  // Write everything that is the same for every probe of this kind.
  void (*prepare)(ProbeTemplate& t, const ProbeParams& p);
  // Copy the template into buf and patch address, ports, seq/ack, IP id and
  // checksums; returns the packet length. buf holds kMaxProbeLen bytes.
  size_t (*make)(uint8_t* buf, const ProbeTemplate& t, const ProbeTarget& target, const ProbeParams& p);
  // The cookie rule: does this TCP reply answer a probe whose cookie is `cookie`?
  // p supplies what the rule depends on besides the kind: data_length (a RST
  // acknowledges the payload too) and, for Custom, custom_flags / custom_base.
  bool (*validate_tcp)(const ParsedReply& r, uint32_t cookie, const ProbeParams& p);
  // The state a validated TCP reply implies (p.custom_base matters for Custom).
  Classification (*classify_tcp)(const ParsedReply& r, const ProbeParams& p);
  // The state a validated ICMP error (quoting our probe) implies.
  Classification (*classify_icmp)(const ParsedReply& r, const ProbeParams& p);
  // The state when no reply came after every retry.
  PortState silent_state;
};

// The module for a kind (never null for kinds < kProbeKindCount).
const ProbeModule& probe_module(ProbeKind kind);

// Maps ICMP unreachable codes to reasons (shared by every probe kind).
Reason icmp_reason(uint8_t type, uint8_t code);
// True for the ICMP type 3 codes nmap counts as "filtered": 0,1,2,3,9,10,13.
bool icmp_means_filtered(uint8_t type, uint8_t code);

}  // namespace rawscan
