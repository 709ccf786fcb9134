// SipHash-2-4 (Aumasson & Bernstein), 64-bit output, 128-bit key.
#pragma once
#include <cstddef>
#include <cstdint>

namespace rawscan {

uint64_t siphash24(const uint8_t key[16], const uint8_t* data, size_t len);

}  // namespace rawscan
