// SendWatermark: claims in queue order, finished out of order.
#include "engine/send_watermark.h"

#include "test/check.h"

namespace rawscan {
namespace {

TEST(send_watermark_one_lane_follows_its_claims) {
  SendWatermark w(1);
  CHECK_EQ(w.mark(), uint64_t{0});
  w.claim(0, 64);
  CHECK_EQ(w.mark(), uint64_t{0});
  w.finish(0);
  CHECK_EQ(w.mark(), uint64_t{64});
  w.claim(0, 10);
  w.finish(0);
  CHECK_EQ(w.mark(), uint64_t{74});
}

// A later claim finished first leaves the mark at the earlier claim's start.
TEST(send_watermark_waits_for_the_oldest_unfinished_claim) {
  SendWatermark w(2);
  w.claim(0, 64);  // [0, 64)
  w.claim(1, 64);  // [64, 128)
  w.finish(1);
  CHECK_EQ(w.mark(), uint64_t{0});
  w.claim(1, 32);  // [128, 160)
  CHECK_EQ(w.mark(), uint64_t{0});
  w.finish(0);
  CHECK_EQ(w.mark(), uint64_t{128});
  w.finish(1);
  CHECK_EQ(w.mark(), uint64_t{160});
}

TEST(send_watermark_never_decreases) {
  SendWatermark w(3);
  uint64_t last = 0;
  // Lanes take turns claiming; lane (i + 1) % 3 finishes after each claim of lane i.
  for (size_t i = 0; i < 30; ++i) {
    size_t lane = i % 3;
    w.finish(lane);
    w.claim(lane, 1 + i % 7);
    CHECK(w.mark() >= last);
    last = w.mark();
  }
}

}  // namespace
}  // namespace rawscan
