// rawscan-release: takes over the last reference to a capture socket, so that
// the kernel's teardown of it runs after rawscan has exited.
//
// Closing a packet socket with a ring waits for two RCU grace periods (~20 ms
// on the project's machines), and a process's exit waits for the release of
// its files: a one-port scan would spend a tenth of its time exiting. The
// capture's closing thread (capture.cc, hand_over in release.h) starts this program
// with
//   fd 0  the read end of a pipe that rawscan closes once its own reference
//         to the socket is gone (or that closes when rawscan exits or dies),
//   fd 3  the capture socket,
// and nothing else it needs. At end of file it closes fd 3, which the kernel
// then tears down in this process, and exits 0.
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

int main() {
  // Run after rawscan's privilege drop (uid == euid), the helper is dumpable
  // until it says otherwise, and another process of the same user could take
  // the socket (ptrace, pidfd_getfd): first thing, it is not. Static, it runs
  // no dynamic loader before this line. (posix_spawn in release.cc gave it
  // default signal dispositions and an empty signal mask.)
  prctl(PR_SET_DUMPABLE, 0);
  prctl(PR_SET_NAME, "rawscan-release");  // run through /proc/self/fd/N, it would be named N
#ifdef SYS_close_range
  syscall(SYS_close_range, 4U, ~0U, 0U);  // an inherited descriptor that lacked FD_CLOEXEC
#endif
  char buf[64];
  for (;;) {
    ssize_t n = read(0, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EINTR)) break;
  }
  close(3);
  return 0;
}
