// C1: no two bookings whose windows overlap hold the same PIN on one lock. Read
// from the PINs created on igloohome (the journal), so no observation instant has
// to catch both codes at once: a create that gives a booking a PIN another
// booking already holds on that lock, for an overlapping window, is a violation
// unless that PIN was deleted in between or either booking was cancelled.
#pragma once

#include <vector>

#include "lockstep/harness/checkers/violation.hpp"

namespace lockstep::harness::checkers {

std::vector<Violation> check_unique_pins(const RunView& run);

}  // namespace lockstep::harness::checkers
