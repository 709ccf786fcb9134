// The raw-send ceiling of this machine: how fast one thread can hand SYNs to
// the kernel with sendmmsg on an AF_INET/SOCK_RAW/IPPROTO_RAW socket, with no
// pacing, no reply handling and no capture. bench/run.mjs compiles it with gcc
// and runs it in the lab's scanner namespace; rawscan's probes/s are read
// against this number.
//   send-ceiling SRC DST COUNT [PORTS [HOSTS [FIRST_PORT]]]
// sends COUNT SYNs from SRC; SYN k goes to address DST + k % HOSTS, port
// FIRST_PORT + (k / HOSTS) % PORTS (defaults: 65535 ports from 1, 1 host).
// Prints one JSON line: {"sent":N,"errors":N,"ms":T} (T: the send loop).
// Refuses any address outside 198.18.0.0/15, the lab's benchmarking range
// (all of DST .. DST + HOSTS - 1 must lie in it): this program can only ever
// send to a lab.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { BATCH = 64, PROBE_LEN = 44, SOURCE_PORT = 61000 };

static double monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

// 198.18.0.0/15 holds 198.18.0.0-198.19.255.255.
static int in_lab_range(uint32_t host_order) { return (host_order >> 17) == ((198u << 7) | (18u >> 1)); }

// The host-order address of text, if it and the span - 1 addresses after it are lab addresses.
static uint32_t parse_lab_address(const char* text, long span) {
  struct in_addr a;
  if (inet_pton(AF_INET, text, &a) != 1 || !in_lab_range(ntohl(a.s_addr)) ||
      !in_lab_range(ntohl(a.s_addr) + (uint32_t)(span - 1)) ||
      ntohl(a.s_addr) + (uint64_t)(span - 1) > UINT32_MAX) {
    fprintf(stderr, "send-ceiling: %s (+%ld addresses) is not inside 198.18.0.0/15; refusing to send\n", text,
            span - 1);
    exit(2);
  }
  return ntohl(a.s_addr);
}

static uint16_t checksum(const void* data, size_t len, uint32_t sum) {
  const uint8_t* p = data;
  for (; len > 1; p += 2, len -= 2) sum += (uint32_t)(p[0] << 8 | p[1]);
  if (len) sum += (uint32_t)p[0] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons((uint16_t)~sum);
}

// A SYN with an MSS option, as rawscan sends: 20-byte IP + 24-byte TCP header.
static void build_syn(uint8_t* buf, uint32_t saddr, uint32_t daddr, uint16_t dport, uint32_t seq) {
  memset(buf, 0, PROBE_LEN);
  struct iphdr* ip = (struct iphdr*)buf;
  ip->version = 4;
  ip->ihl = 5;
  ip->tot_len = htons(PROBE_LEN);
  ip->ttl = 64;
  ip->protocol = IPPROTO_TCP;
  ip->saddr = saddr;
  ip->daddr = daddr;
  ip->check = checksum(ip, 20, 0);
  struct tcphdr* tcp = (struct tcphdr*)(buf + 20);
  tcp->source = htons(SOURCE_PORT);
  tcp->dest = htons(dport);
  tcp->seq = htonl(seq);
  tcp->doff = 6;
  tcp->syn = 1;
  tcp->window = htons(1024);
  uint8_t* mss = buf + 40;
  mss[0] = 2, mss[1] = 4, mss[2] = 1460 >> 8, mss[3] = 1460 & 0xff;
  uint8_t pseudo[12];
  memcpy(pseudo, &saddr, 4);
  memcpy(pseudo + 4, &daddr, 4);
  pseudo[8] = 0, pseudo[9] = IPPROTO_TCP, pseudo[10] = 0, pseudo[11] = 24;
  uint32_t sum = 0;
  for (int i = 0; i < 12; i += 2) sum += (uint32_t)(pseudo[i] << 8 | pseudo[i + 1]);
  tcp->check = checksum(tcp, 24, sum);
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(
        stderr,
        "usage: send-ceiling SRC DST COUNT [PORTS [HOSTS [FIRST_PORT]]]   (addresses in 198.18.0.0/15)\n");
    return 2;
  }
  long count = strtol(argv[3], NULL, 10);
  long ports = argc > 4 ? strtol(argv[4], NULL, 10) : 65535;
  long hosts = argc > 5 ? strtol(argv[5], NULL, 10) : 1;
  long first_port = argc > 6 ? strtol(argv[6], NULL, 10) : 1;
  if (count <= 0 || hosts < 1 || hosts > (1L << 17) || first_port < 1 || ports < 1 ||
      first_port + ports - 1 > 65535) {
    fprintf(stderr,
            "send-ceiling: need COUNT > 0, 1 <= HOSTS <= 131072, ports FIRST_PORT .. FIRST_PORT + PORTS - 1 "
            "within 1-65535\n");
    return 2;
  }
  uint32_t saddr = htonl(parse_lab_address(argv[1], 1));
  uint32_t first_host = parse_lab_address(argv[2], hosts);
  int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
  if (fd < 0) {
    perror("send-ceiling: socket(AF_INET, SOCK_RAW, IPPROTO_RAW)");
    return 1;
  }
  int sndbuf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);

  static uint8_t bufs[BATCH][PROBE_LEN];
  struct iovec iov[BATCH];
  struct sockaddr_in dst[BATCH];
  struct mmsghdr msgs[BATCH];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < BATCH; ++i) {
    dst[i] = (struct sockaddr_in){.sin_family = AF_INET};
    iov[i] = (struct iovec){.iov_base = bufs[i], .iov_len = PROBE_LEN};
    msgs[i].msg_hdr = (struct msghdr){
        .msg_name = &dst[i], .msg_namelen = sizeof dst[i], .msg_iov = &iov[i], .msg_iovlen = 1};
  }

  long sent = 0, errors = 0;
  double start = monotonic_ms();
  while (sent + errors < count) {
    int n = (int)(count - sent - errors < BATCH ? count - sent - errors : BATCH);
    for (int i = 0; i < n; ++i) {
      long k = sent + errors + i;
      uint32_t daddr = htonl(first_host + (uint32_t)(k % hosts));
      dst[i].sin_addr.s_addr = daddr;
      build_syn(bufs[i], saddr, daddr, (uint16_t)(first_port + (k / hosts) % ports),
                (uint32_t)k * 2654435761u);
    }
    for (int off = 0; off < n;) {
      int r = sendmmsg(fd, msgs + off, (unsigned)(n - off), 0);
      if (r > 0) {
        off += r;
        sent += r;
      } else if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
        usleep(50);
      } else {
        ++errors;
        ++off;
      }
    }
  }
  double ms = monotonic_ms() - start;
  printf("{\"sent\":%ld,\"errors\":%ld,\"ms\":%.3f}\n", sent, errors, ms);
  close(fd);
  return 0;
}
