#include "lockstep/harness/interrupt.hpp"

#include <atomic>
#include <csignal>

#include <unistd.h>

namespace lockstep::harness {

namespace {

std::atomic<int> received{0};

extern "C" void on_signal(int sig) {
  int expected = 0;
  if (!received.compare_exchange_strong(expected, sig)) {
    // Asked twice: stop now, as the default action would.
    std::signal(sig, SIG_DFL);
    ::raise(sig);
  }
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int interrupt_signal() noexcept { return received.load(); }

}  // namespace lockstep::harness
