#include "lockstep/harness/conform.hpp"

#include "lockstep/harness/worker_pool.hpp"
#include "lockstep/harness/shell_quote.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lockstep/codes.hpp"
#include "lockstep/harness/api_calls.hpp"
#include "lockstep/harness/checkers/no_residual_access.hpp"
#include "lockstep/harness/checkers/no_wrongful_lockout.hpp"
#include "lockstep/harness/checkers/silent_after_disconnect.hpp"
#include "lockstep/harness/checkers/unchanged_resend.hpp"
#include "lockstep/harness/checkers/unique_pins.hpp"
#include "lockstep/harness/reference_participant.hpp"
#include "lockstep/harness/scenario_loader.hpp"
#include "lockstep/harness/timelines.hpp"
#include "lockstep/mock/in_process_transport.hpp"
#include "lockstep/mock/mock.hpp"
#include "lockstep/mock/server.hpp"
#include "one_cpu.hpp"

namespace lockstep::harness {

using nlohmann::json;

namespace detail {
namespace {

std::string show(const std::optional<Instant>& t) { return t ? format_instant(*t) : "none"; }
std::string show(const std::optional<std::string>& s) { return s ? *s : "none"; }

std::string show_times(const std::vector<Instant>& ts) {
  if (ts.empty()) return "none";
  std::string out;
  for (std::size_t i = 0; i < ts.size(); ++i) {
    if (i == 8) return out + fmt::format(", ... ({} in all)", ts.size());
    out += (i ? ", " : "") + format_instant(ts[i]);
  }
  return out;
}

Seconds distance(Instant a, Instant b) { return a > b ? a - b : b - a; }

}  // namespace
}  // namespace detail

bool same_behaviour(const Profile& a, const Profile& b) {
  return a.generation_local_time == b.generation_local_time && a.retry_interval == b.retry_interval &&
         a.retry_deadline == b.retry_deadline && a.disconnect_deletes_future_codes == b.disconnect_deletes_future_codes &&
         a.delete_retry_window == b.delete_retry_window && a.job_poll_interval == b.job_poll_interval &&
         a.max_values_per_attempt == b.max_values_per_attempt;
}

// ---------------------------------------------------------------------------
// Comparing two lanes

namespace {

using detail::show;

// What a run's accepted requests say about its bookings.
struct Facts {
  std::set<std::string> cancelled;
  std::set<std::string> lock_changed;               // bookings whose property's lock changed after they were put
  std::map<std::string, std::string> guest_phones;  // booking -> phone, as last accepted

  Facts(const Scenario& s, const Trace& t) {
    std::map<std::string, std::set<std::string>> bookings_of;  // property -> bookings put so far
    for (const auto& c : t.commands) {
      if (c.error) continue;
      const auto& e = s.timeline[c.event_index];
      switch (e.kind) {
        case EventKind::put_booking:
          bookings_of[e.booking.property_id].insert(e.booking.booking_id);
          if (e.booking.guest_phone) guest_phones[e.booking.booking_id] = *e.booking.guest_phone;
          else guest_phones.erase(e.booking.booking_id);
          break;
        case EventKind::cancel_booking: cancelled.insert(e.booking_id); break;
        case EventKind::assign_lock:
        case EventKind::remove_lock:
          for (const auto& b : bookings_of[e.property_id]) lock_changed.insert(b);
          break;
        default: break;
      }
    }
  }
};

// Per booking, from one lane's calls: attempt instants and first delete instant.
struct CallsOf {
  std::vector<Instant> attempts;
  std::optional<Instant> deleted;
};

std::map<std::string, CallsOf> calls_by_booking(const std::vector<ApiCall>& calls) {
  std::map<std::string, CallsOf> out;
  for (const auto& c : calls) {
    if (c.booking.empty()) continue;
    auto& of = out[c.booking];
    if (c.makes_code()) {
      // Several values in one attempt (C3) share its instant.
      if (of.attempts.empty() || of.attempts.back() != c.at) of.attempts.push_back(c.at);
    } else if (c.kind == ApiCall::Kind::delete_pin && !of.deleted) {
      of.deleted = c.at;
    }
  }
  return out;
}

class Comparer {
 public:
  Comparer(const Scenario& s, const LaneCalls& r, const LaneCalls& o, const std::set<std::string>& unsupported,
           const Profile& p, std::vector<std::string>& skipped)
      : scenario_(s),
        ref_(r.trace),
        obs_(o.trace),
        ref_calls_(r.calls),
        obs_calls_(o.calls),
        ref_facts_(s, r.trace),
        obs_facts_(s, o.trace),
        unsupported_(unsupported),
        profile_(p),
        tolerance_(p.schedule_tolerance),
        skipped_(skipped) {}

  std::vector<report::Failure> run() {
    commands();
    const bool codes = !unsupported_.contains("get_code");
    if (codes) {
      observations();
      journal();
      probes();
    } else {
      skipped_.push_back(
          "get_code is unsupported: codes, windows, attempts, deletions and door probes were not compared");
    }
    if (!unsupported_.contains("render")) renders();
    else skipped_.push_back("render is unsupported: rendered messages (M1) were not compared");
    token_refresh();
    // The invariants every run keeps, on the implementation's.
    const auto view = checkers::view_of(scenario_, obs_, obs_calls_);
    for (const auto& v : checkers::check_unique_pins(view)) add_failure(checkers::to_failure(v));
    for (const auto& v : checkers::check_silent_after_disconnect(view)) add_failure(checkers::to_failure(v));
    // The guest at the door and idempotence: the implementation's violations
    // the reference does not share (one it shares is the reference's bug, for
    // explore to find, not a divergence).
    const auto ref_view = checkers::view_of(scenario_, ref_, ref_calls_);
    auto door = [&](const checkers::RunView& v) {
      auto found = checkers::check_no_wrongful_lockout(v);
      for (auto& x : checkers::check_no_residual_access(v, profile_)) found.push_back(std::move(x));
      for (auto& x : checkers::check_unchanged_resend(v)) found.push_back(std::move(x));
      return found;
    };
    const auto shared = door(ref_view);
    for (const auto& v : door(view)) {
      const bool also_reference = std::any_of(shared.begin(), shared.end(), [&](const checkers::Violation& r) {
        return r.rule == v.rule && r.booking == v.booking;
      });
      if (!also_reference) add_failure(checkers::to_failure(v));
    }
    return std::move(failures_);
  }

 private:
  void add_failure(report::Failure f) {
    // One divergence per booking and quantity: the first is the one to fix.
    if (!reported_.insert(f.booking + "\x1f" + f.what).second) return;
    failures_.push_back(std::move(f));
  }

  void add(Rule rule, std::string booking, std::string what, std::string expected, std::string observed,
           std::string message, std::optional<Instant> at = std::nullopt) {
    report::Failure f;
    f.rule = std::string(to_string(rule));
    f.booking = std::move(booking);
    f.what = std::move(what);
    f.expected = std::move(expected);
    f.observed = std::move(observed);
    f.message = std::move(message);
    f.at = at;
    add_failure(std::move(f));
  }

  static Rule default_rule(EventKind kind) {
    switch (kind) {
      case EventKind::connect: return Rule::L1;
      case EventKind::disconnect: return Rule::L4;
      case EventKind::put_property: return Rule::T1;
      case EventKind::assign_lock: return Rule::L2;
      case EventKind::remove_lock: return Rule::L3;
      case EventKind::configure_lock: return Rule::S4;
      case EventKind::put_booking: return Rule::T2;
      default: return Rule::B2;
    }
  }

  static std::string show_error(const std::optional<ReplyError>& e) { return e ? e->code : "ok"; }

  void commands() {
    const auto n = std::min(ref_.commands.size(), obs_.commands.size());
    for (std::size_t i = 0; i < n; ++i) {
      const auto& r = ref_.commands[i];
      const auto& o = obs_.commands[i];
      if (r.event_index != o.event_index) break;
      if (show_error(r.error) == show_error(o.error)) continue;
      const auto& e = scenario_.timeline[r.event_index];
      const Rule rule = rule_from_string(e.rule).value_or(default_rule(e.kind));
      const std::string booking = e.kind == EventKind::put_booking ? e.booking.booking_id : e.booking_id;
      add(rule, booking, fmt::format("reply to {} ({})", to_string(e.kind), e.json_path), show_error(r.error),
          show_error(o.error),
          fmt::format("{} at {}: the reference answered {}, the implementation {}", to_string(e.kind),
                      format_instant(r.at), show_error(r.error), show_error(o.error)),
          r.at);
    }
  }

  // Whether `booking` is served from its guest's phone (its lock in guest_phone
  // mode) but the phone gives no code, so C2 asks for a random fallback. Read
  // from the scenario as last written, which is what the exploration shrinks to.
  bool phone_gives_no_code(const std::string& booking) const {
    std::map<std::string, std::string> lock_of, mode_of;
    std::string property;
    std::optional<std::string> phone;
    for (const auto& e : scenario_.timeline) {
      if (e.kind == EventKind::assign_lock) lock_of[e.property_id] = e.lock_id;
      if (e.kind == EventKind::remove_lock) lock_of.erase(e.property_id);
      if (e.kind == EventKind::configure_lock && e.config.code_source) mode_of[e.lock_id] = *e.config.code_source;
      if (e.kind == EventKind::put_booking && e.booking.booking_id == booking) {
        property = e.booking.property_id;
        phone = e.booking.guest_phone;
      }
    }
    const auto lock = lock_of.find(property);
    if (lock == lock_of.end() || mode_of[lock->second] != "guest_phone") return false;
    return !phone || !phone_pin(*phone);
  }

  Rule status_rule(const std::string& booking, const std::string& a, const std::string& b) const {
    auto either = [&](const char* s) { return a == s || b == s; };
    if (b == "failed" && a != "failed" && phone_gives_no_code(booking)) return Rule::C2;
    if (either("failed") || either("retrying")) return Rule::T4;
    if (either("revoked")) return ref_facts_.cancelled.contains(booking) ? Rule::B2 : Rule::C4;
    return Rule::T3;
  }

  // A window edge that differs is T2's unless the booking's check-in (or
  // check-out) was ever written as a local time that a DST change skips or
  // repeats: then reading the local time (T1) is what the two runs disagree on.
  Rule window_rule(const std::string& booking, bool start_edge) const {
    std::map<std::string, std::string> zone_of;
    for (const auto& p : scenario_.properties) zone_of[p.id] = p.timezone;
    for (const auto& e : scenario_.timeline) {
      if (e.kind == EventKind::put_property) zone_of[e.property_id] = e.timezone;
      if (e.kind != EventKind::put_booking || e.booking.booking_id != booking) continue;
      const auto zone = Zone::locate(zone_of[e.booking.property_id]);
      const auto local = parse_local(start_edge ? e.booking.checkin : e.booking.checkout);
      if (zone && local && zone->lookup(*local).kind != LocalInfo::Kind::unique) return Rule::T1;
    }
    return Rule::T2;
  }

  std::optional<std::string> phone_code(const std::string& booking) const {
    auto it = ref_facts_.guest_phones.find(booking);
    if (it == ref_facts_.guest_phones.end()) return std::nullopt;
    auto pin = phone_pin(it->second);
    if (!pin) return std::nullopt;
    return *pin;
  }

  void observations() {
    if (ref_.observations.size() != obs_.observations.size())
      skipped_.push_back("the two runs observed codes at different points; only the common prefix was compared");
    const auto n = std::min(ref_.observations.size(), obs_.observations.size());
    for (std::size_t i = 0; i < n; ++i) {
      const auto& r = ref_.observations[i];
      const auto& o = obs_.observations[i];
      if (r.at != o.at || r.booking != o.booking) break;
      const auto& b = r.booking;
      const auto when = format_instant(r.at);
      if (!r.code || !o.code) {
        const std::string re = r.code ? "ok" : r.code.error().code, oe = o.code ? "ok" : o.code.error().code;
        if (re != oe)
          add(Rule::T2, b, "get_code", re, oe,
              fmt::format("get_code({}) at {}: the reference answered {}, the implementation {}", b, when, re, oe),
              r.at);
        continue;
      }
      const auto& rc = *r.code;
      const auto& oc = *o.code;
      if (rc.status != oc.status)
        add(status_rule(b, rc.status, oc.status), b, "status", rc.status, oc.status,
            fmt::format("at {} the code of {} is {} for the reference, {} for the implementation", when, b,
                        rc.status, oc.status),
            r.at);
      // A kind on one side only follows from a status told above (one side has
      // its code, the other not yet): a kind divergence is two codes of two kinds.
      if (rc.kind != oc.kind && rc.kind && oc.kind)
        add(Rule::C5, b, "kind", show(rc.kind), show(oc.kind),
            fmt::format("at {} the code of {} is of kind {} for the reference, {} for the implementation", when, b,
                        show(rc.kind), show(oc.kind)),
            r.at);
      // A window divergence is marked where the two windows first differ (the
      // earlier of the two starts or ends), not where it was read: the report
      // draws it there, on the lanes, next to the bars that differ.
      auto where_windows_part = [&](const std::optional<Instant>& a, const std::optional<Instant>& c) {
        return a && c ? std::min(*a, *c) : r.at;
      };
      if (rc.valid_from != oc.valid_from)
        add(window_rule(b, true), b, "valid_from", show(rc.valid_from), show(oc.valid_from),
            fmt::format("at {} the window of {} starts at {} for the reference, {} for the implementation", when, b,
                        show(rc.valid_from), show(oc.valid_from)),
            where_windows_part(rc.valid_from, oc.valid_from));
      if (rc.valid_until != oc.valid_until)
        add(window_rule(b, false), b, "valid_until", show(rc.valid_until), show(oc.valid_until),
            fmt::format("at {} the window of {} ends at {} for the reference, {} for the implementation", when, b,
                        show(rc.valid_until), show(oc.valid_until)),
            where_windows_part(rc.valid_until, oc.valid_until));
      if (rc.code.has_value() != oc.code.has_value()) {
        if (rc.status == oc.status)
          add(Rule::T3, b, "code", rc.code ? "a code" : "no code", oc.code ? "a code" : "no code",
              fmt::format("at {} {} has {} for the reference and {} for the implementation", when, b,
                          rc.code ? "a code" : "no code", oc.code ? "a code" : "no code"),
              r.at);
        continue;
      }
      if (!rc.code) continue;
      if (rc.kind && *rc.kind == "algopin") {
        // algoPINs derive from the lock, window and variance: they must be equal.
        if (*rc.code != *oc.code)
          add(Rule::C5, b, "algopin", *rc.code, *oc.code,
              fmt::format("at {} the algoPIN of {} differs (window or variance requested differently)", when, b),
              r.at);
        continue;
      }
      const auto phone = phone_code(b);
      const bool ref_phone = phone && *rc.code == *phone;
      const bool obs_phone = phone && *oc.code == *phone;
      if (ref_phone != obs_phone)
        add(Rule::C2, b, "pin source", ref_phone ? "guest_phone (" + *phone + ")" : "random (phone fallback)",
            obs_phone ? "guest_phone (" + *phone + ")" : "random, " + *oc.code,
            fmt::format("at {} {}'s PIN {} the guest's phone for the reference but {} for the implementation", when,
                        b, ref_phone ? "comes from" : "does not come from", obs_phone ? "does" : "does not"),
            r.at);
      if (!obs_phone && rc.kind == std::optional<std::string>("pin")) {
        const auto& pin = *oc.code;
        const bool six_digits =
            pin.size() == 6 && std::all_of(pin.begin(), pin.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
        if (!six_digits || is_forbidden_pin(pin))
          add(Rule::C1, b, "random pin", "6 digits, not all equal, not a straight run", pin,
              fmt::format("at {} {}'s random PIN '{}' breaks C1", when, b, pin), r.at);
      }
    }
  }


  static std::string show_times_or(const std::vector<Instant>& ts, const char* empty) {
    return ts.empty() ? std::string(empty) : detail::show_times(ts);
  }

  void journal() {
    const auto ref = calls_by_booking(ref_calls_);
    const auto obs = calls_by_booking(obs_calls_);
    std::set<std::string> bookings;
    for (const auto& [b, _] : ref) bookings.insert(b);
    for (const auto& [b, _] : obs) bookings.insert(b);
    const CallsOf none;
    for (const auto& b : bookings) {
      const auto& r = ref.contains(b) ? ref.at(b) : none;
      const auto& o = obs.contains(b) ? obs.at(b) : none;
      const auto tol = fmt::format("tolerance {} min (T5)", tolerance_.count());
      if (r.attempts.empty() != o.attempts.empty()) {
        add(o.attempts.empty() && phone_gives_no_code(b) ? Rule::C2 : Rule::T3, b, "attempts",
            show_times_or(r.attempts, "no attempt"), show_times_or(o.attempts, "no attempt"),
            r.attempts.empty() ? fmt::format("the implementation tried to create a code for {}; the reference never did", b)
                               : fmt::format("the implementation never tried to create a code for {}", b),
            r.attempts.empty() ? o.attempts.front() : r.attempts.front());
      } else if (!r.attempts.empty()) {
        if (detail::distance(r.attempts.front(), o.attempts.front()) > tolerance_)
          add(Rule::T3, b, "first attempt", format_instant(r.attempts.front()), format_instant(o.attempts.front()),
              fmt::format("the first attempt for {} came at {}, the reference's at {} ({})", b,
                          format_instant(o.attempts.front()), format_instant(r.attempts.front()), tol),
              r.attempts.front());
        bool times_differ = r.attempts.size() != o.attempts.size();
        for (std::size_t i = 0; !times_differ && i < r.attempts.size(); ++i)
          times_differ = detail::distance(r.attempts[i], o.attempts[i]) > tolerance_;
        if (times_differ)
          add(Rule::T4, b, "attempts", detail::show_times(r.attempts), detail::show_times(o.attempts),
              fmt::format("{} attempt(s) for {} where the reference made {} (count, spacing or deadline; {})",
                          o.attempts.size(), b, r.attempts.size(), tol),
              r.attempts.front());
      }
      if (r.deleted.has_value() != o.deleted.has_value() ||
          (r.deleted && detail::distance(*r.deleted, *o.deleted) > tolerance_)) {
        const Rule rule = ref_facts_.cancelled.contains(b)      ? Rule::B2
                          : ref_facts_.lock_changed.contains(b) ? Rule::L3
                                                                : Rule::C4;
        add(rule, b, "deletion", show(r.deleted), show(o.deleted),
            !o.deleted ? fmt::format("the implementation never deleted {}'s PIN", b)
            : !r.deleted ? fmt::format("the implementation deleted {}'s PIN at {}; the reference did not", b,
                                       format_instant(*o.deleted))
                         : fmt::format("{}'s PIN was deleted at {}, the reference's at {}", b,
                                       format_instant(*o.deleted), format_instant(*r.deleted)),
            r.deleted ? r.deleted : o.deleted);
      }
    }
  }

  void probes() {
    const auto n = std::min(ref_.probes.size(), obs_.probes.size());
    for (std::size_t i = 0; i < n; ++i) {
      const auto& r = ref_.probes[i];
      const auto& o = obs_.probes[i];
      if (r.probe_index != o.probe_index || r.opened == o.opened) continue;
      const auto& spec = scenario_.probes[r.probe_index];
      const Rule rule = rule_from_string(spec.rule).value_or(Rule::C4);
      add(rule, r.booking, fmt::format("door ({})", spec.json_path),
          fmt::format("{} ({})", r.opened ? "opens" : "stays closed", r.reason),
          fmt::format("{} ({})", o.opened ? "opens" : "stays closed", o.reason),
          fmt::format("a guest of {} at lock {} at {}: the door {} with the reference, {} with the implementation",
                      r.booking.empty() ? "(literal PIN)" : r.booking, o.lock, format_instant(r.at),
                      r.opened ? "opens" : "stays closed", o.opened ? "opens" : "stays closed"),
          r.at);
    }
  }

  static std::string normalised(const RenderRecord& r) {
    if (!r.text) return "error " + r.text.error().code;
    std::string text = *r.text;
    if (r.code && !r.code->empty())
      for (auto pos = text.find(*r.code); pos != std::string::npos; pos = text.find(*r.code, pos + 6))
        text.replace(pos, r.code->size(), "<code>");
    return text;
  }

  void renders() {
    const auto n = std::min(ref_.renders.size(), obs_.renders.size());
    for (std::size_t i = 0; i < n; ++i) {
      const auto& r = ref_.renders[i];
      const auto& o = obs_.renders[i];
      if (r.booking != o.booking || r.at != o.at) break;
      const auto a = normalised(r), b = normalised(o);
      if (a == b) continue;
      add(Rule::M1, r.booking, "render", a, b,
          fmt::format("render({}, \"{}\") at {}: the reference gave \"{}\", the implementation \"{}\"", r.booking,
                      r.template_text, format_instant(r.at), a, b),
          r.at);
    }
  }

  // L1: a 401 is answered with one new token and one repeat. A 401 whose next
  // call at the same instant is not a token request counts against a run; the
  // reference has such 401s too (a repeat refused again is terminal), so only a
  // surplus is a divergence.
  static std::vector<const ApiCall*> unrefreshed_401s(const std::vector<ApiCall>& calls) {
    std::vector<const ApiCall*> out;
    for (std::size_t i = 0; i < calls.size(); ++i) {
      const auto& e = calls[i];
      if (e.status != 401 || e.kind == ApiCall::Kind::token) continue;
      bool refreshed = false;
      for (std::size_t k = i + 1; k < calls.size() && calls[k].at == e.at && !refreshed; ++k)
        refreshed = calls[k].kind == ApiCall::Kind::token;
      if (!refreshed) out.push_back(&e);
    }
    return out;
  }

  void token_refresh() {
    const auto ref = unrefreshed_401s(ref_calls_);
    const auto obs = unrefreshed_401s(obs_calls_);
    if (obs.size() <= ref.size()) return;
    const auto& first = *obs.front();
    add(Rule::L1, "", "token after 401", fmt::format("{} 401(s) left without a new token", ref.size()),
        fmt::format("{}, first on {} {} at {}", obs.size(), first.method, first.path, format_instant(first.at)),
        fmt::format("igloohome answered 401 to {} {} at {} and the implementation did not ask for a new token "
                    "and repeat the call",
                    first.method, first.path, format_instant(first.at)),
        first.at);
  }

  const Scenario& scenario_;
  const Trace& ref_;
  const Trace& obs_;
  const std::vector<ApiCall>& ref_calls_;
  const std::vector<ApiCall>& obs_calls_;
  const Facts ref_facts_;
  const Facts obs_facts_;
  const std::set<std::string>& unsupported_;
  const Profile& profile_;
  Minutes tolerance_;
  std::vector<std::string>& skipped_;
  std::vector<report::Failure> failures_;
  std::set<std::string> reported_;
};

}  // namespace

std::vector<report::Failure> compare_traces(const Scenario& scenario, const Trace& reference, const Trace& observed,
                                            const std::set<std::string>& unsupported, const Profile& profile,
                                            std::vector<std::string>& skipped) {
  const std::vector<ApiCall> ref_calls = read_api_calls(scenario, reference);
  const std::vector<ApiCall> obs_calls = read_api_calls(scenario, observed);
  return compare_traces(scenario, {reference, ref_calls}, {observed, obs_calls}, unsupported, profile, skipped);
}

std::vector<report::Failure> compare_traces(const Scenario& scenario, const LaneCalls& reference,
                                            const LaneCalls& observed, const std::set<std::string>& unsupported,
                                            const Profile& profile, std::vector<std::string>& skipped) {
  return Comparer(scenario, reference, observed, unsupported, profile, skipped).run();
}

// ---------------------------------------------------------------------------
// One scenario, judged

namespace {

std::string replay_command(const Scenario& s, const ConformOptions& o, std::uint64_t seed) {
  // Pasted anywhere: exactly this scenario, files by absolute path.
  auto absolute = [](const std::string& f) {
    std::error_code ec;
    auto p = std::filesystem::absolute(f, ec);
    return ec ? f : p.string();
  };
  std::string cmd = fmt::format("{} conform --sut {} --seed {} --scenario {}", shell_quote(o.lockstep_binary),
                                shell_quote(o.sut_command), seed, shell_quote(s.name));
  if (!o.profile_file.empty()) cmd += " --profile " + shell_quote(absolute(o.profile_file));
  if (!o.expectations_file.empty()) cmd += " --expectations " + shell_quote(absolute(o.expectations_file));
  if (!s.file.empty()) cmd += " " + shell_quote(absolute(s.file));
  return cmd;
}

void apply_expectations(report::ScenarioResult& result, const Scenario& scenario, const ConformOptions& options,
                        std::vector<report::Failure> divergences) {
  for (auto& d : divergences) {
    if (const auto* accepted = options.expectations.find(scenario.name, d.rule, d.booking)) {
      result.known_divergences.push_back({std::move(d), accepted->reason, false});
    } else {
      result.failures.push_back(std::move(d));
    }
  }
  for (const auto& a : options.expectations.accepted) {
    if (a.scenario != scenario.name) continue;
    const bool seen = std::any_of(result.known_divergences.begin(), result.known_divergences.end(),
                                  [&](const report::KnownDivergence& k) {
                                    return a.matches(scenario.name, k.divergence.rule, k.divergence.booking);
                                  });
    if (seen) continue;
    report::KnownDivergence gone;
    gone.divergence.rule = a.rule;
    gone.divergence.booking = a.booking.value_or("");
    gone.divergence.message = fmt::format("accepted divergence {}{} no longer occurs: remove it from the expectations file",
                                          a.rule, a.booking ? " for " + *a.booking : "");
    gone.note = a.reason;
    gone.disappeared = true;
    result.known_divergences.push_back(std::move(gone));
  }
}

}  // namespace

report::ScenarioResult conform_scenario(const Scenario& original, const ConformOptions& options) {
  // The mock's server thread and the child start below, and inherit the one CPU.
  std::optional<detail::OneCpu> one_cpu;
  if (options.one_cpu_per_scenario) one_cpu.emplace();
  const std::uint64_t seed = original.seed.value_or(options.seed);
  const Scenario scenario = expand_generator(original, seed);
  report::ScenarioResult result;
  result.name = scenario.name;
  result.file = scenario.file;
  result.description = scenario.description;
  result.rules = scenario.rules;
  result.seed = original.seed;
  result.first = scenario.start;
  result.last = end_of(scenario);
  result.replay = replay_command(scenario, options, options.seed);

  if (scenario.profile && !same_behaviour(*scenario.profile, options.profile)) {
    result.verdict = report::Verdict::skip;
    result.skipped.push_back(
        "the scenario sets its own profile knobs, which an implementation cannot be told over lockstep-sut/1; "
        "run conform with a --profile holding the same knobs to include it");
    return result;
  }

  try {
    const mock::World& world = scenario.world ? *scenario.world : mock::default_world();
    // The reference lane: the engine in-process, exactly as `lockstep run` plays it.
    mock::Mock reference_mock(world);
    mock::InProcessTransport ref_admin(reference_mock), ref_auth(reference_mock), ref_api(reference_mock);
    MockControl ref_control(ref_admin, reference_mock);
    ReferenceParticipant reference(ref_auth, ref_api, ReferenceOptions{seed, options.profile});

    // The implementation's lane: its own mock on a socket, steered in-process.
    mock::Mock sut_mock(world);
    mock::ServerOptions server_options;
    server_options.threads = 1;
    mock::Server server(sut_mock, server_options);
    server.start();
    mock::InProcessTransport sut_admin(sut_mock);
    MockControl sut_control(sut_admin, sut_mock, MockControl::Traffic::foreign);
    SutOptions sut_options;
    sut_options.command = options.sut_command;
    sut_options.request_timeout = options.request_timeout;
    sut_options.cancelled = options.stop;
    auto sut = SutParticipant::start(sut_options);
    if (!sut) {
      result.verdict = report::Verdict::error;
      result.error = "cannot start the implementation: " + sut.error().message;
      return result;
    }

    std::array<Lane, 2> lanes;
    lanes[0].participant = &reference;
    lanes[0].mock = &ref_control;
    lanes[0].options.fault_seed = seed;
    lanes[0].options.render_at_end = true;
    lanes[0].options.max_instants = static_cast<std::size_t>(options.max_ticks);
    lanes[0].options.inspect = [&reference](const std::string& id) { return reference.inspect(id); };
    lanes[1] = lanes[0];
    lanes[1].participant = sut->get();
    lanes[1].mock = &sut_control;
    lanes[1].options.inspect = {};
    const auto base = fmt::format("http://127.0.0.1:{}", server.port());
    lanes[1].options.auth_url = base;
    lanes[1].options.api_url = base + "/igloohome";
    // The reference's calls and timelines are read on its lane's thread while
    // the implementation's lane is still playing (the reference is the faster).
    std::vector<ApiCall> ref_calls;
    std::vector<report::BookingTimeline> ref_bookings;
    lanes[0].then = [&](const Trace& t) {
      ref_calls = read_api_calls(scenario, t);
      ref_bookings = lane_timelines(scenario, t, ref_calls);
    };
    auto traces = simulate(scenario, lanes, options.stop);
    reference.shutdown();
    const Trace& ref = traces[0];
    const Trace& obs = traces[1];
    if (!(*sut)->failure()) (*sut)->shutdown();
    (*sut)->finish();
    server.stop();

    // Each lane's calls read once, for the timelines and every comparison.
    const std::vector<ApiCall> obs_calls = read_api_calls(scenario, obs);
    result.bookings = lane_timelines(scenario, obs, obs_calls);
    attach_reference_lanes(result.bookings, ref_bookings);
    result.outages = outages_of(obs);
    result.probes = probes_of(scenario, obs, &ref);

    if (options.stop && options.stop()) {
      result.verdict = report::Verdict::error;
      result.error = "interrupted";
      return result;
    }
    if (!ref.error.empty()) {
      result.verdict = report::Verdict::error;
      result.error = "the reference run failed (a lockstep bug or a scenario it cannot play): " + ref.error;
      return result;
    }
    if (const auto& failure = (*sut)->failure(); failure || !obs.error.empty()) {
      result.verdict = report::Verdict::error;
      result.error = failure ? failure->message : obs.error;
      if (failure && failure->exit && failure->message.find(failure->exit->describe()) == std::string::npos &&
          (failure->exit->exited || failure->exit->signaled))
        result.error += fmt::format(" (the implementation then {})", failure->exit->describe());
      result.stderr_tail = failure && !failure->stderr_tail.empty() ? failure->stderr_tail : (*sut)->stderr_tail();
      if (!(*sut)->transcript().empty()) {
        result.error += "\nlast exchanges:";
        const auto& t = (*sut)->transcript();
        for (std::size_t i = t.size() > 6 ? t.size() - 6 : 0; i < t.size(); ++i) result.error += "\n  " + t[i];
      }
      return result;
    }

    std::set<std::string> needed_unsupported;
    for (const auto& type : (*sut)->unsupported())
      if (type != "get_code" && type != "render") needed_unsupported.insert(type);
    if (!needed_unsupported.empty()) {
      result.verdict = report::Verdict::skip;
      for (const auto& type : needed_unsupported)
        result.skipped.push_back(fmt::format("the implementation does not support '{}', which this scenario needs",
                                             type));
      return result;
    }

    apply_expectations(result, scenario, options,
                       compare_traces(scenario, {ref, ref_calls}, {obs, obs_calls}, (*sut)->unsupported(),
                                      options.profile, result.skipped));
    result.verdict = result.failures.empty() ? report::Verdict::pass : report::Verdict::fail;
  } catch (const std::exception& e) {
    result.verdict = report::Verdict::error;
    result.error = fmt::format("harness error: {}", e.what());
  }
  return result;
}

std::vector<report::ScenarioResult> conform_all(const std::vector<Scenario>& scenarios, const ConformOptions& options,
                                                int jobs, const ConformProgress& progress,
                                                const std::function<bool()>& stop, std::vector<bool>* finished) {
  std::vector<report::ScenarioResult> results(scenarios.size());
  std::vector<bool> done(scenarios.size(), false);
  std::mutex progress_mutex;
  ConformOptions with_stop = options;
  if (stop) with_stop.stop = stop;
  // One worker plays the suite in its order; several start the longest first.
  std::vector<std::size_t> order = longest_first(scenarios);
  if (jobs == 1 || (jobs <= 0 && std::thread::hardware_concurrency() <= 1)) std::sort(order.begin(), order.end());
  for_each_in_pool(order, jobs, stop, [&](std::size_t i) {
    auto r = conform_scenario(scenarios[i], with_stop);
    if (stop && stop() && r.error == "interrupted") return;  // not finished: left for the report to list
    std::lock_guard lock(progress_mutex);
    results[i] = std::move(r);
    done[i] = true;
    if (progress) progress(results[i]);
  });
  if (finished) *finished = done;
  return results;
}

}  // namespace lockstep::harness
