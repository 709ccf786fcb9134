// Stateless probe validation: every probe's sequence number is a keyed hash of
// its 4-tuple, so a reply proves it answers a probe we sent without any table.
#pragma once
#include <cstdint>

namespace rawscan {

struct CookieKey {
  uint8_t bytes[16];
};

// SipHash-2-4 of (saddr, daddr, sport, dport); addresses and ports in host order.
// saddr/sport are the scanner's side, daddr/dport the target's, as in the probe.
uint32_t probe_cookie(const CookieKey& key, uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport);

}  // namespace rawscan
