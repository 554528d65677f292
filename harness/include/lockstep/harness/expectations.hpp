// Judging a played scenario: every expectation of the scenario (per booking,
// door probes, API calls, expected command replies) is checked against the
// Trace the simulation recorded, and each one that does not hold becomes a
// report::Failure citing its rule of behaviour.md, the booking, what was
// expected and what was observed, and the JSON path that states it.
//
// Checks that need the reference engine's own record (attempts, PIN source,
// fallback reason, algoPIN window, notices) use the trace's engine views and the
// notices given; when they are absent (an implementation under test) those
// checks are skipped and listed, never passed silently.
#pragma once

#include <string>
#include <vector>

#include "lockstep/engine.hpp"
#include "lockstep/harness/report.hpp"
#include "lockstep/harness/scenario.hpp"
#include "lockstep/harness/simulation.hpp"

namespace lockstep::harness {

struct Judgement {
  std::vector<report::Failure> failures;
  std::vector<std::string> skipped;  // checks that could not be made, and why
};

// `notices`: the reference engine's notices, or nullptr when there are none to see.
Judgement check_scenario(const Scenario& scenario, const Trace& trace, const std::vector<Notice>* notices);

// '*' matches any run of characters (including none), '?' any one; the rest literally.
bool glob_match(std::string_view pattern, std::string_view text) noexcept;
// True when every key of `subset` is in `json` with a matching value (objects
// recursively, other values equal).
bool json_contains(const nlohmann::json& json, const nlohmann::json& subset);

}  // namespace lockstep::harness
