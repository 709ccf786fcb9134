#include "engine/capture.h"

#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <system_error>

#include "engine/release.h"
#include "engine/warm_capture.h"

namespace rawscan {

namespace {
constexpr int kSnaplen = 256;     // link + IP + TCP with options, or ICMP + quoted headers
constexpr int kMaxDispatch = 64;  // pcap_dispatch rounds per wake-up, so stats and flushes keep their period
// After a read that found packets the thread naps this long (stop() still
// wakes it) before it polls again: at high rates the kernel then appends many
// packets to the ring per wake-up instead of waking the thread for each one,
// a wake-up that the sending CPU pays for (the veth delivers replies in the
// sender's own softirq). Bounds the extra latency of a reply; the ring (pcap
// buffer) holds far more than a nap's worth of packets.
constexpr long kNapNs = 500'000;

// DLT_RAW is 12 on Linux and 14 on OpenBSD; LINKTYPE_RAW (101) appears in
// savefiles; DLT_IPV4 (228) is raw IPv4 without the version guess.
constexpr int kDltRawLinux = 12, kDltRawOpenBsd = 14, kLinktypeRaw = 101;

// The errno of a failed pcap_dispatch: errno if the call set one, ENETDOWN
// when the interface is gone or pcap says it went down, else EIO.
int dispatch_errno(int err, const std::string& device, const char* pcap_text) {
  if (err != 0) return err;
  bool gone = device != "any" && if_nametoindex(device.c_str()) == 0;
  if (gone || std::strstr(pcap_text, "went down") != nullptr ||
      std::strstr(pcap_text, "disappeared") != nullptr)
    return ENETDOWN;
  return EIO;
}

// Error-record context for a pcap failure: "pcap: " and as many whole words
// of pcap's text as fit in the record's 24-byte context (a longer first word is cut).
std::string pcap_context(const char* pcap_text) {
  constexpr size_t kContextBytes = kRecordSize - 8;
  const std::string prefix = "pcap: ";
  std::string context = prefix + pcap_text;
  if (context.size() <= kContextBytes) return context;
  size_t cut = context.rfind(' ', kContextBytes);
  return context.substr(0, cut >= prefix.size() ? cut : kContextBytes);
}

// libpcap (1.10) filters PCAP_D_IN in user space: the kernel still clones
// every outgoing frame, our probes and the stack's RSTs, for the packet
// socket and runs the filter on it, in the sending thread's sendmmsg. With
// PACKET_IGNORE_OUTGOING (Linux 4.20) the kernel skips the socket on transmit.
// Best effort: without it only that cost remains.
void ignore_outgoing(int packet_fd) {
  int one = 1;
  if (packet_fd >= 0) setsockopt(packet_fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
}

}  // namespace

bool link_type_of(int dlt, LinkType& out) {
  switch (dlt) {
    case DLT_EN10MB:
      out = LinkType::Ethernet;
      return true;
    case DLT_LINUX_SLL:
      out = LinkType::LinuxCooked;
      return true;
    case DLT_LINUX_SLL2:
      out = LinkType::LinuxCooked2;
      return true;
    case kDltRawLinux:
    case kDltRawOpenBsd:
    case kLinktypeRaw:
    case DLT_IPV4:
      out = LinkType::RawIp;
      return true;
    default:
      return false;
  }
}

std::string reply_filter(uint16_t sport_base, size_t slots) {
  unsigned last = sport_base + static_cast<unsigned>(slots * kTrySlots) - 1;
  return "ip and ((tcp and dst portrange " + std::to_string(sport_base) + "-" + std::to_string(last) +
         ") or icmp[icmptype] == icmp-unreach or icmp[icmptype] == icmp-timxceed)";
}

Capture::Capture(const EngineConfig& cfg, RecordBatch& records)
    : device_(cfg.device),
      buffer_bytes_(cfg.pcap_buffer_bytes),
      stats_ms_(cfg.stats_ms > 0 ? cfg.stats_ms : 250),
      filter_(reply_filter(cfg.sport_base, cfg.kinds.size())),
      ctx_(make_judge_context(cfg)),
      records_(records) {}

Activation activate_capture(const std::string& device, int buffer_bytes) {
  Activation out;
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t* handle = pcap_create(device.c_str(), errbuf);
  if (handle == nullptr) {
    out.status = PCAP_ERROR;
    out.error = std::string("pcap_create: ") + errbuf;
    return out;
  }
  pcap_set_snaplen(handle, kSnaplen);
  pcap_set_promisc(handle, 0);
  pcap_set_immediate_mode(handle, 1);
  pcap_set_buffer_size(handle, buffer_bytes);
  out.status = pcap_activate(handle);
  if (out.status < 0) {
    out.error = std::string("pcap_activate (") + pcap_statustostr(out.status) + ") on " + device + ": " +
                pcap_geterr(handle);
    pcap_close(handle);
    return out;
  }
  // libpcap opens its socket without SOCK_CLOEXEC: no program rawscan starts
  // (ip, the release helper, which gets it as fd 3 on purpose) inherits it.
  const int fd = pcap_get_selectable_fd(handle);
  if (fd >= 0) fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
  ignore_outgoing(fd);
  out.handle = handle;
  return out;
}

void Capture::open() {
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_ = take_warm_capture(device_, buffer_bytes_);
  if (pcap_ == nullptr) {
    Activation activation = activate_capture(device_, buffer_bytes_);
    if (activation.handle == nullptr) {
      throw EngineError(activation.status == PCAP_ERROR_PERM_DENIED      ? "EPERM_PCAP"
                        : activation.status == PCAP_ERROR_NO_SUCH_DEVICE ? "NO_DEVICE"
                                                                         : "PCAP",
                        activation.error);
    }
    pcap_ = activation.handle;
  }

  // detail: pcap's text for the failure; pcap_geterr() unless the call filled errbuf instead.
  auto fail = [this](const char* code, const std::string& what, const char* detail = nullptr) {
    std::string msg = what + " on " + device_ + ": " + (detail != nullptr ? detail : pcap_geterr(pcap_));
    close_handles();
    throw EngineError(code, msg);
  };
  if (pcap_setdirection(pcap_, PCAP_D_IN) != 0) fail("PCAP", "pcap_setdirection");
  dlt_ = pcap_datalink(pcap_);
  if (!link_type_of(dlt_, link_)) fail("PCAP", "unsupported link type " + std::to_string(dlt_));

  bpf_program prog{};
  if (pcap_compile(pcap_, &prog, filter_.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
    fail("FILTER", "pcap_compile \"" + filter_ + "\"");
  int rc = pcap_setfilter(pcap_, &prog);
  pcap_freecode(&prog);
  if (rc != 0) fail("FILTER", "pcap_setfilter");
  if (pcap_setnonblock(pcap_, 1, errbuf) != 0) fail("PCAP", "pcap_setnonblock", errbuf);
  if (pcap_get_selectable_fd(pcap_) < 0) fail("PCAP", "pcap_get_selectable_fd");

  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    int err = errno;
    close_handles();
    throw EngineError("SOCKET", std::string("eventfd: ") + std::strerror(err));
  }
  release_helper_ = open_release_helper();  // -1 when missing: stop() then closes the socket itself
}

Capture::~Capture() {
  stop();
  if (closer_.joinable()) closer_.join();
}

void Capture::start() {
  if (pcap_stats(pcap_, &stats_at_start_) != 0) stats_at_start_ = pcap_stat{};
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "rawscan-capture");
    run();
  });
}

// Closing a packet socket with a ring waits for two RCU grace periods in the
// kernel (tens of ms on a busy machine), so once the last packet is read and
// counted the handle is closed on a thread of its own: stop() returns, and the
// report is written, while the kernel tears the socket down. That thread
// first hands a reference to the socket to rawscan-release (release.h), so
// that the teardown runs in the helper and the process's exit does not wait
// for it; without the helper the thread's own close() is the last one.
void Capture::stop() {
  if (thread_.joinable()) {
    stop_ = true;
    uint64_t one = 1;
    ssize_t ignored = write(wake_fd_, &one, sizeof one);
    (void)ignored;  // an eventfd write only fails when the counter would overflow
    thread_.join();
    if (!failed_) drain();
    append_stats();
    try {
      closer_ = std::thread([handle = pcap_, helper = release_helper_] {
        Handover handover = hand_over(pcap_get_selectable_fd(handle), helper);
        pcap_close(handle);
        if (helper >= 0) ::close(helper);
        finish_handover(handover);
      });
      pcap_ = nullptr;
      release_helper_ = -1;
    } catch (const std::system_error&) {
      // No thread could be created (e.g. pids.max): close_handles() below
      // closes the handle on this thread instead.
    }
  }
  close_handles();
}

void Capture::close_handles() {
  if (pcap_ != nullptr) pcap_close(pcap_);
  pcap_ = nullptr;
  if (wake_fd_ >= 0) ::close(wake_fd_);
  wake_fd_ = -1;
  if (release_helper_ >= 0) ::close(release_helper_);
  release_helper_ = -1;
}

void Capture::run() {
  pollfd fds[2] = {{pcap_get_selectable_fd(pcap_), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  double next_stats = monotonic_ms() + stats_ms_;
  while (!stop_) {
    double now = monotonic_ms();
    double timeout_ms = std::max(0.0, std::min(next_stats - now, records_.ms_until_due(now)));
    int r = poll(fds, 2, static_cast<int>(std::ceil(timeout_ms)));
    if (r < 0 && errno != EINTR) {
      report_error(errno, true, "poll");
      failed_ = true;
      return;
    }
    if (r > 0 && (fds[0].revents & POLLIN)) {
      int got = drain();
      if (got < 0) return;
      if (got > 0) {
        // Replies go to JS now, not after flush_ms: the scheduler's window
        // grows per answer, so each millisecond here slows a scan's ramp.
        records_.flush();
        nap(fds[1]);
      }
    }
    if (r > 0 && (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL))) {
      // The socket reports an error (typically: the interface went down).
      drain();
      report_error(ENETDOWN, true, "capture socket");
      failed_ = true;
      return;
    }
    now = monotonic_ms();
    if (now >= next_stats) {
      append_stats();
      records_.flush();
      next_stats = now + stats_ms_;
    }
    records_.flush_if_due(now);  // backstop for records of a sender lane that is still busy
  }
}

int Capture::drain() {
  int total = 0;
  for (int round = 0; round < kMaxDispatch; ++round) {
    errno = 0;
    int n = pcap_dispatch(pcap_, -1, &Capture::on_packet, reinterpret_cast<u_char*>(this));
    if (n == 0) break;
    if (n < 0) {
      const char* text = pcap_geterr(pcap_);
      report_error(dispatch_errno(errno, device_, text), true, pcap_context(text).c_str());
      failed_ = true;
      return -1;
    }
    total += n;
  }
  return total;
}

// Sleeps kNapNs unless stop() signals the wake fd meanwhile.
void Capture::nap(pollfd wake) {
  timespec ts{0, kNapNs};
  wake.revents = 0;
  ppoll(&wake, 1, &ts, nullptr);
}

void Capture::on_packet(u_char* self, const pcap_pkthdr* h, const u_char* bytes) {
  reinterpret_cast<Capture*>(self)->judge(bytes, h->caplen);
}

// Time of a reply: when the capture thread read it (immediate mode keeps this
// within scheduling latency of the kernel's timestamp, on the monotonic clock).
void Capture::judge(const uint8_t* bytes, size_t caplen) {
  ParsedReply r = parse_reply(link_, bytes, caplen);
  if (r.kind == ReplyKind::Invalid) {
    ++malformed_;
    return;
  }
  Verdict v = judge_reply(ctx_, r);
  switch (v.rejection) {
    case Rejection::None: {
      double now = monotonic_ms();
      records_.append([&](RecordWriter w) { write_reply(w, v, r, now); });
      return;
    }
    case Rejection::Malformed:
      ++malformed_;
      return;
    case Rejection::BadCookie:
      bad_cookie_ += 1;
      return;
    case Rejection::NotOurPort:
    case Rejection::NotToUs:
      not_ours_ += 1;
      return;
  }
}

void Capture::append_stats() {
  double now = monotonic_ms();
  pcap_stat ps{};
  if (pcap_ != nullptr && pcap_stats(pcap_, &ps) == 0) {
    // Unsigned differences: pcap's counters are u_int and may wrap.
    const pcap_stat& base = stats_at_start_;
    u_int received = ps.ps_recv - base.ps_recv;
    double dropped = static_cast<double>(ps.ps_drop - base.ps_drop) + (ps.ps_ifdrop - base.ps_ifdrop);
    records_.append([&](RecordWriter w) { write_pcap_stats(w, received, dropped, now); });
  }
  records_.append(
      [&](RecordWriter w) { write_validation_stats(w, malformed_, bad_cookie_, not_ours_, now); });
}

void Capture::report_error(int err, bool fatal, const char* context) {
  records_.append([&](RecordWriter w) { write_error(w, ErrorSource::Capture, fatal, err, context); });
}

}  // namespace rawscan
