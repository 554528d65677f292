// The scenario runner behind `lockstep run`: plays each scenario with the
// reference engine (ReferenceParticipant) against its own fresh mock igloohome —
// in-process, or over real sockets to a mock served on 127.0.0.1 — checks it
// (expectations.hpp), and turns it into the report model (report.hpp) with each
// booking's timeline, audit trail, attempts, outages and door probes.
//
// A run is deterministic for its seed: the engine's random PINs and every random
// fault draw from it, virtual time never reads the system clock, and results are
// returned in input order whatever --jobs did. Scenarios run in parallel on
// threads, each with its own mock, engine and (in HTTP mode) server.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lockstep/harness/report.hpp"
#include "lockstep/harness/selection.hpp"
#include "lockstep/harness/scenario.hpp"
#include "lockstep/harness/simulation.hpp"

namespace lockstep::harness {

enum class TransportKind { in_process, http };

struct RunOptions {
  std::uint64_t seed = 1;
  TransportKind transport = TransportKind::in_process;
  int jobs = 1;
  // How a failing scenario is replayed, pasted anywhere:
  // "<binary> run <absolute file> --scenario '<name>' --seed N".
  std::string binary = "build/lockstep";
  // Polled before each scenario and between instants: once true no scenario is
  // started, and the ones playing end as ERROR "interrupted".
  std::function<bool()> stop;
};

// select_scenarios with a name filter alone (see selection.hpp).
std::vector<Scenario> select_scenarios(std::vector<Scenario> all, std::string_view filter, int shard_index,
                                       int shard_count);

// The one command that replays a scenario: exactly it (by name), from its file
// by absolute path, with the binary as invoked (RunOptions::binary).
std::string replay_command(const Scenario& scenario, const RunOptions& options);

// Plays, checks and reports one scenario. Never throws: anything that breaks the
// run (a socket that cannot be bound, the mock refusing a fault) is an ERROR
// result naming it.
report::ScenarioResult run_scenario(const Scenario& scenario, const RunOptions& options);

// A scenario's expect_lockout against the lockout spans of its bookings: one B1
// failure per cause with minutes it does not name, and one per named cause that
// lost no minute (run_scenario adds them when the scenario declares the field).
std::vector<report::Failure> lockout_failures(const std::vector<std::string>& expected,
                                              const std::vector<report::BookingTimeline>& bookings);

// Called after each scenario finishes (from the worker thread that ran it, one
// call at a time): how many are done, of how many, and the result.
using ProgressFn = std::function<void(std::size_t done, std::size_t total, const report::ScenarioResult&)>;

// Every scenario, options.jobs at a time; results in the order of `scenarios`.
// `finished`, when given, says which ran to their end (all of them unless
// options.stop interrupted the run); progress is called for those only.
std::vector<report::ScenarioResult> run_scenarios(const std::vector<Scenario>& scenarios, const RunOptions& options,
                                                  const ProgressFn& progress = {},
                                                  std::vector<bool>* finished = nullptr);

}  // namespace lockstep::harness
