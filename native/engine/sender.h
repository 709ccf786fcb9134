// The sender thread: drains descriptor chunks in order, builds each probe
// from its slot's template into a preallocated batch and hands the batch to
// the kernel with one sendmmsg on a raw IPPROTO_RAW socket, paced by a token
// bucket. After every batch it appends a Sent watermark record (cumulative
// descriptors done, cumulative send errors), so JS knows when each descriptor
// left. "Done" includes descriptors whose send failed; those are also counted
// as send errors.
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "engine/probe_factory.h"
#include "engine/record_batch.h"
#include "engine/token_bucket.h"

namespace rawscan {

class Sender {
 public:
  Sender(const EngineConfig& cfg, RecordBatch& records);
  ~Sender();  // stops
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  // Opens the raw socket. Throws EngineError (EPERM_RAW, SOCKET).
  void open();
  // Closes the socket, if open, without stopping the sender: for a failed
  // Engine::open(), so the socket does not outlive it. Not while running.
  void close();
  void start();
  // Copies count descriptors (2 words each) to the end of the queue. Thread-safe.
  void enqueue(const uint32_t* words, size_t count);
  // pps: probes per second, 0 = unlimited; takes effect at the next batch.
  void set_rate(double pps);
  size_t pending() const { return pending_.load(); }
  // Discards what is still queued, joins the thread, appends a final Sent
  // record (if it ran) and closes the socket. Idempotent.
  void stop();

 private:
  static constexpr size_t kBatch = 64;  // probes per sendmmsg

  void run();
  void send_chunk(const std::vector<uint32_t>& chunk);
  // Blocks until at least one token is ready; returns up to want, or 0 when stopping.
  size_t pace(size_t want);
  // Fills messages for descriptors [first, first + count); returns messages filled.
  size_t fill_batch(const uint32_t* words, size_t count);
  // Sends messages [0, messages); returns how many were handled (sent or
  // failed). Fewer only when stopping during a backoff or after a fatal error.
  size_t send_batch(size_t messages);
  void report_error(int err, bool fatal, const char* context);
  void append_sent();

  const ProbeFactory probes_;
  RecordBatch& records_;
  int fd_ = -1;

  // Shared with the JS thread, guarded by mu_.
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::vector<uint32_t>> queue_;
  TokenBucket bucket_;
  bool stop_ = false;

  std::atomic<size_t> pending_{0};
  std::atomic<bool> stopping_{false};  // mirrors stop_ for checks outside the lock
  std::thread thread_;

  // Sender-thread state: the batch buffers and counters.
  std::vector<uint8_t> buffers_;  // kBatch * kMaxProbeLen
  mmsghdr msgs_[kBatch];
  iovec iov_[kBatch];
  sockaddr_in dst_[kBatch];
  double sent_ = 0;
  double errors_ = 0;
  bool fatal_ = false;
  int last_errno_ = 0;           // last errno reported in an Error record ...
  double last_error_ms_ = -1e9;  // ... and when: repeats are reported at most once a second
};

}  // namespace rawscan
