#include "packet/checksum.h"

#include "packet/headers.h"

namespace rawscan {

uint64_t checksum_add(uint64_t sum, const uint8_t* data, size_t len) {
  size_t i = 0;
  for (; i + 1 < len; i += 2) sum += static_cast<uint64_t>(data[i]) << 8 | data[i + 1];
  if (i < len) sum += static_cast<uint64_t>(data[i]) << 8;
  return sum;
}

uint64_t checksum_add32(uint64_t sum, uint32_t v) { return sum + (v >> 16) + (v & 0xffff); }

uint16_t checksum_finish(uint64_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

uint16_t ipv4_checksum(const uint8_t* header, size_t header_len) {
  return checksum_finish(checksum_add(0, header, header_len));
}

uint16_t tcp_checksum(uint32_t saddr, uint32_t daddr, const uint8_t* segment, size_t segment_len) {
  uint64_t sum = checksum_add32(0, saddr);
  sum = checksum_add32(sum, daddr);
  sum += ipv4::kProtoTcp;
  sum += segment_len;
  return checksum_finish(checksum_add(sum, segment, segment_len));
}

uint16_t checksum_update(uint16_t checksum, uint64_t added) {
  return checksum_finish(static_cast<uint16_t>(~checksum) + added);
}

}  // namespace rawscan
