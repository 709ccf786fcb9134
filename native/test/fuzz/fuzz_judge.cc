// libFuzzer target: parse_reply + judge_reply under the fixture context, so
// the captured fixtures in the seed corpus pass every check and the fuzzer
// mutates from accepted replies. Input byte 0: link type (bits 0-1) and the
// Custom base kind (bits 2-4); the rest is the frame.
#include <cstdlib>

#include "probe/judge.h"
#include "test/fixture_context.h"

using namespace rawscan;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static JudgeContext ctx = test::fixture_context();
  ctx.params.custom_base = static_cast<ProbeKind>(data[0] >> 2 & 7);
  const ParsedReply r = parse_reply(static_cast<LinkType>(data[0] & 3), data + 1, size - 1);
  const Verdict v = judge_reply(ctx, r);
  if (r.kind == ReplyKind::Invalid && v.rejection != Rejection::Malformed) std::abort();
  if (v.rejection == Rejection::None && v.try_no >= kTrySlots) std::abort();
  return 0;
}
