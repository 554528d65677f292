// The guest at the door, second half (issue 12): a code stops opening when its
// right ends. A door probe that opens at or after the booking's valid_until (as
// last reported) breaks C4; one that opens after the booking was cancelled, past
// the delete's retry allowance (Profile::delete_retry_window), breaks B2.
#pragma once

#include <vector>

#include "lockstep/harness/checkers/violation.hpp"
#include "lockstep/rules.hpp"

namespace lockstep::harness::checkers {

std::vector<Violation> check_no_residual_access(const RunView& run, const Profile& profile = {});

}  // namespace lockstep::harness::checkers
