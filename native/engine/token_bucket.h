// Pacing of the sender: a token bucket filled at rate tokens (probes) per
// second, holding at most 10 ms worth of tokens (at least 1, at most 256) so
// that a pause never turns into a burst. Rate 0 means unlimited. Not
// thread-safe: the sender guards it with its queue mutex.
#pragma once
#include <algorithm>
#include <cstddef>
#include <limits>

namespace rawscan {

class TokenBucket {
 public:
  // pps: probes per second, 0 = unlimited; now_ms: monotonic ms.
  void set_rate(double pps, double now_ms) {
    refill(now_ms);
    // A positive rate so small that pps / 1e3 underflows to 0 is the
    // smallest positive rate, not unlimited.
    rate_per_ms_ = pps > 0 ? std::max(pps / 1e3, std::numeric_limits<double>::min()) : 0;
    burst_ = std::clamp(rate_per_ms_ * 10, 1.0, 256.0);
    tokens_ = std::min(tokens_, burst_);
  }

  // Takes up to want tokens; returns how many were taken (0 if none is ready).
  size_t take(size_t want, double now_ms) {
    if (rate_per_ms_ == 0) return want;
    refill(now_ms);
    size_t got = std::min(want, static_cast<size_t>(tokens_));
    tokens_ -= static_cast<double>(got);
    return got;
  }

  // Milliseconds until take() can return at least one token.
  double wait_ms(double now_ms) const {
    if (rate_per_ms_ == 0) return 0;
    double tokens = tokens_ + (now_ms - last_ms_) * rate_per_ms_;
    return tokens >= 1 ? 0 : (1 - tokens) / rate_per_ms_;
  }

 private:
  void refill(double now_ms) {
    if (now_ms > last_ms_) tokens_ = std::min(burst_, tokens_ + (now_ms - last_ms_) * rate_per_ms_);
    last_ms_ = now_ms;
  }

  double rate_per_ms_ = 0;  // tokens per millisecond; 0 = unlimited
  double burst_ = 1;        // most tokens the bucket holds
  double tokens_ = 1;
  double last_ms_ = 0;  // monotonic ms of the last refill
};

}  // namespace rawscan
