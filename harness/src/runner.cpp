#include "lockstep/harness/runner.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lockstep/harness/api_calls.hpp"
#include "lockstep/harness/expectations.hpp"
#include "lockstep/harness/lockout.hpp"
#include "lockstep/harness/reference_participant.hpp"
#include "lockstep/harness/scenario_loader.hpp"
#include "lockstep/harness/shell_quote.hpp"
#include "lockstep/harness/timelines.hpp"
#include "lockstep/harness/worker_pool.hpp"
#include "lockstep/igloohome/client.hpp"
#include "lockstep/mock/in_process_transport.hpp"
#include "lockstep/mock/mock.hpp"
#include "lockstep/mock/server.hpp"

namespace lockstep::harness {

std::vector<Scenario> select_scenarios(std::vector<Scenario> all, std::string_view filter, int shard_index,
                                       int shard_count) {
  Selection selection;
  selection.filter = std::string(filter);
  return select_scenarios(std::move(all), selection, shard_index, shard_count);
}

namespace detail {
namespace {

// The report's picture of every booking: the lane's story from the trace alone
// (lane_timelines: what was asked, the codes as observed, the journal's attempts,
// door probes, lockouts — the same for run and conform), then what only an
// in-process engine can add: its own view (window, status, fallback, attempts
// with its reasons), audit trail and notices.
std::vector<report::BookingTimeline> timelines(const Scenario& s, const Trace& trace,
                                               const ReferenceParticipant& participant) {
  std::vector<report::BookingTimeline> out = lane_timelines(s, trace, read_api_calls(s, trace));
  const Engine* engine = participant.engine();
  static const std::vector<AuditEvent> no_audit;
  std::map<std::string, std::vector<const Notice*>> notices_of;
  if (engine)
    for (const auto& n : engine->notices()) notices_of[n.booking_id].push_back(&n);
  for (auto& b : out) {
    const std::string& id = b.id;
    const std::vector<AuditEvent>& trail = engine ? engine->audit(id) : no_audit;
    if (auto view = participant.inspect(id)) {
      b.lock = view->lock_id;
      b.valid_from = view->valid_from;
      b.valid_until = view->valid_until;
      b.generate_at = view->generate_at;
      b.retry_deadline = view->retry_deadline;
      b.status = std::string(to_string(view->status));
      b.code = view->code;
      b.kind = view->kind ? std::string(to_string(*view->kind)) : std::string();
      b.source = view->source ? std::string(to_string(*view->source)) : std::string();
      if (view->fallback) b.fallback = std::string(to_string(*view->fallback));
      b.created_at = view->issued_at;
      std::map<int, std::string> failed;  // attempt number -> why
      for (const auto& a : trail)
        if (a.kind == AuditKind::attempt_failed || a.kind == AuditKind::generation_failed)
          failed.try_emplace(a.attempt, a.message);
      b.attempts.clear();
      for (std::size_t i = 0; i < view->attempts.size(); ++i) {
        const int number = static_cast<int>(i) + 1;
        report::Attempt at;
        at.at = view->attempts[i];
        auto f = failed.find(number);
        at.ok = f == failed.end() && (number < static_cast<int>(view->attempts.size()) || view->issued_at.has_value());
        at.detail = f != failed.end() ? f->second : (at.ok ? "code created" : "");
        b.attempts.push_back(std::move(at));
      }
    }
    std::optional<Instant> deleted_at;
    for (const auto& a : trail) {
      b.audit.push_back(report::AuditEntry{a.at, std::string(to_string(a.kind)), a.rule, a.message});
      if (a.kind == AuditKind::code_deleted) deleted_at = a.at;
    }
    if (deleted_at) b.deleted_at = deleted_at;
    if (const auto n = notices_of.find(id); n != notices_of.end())
      for (const Notice* notice : n->second)
        b.notices.push_back(report::NoticeEntry{notice->at, notice->code, notice->rule, notice->message});
  }
  return out;
}

struct Played {
  Trace trace;
  Judgement judgement;
  std::vector<report::BookingTimeline> bookings;
};

// One scenario against a fresh mock and engine, over the chosen transport.
Played play(const Scenario& s, const RunOptions& options, std::uint64_t seed) {
  mock::Mock mock(s.world ? *s.world : mock::default_world());
  ReferenceOptions ref{seed, s.profile.value_or(Profile{})};
  SimulationOptions sim;
  sim.fault_seed = seed;
  Played out;
  auto finish = [&](ReferenceParticipant& participant, MockControl& control) {
    sim.inspect = [&participant](const std::string& id) { return participant.inspect(id); };
    const Lane lane{&participant, &control, sim};
    out.trace = std::move(simulate(s, std::span<const Lane>(&lane, 1), options.stop).front());
    static const std::vector<Notice> no_notices;
    const auto* engine = participant.engine();
    out.judgement = check_scenario(s, out.trace, engine ? &engine->notices() : &no_notices);
    out.bookings = timelines(s, out.trace, participant);
    participant.shutdown();
  };
  if (options.transport == TransportKind::in_process) {
    mock::InProcessTransport admin(mock), auth(mock), api(mock);
    MockControl control(admin, mock);
    ReferenceParticipant participant(auth, api, ref);
    finish(participant, control);
  } else {
    mock::ServerOptions server_options;
    server_options.threads = 1;
    mock::Server server(mock, server_options);
    server.start();
    const auto base = fmt::format("http://127.0.0.1:{}", server.port());
    net::BeastTransport admin(net::Endpoint{"127.0.0.1", server.port(), ""});
    MockControl control(admin);
    sim.auth_url = base;
    sim.api_url = base + "/igloohome";
    ReferenceParticipant participant(ref);
    finish(participant, control);
    server.stop();
  }
  return out;
}

}  // namespace
}  // namespace detail

std::string replay_command(const Scenario& scenario, const RunOptions& options) {
  std::error_code ec;
  const auto file = scenario.file.empty() ? std::filesystem::path("scenarios/")
                                          : std::filesystem::absolute(scenario.file, ec);
  std::string cmd = fmt::format("{} run {} --scenario {} --seed {}", shell_quote(options.binary),
                                shell_quote(ec ? scenario.file : file.string()),
                                shell_quote(scenario.name), scenario.seed.value_or(options.seed));
  if (options.transport == TransportKind::http) cmd += " --transport http";
  return cmd;
}

// expect_lockout: the causes of the bookings' lockout minutes must be exactly
// the declared ones. A cause not declared is a guest locked out by surprise (B1:
// a guest never loses access they have a right to); a declared one that did not
// happen means the scenario no longer shows what it says.
std::vector<report::Failure> lockout_failures(const std::vector<std::string>& expected,
                                              const std::vector<report::BookingTimeline>& bookings) {
  std::map<std::string, std::int64_t> minutes;           // cause -> minutes
  std::map<std::string, std::string> first_booking;      // cause -> the first booking with it
  std::map<std::string, Instant> first_at;
  for (const auto& b : bookings)
    for (const auto& span : b.lockouts) {
      if (span.minutes() <= 0) continue;
      minutes[span.cause] += span.minutes();
      if (!first_booking.contains(span.cause)) {
        first_booking[span.cause] = b.id;
        first_at[span.cause] = span.from;
      }
    }
  std::vector<report::Failure> out;
  for (const auto& [cause, total] : minutes) {
    if (std::find(expected.begin(), expected.end(), cause) != expected.end()) continue;
    report::Failure f;
    f.rule = "B1";
    f.booking = first_booking[cause];
    f.what = "lockout";
    f.expected = expected.empty() ? "no lockout minutes" : fmt::format("lockout only of {}", fmt::join(expected, ", "));
    f.observed = fmt::format("{} min of {}", total, cause);
    f.at = first_at[cause];
    f.message = fmt::format("{} guest-minutes inside stays with no working code ({}), first {} from {}; the scenario's "
                            "expect_lockout does not name this cause",
                            total, cause, f.booking, format_instant(*f.at));
    out.push_back(std::move(f));
  }
  for (const auto& cause : expected) {
    if (minutes.contains(cause)) continue;
    report::Failure f;
    f.rule = "B1";
    f.what = "lockout";
    f.expected = fmt::format("lockout minutes of {}", cause);
    f.observed = "none";
    f.message = fmt::format("the scenario's expect_lockout names {}, but no guest-minute was lost to it", cause);
    out.push_back(std::move(f));
  }
  return out;
}

report::ScenarioResult run_scenario(const Scenario& input, const RunOptions& options) {
  report::ScenarioResult r;
  r.name = input.name;
  r.file = input.file;
  r.description = input.description;
  r.rules = input.rules;
  r.replay = replay_command(input, options);
  if (input.seed) r.seed = *input.seed;
  const auto started = std::chrono::steady_clock::now();
  try {
    const std::uint64_t seed = input.seed.value_or(options.seed);
    const Scenario scenario = expand_generator(input, seed);
    auto played = detail::play(scenario, options, seed);
    r.first = played.trace.first;
    r.last = played.trace.last;
    r.bookings = std::move(played.bookings);
    for (const auto& f : played.trace.faults) {
      report::Outage o;
      o.kind = f.fault.value("kind", std::string());
      o.target = f.fault.value("target", std::string("*"));
      o.from = f.from;
      o.until = f.until;
      r.outages.push_back(std::move(o));
    }
    for (const auto& p : played.trace.probes) {
      report::DoorProbe d;
      d.at = p.at;
      d.lock = p.lock;
      d.booking = p.booking;
      d.expected_open = scenario.probes[p.probe_index].expect_open;
      d.opened = p.opened;
      d.reason = p.reason;
      r.probes.push_back(std::move(d));
    }
    r.failures = std::move(played.judgement.failures);
    r.skipped = std::move(played.judgement.skipped);
    if (scenario.expect_lockout && played.trace.error.empty())
      for (auto& f : lockout_failures(*scenario.expect_lockout, r.bookings)) r.failures.push_back(std::move(f));
    if (!played.trace.error.empty()) {
      r.verdict = report::Verdict::error;
      r.error = played.trace.error;
    } else {
      r.verdict = r.failures.empty() ? report::Verdict::pass : report::Verdict::fail;
    }
  } catch (const std::exception& e) {
    r.verdict = report::Verdict::error;
    r.error = fmt::format("the run broke: {}", e.what());
  }
  r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  return r;
}

std::vector<report::ScenarioResult> run_scenarios(const std::vector<Scenario>& scenarios, const RunOptions& options,
                                                  const ProgressFn& progress, std::vector<bool>* finished) {
  std::vector<report::ScenarioResult> results(scenarios.size());
  std::vector<bool> ran(scenarios.size(), false);
  auto stopped = [&] { return options.stop && options.stop(); };
  std::size_t done = 0;
  std::mutex progress_mutex;
  // One worker plays the suite in its order; several start the longest first.
  const int jobs = std::max(1, options.jobs);
  std::vector<std::size_t> order = longest_first(scenarios);
  if (jobs == 1) std::sort(order.begin(), order.end());
  for_each_in_pool(order, jobs, stopped, [&](std::size_t i) {
    auto r = run_scenario(scenarios[i], options);
    if (stopped() && r.error == "interrupted") return;  // left, not finished
    std::lock_guard lock(progress_mutex);
    results[i] = std::move(r);
    ran[i] = true;
    if (progress) progress(++done, scenarios.size(), results[i]);
  });
  if (finished) *finished = std::move(ran);
  return results;
}

}  // namespace lockstep::harness
