// RecordBatch: when a batch goes to the sink.
#include "engine/record_batch.h"

#include <cmath>

#include "test/check.h"

namespace rawscan {
namespace {

struct CollectingSink : RecordSink {
  std::vector<std::vector<uint8_t>> batches;
  void deliver(std::vector<uint8_t>&& batch) override { batches.push_back(std::move(batch)); }
};

void append_sent(RecordBatch& records, double sent) {
  records.append([&](RecordWriter w) { write_sent(w, sent, 0, 0); });
}

// An empty batch is never due: an idle capture thread sleeps until its next stats record.
TEST(record_batch_empty_is_never_due) {
  CollectingSink sink;
  RecordBatch records(sink, 256, 5);
  CHECK(std::isinf(records.ms_until_due(monotonic_ms())));
  records.flush();
  CHECK_EQ(sink.batches.size(), size_t{0});
}

TEST(record_batch_delivers_when_due_or_flushed) {
  CollectingSink sink;
  RecordBatch records(sink, 256, 5);
  append_sent(records, 1);
  double now = monotonic_ms();
  CHECK(records.ms_until_due(now) <= 5.0);
  records.flush_if_due(now - 1);  // not yet 5 ms old
  CHECK_EQ(sink.batches.size(), size_t{0});
  records.flush_if_due(now + 5);
  CHECK_EQ(sink.batches.size(), size_t{1});
  CHECK_EQ(sink.batches[0].size(), kRecordSize);
  append_sent(records, 2);
  records.flush();
  CHECK_EQ(sink.batches.size(), size_t{2});
  CHECK(std::isinf(records.ms_until_due(monotonic_ms())));
}

TEST(record_batch_delivers_a_full_batch_at_once) {
  CollectingSink sink;
  RecordBatch records(sink, 2, 1000);
  append_sent(records, 1);
  CHECK_EQ(sink.batches.size(), size_t{0});
  append_sent(records, 2);
  CHECK_EQ(sink.batches.size(), size_t{1});
  CHECK_EQ(sink.batches[0].size(), 2 * kRecordSize);
  CHECK_EQ(sink.batches[0][0], static_cast<uint8_t>(RecordType::Sent));
}

}  // namespace
}  // namespace rawscan
