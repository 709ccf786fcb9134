// The Internet checksum: RFC 1071's worked example, odd lengths, and the
// incremental update agreeing with a full recomputation.
#include "packet/checksum.h"
#include "packet/bytes.h"
#include "test/check.h"

namespace rawscan::test {

TEST(checksum_rfc1071_example) {
  // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (folded).
  const uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  CHECK_EQ(checksum_finish(checksum_add(0, data, sizeof data)), static_cast<uint16_t>(~0xddf2));
}

TEST(checksum_pads_an_odd_byte_with_zero) {
  const uint8_t odd[] = {0x12, 0x34, 0x56};
  const uint8_t even[] = {0x12, 0x34, 0x56, 0x00};
  CHECK_EQ(checksum_add(0, odd, 3), checksum_add(0, even, 4));
  CHECK_EQ(checksum_add(0, odd, 3), uint64_t{0x1234 + 0x5600});
}

TEST(checksum_of_header_including_its_checksum_is_zero) {
  // A real IPv4 header (from the syn-8080 SYN-ACK fixture).
  uint8_t ip[20] = {0x45, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06,
                    0x00, 0x00, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01};
  const uint16_t sum = ipv4_checksum(ip, sizeof ip);
  CHECK_EQ(sum, uint16_t{0x3cca});
  store_be16(ip + 10, sum);
  CHECK_EQ(ipv4_checksum(ip, sizeof ip), uint16_t{0});
}

TEST(checksum_update_matches_recomputation) {
  uint8_t buf[24] = {0x45, 0, 0, 24, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1};
  uint32_t fill = 0x13579bdf;
  for (int round = 0; round < 1000; ++round) {
    store_be32(buf + 16, 0);
    store_be16(buf + 20, 0);
    store_be16(buf + 10, 0);
    const uint16_t zeroed = ipv4_checksum(buf, sizeof buf);
    fill = fill * 1664525u + 1013904223u;
    const uint16_t half = static_cast<uint16_t>(fill >> 7);
    store_be32(buf + 16, fill);
    store_be16(buf + 20, half);
    const uint16_t full = ipv4_checksum(buf, sizeof buf);
    const uint16_t updated = checksum_update(zeroed, checksum_add32(half, fill));
    // 0x0000 and 0xffff are the same ones'-complement number; compare by verifying.
    store_be16(buf + 10, updated);
    CHECK_EQ(ipv4_checksum(buf, sizeof buf), uint16_t{0});
    CHECK(full == updated || (full | updated) == 0xffff);
  }
}

TEST(tcp_checksum_covers_pseudo_header) {
  uint8_t seg[20] = {0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x04, 0x00};
  store_be16(seg + 16, tcp_checksum(0x0a000001, 0x0a000002, seg, sizeof seg));
  CHECK_EQ(tcp_checksum(0x0a000001, 0x0a000002, seg, sizeof seg), uint16_t{0});
  CHECK(tcp_checksum(0x0a000001, 0x0a000003, seg, sizeof seg) != 0);
}

}  // namespace rawscan::test
