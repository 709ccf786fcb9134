// The Sent watermark of several sender lanes. Lanes claim descriptors in
// queue order and finish their claims in any order; the watermark counts the
// descriptors before the oldest claim still unfinished, so every descriptor
// below it is done. It never decreases. Not thread-safe: the sender guards it
// with its queue mutex.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace rawscan {

class SendWatermark {
 public:
  explicit SendWatermark(size_t lanes) : first_(lanes, kIdle) {}

  // Lane claims the next n descriptors; it must have finished its previous claim.
  void claim(size_t lane, uint64_t n) {
    first_[lane] = claimed_;
    claimed_ += n;
  }
  void finish(size_t lane) { first_[lane] = kIdle; }
  size_t lanes() const { return first_.size(); }

  uint64_t mark() const {
    uint64_t m = claimed_;
    for (uint64_t first : first_) m = std::min(m, first);
    return m;
  }

 private:
  static constexpr uint64_t kIdle = UINT64_MAX;  // the lane holds no claim
  std::vector<uint64_t> first_;                  // per lane: first descriptor of its claim
  uint64_t claimed_ = 0;                         // descriptors claimed so far
};

}  // namespace rawscan
