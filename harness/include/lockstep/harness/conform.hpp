// Conformance: judging an implementation under test against the reference engine,
// scenario by scenario (`lockstep conform`, docs/conformance.md).
//
// For each scenario two runs are made, identical but for who plays: the
// implementation (a child process over lockstep-sut/1, SutParticipant) and the
// reference engine (the same protocol answered in-process by SutAdapter, so both
// sides are driven by the very same loop and code). Each run gets its own mock
// igloohome listening on 127.0.0.1 (port 0) built from the scenario's world, and
// its own virtual clock. The loop follows sut-protocol.md: at each instant the
// mock's clock is set, faults switch, the participant is ticked, the scenario's
// requests for that instant are delivered, and it is ticked again; it then stops
// at the implementation's next_wakeup, at every scenario event, and every
// tick_cadence_minutes when the implementation gives no wakeup.
//
// A ConformTrace records what each run did: every command's reply, get_code after each
// booking change and at every observation instant (probes, expectations, end),
// renders, door probes (the mock's lock simulator), and the mock's journal of
// igloohome calls. compare_traces() then lists the divergences, each with the
// rule of behaviour.md it breaks, the booking, the reference's value (expected)
// and the implementation's (observed):
//   command error codes (the event's rule);
//   get_code status (T3/T4/C4/B2), kind (C5), window (T2; T1 when written in a
//   DST gap or overlap), PIN source (C2, also when a phone that gives no code
//   leaves the booking failed or untried),
//   random PIN properties (C1: six digits, not forbidden, unique on the lock
//   among overlapping windows) — random values themselves are not compared,
//   guest-phone PINs and algoPINs are, exactly;
//   attempts from the journal: first attempt (T3) and count and times (T4),
//   within the profile's schedule_tolerance_minutes (T5);
//   deletions (C4, B2 when cancelled, L3 when the lock changed);
//   door probes (the probe's rule, else C4); renders (M1);
//   any igloohome call while disconnected (L4); 401s not answered at once by
//   a new token, beyond the reference's (L1).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "lockstep/harness/conform_expectations.hpp"
#include "lockstep/harness/participant.hpp"
#include "lockstep/harness/report.hpp"
#include "lockstep/harness/scenario.hpp"
#include "lockstep/harness/sut_participant.hpp"
#include "lockstep/mock/mock.hpp"
#include "lockstep/rules.hpp"

namespace lockstep::harness {

struct ConformOptions {
  std::string sut_command;  // split shell-like, run without a shell
  Profile profile{};        // the reference's knobs and the tolerance (T5)
  Expectations expectations;
  std::uint64_t seed = 1;   // the reference's random PINs (a scenario's own seed wins)
  std::chrono::milliseconds request_timeout{10'000};
  int max_ticks = 200'000;  // per run: an implementation asking for more is an ERROR
  // For the replay command printed with each non-passing scenario.
  std::string lockstep_binary = "lockstep";
  std::string profile_file;
  std::string expectations_file;
};

// What one run of a scenario did, as far as conformance looks.
struct ConformTrace {
  struct Command {
    std::size_t event = 0;  // index in scenario.timeline
    Instant at{};
    EventKind kind = EventKind::tick;
    std::string booking;  // put_booking / cancel_booking
    std::optional<std::string> error;  // nullopt: ok
  };
  struct Observation {  // one get_code
    Instant at{};
    std::string booking;
    std::string lock;  // the booking's lock at that instant, as the scenario assigned it
    std::optional<CodeReply> code;
    std::optional<std::string> error;
  };
  struct Render {
    Instant at{};
    std::string booking;
    std::string template_text;
    std::optional<std::string> text;
    std::optional<std::string> error;
    std::optional<std::string> code;  // the booking's code at that instant, when known
  };
  struct Probe {
    std::size_t index = 0;  // in scenario.probes
    Instant at{};
    std::string booking;
    std::string lock;
    std::optional<std::string> pin;
    bool opens = false;
    std::string reason;
  };

  std::vector<Command> commands;
  std::vector<Observation> observations;
  std::vector<Render> renders;
  std::vector<Probe> probes;
  std::vector<mock::JournalEntry> journal;  // igloohome calls (admin requests left out)
  // Journal index ranges [first, last) during which the participant was disconnected.
  std::vector<std::pair<std::size_t, std::size_t>> disconnected;
  std::map<std::string, std::string> guest_phones;  // booking -> phone, as last put
  std::set<std::string> cancelled;                  // bookings cancelled (ok)
  std::set<std::string> lock_changed;               // bookings whose property's lock changed
  std::set<std::string> unsupported;                // request types answered `unsupported`
  std::optional<ProtocolFailure> failure;           // the run ended early
  std::string subject;                              // init's name and version
  int ticks = 0;
};

// Plays `scenario` with `participant` against `mock`, reachable at `base_url`
// (http://127.0.0.1:P). Never throws; a protocol failure ends the run and is
// recorded in the trace.
ConformTrace play_scenario(const Scenario& scenario, SutParticipant& participant, mock::Mock& mock,
                    const std::string& base_url, int max_ticks = 200'000);

// The divergences of `observed` from `reference`, each citing its rule; skipped
// checks (unsupported requests) are appended to `skipped`.
std::vector<report::Failure> compare_traces(const Scenario& scenario, const ConformTrace& reference,
                                            const ConformTrace& observed, const Profile& profile,
                                            std::vector<std::string>& skipped);

// True when two profiles agree on every knob the engine uses (the tolerance,
// a checker's knob, is left out).
bool same_behaviour(const Profile& a, const Profile& b);

// One scenario, both runs, compared and judged (expectations applied).
report::ScenarioResult conform_scenario(const Scenario& scenario, const ConformOptions& options);

// Every scenario, `jobs` at a time; results in the scenarios' order.
std::vector<report::ScenarioResult> conform_all(const std::vector<Scenario>& scenarios,
                                                const ConformOptions& options, int jobs = 1);

}  // namespace lockstep::harness
