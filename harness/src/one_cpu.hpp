// Keeps a conformance scenario's processes on one CPU while it plays. A
// scenario against an implementation is a strict ping-pong: the driver sends one
// line and waits, the child calls the mock's server thread and waits, the
// server answers. Nothing runs in parallel, but spread over CPUs every hand-over
// is a cross-CPU wake-up; on one CPU it is a plain switch (year-200-properties:
// 5.1 s -> 3.0 s). Concurrent scenarios take different CPUs.
#pragma once

#include <sched.h>

namespace lockstep::harness::detail {

// Pins the calling thread to one of the CPUs the process may use (the same one
// for every scenario this thread plays, and a different one for each worker
// thread, round robin), and gives the thread its former set back at the end.
// Threads and children started meanwhile inherit the one CPU. Where the system
// refuses (or there is one CPU anyway), nothing changes.
class OneCpu {
 public:
  OneCpu();
  ~OneCpu();
  OneCpu(const OneCpu&) = delete;
  OneCpu& operator=(const OneCpu&) = delete;

  // The CPU this thread was pinned to, or -1 when it was left as it was.
  int cpu() const noexcept { return cpu_; }

 private:
  cpu_set_t before_{};
  int cpu_ = -1;
};

// Lets the calling thread run on any CPU the process may use (a thread started
// by a pinned one inherits its one CPU), for work that plays beside a pinned
// ping-pong rather than in it. Where the system refuses, nothing changes.
void use_any_cpu();

}  // namespace lockstep::harness::detail
