// The explorer, part two: judging a run, on the reference engine by the
// invariants and the checkers, or against the reference with --sut.
#include "lockstep/harness/explore.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <map>
#include <set>

#include <date/tz.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "lockstep/harness/api_calls.hpp"
#include "lockstep/harness/checkers/no_residual_access.hpp"
#include "lockstep/harness/checkers/no_wrongful_lockout.hpp"
#include "lockstep/harness/checkers/silent_after_disconnect.hpp"
#include "lockstep/harness/checkers/unchanged_resend.hpp"
#include "lockstep/harness/checkers/unique_pins.hpp"
#include "lockstep/harness/conform.hpp"
#include "lockstep/harness/lockout.hpp"
#include "lockstep/harness/reference_participant.hpp"
#include "lockstep/harness/scenario_loader.hpp"
#include "lockstep/harness/simulation.hpp"
#include "lockstep/mock/in_process_transport.hpp"
#include "lockstep/mock/mock.hpp"
#include "lockstep/random.hpp"
#include "lockstep/rules.hpp"
#include "lockstep/time.hpp"

namespace lockstep::harness {

using nlohmann::json;

namespace detail {
namespace {

std::uint64_t fnv1a(std::string_view text, std::uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

Result<Scenario> load_one(const json& scenario) {
  auto loaded = parse_scenarios(scenario, "explore.json");
  if (!loaded) return std::unexpected(loaded.error());
  if (loaded->size() != 1) return fail(ErrorCode::invalid_argument, "expected one scenario");
  return std::move(loaded->front());
}

}  // namespace
}  // namespace detail

RunVerdict check_reference(const nlohmann::json& scenario_json, std::uint64_t seed) {
  using namespace detail;
  using std::chrono::minutes;
  RunVerdict verdict;
  auto loaded = load_one(scenario_json);
  if (!loaded) {
    verdict.problems.push_back("scenario refused: " + loaded.error().message);
    return verdict;
  }
  const Scenario& s = *loaded;
  const Profile profile = s.profile.value_or(Profile{});
  mock::Mock mock(s.world ? *s.world : mock::default_world());
  mock::InProcessTransport admin(mock), auth(mock), api(mock);
  MockControl control(admin, mock);
  ReferenceParticipant participant(auth, api, ReferenceOptions{seed, profile});
  SimulationOptions sim;
  sim.fault_seed = seed;
  sim.inspect = [&participant](const std::string& id) { return participant.inspect(id); };
  const Trace trace = simulate(s, participant, control, sim);
  auto problem = [&](std::optional<Rule> rule, std::string text) {
    report::Failure f;
    if (rule) f.rule = std::string(to_string(*rule));
    f.what = "invariant";
    f.message = text;
    verdict.failures.push_back(std::move(f));
    verdict.problems.push_back(rule ? fmt::format("{}: {}", to_string(*rule), text) : std::move(text));
  };

  if (!trace.error.empty()) problem(std::nullopt, "the run stopped: " + trace.error);

  // What happened to each booking, from the timeline.
  std::map<std::string, int> puts;
  std::set<std::string> lock_changed_properties;
  std::vector<std::pair<Instant, bool>> connection;  // (instant, connected after it)
  for (std::size_t i = 0; i < s.timeline.size(); ++i) {
    const auto& e = s.timeline[i];
    if (e.kind == EventKind::put_booking) ++puts[e.booking.booking_id];
    if ((e.kind == EventKind::assign_lock || e.kind == EventKind::remove_lock) && e.at > s.start) {
      lock_changed_properties.insert(e.property_id);
    }
  }
  for (const auto& c : trace.commands) {
    const auto& e = s.timeline[c.event_index];
    // Refusals the drawn world explains are fine: not connected (after a drawn
    // disconnect), or igloohome unavailable (a drawn fault) when asked about a lock.
    const bool explained = c.error && (c.error->code == "not_connected" || c.error->code == "provider_unavailable");
    if (c.error && !explained && !e.expect_error) {
      problem(std::nullopt, fmt::format("{} at {} ({}) refused: {} {}", to_string(e.kind), format_instant(c.at), e.json_path,
                          c.error->code, c.error->message));
    }
    if (!c.error && e.kind == EventKind::disconnect) connection.emplace_back(c.at, false);
    if (!c.error && e.kind == EventKind::connect && c.at > s.start) connection.emplace_back(c.at, true);
  }
  const bool ever_disconnected =
      std::any_of(connection.begin(), connection.end(), [](const auto& c) { return !c.second; });

  struct Known {
    std::string id;
    CodeView view;
    bool simple = false;  // one put, not cancelled, lock unchanged, never disconnected
    bool cancelled = false;
  };
  std::vector<Known> known;
  const auto* engine = participant.engine();
  std::map<std::string, std::set<std::string>> terminal_notices;  // booking -> needs_reconnect, lock_missing
  if (engine) {
    for (const auto& n : engine->notices()) {
      if (n.code == "needs_reconnect" || n.code == "lock_missing") terminal_notices[n.booking_id].insert(n.code);
    }
  }
  for (const auto& [id, property] : trace.property_of) {
    auto view = participant.inspect(id);
    if (!view) continue;
    Known k{id, *view};
    k.cancelled = trace.cancelled_at.count(id) > 0;
    k.simple = !k.cancelled && puts[id] <= 1 && !lock_changed_properties.count(property) && !ever_disconnected &&
               !terminal_notices.count(id);
    known.push_back(k);
    const auto& v = *view;

    // T4/C4: every booking ends in a definite state.
    if (!ever_disconnected && (v.status == CodeStatus::scheduled || v.status == CodeStatus::retrying)) {
      problem(Rule::T4, fmt::format("booking {} is still '{}' at the end ({})", id, to_string(v.status),
                          format_instant(end_of(s))));
    }
    if (!k.simple) continue;
    // T4: attempts at least the retry interval apart, all before the deadline.
    for (std::size_t i = 1; i < v.attempts.size(); ++i) {
      if (v.attempts[i] - v.attempts[i - 1] < profile.retry_interval) {
        problem(Rule::T4, fmt::format("booking {}: attempts {} and {} are only {} min apart", id,
                            format_instant(v.attempts[i - 1]), format_instant(v.attempts[i]),
                            std::chrono::duration_cast<minutes>(v.attempts[i] - v.attempts[i - 1]).count()));
      }
    }
    if (v.retry_deadline) {
      // T4 bounds retries; a booking made after its deadline still gets its
      // first attempt at once (T3).
      for (std::size_t i = 1; i < v.attempts.size(); ++i) {
        const Instant a = v.attempts[i];
        if (a >= *v.retry_deadline) {
          problem(Rule::T4, fmt::format("booking {}: attempt at {} is at or past the deadline {}", id, format_instant(a),
                              format_instant(*v.retry_deadline)));
        }
      }
      // T4: a failed code was tried until the deadline.
      // docs/engine.md: retries stop at min(retry deadline, valid_until) — a code
      // is never made for a window that has closed.
      Instant last_allowed = *v.retry_deadline;
      if (v.valid_until && *v.valid_until < last_allowed) last_allowed = *v.valid_until;
      if (v.status == CodeStatus::failed && v.kind != CodeKind::algopin &&
          (v.attempts.empty() || v.attempts.back() + profile.retry_interval < last_allowed)) {
        problem(Rule::T4, fmt::format("booking {} failed with its last attempt at {}, though retries were allowed "
                            "until {}",
                            id, v.attempts.empty() ? std::string("(none)") : format_instant(v.attempts.back()),
                            format_instant(*v.retry_deadline)));
      }
    }
    // T3: the code exists by check-in, unless its attempts before check-in failed
    // or the booking was made too late.
    if (v.valid_from && v.issued_at) {
      const Instant checkin = *v.valid_from;  // the guest may arrive from valid_from on
      const bool late = v.generate_at && *v.generate_at >= checkin;
      const bool failed_before = v.attempts.size() >= 2 && v.attempts.front() < checkin;
      if (*v.issued_at > checkin && !late && !failed_before && v.kind != CodeKind::algopin) {
        problem(Rule::T3, fmt::format("booking {}: code issued at {}, after the window opened at {}, with no failed "
                            "attempt before",
                            id, format_instant(*v.issued_at), format_instant(checkin)));
      }
    }
  }

  // The door: exactly within the window (bridge) or the rounded window (algoPIN).
  std::map<std::string, const Known*> by_id;
  for (const auto& k : known) by_id[k.id] = &k;
  for (const auto& p : trace.probes) {
    auto it = by_id.find(p.booking);
    if (it == by_id.end() || !it->second->simple) continue;
    const auto& v = it->second->view;
    std::optional<Instant> from = v.valid_from, until = v.valid_until;
    if (v.kind == CodeKind::algopin && v.algopin) {
      from = v.algopin->start;
      until = v.algopin->end;
    }
    if (!from || !until || !v.kind) continue;
    const bool inside = p.at >= *from && p.at < *until;
    const bool code_there = v.issued_at && *v.issued_at <= p.at && p.pin;
    const Rule rule = v.kind == CodeKind::algopin ? Rule::C5 : Rule::C4;
    if (!inside && p.opened) {
      problem(rule, fmt::format("booking {}: the door opened at {}, outside the window [{}, {})", p.booking,
                          format_instant(p.at), format_instant(*from), format_instant(*until)));
    }
    if (inside && code_there && !p.opened) {
      problem(rule, fmt::format("booking {}: code {} did not open {} at {} inside the window [{}, {}): {}",
                          p.booking, *p.pin, p.lock, format_instant(p.at), format_instant(*from),
                          format_instant(*until), p.reason));
    }
  }

  // The invariants every run keeps (checkers/), as conform holds implementations to them.
  const auto view = checkers::view_of(s, trace);
  for (const auto& [booking, spans] : lockouts_of(s, trace, view.calls))
    for (const auto& span : spans) verdict.lockout.add(span);
  std::vector<checkers::Violation> found = checkers::check_unique_pins(view);
  for (auto& v : checkers::check_silent_after_disconnect(view)) found.push_back(std::move(v));
  for (auto& v : checkers::check_no_wrongful_lockout(view)) found.push_back(std::move(v));
  for (auto& v : checkers::check_no_residual_access(view, profile)) found.push_back(std::move(v));
  for (auto& v : checkers::check_unchanged_resend(view)) found.push_back(std::move(v));
  for (const auto& v : found) problem(v.rule, v.booking.empty() ? v.message : "booking " + v.booking + ": " + v.message);

  // The trace hash: every igloohome call and every code change, in order.
  // (The journal's text as one JSON array, as it was hashed when traces kept it so.)
  std::string journal_text = "[";
  for (const auto& entry : trace.journal) {
    if (journal_text.size() > 1) journal_text += ',';
    journal_text += entry.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  journal_text += ']';
  std::uint64_t h = fnv1a(journal_text);
  for (const auto& snap : trace.snapshots) {
    h = fnv1a(fmt::format("{}|{}|{}|{}", format_instant(snap.at), snap.booking, snap.code.status,
                          snap.code.code.value_or("-")),
              h);
  }
  for (const auto& p : trace.probes) h = fnv1a(fmt::format("{}|{}|{}", format_instant(p.at), p.booking, p.opened), h);
  verdict.trace_hash = fmt::format("{:016x}", h);
  participant.shutdown();
  return verdict;
}

RunVerdict check_sut(const nlohmann::json& scenario_json, std::uint64_t seed, const std::string& sut_command,
                     std::chrono::milliseconds request_timeout) {
  RunVerdict verdict;
  auto loaded = detail::load_one(scenario_json);
  if (!loaded) {
    verdict.problems.push_back("scenario refused: " + loaded.error().message);
    return verdict;
  }
  ConformOptions options;
  options.sut_command = sut_command;
  options.seed = seed;
  options.request_timeout = request_timeout;
  const auto result = conform_scenario(*loaded, options);
  if (result.verdict == report::Verdict::error) {
    verdict.problems.push_back("ERROR: " + result.error);
    verdict.failures.push_back({.what = "protocol", .message = "ERROR: " + result.error});
  }
  verdict.failures.insert(verdict.failures.end(), result.failures.begin(), result.failures.end());
  verdict.lockout = report::lockout_of(result);
  for (const auto& f : result.failures) {
    verdict.problems.push_back(fmt::format("{}: {}{}: expected {}, observed {}{}", f.rule,
                                           f.booking.empty() ? std::string() : "booking " + f.booking + ": ",
                                           f.what, f.expected, f.observed,
                                           f.message.empty() ? std::string() : " — " + f.message));
  }
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const auto& p : verdict.problems) h = detail::fnv1a(p, h);
  verdict.trace_hash = fmt::format("{:016x}", h);
  return verdict;
}

std::optional<Rule> principal_rule(const std::vector<report::Failure>& failures) {
  // Dedicated checks first (each looks at the cause itself), then the chain a
  // booking's time flows through: the local reading (T1) shapes the window (T2),
  // which shapes generation (T3), retries (T4) and the code (C5); deletions,
  // doors and messages (B2, B1, L3, C4, M1) come last because they mostly
  // show a difference further up.
  static constexpr std::array kOrder = {Rule::L1, Rule::L4, Rule::C1, Rule::C2, Rule::C3, Rule::C6, Rule::B0,
                                        Rule::T1, Rule::T2, Rule::T3, Rule::T4, Rule::C5, Rule::B2, Rule::B1,
                                        Rule::L3, Rule::C4};
  std::vector<Rule> cited;
  for (const auto& f : failures)
    if (auto r = rule_from_string(f.rule)) cited.push_back(*r);
  for (const auto rule : kOrder)
    if (std::find(cited.begin(), cited.end(), rule) != cited.end()) return rule;
  if (!cited.empty()) return cited.front();
  return std::nullopt;
}

}  // namespace lockstep::harness
