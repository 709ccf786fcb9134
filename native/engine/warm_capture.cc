#include "engine/warm_capture.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <net/if.h>
#include <pthread.h>
#include <sys/socket.h>

#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>

#include "engine/capture.h"

namespace rawscan {
namespace {

struct Warm {
  std::mutex mu;
  std::condition_variable activated;
  std::string device;
  unsigned ifindex = 0;  // the device's index when the warm-up started
  int buffer_bytes = 0;
  bool started = false;
  bool done = false;         // the thread has activated the handle, or failed to
  bool discard = false;      // asked for another capture: the thread closes the handle itself
  pcap_t* handle = nullptr;  // activated, not yet taken or closed
  const char* state = "none";
  std::thread thread;  // the warm-up's, or the closer of a handle discarded after activation
};

// Never destroyed: a process may exit while the thread activates, or with a
// handle nobody asked for (a usage error after the guess), and destroying a
// joinable std::thread would terminate it. The kernel closes such a handle at exit.
Warm& warm() {
  static Warm* const instance = new Warm;
  return *instance;
}

// Until the engine installs its own filter, the handle takes nothing (it
// already ignores outgoing frames, activate_capture): a filter that drops
// every packet, so that other traffic of the interface does not queue up in its ring.
void drop_all(pcap_t* handle) {
  const int fd = pcap_get_selectable_fd(handle);
  if (fd < 0) return;
  sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
  sock_fprog program{1, &drop};
  setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program);
}

void activate(Warm& w, std::string device, int buffer_bytes) {
  pthread_setname_np(pthread_self(), "rawscan-warm");
  pcap_t* handle = nullptr;
  try {
    handle = activate_capture(device, buffer_bytes).handle;
  } catch (...) {
    // out of memory: reported as failed, the engine activates its own
  }
  if (handle != nullptr) drop_all(handle);
  std::lock_guard<std::mutex> lock(w.mu);
  if (handle != nullptr && w.discard) {
    // Asked for another capture meanwhile. Closed before done is set, so
    // that whoever waits for done (settle_warm_capture) finds it closed.
    pcap_close(handle);
    handle = nullptr;
    w.state = "discarded";
  } else if (handle == nullptr) {
    if (!w.discard) w.state = "failed";
  } else {
    w.handle = handle;
    w.state = "ready";
  }
  w.done = true;
  w.activated.notify_all();
}

// Closes the handle w holds (activated, not taken) on the thread slot, so
// that the kernel's teardown (two RCU grace periods) overlaps whatever the
// caller does next. w.mu is held; the slot is free.
void close_parked(Warm& w) {
  pcap_t* handle = w.handle;
  w.handle = nullptr;
  try {
    w.thread = std::thread([handle] { pcap_close(handle); });
  } catch (const std::system_error&) {
    pcap_close(handle);  // no thread: here, then
  }
}

}  // namespace

bool warm_capture(const std::string& device, int buffer_bytes) {
  // A network interface only: pcap_create also knows pseudo-devices (any,
  // dbus-system, nflog, usbmon...) that are no scan's capture.
  const unsigned ifindex = if_nametoindex(device.c_str());
  if (ifindex == 0) return false;
  Warm& w = warm();
  std::lock_guard<std::mutex> lock(w.mu);
  if (w.started) return false;
  w.device = device;
  w.ifindex = ifindex;
  w.buffer_bytes = buffer_bytes;
  try {
    w.thread = std::thread(activate, std::ref(w), device, buffer_bytes);
  } catch (const std::system_error&) {
    return false;  // no thread (e.g. pids.max): the engine activates its own handle
  }
  w.started = true;
  w.state = "opening";
  return true;
}

pcap_t* take_warm_capture(const std::string& device, int buffer_bytes) {
  Warm& w = warm();
  std::unique_lock<std::mutex> lock(w.mu);
  if (!w.started || w.discard || (w.done && w.handle == nullptr)) return nullptr;  // none, gone, or failed
  // Same name, same interface (not one deleted and made again since), ring large enough.
  const bool fits =
      w.device == device && w.buffer_bytes >= buffer_bytes && if_nametoindex(device.c_str()) == w.ifindex;
  if (!fits) {
    // Not waited for: the thread closes it once activated, or a closer does now.
    w.discard = true;
    w.state = "discarded";
    if (w.done) {
      w.thread.join();  // finished: it parked the handle and returned
      close_parked(w);
    }
    return nullptr;
  }
  w.activated.wait(lock, [&w] { return w.done; });
  pcap_t* handle = w.handle;
  w.handle = nullptr;
  if (handle == nullptr) return nullptr;  // failed, or taken by an open that waited too
  w.state = "taken";
  return handle;
}

void settle_warm_capture() {
  Warm& w = warm();
  std::unique_lock<std::mutex> lock(w.mu);
  if (!w.started) return;
  if (!w.done) w.discard = true;  // still activating: the thread closes what it gets
  w.activated.wait(lock, [&w] { return w.done; });
  // Done: the warm-up's thread only returns now, and a closer never takes the lock.
  if (w.thread.joinable()) w.thread.join();
  if (w.handle != nullptr) {
    // Never taken (the scan opened no engine): closed here, before the drop.
    pcap_t* handle = w.handle;
    w.handle = nullptr;
    w.state = "discarded";
    pcap_close(handle);
  }
}

const char* warm_capture_state() {
  Warm& w = warm();
  std::lock_guard<std::mutex> lock(w.mu);
  return w.state;
}

}  // namespace rawscan
