// The engine owns the raw sockets, the pcap handle and the threads: sender
// lanes draining descriptor chunks at the configured rate, and a capture
// thread turning replies into records. It knows nothing of N-API: records
// leave through a RecordSink that the binding implements.
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/cookie.h"
#include "probe/judge.h"
#include "probe/probe.h"

namespace rawscan {

constexpr int kMaxSenderThreads = 8;

struct EngineConfig {
  std::string device;       // capture interface ("any" allowed)
  uint32_t saddr = 0;       // host order
  uint16_t sport_base = 0;  // first scanner-side port; uses slots * kTrySlots ports
  CookieKey key{};
  std::vector<ProbeKind> kinds;  // slot i sends kinds[i]
  ProbeParams params;
  double rate_pps = 0;     // probes per second; 0 = unlimited
  int sender_threads = 0;  // sending threads, 1 to kMaxSenderThreads; 0 = two with 2+ CPUs, else one
  int pcap_buffer_bytes = 16 << 20;
  // Records are delivered after each read of replies, before a sender lane
  // waits for work, and at the latest after this many records ...
  int flush_records = 256;
  int flush_ms = 5;    // ... or when the oldest is this many milliseconds old
  int stats_ms = 250;  // period of Stats records
};

// Errors opening the engine: code is a stable identifier the TS layer maps to
// a user message ("EPERM_RAW", "EPERM_PCAP", "NO_DEVICE", "PCAP", "SOCKET", "FILTER").
struct EngineError : std::runtime_error {
  std::string code;
  EngineError(std::string c, const std::string& msg) : std::runtime_error(msg), code(std::move(c)) {}
};

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // Called from the engine's threads with a whole batch (a multiple of kRecordSize bytes).
  virtual void deliver(std::vector<uint8_t>&& batch) = 0;
};

// Descriptor: two u32 words per probe.
//   word 0: target address, host order
//   word 1: port (bits 0-15) | try (bits 16-23) | slot (bits 24-31)
constexpr size_t kDescriptorWords = 2;

class Engine {
 public:
  Engine(EngineConfig cfg, RecordSink& sink);
  ~Engine();  // stops and joins
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Open the raw sockets and the pcap handle (needs privilege). Throws EngineError.
  void open();
  // Start the sender and capture threads. Requires open().
  void start();
  // Queue descriptors for sending (count = number of probes). Thread-safe.
  void enqueue(const uint32_t* words, size_t count);
  void set_rate(double pps);
  // Probes queued but not yet sent.
  size_t pending() const;
  // Stop the threads, deliver the final records, close handles. Idempotent.
  void stop();
  int datalink() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rawscan
