// Interruption: `run`, `conform` and `explore` stop cleanly on SIGINT or SIGTERM
// (a Ctrl-C, a CI job's timeout). The handler only records the signal; the
// tools poll `interrupted()` between scenarios and between instants, stop
// starting scenarios, let the ones running end (their children stopped), write
// the report of what finished — marked interrupted, with what was left — and
// exit 128 + the signal (130 for SIGINT, 143 for SIGTERM).
#pragma once

namespace lockstep::harness {

// Installs the handlers (idempotent). A second signal while stopping ends the
// process at once with the usual status.
void install_interrupt_handlers();

// The signal received, or 0.
int interrupt_signal() noexcept;
inline bool interrupted() noexcept { return interrupt_signal() != 0; }

// The exit status for an interrupted run: 128 + the signal.
inline int interrupted_exit_code() noexcept { return 128 + interrupt_signal(); }

}  // namespace lockstep::harness
