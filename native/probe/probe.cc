// The shared parts of the probe layer: the module table, the IPv4+TCP template
// and its per-packet patch, the TCP cookie rule and the ICMP reasons.
#include <cstring>

#include "packet/bytes.h"
#include "packet/checksum.h"
#include "packet/headers.h"
#include "probe/probe.h"
#include "probe/tcp_probe.h"

namespace rawscan {

// An out-of-range kind (a corrupt descriptor) reads as SYN rather than past the table.
const ProbeModule& probe_module(ProbeKind kind) {
  static const ProbeModule* const table[kProbeKindCount] = {
      &kSynModule, &kFinModule,    &kNullModule,   &kXmasModule,
      &kAckModule, &kWindowModule, &kMaimonModule, &kCustomModule,
  };
  const auto i = static_cast<size_t>(kind);
  return *table[i < kProbeKindCount ? i : 0];
}

Reason icmp_reason(uint8_t type, uint8_t code) {
  if (type == icmp::kTimeExceeded) return Reason::TimeExceeded;
  if (type != icmp::kDestUnreachable) return Reason::IcmpUnreach;
  switch (code) {
    case 0:
      return Reason::NetUnreach;
    case 1:
      return Reason::HostUnreach;
    case 2:
      return Reason::ProtoUnreach;
    case 3:
      return Reason::PortUnreach;
    case 9:
      return Reason::NetProhibited;
    case 10:
      return Reason::HostProhibited;
    case 13:
      return Reason::AdminProhibited;
    default:
      return Reason::IcmpUnreach;
  }
}

bool icmp_means_filtered(uint8_t type, uint8_t code) {
  return type == icmp::kDestUnreachable && icmp_reason(type, code) != Reason::IcmpUnreach;
}

Classification classify_icmp_filtered(const ParsedReply& r, const ProbeParams&) {
  return {PortState::Filtered, icmp_reason(r.icmp_type, r.icmp_code)};
}

uint8_t probe_payload_byte(size_t i) {
  // A fixed 32-bit xorshift stream seeded per position: no state, no allocation.
  uint32_t x = 0x9e3779b9u ^ static_cast<uint32_t>(i * 0x85ebca6bu);
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return static_cast<uint8_t>(x >> 24);
}

namespace {

void write_ip_header(uint8_t* ip, size_t total_len, const ProbeParams& p) {
  ip[ipv4::kVersionIhl] = 0x45;
  store_be16(ip + ipv4::kTotalLength, static_cast<uint16_t>(total_len));
  ip[ipv4::kTtl] = p.ttl;
  ip[ipv4::kProtocol] = ipv4::kProtoTcp;
  store_be32(ip + ipv4::kSrc, p.saddr);
  store_be16(ip + ipv4::kChecksum, ipv4_checksum(ip, kProbeIpHeaderLen));
}

// Returns the TCP header length.
size_t write_tcp_header(uint8_t* tcp, uint8_t flags, const ProbeParams& p) {
  size_t header_len = tcp::kMinHeaderLen;
  if (flags & tcpflag::SYN) {
    tcp[tcp::kOptions] = tcp::kOptMss;
    tcp[tcp::kOptions + 1] = tcp::kOptMssLen;
    store_be16(tcp + tcp::kOptions + 2, p.mss);
    header_len += tcp::kOptMssLen;
  }
  tcp[tcp::kDataOffset] = static_cast<uint8_t>(header_len / 4 << 4);
  tcp[tcp::kFlags] = flags;
  store_be16(tcp + tcp::kWindow, p.window);
  return header_len;
}

}  // namespace

void prepare_tcp_probe(ProbeTemplate& t, const ProbeParams& p, uint8_t flags) {
  std::memset(t.bytes, 0, sizeof t.bytes);
  uint8_t* tcp = t.bytes + kProbeIpHeaderLen;
  const size_t header_len = write_tcp_header(tcp, flags, p);
  const size_t max_payload = kMaxProbeLen - kProbeIpHeaderLen - header_len;
  const size_t payload_len = p.data_length < max_payload ? p.data_length : max_payload;
  for (size_t i = 0; i < payload_len; ++i) tcp[header_len + i] = probe_payload_byte(i);
  const size_t segment_len = header_len + payload_len;
  t.len = kProbeIpHeaderLen + segment_len;
  write_ip_header(t.bytes, t.len, p);
  store_be16(tcp + tcp::kChecksum, tcp_checksum(p.saddr, 0, tcp, segment_len));
}

size_t make_tcp_probe(uint8_t* buf, const ProbeTemplate& t, const ProbeTarget& target, const ProbeParams& p) {
  std::memcpy(buf, t.bytes, t.len);
  uint8_t* ip = buf;
  uint8_t* tcp = buf + kProbeIpHeaderLen;
  const uint32_t ack = (tcp[tcp::kFlags] & tcpflag::ACK) ? target.cookie : 0;
  store_be16(ip + ipv4::kId, target.ip_id);
  store_be32(ip + ipv4::kDst, target.daddr);
  const uint64_t ip_added = checksum_add32(target.ip_id, target.daddr);
  store_be16(ip + ipv4::kChecksum, checksum_update(load_be16(ip + ipv4::kChecksum), ip_added));

  store_be16(tcp + tcp::kSport, target.sport);
  store_be16(tcp + tcp::kDport, target.dport);
  store_be32(tcp + tcp::kSeq, target.cookie);
  store_be32(tcp + tcp::kAck, ack);
  uint64_t tcp_added = checksum_add32(target.daddr, target.cookie);  // pseudo-header daddr, seq
  tcp_added = checksum_add32(tcp_added, ack) + target.sport + target.dport;
  uint16_t sum = checksum_update(load_be16(tcp + tcp::kChecksum), tcp_added);
  // The XOR moves the value by at least 1 and at most 0x5555, never by 0xffff,
  // so it cannot land on the other ones'-complement encoding of the right sum.
  if (p.badsum) sum ^= 0x5555;
  store_be16(tcp + tcp::kChecksum, sum);
  return t.len;
}

bool tcp_reply_answers(const ParsedReply& r, uint32_t cookie, uint8_t probe_flags, uint16_t data_length) {
  const uint8_t f = r.tcp_flags;
  if (f & tcpflag::RST) {
    const uint32_t flag_len =
        ((probe_flags & tcpflag::SYN) ? 1u : 0u) + ((probe_flags & tcpflag::FIN) ? 1u : 0u);
    const bool ack_ok = r.ack == cookie + data_length + flag_len || r.ack == cookie || r.ack == cookie + 1;
    return ack_ok || ((probe_flags & tcpflag::ACK) && r.seq == cookie);
  }
  const bool syn_ack = (f & tcpflag::SYN) && (f & tcpflag::ACK);
  return syn_ack && (probe_flags & tcpflag::SYN) && r.ack == cookie + 1;
}

Classification classify_rst_closed(const ParsedReply& r, const ProbeParams&) {
  if (r.tcp_flags & tcpflag::RST) return {PortState::Closed, Reason::Reset};
  return kSynAckOpen;
}

}  // namespace rawscan
