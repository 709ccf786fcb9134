// TokenBucket: pacing, bursts, and the unlimited rate 0.
#include "engine/token_bucket.h"

#include <limits>

#include "test/check.h"

namespace rawscan {
namespace {

TEST(token_bucket_rate_zero_is_unlimited) {
  TokenBucket b;
  b.set_rate(0, 0);
  CHECK_EQ(b.take(1000, 0), size_t{1000});
  CHECK_EQ(b.wait_ms(0), 0.0);
}

TEST(token_bucket_paces_at_the_rate) {
  TokenBucket b;
  b.set_rate(1000, 0);  // 1 per ms, burst 10
  CHECK_EQ(b.take(64, 0), size_t{1});
  CHECK_EQ(b.take(64, 0), size_t{0});
  CHECK_EQ(b.wait_ms(0), 1.0);
  CHECK_EQ(b.take(64, 5), size_t{5});
  CHECK_EQ(b.take(64, 1000), size_t{10});  // a long pause refills only the burst
}

// A positive rate whose tokens per ms underflow to 0 is the slowest rate, never unlimited.
TEST(token_bucket_tiny_rate_is_not_unlimited) {
  for (double pps : {std::numeric_limits<double>::denorm_min(), 1e-320, 1e-300}) {
    TokenBucket b;
    b.set_rate(pps, 0);
    CHECK_EQ(b.take(64, 0), size_t{1});  // the initial token
    CHECK_EQ(b.take(64, 1e6), size_t{0});
    CHECK(b.wait_ms(1e6) > 1e6);
  }
}

}  // namespace
}  // namespace rawscan
