// The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
// Checksum values are returned as numbers to store big-endian (store_be16).
// Partial sums are unfolded 64-bit accumulators of big-endian 16-bit words;
// they can be chained across calls as long as every chunk but the last has
// even length.
#pragma once
#include <cstddef>
#include <cstdint>

namespace rawscan {

// Adds the bytes as big-endian 16-bit words; an odd last byte is padded with zero.
uint64_t checksum_add(uint64_t sum, const uint8_t* data, size_t len);
// Adds a 32-bit value as its two 16-bit halves (an address, a sequence number).
uint64_t checksum_add32(uint64_t sum, uint32_t v);
// Folds the carries and complements: the value that goes into the header.
uint16_t checksum_finish(uint64_t sum);

// Checksum of an IPv4 header whose checksum field is zero (or, to verify a
// received header, over the header as is: a correct one yields 0).
uint16_t ipv4_checksum(const uint8_t* header, size_t header_len);
// TCP checksum over the pseudo-header (addresses in host order) and the segment
// (header + payload), same zero/verify convention as ipv4_checksum.
uint16_t tcp_checksum(uint32_t saddr, uint32_t daddr, const uint8_t* segment, size_t segment_len);

// RFC 1624 eqn. 3: the checksum after a covered field changes by `added`, the
// partial sum of the new field values minus (as ones'-complement) the old ones.
// Typical use: a template checksummed with zeroed per-packet fields, updated
// with checksum_add32(0, field) for each field filled in.
uint16_t checksum_update(uint16_t checksum, uint64_t added);

}  // namespace rawscan
