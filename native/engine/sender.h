// The sender: one or more lanes (threads, each with its own raw IPPROTO_RAW
// socket) drain one queue of descriptor chunks. A lane claims up to kBatch
// descriptors at a time, in queue order and across chunks, paced by a shared
// token bucket, builds each probe from its slot's template into its
// preallocated batch and hands the batch to the kernel with one sendmmsg. Several lanes pay off on a
// veth, where each sendmmsg also runs the target's and our receive path in
// the sending thread's softirq: two lanes keep two CPUs busy.
// Sent records carry a watermark: the number of descriptors, counted in
// queue order, that are all done (so a lane still sending an earlier batch
// holds it back), and the cumulative send errors. "Done" includes descriptors
// whose send failed; those are also counted as send errors. Watermarks only grow.
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "engine/probe_factory.h"
#include "engine/record_batch.h"
#include "engine/send_watermark.h"
#include "engine/token_bucket.h"

namespace rawscan {

// Lanes for EngineConfig.sender_threads: the value itself, or for 0 two on a
// machine with two or more CPUs, else one.
size_t sender_lanes(int sender_threads);

class Sender {
 public:
  Sender(const EngineConfig& cfg, RecordBatch& records);
  ~Sender();  // stops
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  // Opens the raw sockets. Throws EngineError (EPERM_RAW, SOCKET).
  void open();
  // Closes the sockets, if open, without stopping the sender: for a failed
  // Engine::open(), so they do not outlive it. Not while running.
  void close();
  void start();
  // Copies count descriptors (2 words each) to the end of the queue. Thread-safe.
  void enqueue(const uint32_t* words, size_t count);
  // pps: probes per second, 0 = unlimited; takes effect at the next batch.
  void set_rate(double pps);
  size_t pending() const { return pending_.load(); }
  // Discards what is still queued, joins the lanes, appends a final Sent
  // record (if they ran) and closes the sockets. Idempotent.
  void stop();

 private:
  static constexpr size_t kBatch = 64;  // probes per sendmmsg
  struct Lane;

  void run(Lane& lane);
  // Under mu_: waits for queued work and a token, then claims up to kBatch
  // descriptors for lane. False when stopping or after a fatal error.
  bool claim(Lane& lane, std::unique_lock<std::mutex>& lock);
  // Under mu_: moves the first count queued descriptors (count <= queued_) to words.
  void take_queued(uint32_t* words, size_t count);
  // Under mu_: lane's claim is done, unhandled of its descriptors were never
  // handed over; appends a Sent record if the watermark or the errors moved.
  void finish(Lane& lane, size_t unhandled);
  // Under mu_: a Sent record, unless nothing moved since the last one and not always.
  void append_sent_locked(double now, bool always);

  const ProbeFactory probes_;
  RecordBatch& records_;
  std::vector<std::unique_ptr<Lane>> lanes_;

  // Shared by the lanes and the JS thread, guarded by mu_.
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::vector<uint32_t>> queue_;
  size_t front_done_ = 0;  // descriptors of queue_.front() already claimed
  size_t queued_ = 0;      // descriptors in queue_ not claimed yet
  TokenBucket bucket_;
  bool stop_ = false;
  bool fatal_ = false;  // a lane's socket became unusable: every lane ends
  SendWatermark watermark_;
  uint64_t unhandled_ = 0;  // claimed but never handed over (stopping, fatal error)
  double errors_ = 0;       // cumulative send errors
  uint64_t reported_mark_ = 0;
  double reported_errors_ = 0;

  std::atomic<size_t> pending_{0};
  std::atomic<bool> stopping_{false};  // mirrors stop_ for checks outside the lock
};

}  // namespace rawscan
