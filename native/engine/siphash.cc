// SipHash-2-4 as specified in "SipHash: a fast short-input PRF" (Aumasson,
// Bernstein, 2012): 2 compression rounds per 8-byte word, 4 finalization rounds.
// Key and message words are read little-endian, independent of the host.
#include "engine/siphash.h"

namespace rawscan {
namespace {

uint64_t rotl(uint64_t x, int b) { return x << b | x >> (64 - b); }

uint64_t load_le64(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

struct SipState {
  uint64_t v0, v1, v2, v3;

  void round() {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }

  void compress(uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

}  // namespace

uint64_t siphash24(const uint8_t key[16], const uint8_t* data, size_t len) {
  const uint64_t k0 = load_le64(key, 8), k1 = load_le64(key + 8, 8);
  SipState s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
             k1 ^ 0x7465646279746573ULL};
  const size_t whole = len - len % 8;
  for (size_t i = 0; i < whole; i += 8) s.compress(load_le64(data + i, 8));
  // Last word: the remaining bytes, and the message length (mod 256) in the top byte.
  s.compress(load_le64(data + whole, len % 8) | static_cast<uint64_t>(len & 0xff) << 56);
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace rawscan
