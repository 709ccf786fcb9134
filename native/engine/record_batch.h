// Records leave the engine in batches (record.h has the layout). Every thread
// appends to one buffer under a mutex, so each thread's records reach JS in the
// order it wrote them; the buffer goes to the RecordSink when it holds
// flush_records records, or when a thread flushes it: the capture thread after
// each read of replies, a sender lane before it waits for work, either when
// the oldest record is flush_ms old.
#pragma once
#include <cstdint>
#include <mutex>
#include <vector>

#include "engine/engine.h"
#include "engine/record.h"
#include "probe/judge.h"

namespace rawscan {

// Which thread an Error record comes from (byte 1 of the record).
enum class ErrorSource : uint8_t { Sender = 0, Capture = 1, Engine = 2 };

class RecordBatch {
 public:
  RecordBatch(RecordSink& sink, int flush_records, int flush_ms);

  // Appends one record: fill receives a writer over a zeroed 32-byte slot.
  // Delivers the batch when it is full. Thread-safe.
  template <class Fill>
  void append(Fill&& fill) {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_.empty()) oldest_ms_ = monotonic_ms();
    pending_.resize(pending_.size() + kRecordSize, 0);
    fill(RecordWriter{pending_.data() + pending_.size() - kRecordSize});
    if (pending_.size() >= flush_bytes_) deliver_locked();
  }

  // Delivers the batch if its oldest record is flush_ms old.
  void flush_if_due(double now_ms);
  // Milliseconds until flush_if_due would deliver (infinity when empty).
  double ms_until_due(double now_ms);
  // Delivers whatever is pending.
  void flush();

 private:
  void deliver_locked();

  RecordSink& sink_;
  const size_t flush_bytes_;
  const double flush_ms_;
  std::mutex mu_;
  std::vector<uint8_t> pending_;
  double oldest_ms_ = 0;  // monotonic time of the first pending record
};

// Record encoders, one per record type (offsets as in record.h).
void write_reply(RecordWriter w, const Verdict& v, const ParsedReply& r, double time_ms);
void write_sent(RecordWriter w, double sent, double send_errors, double time_ms);
void write_pcap_stats(RecordWriter w, double received, double dropped, double time_ms);
void write_validation_stats(RecordWriter w, uint32_t malformed, double bad_cookie, double not_ours,
                            double time_ms);
// context: the failing call, truncated to 24 bytes.
void write_error(RecordWriter w, ErrorSource source, bool fatal, int err, const char* context);

}  // namespace rawscan
