// Engine: wires the record batch, the sender and the capture together and
// keeps the open → start → stop order.
#include "engine/engine.h"

#include <net/if.h>

#include "engine/capture.h"
#include "engine/record_batch.h"
#include "engine/sender.h"

namespace rawscan {

namespace {

void check_config(const EngineConfig& cfg) {
  if (cfg.kinds.empty() || cfg.kinds.size() > static_cast<size_t>(kMaxSlots))
    throw std::invalid_argument("EngineConfig.kinds must hold 1 to 8 probe kinds");
  if (cfg.sport_base + cfg.kinds.size() * kTrySlots > 65536)
    throw std::invalid_argument("EngineConfig.sport_base leaves no room for kinds.size() * 16 ports");
  if (cfg.sender_threads < 0 || cfg.sender_threads > kMaxSenderThreads)
    throw std::invalid_argument("EngineConfig.sender_threads must be 0 (automatic) to 8");
}

// "any" is libpcap's pseudo-device; any other name must be a real interface.
void check_device(const std::string& device) {
  if (device != "any" && if_nametoindex(device.c_str()) == 0)
    throw EngineError("NO_DEVICE", "no such interface: " + device);
}

}  // namespace

struct Engine::Impl {
  enum class Phase { Created, Open, Running, Stopped };

  Impl(EngineConfig c, RecordSink& sink)
      : cfg(std::move(c)),
        records(sink, cfg.flush_records, cfg.flush_ms),
        sender(cfg, records),
        capture(cfg, records) {}

  EngineConfig cfg;
  RecordBatch records;  // outlives sender and capture (declared before them)
  Sender sender;
  Capture capture;
  Phase phase = Phase::Created;
};

Engine::Engine(EngineConfig cfg, RecordSink& sink) {
  check_config(cfg);
  impl_ = std::make_unique<Impl>(std::move(cfg), sink);
}

Engine::~Engine() { stop(); }

void Engine::open() {
  if (impl_->phase != Impl::Phase::Created)
    throw std::logic_error("engine: open() called twice or after stop()");
  check_device(impl_->cfg.device);
  impl_->sender.open();
  try {
    impl_->capture.open();
  } catch (...) {
    impl_->sender.close();  // the raw sockets must not outlive a failed open()
    throw;
  }
  impl_->phase = Impl::Phase::Open;
}

void Engine::start() {
  if (impl_->phase != Impl::Phase::Open) throw std::logic_error("engine: start() needs open() first, once");
  impl_->capture.start();
  impl_->sender.start();
  impl_->phase = Impl::Phase::Running;
}

void Engine::enqueue(const uint32_t* words, size_t count) { impl_->sender.enqueue(words, count); }

void Engine::set_rate(double pps) { impl_->sender.set_rate(pps); }

size_t Engine::pending() const { return impl_->sender.pending(); }

// The sender stops first so its final watermark precedes the capture's final stats.
void Engine::stop() {
  if (impl_->phase == Impl::Phase::Stopped) return;
  impl_->sender.stop();
  impl_->capture.stop();
  impl_->records.flush();
  impl_->phase = Impl::Phase::Stopped;
}

int Engine::datalink() const { return impl_->capture.datalink(); }

}  // namespace rawscan
