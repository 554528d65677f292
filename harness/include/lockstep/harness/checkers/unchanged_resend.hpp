// B0 idempotence (issue 12): a booking put again with nothing changed (same
// property, check-in, check-out and phone), whatever the settings now are, makes
// no igloohome call. A code-making or delete call tied to that booking at the
// instant of the re-send (the tick that follows it), when nothing else about the
// booking, its property or its lock happened at that instant and its window did
// not begin or end then, is a violation.
#pragma once

#include <vector>

#include "lockstep/harness/checkers/violation.hpp"

namespace lockstep::harness::checkers {

std::vector<Violation> check_unchanged_resend(const RunView& run);

}  // namespace lockstep::harness::checkers
