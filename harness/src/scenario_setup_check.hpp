// Inside the scenario loader: the setup of a scenario checked at load.
//
// The setup sections (connect, properties, locks, bookings) are requests the
// scenario cannot expect to fail: a misspelled zone or a malformed check-in there
// used to show up only at run time, as a FAIL with a dozen follow-on failures and
// no rule. So they are judged here, as a participant would, against the world
// the mock starts from: known IANA zones, local times "YYYY-MM-DDTHH:MM" that
// exist on the calendar, check-out after check-in, settings in their ranges
// (S1-S3), locks that exist and are assigned once, a connection for the locks,
// properties that exist when a booking names them, door probes on locks of the
// world. Timeline events are not judged: a scenario sends bad values there on
// purpose and expects the error.
#pragma once

#include <string>

#include "input_problems.hpp"
#include "lockstep/harness/scenario.hpp"
#include "lockstep/mock/world.hpp"

namespace lockstep::harness::detail {

// Adds to `problems` what is wrong with the setup of `scenario` (its events whose
// JSON path is not under `timeline_path`) and with its probes' locks.
void check_setup(const Scenario& scenario, const std::string& timeline_path, const mock::World& world,
                 Problems& problems);

}  // namespace lockstep::harness::detail
