// probe_cookie: the low 32 bits of SipHash-2-4 over a fixed 12-byte encoding of
// the probe's 4-tuple: saddr, daddr (4 bytes each), sport, dport (2 bytes each),
// all big-endian. Fixed width, so no two tuples share an encoding.
#include "engine/cookie.h"

#include "engine/siphash.h"
#include "packet/bytes.h"

namespace rawscan {

uint32_t probe_cookie(const CookieKey& key, uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport) {
  uint8_t tuple[12];
  store_be32(tuple, saddr);
  store_be32(tuple + 4, daddr);
  store_be16(tuple + 8, sport);
  store_be16(tuple + 10, dport);
  return static_cast<uint32_t>(siphash24(key.bytes, tuple, sizeof tuple));
}

}  // namespace rawscan
