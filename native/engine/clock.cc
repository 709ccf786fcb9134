// monotonic_ms(): the one clock of records and JS (record.h).
#include <ctime>

#include "engine/record.h"

namespace rawscan {

double monotonic_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

}  // namespace rawscan
