// A minimal test harness: TEST(name) registers a function, CHECK/CHECK_EQ
// record failures with file:line and keep going, test_main.cc runs them all.
#pragma once
#include <cstdint>
#include <iostream>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

namespace rawscan::test {

struct TestCase {
  const char* name;
  void (*fn)();
};

std::vector<TestCase>& registry();
// Counts a failed check of the running test and prints where it failed.
void fail(const char* file, int line, const std::string& what);

struct Registrar {
  Registrar(const char* name, void (*fn)()) { registry().push_back({name, fn}); }
};

// Integers print as numbers (uint8_t would print as a character).
template <typename T>
auto printable(const T& v) {
  if constexpr (std::is_enum_v<T>) {
    return static_cast<int64_t>(v);
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<int64_t>(v);
  } else {
    return v;
  }
}

template <typename A, typename B>
void check_eq(const A& a, const B& b, const char* expr, const char* file, int line) {
  if (a == b) return;
  std::ostringstream os;
  os << expr << ": " << printable(a) << " != " << printable(b);
  fail(file, line, os.str());
}

}  // namespace rawscan::test

#define TEST(name)                                                              \
  static void test_##name();                                                    \
  static const ::rawscan::test::Registrar registrar_##name(#name, test_##name); \
  static void test_##name()

#define CHECK(cond) ((cond) ? (void)0 : ::rawscan::test::fail(__FILE__, __LINE__, "CHECK(" #cond ")"))

#define CHECK_EQ(a, b) ::rawscan::test::check_eq((a), (b), #a " == " #b, __FILE__, __LINE__)
