// The capture thread: libpcap in immediate mode behind a BPF filter that
// admits TCP to our source-port range and ICMP unreachable/time-exceeded
// (the quoted probe is checked by judge_reply, not by the filter). Each
// packet is parsed and judged; accepted replies become Reply records, the
// rest only bump counters, reported with pcap's own counters in Stats records
// every stats_ms. The records of each read go to JS right after it (the
// scheduler's window grows per answer). The thread sleeps in poll() on the
// pcap fd and an eventfd that stop() signals. The packet socket ignores
// outgoing frames (PACKET_IGNORE_OUTGOING), so sending costs no tap.
#pragma once
#include <pcap/pcap.h>
#include <poll.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "engine/engine.h"
#include "engine/probe_factory.h"
#include "engine/record_batch.h"
#include "packet/reply.h"
#include "probe/judge.h"

namespace rawscan {

// The parser's link type for a pcap datalink (DLT_*); false if unsupported.
bool link_type_of(int dlt, LinkType& out);

// BPF filter text for replies to ports [sport_base, sport_base + slots * kTrySlots).
std::string reply_filter(uint16_t sport_base, size_t slots);

// A pcap handle activated with the capture's settings (snaplen, no
// promiscuous mode, immediate mode, a ring of buffer_bytes; close-on-exec, no
// copies of outgoing frames), or, when it
// could not be, pcap's status (PCAP_ERROR when pcap_create failed) and text.
// Activating sets up the kernel's ring, which waits for an RCU grace period
// (10-30 ms): see warm_capture.h.
struct Activation {
  pcap_t* handle = nullptr;
  int status = 0;
  std::string error;
};
Activation activate_capture(const std::string& device, int buffer_bytes);

class Capture {
 public:
  Capture(const EngineConfig& cfg, RecordBatch& records);
  ~Capture();  // stops; waits until the handle is closed
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;

  // Opens and activates the handle (or takes the one warm_capture() opened
  // for this device and ring), installs the filter.
  // Throws EngineError (EPERM_PCAP, NO_DEVICE, PCAP, FILTER).
  void open();
  int datalink() const { return dlt_; }
  void start();
  // Joins the thread, reads what is still buffered, appends final Stats
  // records and starts closing the handle (on a thread of its own: the
  // kernel's teardown of the socket does not delay the caller). Idempotent.
  void stop();

 private:
  void run();
  // Reads everything buffered; returns the packets read, or -1 after a pcap
  // error (reported as fatal).
  int drain();
  void nap(pollfd wake);
  static void on_packet(u_char* self, const pcap_pkthdr* h, const u_char* bytes);
  void judge(const uint8_t* bytes, size_t caplen);
  void append_stats();
  void close_handles();
  void report_error(int err, bool fatal, const char* context);

  const std::string device_;
  const int buffer_bytes_;
  const double stats_ms_;
  const std::string filter_;
  const JudgeContext ctx_;
  RecordBatch& records_;
  pcap_t* pcap_ = nullptr;
  int dlt_ = -1;
  LinkType link_ = LinkType::Ethernet;
  int wake_fd_ = -1;         // eventfd: stop() writes, the thread's poll() wakes
  int release_helper_ = -1;  // rawscan-release (O_PATH), opened by open(); see release.h
  std::atomic<bool> stop_{false};
  bool failed_ = false;  // the thread ended on a fatal error
  std::thread thread_;
  std::thread closer_;  // closes the pcap handle after stop(); joined by the destructor

  // pcap's counters when start() ran: Stats records report the counts since
  // then, not drops of traffic an engine opened early saw while idle.
  pcap_stat stats_at_start_{};

  // Capture-thread counters (read by stop() after the join).
  uint32_t malformed_ = 0;
  double bad_cookie_ = 0;
  double not_ours_ = 0;
};

}  // namespace rawscan
