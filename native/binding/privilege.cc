// lookupUser and clearCapabilities (binding/privilege.h).
#include "binding/privilege.h"

#include <dirent.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace rawscan::binding {
namespace {

// The signal in which the other threads drop their capabilities. Neither Node
// nor libuv uses real-time signals; glibc reserves the two below SIGRTMIN.
int drop_signal() { return SIGRTMIN + 3; }

// How long the signalled threads may take to run the handler, and passes over the thread
// list (a thread started during a pass by a thread that had not yet dropped
// inherits full sets, so the next pass catches it).
constexpr auto kAckWait = std::chrono::milliseconds(1000);
constexpr int kPasses = 3;

std::atomic<int> g_handled{0};  // handler runs, successful or not

// Async-signal-safe: two system calls, no allocation.
int drop_this_thread() {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  return static_cast<int>(syscall(SYS_capset, &header, data));
}

void on_drop_signal(int) {
  const int saved = errno;
  drop_this_thread();  // a failure shows in /proc, which the caller re-reads
  g_handled.fetch_add(1);
  errno = saved;
}

struct ThreadState {
  bool holds_capabilities = false;  // any capability set non-empty
  bool no_new_privs = false;
  bool blocks_signal = false;  // drop_signal() is in the thread's blocked mask
};

// False when the thread is gone.
bool read_thread(pid_t tid, ThreadState& out) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/status");
  if (!in) return false;
  uint64_t caps = 0;
  uint64_t blocked = 0;
  for (std::string line; std::getline(in, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    const char* value = line.c_str() + colon + 1;
    if (key == "CapInh" || key == "CapPrm" || key == "CapEff" || key == "CapAmb") {
      caps |= std::strtoull(value, nullptr, 16);
    } else if (key == "SigBlk") {
      blocked = std::strtoull(value, nullptr, 16);
    } else if (key == "NoNewPrivs") {
      out.no_new_privs = std::strtoul(value, nullptr, 10) == 1;
    }
  }
  out.holds_capabilities = caps != 0;
  out.blocks_signal = ((blocked >> (drop_signal() - 1)) & 1) != 0;
  return true;
}

std::vector<pid_t> list_threads() {
  std::vector<pid_t> tids;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return tids;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') tids.push_back(static_cast<pid_t>(std::strtol(entry->d_name, nullptr, 10)));
  }
  closedir(dir);
  return tids;
}

// Signals each thread of tids; returns how many signals were delivered (a
// thread that has exited meanwhile takes none).
int signal_threads(const std::vector<pid_t>& tids) {
  int sent = 0;
  for (const pid_t tid : tids) {
    if (syscall(SYS_tgkill, getpid(), tid, drop_signal()) == 0) ++sent;
  }
  return sent;
}

// Waits until the handler has run `count` more times than `before` (only
// clear_capabilities signals), or kAckWait has passed: the threads run their
// handlers at once, not one after another (~0.3 ms each with a sleep per thread).
void await_handlers(int before, int count) {
  const auto deadline = std::chrono::steady_clock::now() + kAckWait;
  while (g_handled.load() - before < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

}  // namespace

Napi::Value lookup_user(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "lookupUser(name: string)");
  const std::string name = info[0].As<Napi::String>();
  const long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(hint > 0 ? static_cast<size_t>(hint) : 16384);
  passwd entry{};
  passwd* found = nullptr;
  int rc;
  while ((rc = getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found)) == ERANGE &&
         buffer.size() < (1u << 20)) {
    buffer.resize(buffer.size() * 2);
  }
  if (rc != 0) throw Napi::Error::New(env, std::string("getpwnam_r: ") + std::strerror(rc));
  if (found == nullptr) return env.Null();
  Napi::Object user = Napi::Object::New(env);
  user.Set("uid", Napi::Number::New(env, entry.pw_uid));
  user.Set("gid", Napi::Number::New(env, entry.pw_gid));
  return user;
}

Napi::Value clear_capabilities(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  // Not dumpable: processes of the same user can no longer ptrace this one (and its open sockets).
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || drop_this_thread() != 0) {
    throw Napi::Error::New(env, std::string("cannot clear capabilities: ") + std::strerror(errno));
  }
  // The handler stays installed afterwards: a late delivery under the default
  // disposition of a real-time signal would terminate the process.
  struct sigaction action {};
  action.sa_handler = on_drop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  if (sigaction(drop_signal(), &action, nullptr) != 0) {
    throw Napi::Error::New(env, std::string("sigaction: ") + std::strerror(errno));
  }
  const pid_t self = static_cast<pid_t>(syscall(SYS_gettid));
  int threads = 0;
  int privileged = 0;
  for (int pass = 0; pass < kPasses; ++pass) {
    threads = 0;
    privileged = 0;
    std::vector<pid_t> to_signal;
    for (const pid_t tid : list_threads()) {
      if (tid == self) continue;
      ThreadState state;
      if (!read_thread(tid, state)) continue;
      ++threads;
      if (state.holds_capabilities) ++privileged;
      if ((!state.holds_capabilities && state.no_new_privs) || state.blocks_signal || pass == kPasses - 1) {
        continue;
      }
      to_signal.push_back(tid);
    }
    if (to_signal.empty()) break;
    const int before = g_handled.load();
    await_handlers(before, signal_threads(to_signal));
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("threads", Napi::Number::New(env, threads));
  result.Set("privileged", Napi::Number::New(env, privileged));
  return result;
}

}  // namespace rawscan::binding
