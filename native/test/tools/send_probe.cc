// Sends one probe built by the real probe layer over a raw socket, to make
// the byte fixtures of test/fixtures/packets/ (see make-fixtures.sh there).
// Only for lab namespaces: it refuses any target outside 198.18.0.0/15.
//   send_probe KIND DADDR DPORT [DATA_LENGTH [TRY]]   KIND: syn fin null xmas ack window maimon custom
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "test/fixture_context.h"

using namespace rawscan;

namespace {

bool kind_by_name(const char* name, uint8_t& slot) {
  for (int i = 0; i < kProbeKindCount; ++i) {
    if (std::strcmp(probe_module(static_cast<ProbeKind>(i)).name, name) == 0) {
      slot = static_cast<uint8_t>(i);
      return true;
    }
  }
  return false;
}

int send_ip(const uint8_t* packet, size_t len, uint32_t daddr) {
  const int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (fd < 0) return perror("socket"), 1;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(daddr);
  const ssize_t n = sendto(fd, packet, len, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  close(fd);
  if (n != static_cast<ssize_t>(len)) return perror("sendto"), 1;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  uint8_t slot = 0;
  in_addr daddr_in{};
  if (argc < 4 || !kind_by_name(argv[1], slot) || inet_pton(AF_INET, argv[2], &daddr_in) != 1) {
    std::fprintf(stderr, "usage: send_probe KIND DADDR DPORT [DATA_LENGTH [TRY]]\n");
    return 2;
  }
  const uint32_t daddr = ntohl(daddr_in.s_addr);
  if ((daddr & 0xfffe0000) != 0xc6120000) {
    std::fprintf(stderr, "send_probe: %s is outside the lab range 198.18.0.0/15\n", argv[2]);
    return 2;
  }
  const JudgeContext ctx = test::fixture_context(argc > 4 ? std::atoi(argv[4]) : 0);
  const uint8_t try_no = argc > 5 ? static_cast<uint8_t>(std::atoi(argv[5])) : 0;
  const ProbeModule& m = probe_module(ctx.slot_kind[slot]);
  static ProbeTemplate t;
  m.prepare(t, ctx.params);
  ProbeTarget target{};
  target.daddr = daddr;
  target.sport = probe_sport(ctx, slot, try_no);
  target.dport = static_cast<uint16_t>(std::atoi(argv[3]));
  target.cookie = probe_cookie(ctx.key, ctx.saddr, daddr, target.sport, target.dport);
  target.ip_id = static_cast<uint16_t>(0x4000 + slot);
  static uint8_t packet[kMaxProbeLen];
  return send_ip(packet, m.make(packet, t, target, ctx.params), daddr);
}
