// A lane's story for the report, from its Trace alone (no engine to ask): each
// booking as last accepted (stay, window, status, code), its attempts with their
// real outcome (the HTTP answer, then the bridge job's status polls), the code's
// creation and deletion on igloohome, and its door probes. conform draws the
// reference's and the implementation's side by side from these.
#pragma once

#include <vector>

#include "lockstep/harness/api_calls.hpp"
#include "lockstep/harness/report.hpp"
#include "lockstep/harness/scenario.hpp"
#include "lockstep/harness/simulation.hpp"

namespace lockstep::harness {

std::vector<report::BookingTimeline> lane_timelines(const Scenario& scenario, const Trace& trace,
                                                    const std::vector<ApiCall>& calls);

// Puts each reference timeline under its booking's `reference`; a booking only
// the reference has gets a lane of its own with the implementation's side empty.
void attach_reference_lanes(std::vector<report::BookingTimeline>& bookings,
                            const std::vector<report::BookingTimeline>& reference);

std::vector<report::Outage> outages_of(const Trace& trace);

// The door probes of `trace`; expected_open is the reference's outcome when
// `reference` is given, else what the scenario says.
std::vector<report::DoorProbe> probes_of(const Scenario& scenario, const Trace& trace, const Trace* reference);

}  // namespace lockstep::harness
