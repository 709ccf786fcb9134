// Runs every registered TEST; exit status 1 if any check failed.
#include <cstdio>

#include "test/check.h"

namespace rawscan::test {

namespace {
int failed_checks = 0;
const char* current = "";
}  // namespace

std::vector<TestCase>& registry() {
  static std::vector<TestCase> tests;
  return tests;
}

void fail(const char* file, int line, const std::string& what) {
  ++failed_checks;
  std::fprintf(stderr, "FAIL %s (%s:%d): %s\n", current, file, line, what.c_str());
}

}  // namespace rawscan::test

int main() {
  using namespace rawscan::test;
  int passed = 0, failed = 0;
  for (const TestCase& t : registry()) {
    const int before = failed_checks;
    current = t.name;
    t.fn();
    (failed_checks == before ? passed : failed) += 1;
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
