// What a checker returns: one broken invariant, with the rule of behaviour.md it
// breaks as a value. Checkers (one per file in this directory, after
// tigerbeetle's state_checker) each look at one played run — the scenario, its
// Trace and the igloohome calls read from it — and hold whatever the
// implementation, so explore, conform and the stateful test judge runs by the
// very same code. The rule becomes text only in the report (to_failure).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lockstep/harness/api_calls.hpp"
#include "lockstep/harness/report.hpp"
#include "lockstep/harness/scenario.hpp"
#include "lockstep/harness/simulation.hpp"
#include "lockstep/rule.hpp"

namespace lockstep::harness::checkers {

struct Violation {
  Rule rule{};
  std::string booking;  // "" when not about one booking
  std::string what;     // the quantity checked: "pin uniqueness", "calls after disconnect", ...
  std::string expected;
  std::string observed;
  std::string message;  // the sentence for people
  std::optional<Instant> at;
};

// A span of journal positions [from, to) during which the account was disconnected.
struct Span {
  std::size_t from = 0;
  std::size_t to = static_cast<std::size_t>(-1);
};

// One played run as the checkers see it: plain facts, so that runs played by the
// simulation loop (view_of) and the stateful test's direct engine runs are judged
// alike.
struct RunView {
  std::vector<ApiCall> calls;       // tied to bookings (api_calls.hpp)
  std::set<std::string> cancelled;  // bookings cancelled (accepted)
  std::vector<Span> disconnected;   // from each accepted disconnect to the next accepted connect
  // The run as played by the simulation loop, for the checkers that need its
  // readings and door probes (null for a run driven some other way).
  const Scenario* scenario = nullptr;
  const Trace* trace = nullptr;
};

RunView view_of(const Scenario& scenario, const Trace& trace);
// The same with the trace's calls already read (read_api_calls).
RunView view_of(const Scenario& scenario, const Trace& trace, std::vector<ApiCall> calls);

report::Failure to_failure(const Violation& v);

}  // namespace lockstep::harness::checkers
