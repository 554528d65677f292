// L4: once `disconnect` is accepted, no call reaches igloohome until the next
// accepted `connect` (whose own token request is allowed). The spans are cut at
// the journal's length when each request was sent, so calls in the same virtual
// instant fall on the right side of it.
#pragma once

#include <vector>

#include "lockstep/harness/checkers/violation.hpp"

namespace lockstep::harness::checkers {

std::vector<Violation> check_silent_after_disconnect(const RunView& run);

}  // namespace lockstep::harness::checkers
