// Handing the capture socket's last reference to rawscan-release
// (release_helper.cc), so that the kernel's teardown of the socket (two RCU
// grace periods, ~20 ms) does not hold up rawscan's exit.
#pragma once
#include <sys/types.h>

namespace rawscan {

// Opens (O_PATH) the helper program built next to the addon, or returns -1.
// Called while the process may still open any path: the helper is later run
// through this descriptor, so a directory that a dropped user cannot search
// (a checkout under /root) does not stop it.
int open_release_helper();

struct Handover {
  pid_t pid = -1;   // the helper, or -1: nothing was handed over
  int pipe_w = -1;  // closing it tells the helper that our reference is gone
};

// Starts the helper (opened by open_release_helper) with a reference to sock.
// The caller then closes its own reference and calls finish_handover.
Handover hand_over(int sock, int helper);

// Lets the helper close the socket and exit, and reaps it: the wait lasts the
// socket's teardown (a caller that exits meanwhile does not wait for it).
void finish_handover(Handover& h);

}  // namespace rawscan
