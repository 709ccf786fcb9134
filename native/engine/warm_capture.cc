#include "engine/warm_capture.h"

#include <pthread.h>

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
  int buffer_bytes = 0;
  bool done = false;         // the thread has activated the handle, or failed to
  pcap_t* handle = nullptr;  // until taken or discarded
  const char* state = "none";
  std::thread thread;  // joined by take_warm_capture()
};

// Never destroyed: a process may exit while the thread activates, or with a
// handle nobody asked for (a usage error after the guess), and destroying a
// joinable std::thread would terminate it. The kernel closes such a handle at exit.
Warm& warm() {
  static Warm* const instance = new Warm;
  return *instance;
}

}  // namespace

bool warm_capture(const std::string& device, int buffer_bytes) {
  Warm& w = warm();
  std::lock_guard<std::mutex> lock(w.mu);
  if (w.thread.joinable() || w.done) return false;
  w.device = device;
  w.buffer_bytes = buffer_bytes;
  try {
    w.thread = std::thread([&w, device, buffer_bytes] {
      pthread_setname_np(pthread_self(), "rawscan-warm");
      Activation activation = activate_capture(device, buffer_bytes);
      std::lock_guard<std::mutex> done_lock(w.mu);
      w.handle = activation.handle;
      w.done = true;
      w.state = activation.handle != nullptr ? "ready" : "failed";
      w.activated.notify_all();
    });
  } catch (const std::system_error&) {
    return false;  // no thread (e.g. pids.max): the engine activates its own handle
  }
  w.state = "opening";
  return true;
}

pcap_t* take_warm_capture(const std::string& device, int buffer_bytes) {
  Warm& w = warm();
  std::unique_lock<std::mutex> lock(w.mu);
  if (!w.thread.joinable()) return nullptr;  // none warmed, or taken before
  w.activated.wait(lock, [&w] { return w.done; });
  if (!w.thread.joinable()) return nullptr;  // another open took it while this one waited
  std::thread thread = std::move(w.thread);
  pcap_t* handle = w.handle;
  w.handle = nullptr;
  bool fits = handle != nullptr && w.device == device && w.buffer_bytes >= buffer_bytes;
  if (handle != nullptr) w.state = fits ? "taken" : "discarded";
  lock.unlock();
  // The thread has nothing left to do but return: joining it here keeps it
  // out of the privilege drop's list of threads (drop-privileges.ts).
  thread.join();
  if (fits) return handle;
  if (handle != nullptr) pcap_close(handle);
  return nullptr;
}

const char* warm_capture_state() {
  Warm& w = warm();
  std::lock_guard<std::mutex> lock(w.mu);
  return w.state;
}

}  // namespace rawscan
