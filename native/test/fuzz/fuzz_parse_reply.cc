// libFuzzer target: parse_reply on arbitrary bytes. Input byte 0 picks the
// link type (low two bits: Ethernet, SLL, SLL2, raw IP), the rest is the frame.
// Besides memory safety (ASan/UBSan), checks the parser's own invariants.
#include <cstdlib>

#include "packet/reply.h"

using namespace rawscan;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const auto link = static_cast<LinkType>(data[0] & 3);
  const ParsedReply r = parse_reply(link, data + 1, size - 1);
  const bool ok = r.error == ParseError::Ok;
  if (ok != (r.kind != ReplyKind::Invalid)) std::abort();
  if (ok && size - 1 < 40) std::abort();  // no valid reply is shorter than IPv4 + 20 bytes
  return 0;
}
