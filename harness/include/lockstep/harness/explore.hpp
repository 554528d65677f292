// The explorer: finds what no scenario names (`lockstep explore`).
//
// Hand-written scenarios cover what their authors thought of; the bugs that lock
// guests out live in combinations. From one seed the explorer draws, run after
// run, a random world and timeline — written in the scenario format itself
// (docs/scenario-format.md), so what ran is exactly what gets saved — with
// zones from the whole tz database and check-ins biased to their transitions,
// settings across their ranges, overlapping bookings, date changes, cancellations,
// late bookings, lock replacements, disconnects, and per-run "swarm" fault
// parameters (some kinds on, others off: outages of drawn rate and length, 5xx
// and 429 rates, pending jobs, early token expiry).
//
// Each run is judged:
//   - on the reference engine, by invariants that hold whatever was drawn
//     (check_reference): every booking ends in a definite state; a code exists by
//     check-in unless its attempts failed; a failed code was retried to its
//     deadline; attempts are at least the retry interval apart and before the
//     deadline; the door opens exactly within the window (bridge) or the rounded
//     window (algoPIN), probed at the edges; no PIN shared by overlapping
//     bookings on a lock; no igloohome call while disconnected;
//   - with an implementation under test (`--sut`), by the conformance driver:
//     any divergence from the reference on the same scenario is a failure.
// A failing run is shrunk greedily — bookings, events, faults and probes dropped
// one at a time while it still fails, then faults shortened — and the minimal
// scenario is written to the output directory with the command that replays it.
// With check_determinism each run is played twice and the trace hashes compared.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lockstep/harness/report.hpp"
#include "lockstep/rule.hpp"

namespace lockstep::harness {

struct ExploreOptions {
  std::uint64_t seed = 1;
  int runs = 100;
  // Sharding (CI matrices): this session plays the runs i with
  // i % shard_count == shard_index, so N shards together play all `runs` of the
  // seed, each run exactly once, and `lockstep report merge` adds them up.
  int shard_index = 0;
  int shard_count = 1;
  std::string sut_command;  // empty: the reference engine is checked by invariants
  bool check_determinism = false;
  bool platform_traffic = true;  // generate_scenario's
  bool shrink = true;
  int max_shrink_checks = 400;  // candidate scenarios tried while shrinking (each is one run)
  std::filesystem::path out_dir = "reports/explore";
  std::string lockstep_binary = "lockstep";  // for the replay command printed
  std::chrono::milliseconds request_timeout{10'000};
  // Where progress and findings are told (one line each); may be empty.
  std::function<void(std::string_view)> log;
  // Polled before each run: once true no run is started (the session is interrupted).
  std::function<bool()> stop;
};

// One run's result.
struct RunVerdict {
  std::vector<std::string> problems;  // empty: the run passed
  std::vector<report::Failure> failures;  // the same, structured for reports (one per problem)
  std::string trace_hash;             // of the journal and code history (reference runs)
  report::LockoutTotal lockout;       // guest-minutes locked out inside stays (lockout.hpp)
};

struct ExploreFinding {
  std::uint64_t run_seed = 0;
  int run_index = 0;
  std::optional<Rule> rule;                // principal rule of the failure as drawn (see principal_rule)
  std::vector<std::string> problems;       // of the shrunk scenario
  std::vector<report::Failure> failures;   // the same, structured
  nlohmann::json original;                 // the scenario as drawn
  nlohmann::json shrunk;                   // the minimal one still failing
  int shrink_steps = 0;                    // removals/shortenings kept
  std::filesystem::path file;              // where the shrunk scenario was written
  std::string replay;                      // the command that replays it
};

// One run as played, for the report: what was drawn and whether it passed.
struct PlayedRun {
  int index = 0;
  std::uint64_t seed = 0;
  std::string description;  // the drawn parameters
  bool passed = true;       // the failing run's problems are in the finding
  report::LockoutTotal lockout;
};

struct ExploreResult {
  int runs = 0;  // runs played
  std::vector<PlayedRun> played;
  std::optional<ExploreFinding> finding;
  std::string error;  // could not run at all (bad SUT command, unwritable --out)
  bool interrupted = false;  // options.stop ended the session before its last run
  report::LockoutTotal lockout;  // the headline: every run's lockout minutes, by cause
};

// The seed of run i of a session seeded with `seed` (splitmix-style, so runs are
// independent and any one can be replayed alone).
std::uint64_t run_seed(std::uint64_t seed, int run_index);

// The swarm parameters and the scenario of one run, in the scenario format.
// "description" says what was drawn (zones, settings, fault kinds and rates).
// With platform_traffic (the default), what booking platforms really send on
// top: unchanged re-sends, settings and zone changes after codes exist, stays
// changed while the guest is in them (during outages too), status polls and
// create/delete calls failing around booking changes, and guests at the door
// during every stay; drawn from a stream of its own, so turning it off leaves
// the rest of the run as it was.
nlohmann::json generate_scenario(std::uint64_t run_seed, bool platform_traffic = true);

// Plays `scenario` (scenario-format JSON) on the reference engine against the
// in-process mock and checks the invariants above.
RunVerdict check_reference(const nlohmann::json& scenario, std::uint64_t seed);

// Plays `scenario` through the conformance driver against `sut_command`: any
// divergence (or protocol error) is a problem.
RunVerdict check_sut(const nlohmann::json& scenario, std::uint64_t seed, const std::string& sut_command,
                     std::chrono::milliseconds request_timeout = std::chrono::seconds(10));

// Greedy shrinking: returns the smallest scenario found for which `fails` still
// holds (`fails(original)` is assumed). `steps` counts the changes kept.
// At most max_checks candidates are tried.
nlohmann::json shrink_scenario(const nlohmann::json& original,
                               const std::function<bool(const nlohmann::json&)>& fails, int* steps = nullptr,
                               int max_checks = 400);

// The rule a failing run is about: of the rules its failures cite, the one
// nearest the cause. A dedicated check (L1 token refresh, L4 calls after
// disconnect, C1 uniqueness, C2 PIN source) names its bug directly; otherwise
// time flows T1 -> T2 -> T3 -> T4 -> C5 and a difference shows again in every
// later stage, so the earliest stage is the cause, and deletions, doors and
// messages (B2, B1, L3, C4, M1) are judged last. Shrinking keeps only
// candidates that still cite this rule, so the minimal scenario shows the same
// bug rather than some other divergence met on the way. nullopt when none cites
// a rule (a protocol error, a determinism failure).
std::optional<Rule> principal_rule(const std::vector<report::Failure>& failures);

// The whole session: runs, judging, shrinking, writing the finding.
ExploreResult explore(const ExploreOptions& options);

}  // namespace lockstep::harness
