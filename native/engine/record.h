// Records the engine hands to JavaScript: fixed 32-byte little-endian slots,
// packed back to back in one buffer per batch. src/native/records.ts decodes
// them with a DataView at the same offsets; docs/architecture.md has the table.
#pragma once
#include <cstdint>
#include <cstring>

namespace rawscan {

constexpr size_t kRecordSize = 32;

enum class RecordType : uint8_t {
  Reply = 1,  // a validated reply: the verdict and its evidence
  Sent = 2,   // sent watermark: cumulative descriptors handed to the kernel
  Stats = 3,  // capture and validation counters (cumulative)
  Error = 4,  // an error on a thread; fatal ones stop the engine
};

// Reply record
//  0 u8  type = 1        1 u8  state (PortState)   2 u8 reason (Reason)  3 u8 probe kind
//  4 u32 target address  8 u16 target port         10 u8 try              11 u8 reply TTL
// 12 u32 responder address (who sent the reply; differs from target for ICMP from a router)
// 16 u16 TCP window     18 u16 IP id               20 u8 TCP flags        21 u8 ICMP type
// 22 u8  ICMP code      23 u8  reserved            24 f64 monotonic time of capture, ms
//
// Sent record
//  0 u8 type = 2   4 u32 reserved   8 f64 descriptors sent so far   16 f64 send errors so far
// 24 f64 monotonic time, ms
//
// Stats record
//  0 u8 type = 3   1 u8 reserved    4 u32 reserved
//  8 f64 pcap packets received     16 f64 pcap packets dropped (kernel + interface)
// 24 f64 monotonic time, ms
//  ... and a second stats record with byte 1 = 1:
//  4 u32 malformed  8 f64 rejected: bad cookie  16 f64 rejected: not ours (port/address)
// 24 f64 monotonic time, ms
//
// Error record
//  0 u8 type = 4   1 u8 source (0 sender, 1 capture, 2 engine)   2 u8 fatal (0/1)
//  4 i32 errno     8..31 NUL-padded ASCII context (the failing call), 24 bytes

struct RecordWriter {
  uint8_t* p;  // points at a kRecordSize slot, zeroed by the caller
  void u8(size_t off, uint8_t v) { p[off] = v; }
  void u16(size_t off, uint16_t v) { std::memcpy(p + off, &v, 2); }
  void u32(size_t off, uint32_t v) { std::memcpy(p + off, &v, 4); }
  void i32(size_t off, int32_t v) { std::memcpy(p + off, &v, 4); }
  void f64(size_t off, double v) { std::memcpy(p + off, &v, 8); }
};
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "records are little-endian");

// Monotonic clock shared by records and JS (exposed as monotonicMs()).
double monotonic_ms();

}  // namespace rawscan
