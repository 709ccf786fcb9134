#include "engine/release.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace rawscan {

namespace {
constexpr const char* kHelperName = "rawscan-release";

// A duplicate of fd numbered 10 or above (close-on-exec), so that the
// helper's dup2s into 0..3 cannot overwrite one another's source.
int high(int fd) { return fd >= 10 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 10); }
}  // namespace

int open_release_helper() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&open_release_helper), &info) == 0 || info.dli_fname == nullptr)
    return -1;
  std::string path = info.dli_fname;
  size_t slash = path.rfind('/');
  path = (slash == std::string::npos ? std::string() : path.substr(0, slash + 1)) + kHelperName;
  return open(path.c_str(), O_PATH | O_CLOEXEC);
}

Handover hand_over(int sock, int helper) {
  Handover h;
  int p[2];
  if (sock < 0 || helper < 0 || pipe2(p, O_CLOEXEC) != 0) return h;
  int read_end = high(p[0]), sock_high = high(sock);
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  // Default dispositions and no blocked signal in the helper, whatever this
  // thread had; glibc runs the child with every signal blocked until exec.
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  // Any failure (EMFILE for a duplicate, ENOMEM) starts no helper: a helper
  // without its pipe as fd 0 would wait on rawscan's own stdin.
  const bool actions_made = read_end >= 0 && sock_high >= 0 && posix_spawn_file_actions_init(&actions) == 0;
  const bool attr_made = actions_made && posix_spawnattr_init(&attr) == 0;
  const bool ready = attr_made && posix_spawn_file_actions_adddup2(&actions, read_end, 0) == 0 &&
                     posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0) == 0 &&
                     posix_spawn_file_actions_adddup2(&actions, 1, 2) == 0 &&
                     posix_spawn_file_actions_adddup2(&actions, sock_high, 3) == 0 &&
                     posix_spawnattr_setsigdefault(&attr, &all) == 0 &&
                     posix_spawnattr_setsigmask(&attr, &none) == 0 &&
                     posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK) == 0;
  // Through /proc/self/fd: the descriptor, not the path, names the program.
  std::string program = "/proc/self/fd/" + std::to_string(helper);
  char arg0[] = "rawscan-release";
  char* argv[] = {arg0, nullptr};
  char* envp[] = {nullptr};
  pid_t pid = -1;
  int rc = ready ? posix_spawn(&pid, program.c_str(), &actions, &attr, argv, envp) : -1;
  if (attr_made) posix_spawnattr_destroy(&attr);
  if (actions_made) posix_spawn_file_actions_destroy(&actions);
  if (read_end >= 0 && read_end != p[0]) close(read_end);
  if (sock_high >= 0 && sock_high != sock) close(sock_high);
  close(p[0]);
  if (rc != 0) {
    close(p[1]);
    return h;
  }
  h.pid = pid;
  h.pipe_w = p[1];
  return h;
}

void finish_handover(Handover& h) {
  if (h.pipe_w >= 0) close(h.pipe_w);
  h.pipe_w = -1;
  if (h.pid > 0) {
    while (waitpid(h.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  h.pid = -1;
}

}  // namespace rawscan
