#include "test/fixtures.h"

#include <cctype>
#include <fstream>

#ifndef FIXTURE_DIR
#error "FIXTURE_DIR must name test/fixtures (the Makefile sets it)"
#endif

namespace rawscan::test {
namespace {

LinkType link_by_name(const std::string& name) {
  if (name == "sll") return LinkType::LinuxCooked;
  if (name == "sll2") return LinkType::LinuxCooked2;
  if (name == "raw") return LinkType::RawIp;
  return LinkType::Ethernet;
}

void append_hex(const std::string& line, Bytes& out) {
  int high = -1;
  for (char c : line) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) continue;
    const int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(c) - 'a' + 10;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high << 4 | v));
      high = -1;
    }
  }
}

}  // namespace

Fixture load_fixture(const std::string& name) {
  Fixture f;
  std::ifstream in(std::string(FIXTURE_DIR) + "/" + name);
  const std::string link_tag = "# link: ";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(link_tag, 0) == 0) f.link = link_by_name(line.substr(link_tag.size()));
    if (!line.empty() && line[0] != '#') append_hex(line, f.bytes);
  }
  return f;
}

}  // namespace rawscan::test
