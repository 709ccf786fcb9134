// Loads the captured packets of test/fixtures/packets/*.hex: '#' lines are comments,
// "# link: ethernet|sll|sll2|raw" names the link type, the rest is hex.
#pragma once
#include <string>

#include "test/frames.h"

namespace rawscan::test {

struct Fixture {
  LinkType link = LinkType::Ethernet;
  Bytes bytes;  // empty if the file could not be read
};

Fixture load_fixture(const std::string& name);  // name without directory, e.g. "syn-open-synack.eth.hex"

}  // namespace rawscan::test
