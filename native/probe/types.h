// Domain enums shared by the probe, engine and binding layers.
// The TypeScript string unions in src/scan/types.ts mirror these value for value;
// changing an ordinal here means changing the table there.
#pragma once
#include <cstdint>

namespace rawscan {

// nmap's port states (man nmap, "The Six Port States").
enum class PortState : uint8_t {
  Open = 0,
  Closed = 1,
  Filtered = 2,
  Unfiltered = 3,
  OpenFiltered = 4,    // "open|filtered"
  ClosedFiltered = 5,  // "closed|filtered"
};

// One value per probe type; also the wire value in descriptors and records.
enum class ProbeKind : uint8_t {
  Syn = 0,
  Fin = 1,
  Null = 2,
  Xmas = 3,
  Ack = 4,
  Window = 5,
  Maimon = 6,
  Custom = 7,  // --scanflags: any flag set, classified as its base kind
};
constexpr int kProbeKindCount = 8;

// Why a state was assigned; names follow nmap's reason strings.
enum class Reason : uint8_t {
  NoResponse = 0,       // "no-response"
  SynAck = 1,           // "syn-ack"
  Reset = 2,            // "reset"
  NetUnreach = 3,       // "net-unreach"      ICMP 3/0
  HostUnreach = 4,      // "host-unreach"     ICMP 3/1
  ProtoUnreach = 5,     // "proto-unreach"    ICMP 3/2
  PortUnreach = 6,      // "port-unreach"     ICMP 3/3
  NetProhibited = 7,    // "net-prohibited"   ICMP 3/9
  HostProhibited = 8,   // "host-prohibited"  ICMP 3/10
  AdminProhibited = 9,  // "admin-prohibited" ICMP 3/13
  TimeExceeded = 10,    // "time-exceeded"    ICMP 11/x
  IcmpUnreach = 11,     // "icmp-unreach"     any other ICMP 3/x (not a filtered code)
  Syn = 12,             // "syn"              bare SYN back (simultaneous open)
  Ack = 13,             // "ack"              bare ACK or other TCP reply without RST
};

// TCP flag bits (RFC 793 order, low byte of the flags field).
namespace tcpflag {
constexpr uint8_t FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20, ECE = 0x40,
                  CWR = 0x80;
}

}  // namespace rawscan
