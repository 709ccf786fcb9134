// The bounds-checked Reader: reads succeed exactly while the bytes exist, a
// failed read moves nothing, and no offset arithmetic can wrap past the end.
#include <cstdint>
#include <limits>

#include "packet/reader.h"
#include "test/check.h"

namespace rawscan::test {

TEST(reader_reads_network_order_until_the_end) {
  const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  Reader r(b, sizeof b);
  uint8_t u8 = 0;
  uint16_t u16 = 0;
  uint32_t u32 = 0;
  CHECK(r.u8(u8));
  CHECK_EQ(u8, 1);
  CHECK(r.be16(u16));
  CHECK_EQ(u16, 0x0203);
  CHECK(r.be32(u32));
  CHECK_EQ(u32, 0x04050607u);
  CHECK_EQ(r.remaining(), size_t{0});
  CHECK(!r.u8(u8));
  CHECK(!r.skip(1));
  CHECK(r.skip(0));
}

TEST(reader_failed_read_does_not_move) {
  const uint8_t b[] = {0xaa, 0xbb, 0xcc};
  Reader r(b, sizeof b);
  uint32_t u32 = 7;
  CHECK(!r.be32(u32));
  CHECK_EQ(u32, 7u);
  CHECK_EQ(r.remaining(), size_t{3});
  uint16_t u16 = 0;
  CHECK(r.peek_be16(1, u16));
  CHECK_EQ(u16, 0xbbcc);
  CHECK(!r.peek_be16(2, u16));
  CHECK(!r.peek_be32(std::numeric_limits<size_t>::max() - 1, u32));
  uint8_t u8 = 0;
  CHECK(!r.peek_u8(std::numeric_limits<size_t>::max(), u8));
  CHECK(!r.skip(std::numeric_limits<size_t>::max()));
}

TEST(reader_take_and_limit_bound_the_view) {
  const uint8_t b[] = {1, 2, 3, 4, 5, 6};
  Reader r(b, sizeof b);
  Reader head;
  CHECK(r.take(2, head));
  CHECK_EQ(head.remaining(), size_t{2});
  CHECK_EQ(r.remaining(), size_t{4});
  CHECK(!r.take(5, head));
  r.limit(3);
  CHECK_EQ(r.remaining(), size_t{3});
  r.limit(10);  // never grows
  CHECK_EQ(r.remaining(), size_t{3});
  uint8_t v = 0;
  CHECK(!r.peek_u8(3, v));
  CHECK(r.peek_u8(2, v));
  CHECK_EQ(v, 5);
  Reader empty(nullptr, 100);
  CHECK_EQ(empty.remaining(), size_t{0});
}

}  // namespace rawscan::test
