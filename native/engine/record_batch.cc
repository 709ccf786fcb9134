#include "engine/record_batch.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace rawscan {

RecordBatch::RecordBatch(RecordSink& sink, int flush_records, int flush_ms)
    : sink_(sink),
      flush_bytes_(static_cast<size_t>(std::max(flush_records, 1)) * kRecordSize),
      flush_ms_(std::max(flush_ms, 1)) {
  pending_.reserve(flush_bytes_);
}

void RecordBatch::flush_if_due(double now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!pending_.empty() && now_ms - oldest_ms_ >= flush_ms_) deliver_locked();
}

double RecordBatch::ms_until_due(double now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  if (pending_.empty()) return std::numeric_limits<double>::infinity();
  return std::max(0.0, oldest_ms_ + flush_ms_ - now_ms);
}

void RecordBatch::flush() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!pending_.empty()) deliver_locked();
}

// Delivery happens under the lock so that batches reach the sink in the order
// their records were appended.
void RecordBatch::deliver_locked() {
  std::vector<uint8_t> batch;
  batch.reserve(flush_bytes_);
  batch.swap(pending_);
  sink_.deliver(std::move(batch));
}

void write_reply(RecordWriter w, const Verdict& v, const ParsedReply& r, double time_ms) {
  w.u8(0, static_cast<uint8_t>(RecordType::Reply));
  w.u8(1, static_cast<uint8_t>(v.cls.state));
  w.u8(2, static_cast<uint8_t>(v.cls.reason));
  w.u8(3, static_cast<uint8_t>(v.kind));
  w.u32(4, v.target);
  w.u16(8, v.port);
  w.u8(10, v.try_no);
  w.u8(11, r.ttl);
  w.u32(12, r.ip_src);
  w.u16(16, r.window);
  w.u16(18, r.ip_id);
  w.u8(20, r.tcp_flags);
  w.u8(21, r.icmp_type);
  w.u8(22, r.icmp_code);
  w.f64(24, time_ms);
}

void write_sent(RecordWriter w, double sent, double send_errors, double time_ms) {
  w.u8(0, static_cast<uint8_t>(RecordType::Sent));
  w.f64(8, sent);
  w.f64(16, send_errors);
  w.f64(24, time_ms);
}

void write_pcap_stats(RecordWriter w, double received, double dropped, double time_ms) {
  w.u8(0, static_cast<uint8_t>(RecordType::Stats));
  w.u8(1, 0);
  w.f64(8, received);
  w.f64(16, dropped);
  w.f64(24, time_ms);
}

void write_validation_stats(RecordWriter w, uint32_t malformed, double bad_cookie, double not_ours,
                            double time_ms) {
  w.u8(0, static_cast<uint8_t>(RecordType::Stats));
  w.u8(1, 1);
  w.u32(4, malformed);
  w.f64(8, bad_cookie);
  w.f64(16, not_ours);
  w.f64(24, time_ms);
}

void write_error(RecordWriter w, ErrorSource source, bool fatal, int err, const char* context) {
  w.u8(0, static_cast<uint8_t>(RecordType::Error));
  w.u8(1, static_cast<uint8_t>(source));
  w.u8(2, fatal ? 1 : 0);
  w.i32(4, err);
  std::strncpy(reinterpret_cast<char*>(w.p + 8), context, kRecordSize - 8);
}

}  // namespace rawscan
