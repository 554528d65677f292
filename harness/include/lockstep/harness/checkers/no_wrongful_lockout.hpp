// The guest at the door, first half (issue 12; B1 "a guest never loses access
// they still have a right to"): during their stay, a guest whose booking the
// participant itself calls `active` is let in at every door probe. Read from the
// run's own probes and the plan's get_code reading at the same instant, so it
// holds an implementation to what it claims, whatever the reference did.
#pragma once

#include <vector>

#include "lockstep/harness/checkers/violation.hpp"

namespace lockstep::harness::checkers {

std::vector<Violation> check_no_wrongful_lockout(const RunView& run);

}  // namespace lockstep::harness::checkers
