// Conformance: judging an implementation under test against the reference engine,
// scenario by scenario (`lockstep conform`, docs/conformance.md).
//
// Each scenario is played by the one simulation loop (simulation.hpp) with two
// lanes: the reference engine, exactly as `lockstep run` plays it (in-process,
// same seed, same fault seed), and the implementation (a child process over
// lockstep-sut/1, SutParticipant), each against its own mock igloohome built
// from the scenario's world (the implementation's served on 127.0.0.1, port 0).
// Both lanes follow the same observation plan, so their traces line up reading
// by reading. compare_traces() then lists the divergences, each with the rule of
// behaviour.md it breaks, the booking, the reference's value (expected) and the
// implementation's (observed):
//   command error codes (the event's rule);
//   get_code status (T3/T4/C4/B2), kind (C5), window (T2; T1 when written in a
//   DST gap or overlap), PIN source (C2, also when a phone that gives no code
//   leaves the booking failed or untried), random PIN form (C1) — random values
//   themselves are not compared, guest-phone PINs and algoPINs are, exactly;
//   attempts from the journal, tied to bookings by what the calls carry
//   (api_calls.hpp): first attempt (T3) and count and times (T4), within the
//   profile's schedule_tolerance_minutes (T5); deletions (C4, B2 when cancelled,
//   L3 when the lock changed); door probes (the probe's rule, else C4); renders
//   (M1); 401s not answered at once by a new token, beyond the reference's (L1).
// The implementation's run is also held to the invariants every run must keep
// (checkers/: C1 PIN uniqueness, L4 no call after disconnect), whatever the
// reference did.
#pragma once

#include <chrono>
#include <functional>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lockstep/harness/api_calls.hpp"
#include "lockstep/harness/conform_expectations.hpp"
#include "lockstep/harness/participant.hpp"
#include "lockstep/harness/report.hpp"
#include "lockstep/harness/scenario.hpp"
#include "lockstep/harness/simulation.hpp"
#include "lockstep/harness/sut_participant.hpp"
#include "lockstep/rules.hpp"

namespace lockstep::harness {

struct ConformOptions {
  // Polled between instants: true ends the scenario being played (interrupted).
  std::function<bool()> stop;
  std::string sut_command;  // split shell-like, run without a shell
  Profile profile{};        // the reference's knobs and the tolerance (T5)
  Expectations expectations;
  std::uint64_t seed = 1;   // the reference's random PINs (a scenario's own seed wins)
  std::chrono::milliseconds request_timeout{10'000};
  int max_ticks = 200'000;  // per run: an implementation asking for more is an ERROR
  // Play each scenario (driver, mock server thread, implementation) on one CPU:
  // the protocol is strictly one request at a time, and a hand-over between
  // CPUs costs more than the work (year-200-properties 5.1 s -> 3.0 s). Off for
  // an implementation that needs several CPUs to itself (`--spread-cpus`).
  bool one_cpu_per_scenario = true;
  // For the replay command printed with each non-passing scenario.
  std::string lockstep_binary = "lockstep";
  std::string profile_file;
  std::string expectations_file;
};

// The divergences of `observed` from `reference` (two lanes of one scenario),
// each citing its rule; skipped checks (unsupported requests) are appended to
// `skipped`.
std::vector<report::Failure> compare_traces(const Scenario& scenario, const Trace& reference, const Trace& observed,
                                            const std::set<std::string>& unsupported, const Profile& profile,
                                            std::vector<std::string>& skipped);

// A lane's trace with its calls as read_api_calls() read them, so that a caller
// that has read them already (for the timelines) does not read them again.
struct LaneCalls {
  const Trace& trace;
  const std::vector<ApiCall>& calls;
};
std::vector<report::Failure> compare_traces(const Scenario& scenario, const LaneCalls& reference,
                                            const LaneCalls& observed, const std::set<std::string>& unsupported,
                                            const Profile& profile, std::vector<std::string>& skipped);

// True when two profiles agree on every knob the engine uses (the tolerance,
// a checker's knob, is left out).
bool same_behaviour(const Profile& a, const Profile& b);

// One scenario, both runs, compared and judged (expectations applied).
report::ScenarioResult conform_scenario(const Scenario& scenario, const ConformOptions& options);

// Called as each scenario finishes (one call at a time, from the worker that ran it).
using ConformProgress = std::function<void(const report::ScenarioResult&)>;

// Every scenario, `jobs` at a time (0: one per core); results in the scenarios'
// order. Once `stop` answers true no scenario is started and the ones running
// end at their next instant (their verdict ERROR "interrupted"); the results
// vector then holds only the scenarios that finished, `finished` says which.
std::vector<report::ScenarioResult> conform_all(const std::vector<Scenario>& scenarios,
                                                const ConformOptions& options, int jobs = 0,
                                                const ConformProgress& progress = {},
                                                const std::function<bool()>& stop = {},
                                                std::vector<bool>* finished = nullptr);

}  // namespace lockstep::harness
