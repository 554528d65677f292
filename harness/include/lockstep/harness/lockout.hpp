// Lockout minutes (issue 12): for each booking, the guest-minutes inside the
// stay (check-in to check-out as last put, not the margins) during which no code
// of the booking would have opened the door, each span with its cause:
//   not_yet_made      the code came later than check-in (or has not come yet)
//                     with no attempt failing before it;
//   outage            no code had come yet, and its attempts met a bridge outage;
//   failed_code       no code had come yet, its attempts failed otherwise (errors, refusals);
//   deleted_early     the code was deleted before the stay ended;
//   drifted_lock      the code was on the lock for that time, but the lock's own
//                     clock (a clock_drift fault) put the instant outside its window.
// Read from the run's igloohome calls: a PIN opens from its confirmed creation
// (for a bridge job, the call that made it, once a status poll confirmed it) and
// inside its own window, until it is deleted; an algoPIN from its issue, inside
// its window. A cancelled booking has no right to enter and no lockout, nor a
// booking before it was first put (a walk-in booked after check-in time).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "lockstep/harness/api_calls.hpp"
#include "lockstep/harness/report.hpp"
#include "lockstep/harness/scenario.hpp"
#include "lockstep/harness/simulation.hpp"

namespace lockstep::harness {

// The causes above, in that order: the values a scenario's expect_lockout may name.
inline constexpr const char* kLockoutCauses[] = {"not_yet_made", "outage", "failed_code", "deleted_early",
                                                 "drifted_lock"};

// How far the lock's own clock was from true time at `t` (clock_drift faults
// on `lock` in force then, summed; 0 without any): the lock reads t + drift.
std::chrono::minutes lock_clock_drift(const Trace& trace, const std::string& lock, Instant t);

// Every booking's lockout spans, keyed by booking id (bookings without any left out).
std::map<std::string, std::vector<report::LockoutSpan>> lockouts_of(const Scenario& scenario, const Trace& trace,
                                                                    const std::vector<ApiCall>& calls);

}  // namespace lockstep::harness
