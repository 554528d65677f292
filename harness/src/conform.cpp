#include "lockstep/harness/conform.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <tuple>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lockstep/codes.hpp"
#include "lockstep/harness/scenario_loader.hpp"
#include "lockstep/harness/sut_adapter.hpp"
#include "lockstep/mock/server.hpp"

namespace lockstep::harness {

using nlohmann::json;

namespace detail {
namespace {

constexpr std::string_view standard_template = "Your door code: {{smartlock_code}}";

bool is_admin(const mock::JournalEntry& e) { return e.path.rfind("/__admin", 0) == 0; }

std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    const auto j = path.find('/', i);
    const auto end = j == std::string_view::npos ? path.size() : j;
    if (end > i) out.emplace_back(path.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

// A code-making or code-deleting igloohome call, read from the journal.
struct CodeCall {
  enum class Kind { create_pin, delete_pin, algopin } kind = Kind::create_pin;
  Instant at{};
  std::string lock;
  std::string pin;  // create/delete: the request's; algopin: the response's
  std::optional<Instant> start;
  std::optional<Instant> end;
  int status = 0;
};

std::optional<Instant> instant_field(const json& body, const char* field) {
  if (!body.is_object() || !body.contains(field) || !body[field].is_string()) return std::nullopt;
  auto t = parse_instant(body[field].get<std::string>());
  if (!t) return std::nullopt;
  return *t;
}

std::optional<CodeCall> code_call(const mock::JournalEntry& e) {
  if (e.method != "POST") return std::nullopt;
  const auto parts = segments(e.path);
  // .../devices/{lock}/jobs/bridges/{bridge}  or  .../devices/{lock}/algopin/{type}
  for (std::size_t i = 0; i + 3 < parts.size() + 1; ++i) {
    if (parts[i] != "devices" || i + 3 >= parts.size()) continue;
    CodeCall call;
    call.at = e.at;
    call.lock = parts[i + 1];
    call.status = e.status;
    if (parts[i + 2] == "jobs" && parts[i + 3] == "bridges") {
      const json body = e.body();
      if (!body.is_object()) return std::nullopt;
      const json& data = body.contains("jobData") ? body["jobData"] : json();
      const int job_type = body.contains("jobType") && body["jobType"].is_number_integer() ? body["jobType"].get<int>() : 0;
      if (job_type != 4 && job_type != 5) return std::nullopt;
      call.kind = job_type == 4 ? CodeCall::Kind::create_pin : CodeCall::Kind::delete_pin;
      if (data.is_object() && data.contains("pin") && data["pin"].is_string()) call.pin = data["pin"].get<std::string>();
      call.start = instant_field(data, "startDate");
      call.end = instant_field(data, "endDate");
      return call;
    }
    if (parts[i + 2] == "algopin") {
      call.kind = CodeCall::Kind::algopin;
      const json body = e.body();
      call.start = instant_field(body, "startDate");
      call.end = instant_field(body, "endDate");
      const auto response = e.response();
      if (response.is_object() && response.contains("pin") && response["pin"].is_string())
        call.pin = response["pin"].get<std::string>();
      return call;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

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
// Playing a scenario

namespace {

class Player {
 public:
  Player(const Scenario& s, SutParticipant& p, mock::Mock& m, std::string url, int max_ticks)
      : scenario_(s), participant_(p), mock_(m), base_url_(std::move(url)), max_ticks_(max_ticks) {}

  ConformTrace run() {
    try {
      play();
    } catch (const std::exception& e) {
      if (!trace_.failure) trace_.failure = ProtocolFailure{fmt::format("harness error: {}", e.what()), "", "", {}};
    }
    if (!trace_.failure && participant_.failure()) trace_.failure = participant_.failure();
    if (disconnected_from_) trace_.disconnected.emplace_back(*disconnected_from_, api_calls_so_far());
    // Indexes in `disconnected` count igloohome calls only, as kept here.
    for (auto& e : mock_.journal())
      if (!detail::is_admin(e)) trace_.journal.push_back(std::move(e));
    trace_.unsupported = participant_.unsupported();
    return std::move(trace_);
  }

 private:
  bool broken() const { return participant_.failure().has_value() || trace_.failure.has_value(); }

  std::size_t api_calls_so_far() const {
    std::size_t n = 0;
    for (const auto& e : mock_.journal()) n += detail::is_admin(e) ? 0 : 1;
    return n;
  }

  std::string lock_of(const std::string& booking) const {
    auto b = booking_property_.find(booking);
    if (b == booking_property_.end()) return {};
    auto l = property_lock_.find(b->second);
    return l == property_lock_.end() ? std::string() : l->second;
  }

  void observe(Instant at, const std::string& booking) {
    ConformTrace::Observation o;
    o.at = at;
    o.booking = booking;
    o.lock = lock_of(booking);
    auto reply = participant_.get_code(booking);
    if (reply) {
      o.code = *reply;
      codes_at_[{at, booking}] = reply->code;
    } else {
      o.error = reply.error().code;
    }
    trace_.observations.push_back(std::move(o));
  }

  void render(Instant at, const std::string& booking, const std::string& tmpl) {
    ConformTrace::Render r;
    r.at = at;
    r.booking = booking;
    r.template_text = tmpl;
    if (auto c = codes_at_.find({at, booking}); c != codes_at_.end()) r.code = c->second;
    auto reply = participant_.render(booking, tmpl);
    if (reply) r.text = *reply;
    else r.error = reply.error().code;
    trace_.renders.push_back(std::move(r));
  }

  void apply_fault(const Event& e) {
    if (e.kind == EventKind::fault_on) {
      auto id = mock_.add_fault(e.fault);
      if (!id) throw std::runtime_error(fmt::format("{}: the mock refused fault '{}': {}", e.json_path, e.fault_id, id.error().message));
      fault_ids_[e.fault_id] = *id;
    } else {
      auto it = fault_ids_.find(e.fault_id);
      if (it != fault_ids_.end()) {
        mock_.remove_fault(it->second);
        fault_ids_.erase(it);
      }
    }
  }

  void deliver(std::size_t index, const Event& e, Instant t) {
    ConformTrace::Command c;
    c.event = index;
    c.at = t;
    c.kind = e.kind;
    Reply<Done> result = Done{};
    switch (e.kind) {
      case EventKind::connect: {
        // The span of silence ends where connecting starts: its token request is allowed.
        const auto before = api_calls_so_far();
        auto r = participant_.connect(e.client_id, e.client_secret);
        if (!r) result = std::unexpected(r.error());
        else if (disconnected_from_) {
          trace_.disconnected.emplace_back(*disconnected_from_, before);
          disconnected_from_.reset();
        }
        break;
      }
      case EventKind::disconnect: {
        const auto before = api_calls_so_far();
        result = participant_.disconnect();
        if (result && !disconnected_from_) disconnected_from_ = before;
        break;
      }
      case EventKind::put_property: result = participant_.put_property(e.property_id, e.timezone); break;
      case EventKind::assign_lock:
        result = participant_.assign_lock(e.property_id, e.brand, e.lock_id);
        if (result) {
          mark_lock_change(e.property_id);
          property_lock_[e.property_id] = e.lock_id;
        }
        break;
      case EventKind::remove_lock:
        result = participant_.remove_lock(e.property_id);
        if (result) {
          mark_lock_change(e.property_id);
          property_lock_.erase(e.property_id);
        }
        break;
      case EventKind::configure_lock: result = participant_.configure_lock(e.lock_id, e.config); break;
      case EventKind::put_booking:
        c.booking = e.booking.booking_id;
        result = participant_.put_booking(e.booking);
        if (result) {
          booking_property_[e.booking.booking_id] = e.booking.property_id;
          if (e.booking.guest_phone) trace_.guest_phones[e.booking.booking_id] = *e.booking.guest_phone;
          else trace_.guest_phones.erase(e.booking.booking_id);
        }
        break;
      case EventKind::cancel_booking:
        c.booking = e.booking_id;
        result = participant_.cancel_booking(e.booking_id);
        if (result) trace_.cancelled.insert(e.booking_id);
        break;
      case EventKind::fault_on:
      case EventKind::fault_off:
      case EventKind::tick: return;
    }
    if (!result) c.error = result.error().code;
    trace_.commands.push_back(std::move(c));
    if (e.kind == EventKind::put_booking) {
      if (std::find(bookings_.begin(), bookings_.end(), e.booking.booking_id) == bookings_.end())
        bookings_.push_back(e.booking.booking_id);
      // Every window a booking ever has is seen here, for reading the journal.
      if (!broken()) observe(t, e.booking.booking_id);
    }
  }

  void mark_lock_change(const std::string& property) {
    for (const auto& [booking, p] : booking_property_)
      if (p == property) trace_.lock_changed.insert(booking);
  }

  void probe(std::size_t index, const DoorProbeSpec& spec, Instant t) {
    ConformTrace::Probe p;
    p.index = index;
    p.at = t;
    p.booking = spec.booking;
    if (spec.pin) {
      p.pin = spec.pin;
    } else if (!spec.booking.empty()) {
      const Instant as_of = spec.code_as_of.value_or(t);
      auto c = codes_at_.find({as_of, spec.booking});
      if (c != codes_at_.end()) {
        p.pin = c->second;
      } else if (as_of == t) {
        auto reply = participant_.get_code(spec.booking);
        if (reply) p.pin = reply->code;
      }
    }
    p.lock = spec.lock.empty() ? lock_of(spec.booking) : spec.lock;
    if (!p.pin) {
      p.reason = "no code to type";
    } else if (p.lock.empty()) {
      p.reason = "no lock";
    } else {
      auto r = mock_.enter(p.lock, *p.pin, t);
      p.opens = r.opens;
      p.reason = r.reason;
    }
    trace_.probes.push_back(std::move(p));
  }

  void play() {
    const Instant start = scenario_.start;
    const Instant end = end_of(scenario_);
    const Minutes cadence(std::max(1, scenario_.tick_cadence_minutes));

    // Which bookings to read when: the probed and expected ones at their
    // instants (a year of 200 properties must not read every booking at every
    // probe), every booking at the end.
    std::map<Instant, std::set<std::string>> observe_at{{end, {}}};
    for (const auto& p : scenario_.probes) {
      if (p.booking.empty()) continue;
      observe_at[p.at].insert(p.booking);
      if (p.code_as_of) observe_at[*p.code_as_of].insert(p.booking);
    }
    for (const auto& x : scenario_.expectations) {
      auto& set = observe_at[x.at.value_or(end)];
      set.insert(x.booking);
      if (x.code_differs_from) set.insert(*x.code_differs_from);
    }

    mock_.set_now(start);
    auto init = participant_.init(InitRequest{start, base_url_, base_url_ + "/igloohome"});
    if (!init) {
      if (!participant_.failure())
        trace_.failure = ProtocolFailure{
            fmt::format("init was refused: {}: {}", init.error().code, init.error().message), "", "", {}};
      return;
    }
    trace_.subject = init->version.empty() ? init->name : init->name + " " + init->version;

    std::size_t next_event = 0, next_probe = 0;
    std::optional<Instant> wake;
    Instant now = start;
    bool first = true;
    for (;;) {
      // The next instant: a scenario event, a probe, an observation, the
      // implementation's wakeup, or the cadence when it gives none.
      Instant t = end;
      if (next_event < scenario_.timeline.size()) t = std::min(t, std::max(start, scenario_.timeline[next_event].at));
      if (next_probe < scenario_.probes.size()) t = std::min(t, scenario_.probes[next_probe].at);
      if (auto o = observe_at.upper_bound(first ? start - Seconds(1) : now); o != observe_at.end()) t = std::min(t, o->first);
      if (!first) {
        if (wake && *wake > now) t = std::min(t, *wake);
        else t = std::min(t, now + cadence);
      }
      // Everything at or before `now` is done, so every candidate is later.
      if (first) t = start;
      first = false;

      if (++trace_.ticks > max_ticks_) {
        trace_.failure = ProtocolFailure{
            fmt::format("more than {} ticks: the implementation's next_wakeup never lets virtual time reach the end "
                        "({} reached, end {})",
                        max_ticks_, format_instant(now), format_instant(end)),
            "", participant_.stderr_tail(), {}};
        return;
      }
      mock_.set_now(t);
      // Faults switch first, so the tick at t already meets them.
      for (std::size_t i = next_event; i < scenario_.timeline.size() && scenario_.timeline[i].at <= t; ++i) {
        const auto& e = scenario_.timeline[i];
        if (e.kind == EventKind::fault_on || e.kind == EventKind::fault_off) apply_fault(e);
      }
      auto w = participant_.tick(t);
      if (broken()) return;
      wake = w ? *w : std::nullopt;
      bool delivered = false;
      for (; next_event < scenario_.timeline.size() && scenario_.timeline[next_event].at <= t; ++next_event) {
        const auto& e = scenario_.timeline[next_event];
        if (!is_participant_request(e.kind)) continue;
        deliver(next_event, e, t);
        delivered = true;
        if (broken()) return;
      }
      if (delivered) {
        w = participant_.tick(t);
        if (broken()) return;
        wake = w ? *w : std::nullopt;
      }
      if (auto o = observe_at.find(t); o != observe_at.end()) {
        for (const auto& b : bookings_)
          if (t >= end || o->second.contains(b)) observe(t, b);
        for (const auto& x : scenario_.expectations)
          if (x.render && x.at.value_or(end) == t) render(t, x.booking, x.render->template_text);
        if (broken()) return;
      }
      for (; next_probe < scenario_.probes.size() && scenario_.probes[next_probe].at <= t; ++next_probe)
        probe(next_probe, scenario_.probes[next_probe], t);
      if (broken()) return;
      if (t >= end) {
        for (const auto& b : bookings_) render(t, b, std::string(detail::standard_template));
        return;
      }
      now = t;
    }
  }

  const Scenario& scenario_;
  SutParticipant& participant_;
  mock::Mock& mock_;
  std::string base_url_;
  int max_ticks_;
  ConformTrace trace_;
  std::vector<std::string> bookings_;  // in order first put
  std::map<std::string, std::string> booking_property_;
  std::map<std::string, std::string> property_lock_;
  std::map<std::pair<Instant, std::string>, std::optional<std::string>> codes_at_;
  std::map<std::string, std::string> fault_ids_;
  std::optional<std::size_t> disconnected_from_;
};

}  // namespace

ConformTrace play_scenario(const Scenario& scenario, SutParticipant& participant, mock::Mock& mock,
                    const std::string& base_url, int max_ticks) {
  return Player(scenario, participant, mock, base_url, max_ticks).run();
}

// ---------------------------------------------------------------------------
// Comparing two traces

namespace {

using detail::show;

class Comparer {
 public:
  Comparer(const Scenario& s, const ConformTrace& r, const ConformTrace& o, const Profile& p, std::vector<std::string>& skipped)
      : scenario_(s), ref_(r), obs_(o), tolerance_(p.schedule_tolerance), skipped_(skipped) {}

  // For the report's timelines: each booking's attempts and deletion in a run.
  static std::map<std::string, std::pair<std::vector<Instant>, std::optional<Instant>>> calls_of(
      const ConformTrace& t) {
    std::map<std::string, std::pair<std::vector<Instant>, std::optional<Instant>>> out;
    for (const auto& [booking, calls] : read_journal(t).by_booking) out[booking] = {calls.attempts, calls.deleted};
    return out;
  }

  std::vector<report::Failure> run() {
    commands();
    const bool codes = !obs_.unsupported.contains("get_code");
    if (codes) {
      observations();
      uniqueness();
      journal();
      probes();
    } else {
      skipped_.push_back(
          "get_code is unsupported: codes, windows, attempts, deletions and door probes were not compared");
    }
    if (!obs_.unsupported.contains("render")) renders();
    else skipped_.push_back("render is unsupported: rendered messages (M1) were not compared");
    token_refresh();
    after_disconnect();
    return std::move(failures_);
  }

 private:
  void add(std::string rule, std::string booking, std::string what, std::string expected, std::string observed,
           std::string message, std::optional<Instant> at = std::nullopt) {
    // One divergence per booking and quantity: the first is the one to fix.
    if (!reported_.insert(booking + "\x1f" + what).second) return;
    report::Failure f;
    f.rule = std::move(rule);
    f.booking = std::move(booking);
    f.what = std::move(what);
    f.expected = std::move(expected);
    f.observed = std::move(observed);
    f.message = std::move(message);
    f.at = at;
    failures_.push_back(std::move(f));
  }

  static std::string default_rule(EventKind kind) {
    switch (kind) {
      case EventKind::connect: return "L1";
      case EventKind::disconnect: return "L4";
      case EventKind::put_property: return "T1";
      case EventKind::assign_lock: return "L2";
      case EventKind::remove_lock: return "L3";
      case EventKind::configure_lock: return "S4";
      case EventKind::put_booking: return "T2";
      case EventKind::cancel_booking: return "B2";
      default: return "";
    }
  }

  void commands() {
    const auto n = std::min(ref_.commands.size(), obs_.commands.size());
    for (std::size_t i = 0; i < n; ++i) {
      const auto& r = ref_.commands[i];
      const auto& o = obs_.commands[i];
      if (r.event != o.event || r.error == o.error) continue;
      const auto& e = scenario_.timeline[r.event];
      const std::string rule = !e.rule.empty() ? e.rule : default_rule(e.kind);
      add(rule, r.booking, fmt::format("reply to {} ({})", to_string(e.kind), e.json_path),
          r.error ? *r.error : "ok", o.error ? *o.error : "ok",
          fmt::format("{} at {}: the reference answered {}, the implementation {}", to_string(e.kind),
                      format_instant(r.at), r.error ? *r.error : "ok", o.error ? *o.error : "ok"),
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

  std::string status_rule(const std::string& booking, const std::string& a, const std::string& b) const {
    auto either = [&](const char* s) { return a == s || b == s; };
    if (b == "failed" && a != "failed" && phone_gives_no_code(booking)) return "C2";
    if (either("failed") || either("retrying")) return "T4";
    if (either("revoked")) return ref_.cancelled.contains(booking) ? "B2" : "C4";
    return "T3";
  }

  // A window edge that differs is T2's unless the booking's check-in (or
  // check-out) was ever written as a local time that a DST change skips or
  // repeats: then reading the local time (T1) is what the two runs disagree on.
  std::string window_rule(const std::string& booking, bool start_edge) const {
    std::map<std::string, std::string> zone_of;
    for (const auto& p : scenario_.properties) zone_of[p.id] = p.timezone;
    for (const auto& e : scenario_.timeline) {
      if (e.kind == EventKind::put_property) zone_of[e.property_id] = e.timezone;
      if (e.kind != EventKind::put_booking || e.booking.booking_id != booking) continue;
      const auto zone = Zone::locate(zone_of[e.booking.property_id]);
      const auto local = parse_local(start_edge ? e.booking.checkin : e.booking.checkout);
      if (zone && local && zone->lookup(*local).kind != LocalInfo::Kind::unique) return "T1";
    }
    return "T2";
  }

  std::optional<std::string> phone_code(const std::string& booking) const {
    auto it = ref_.guest_phones.find(booking);
    if (it == ref_.guest_phones.end()) return std::nullopt;
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
      if (r.error || o.error) {
        if (r.error != o.error)
          add("T2", b, "get_code", r.error ? *r.error : "ok", o.error ? *o.error : "ok",
              fmt::format("get_code({}) at {}: the reference answered {}, the implementation {}", b, when,
                          show(r.error), show(o.error)),
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
      if (rc.kind != oc.kind)
        add("C5", b, "kind", show(rc.kind), show(oc.kind),
            fmt::format("at {} the code of {} is of kind {} for the reference, {} for the implementation", when, b,
                        show(rc.kind), show(oc.kind)),
            r.at);
      if (rc.valid_from != oc.valid_from)
        add(window_rule(b, true), b, "valid_from", show(rc.valid_from), show(oc.valid_from),
            fmt::format("at {} the window of {} starts at {} for the reference, {} for the implementation", when, b,
                        show(rc.valid_from), show(oc.valid_from)),
            r.at);
      if (rc.valid_until != oc.valid_until)
        add(window_rule(b, false), b, "valid_until", show(rc.valid_until), show(oc.valid_until),
            fmt::format("at {} the window of {} ends at {} for the reference, {} for the implementation", when, b,
                        show(rc.valid_until), show(oc.valid_until)),
            r.at);
      if (rc.code.has_value() != oc.code.has_value()) {
        if (rc.status == oc.status)
          add("T3", b, "code", rc.code ? "a code" : "no code", oc.code ? "a code" : "no code",
              fmt::format("at {} {} has {} for the reference and {} for the implementation", when, b,
                          rc.code ? "a code" : "no code", oc.code ? "a code" : "no code"),
              r.at);
        continue;
      }
      if (!rc.code) continue;
      if (rc.kind && *rc.kind == "algopin") {
        // algoPINs derive from the lock, window and variance: they must be equal.
        if (*rc.code != *oc.code)
          add("C5", b, "algopin", *rc.code, *oc.code,
              fmt::format("at {} the algoPIN of {} differs (window or variance requested differently)", when, b),
              r.at);
        continue;
      }
      const auto phone = phone_code(b);
      const bool ref_phone = phone && *rc.code == *phone;
      const bool obs_phone = phone && *oc.code == *phone;
      if (ref_phone != obs_phone)
        add("C2", b, "pin source", ref_phone ? "guest_phone (" + *phone + ")" : "random (phone fallback)",
            obs_phone ? "guest_phone (" + *phone + ")" : "random, " + *oc.code,
            fmt::format("at {} {}'s PIN {} the guest's phone for the reference but {} for the implementation", when,
                        b, ref_phone ? "comes from" : "does not come from", obs_phone ? "does" : "does not"),
            r.at);
      if (!obs_phone && rc.kind == std::optional<std::string>("pin")) {
        const auto& pin = *oc.code;
        const bool six_digits =
            pin.size() == 6 && std::all_of(pin.begin(), pin.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
        if (!six_digits || is_forbidden_pin(pin))
          add("C1", b, "random pin", "6 digits, not all equal, not a straight run", pin,
              fmt::format("at {} {}'s random PIN '{}' breaks C1", when, b, pin), r.at);
      }
    }
  }

  // C1: no two overlapping bookings share a PIN on one lock (implementation
  // only), read from the PINs it created on the mock, so no observation instant
  // has to catch both codes at once.
  void uniqueness() {
    const auto calls = read_journal(obs_);
    const auto& made = calls.created;
    for (std::size_t j = 0; j < made.size(); ++j)
      for (std::size_t i = 0; i < j; ++i) {
        const auto& a = made[i];
        const auto& c = made[j];
        if (a.lock != c.lock || a.pin != c.pin || a.booking == c.booking) continue;
        if (obs_.cancelled.contains(a.booking) || obs_.cancelled.contains(c.booking)) continue;
        if (!(a.start < c.end && c.start < a.end)) continue;
        // A PIN deleted before it was given again is free (C4, B2, L3).
        const bool freed = std::any_of(calls.deleted.begin(), calls.deleted.end(), [&](const auto& d) {
          return d.lock == a.lock && d.pin == a.pin && d.at >= a.at && d.at <= c.at;
        });
        if (freed) continue;
        add("C1", c.booking, "pin uniqueness", "a PIN not in use on " + c.lock,
            fmt::format("{} (also {}'s)", c.pin, a.booking),
            fmt::format("at {} the implementation gave {} the PIN {} on lock {}, already {}'s for an overlapping stay",
                        format_instant(c.at), c.booking, c.pin, c.lock, a.booking),
            c.at);
      }
  }

  // Per booking, from one run: attempt instants and first delete instant.
  struct CallsOf {
    std::vector<Instant> attempts;
    std::optional<Instant> deleted;
  };
  struct PinCall {
    Instant at{};
    std::string lock;
    std::string pin;
    std::string booking;
    Instant start{};
    Instant end{};
  };
  struct JournalReading {
    std::map<std::string, CallsOf> by_booking;
    std::vector<PinCall> created;  // successful create-PIN calls mapped to a booking
    std::vector<PinCall> deleted;  // every delete-PIN call
  };

  static JournalReading read_journal(const ConformTrace& t) {
    // Windows each booking had on each lock, and its codes.
    std::map<std::tuple<std::string, Instant, Instant>, std::string> by_window;
    std::map<std::pair<std::string, std::string>, std::string> by_pin;  // (lock, pin) -> booking
    for (const auto& o : t.observations) {
      if (!o.code) continue;
      if (o.code->valid_from && o.code->valid_until && !o.lock.empty())
        by_window.emplace(std::make_tuple(o.lock, *o.code->valid_from, *o.code->valid_until), o.booking);
      if (o.code->code && !o.lock.empty()) by_pin.emplace(std::make_pair(o.lock, *o.code->code), o.booking);
    }
    JournalReading out;
    for (const auto& e : t.journal) {
      auto call = detail::code_call(e);
      if (!call) continue;
      std::string booking;
      const bool ok = call->status >= 200 && call->status < 300;
      if (call->kind == detail::CodeCall::Kind::create_pin && call->start && call->end) {
        auto it = by_window.find({call->lock, *call->start, *call->end});
        if (it != by_window.end()) booking = it->second;
        if (!booking.empty() && !call->pin.empty()) by_pin.emplace(std::make_pair(call->lock, call->pin), booking);
        if (!booking.empty() && ok && !call->pin.empty())
          out.created.push_back({call->at, call->lock, call->pin, booking, *call->start, *call->end});
      } else if (call->kind == detail::CodeCall::Kind::algopin) {
        if (auto it = by_pin.find({call->lock, call->pin}); it != by_pin.end()) booking = it->second;
      } else if (call->kind == detail::CodeCall::Kind::delete_pin) {
        out.deleted.push_back({call->at, call->lock, call->pin, "", {}, {}});
        if (auto it = by_pin.find({call->lock, call->pin}); it != by_pin.end()) booking = it->second;
        if (!booking.empty() && !out.by_booking[booking].deleted) out.by_booking[booking].deleted = call->at;
        continue;
      }
      if (booking.empty()) continue;
      auto& attempts = out.by_booking[booking].attempts;
      // Several values in one attempt (C3) share its instant.
      if (attempts.empty() || attempts.back() != call->at) attempts.push_back(call->at);
    }
    return out;
  }

  void journal() {
    const auto ref = read_journal(ref_).by_booking;
    const auto obs = read_journal(obs_).by_booking;
    std::set<std::string> bookings;
    for (const auto& [b, _] : ref) bookings.insert(b);
    for (const auto& [b, _] : obs) bookings.insert(b);
    const CallsOf none;
    for (const auto& b : bookings) {
      const auto& r = ref.contains(b) ? ref.at(b) : none;
      const auto& o = obs.contains(b) ? obs.at(b) : none;
      const auto tol = fmt::format("tolerance {} min (T5)", tolerance_.count());
      if (r.attempts.empty() != o.attempts.empty()) {
        add(o.attempts.empty() && phone_gives_no_code(b) ? "C2" : "T3", b, "attempts",
            show_times_or(r.attempts, "no attempt"), show_times_or(o.attempts, "no attempt"),
            r.attempts.empty() ? fmt::format("the implementation tried to create a code for {}; the reference never did", b)
                               : fmt::format("the implementation never tried to create a code for {}", b),
            r.attempts.empty() ? o.attempts.front() : r.attempts.front());
      } else if (!r.attempts.empty()) {
        if (detail::distance(r.attempts.front(), o.attempts.front()) > tolerance_)
          add("T3", b, "first attempt", format_instant(r.attempts.front()), format_instant(o.attempts.front()),
              fmt::format("the first attempt for {} came at {}, the reference's at {} ({})", b,
                          format_instant(o.attempts.front()), format_instant(r.attempts.front()), tol),
              r.attempts.front());
        bool times_differ = r.attempts.size() != o.attempts.size();
        for (std::size_t i = 0; !times_differ && i < r.attempts.size(); ++i)
          times_differ = detail::distance(r.attempts[i], o.attempts[i]) > tolerance_;
        if (times_differ)
          add("T4", b, "attempts", detail::show_times(r.attempts), detail::show_times(o.attempts),
              fmt::format("{} attempt(s) for {} where the reference made {} (count, spacing or deadline; {})",
                          o.attempts.size(), b, r.attempts.size(), tol),
              r.attempts.front());
      }
      if (r.deleted.has_value() != o.deleted.has_value() ||
          (r.deleted && detail::distance(*r.deleted, *o.deleted) > tolerance_)) {
        const std::string rule = ref_.cancelled.contains(b) ? "B2" : ref_.lock_changed.contains(b) ? "L3" : "C4";
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

  static std::string show_times_or(const std::vector<Instant>& ts, const char* empty) {
    return ts.empty() ? std::string(empty) : detail::show_times(ts);
  }

  void probes() {
    const auto n = std::min(ref_.probes.size(), obs_.probes.size());
    for (std::size_t i = 0; i < n; ++i) {
      const auto& r = ref_.probes[i];
      const auto& o = obs_.probes[i];
      if (r.index != o.index || r.opens == o.opens) continue;
      const auto& spec = scenario_.probes[r.index];
      const std::string rule = !spec.rule.empty() ? spec.rule : "C4";
      add(rule, r.booking, fmt::format("door ({})", spec.json_path),
          fmt::format("{} ({})", r.opens ? "opens" : "stays closed", r.reason),
          fmt::format("{} ({})", o.opens ? "opens" : "stays closed", o.reason),
          fmt::format("a guest of {} at lock {} at {}: the door {} with the reference, {} with the implementation",
                      r.booking.empty() ? "(literal PIN)" : r.booking, o.lock, format_instant(r.at),
                      r.opens ? "opens" : "stays closed", o.opens ? "opens" : "stays closed"),
          r.at);
    }
  }

  static std::string normalised(const ConformTrace::Render& r) {
    if (!r.text) return "error " + show(r.error);
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
      add("M1", r.booking, "render", a, b,
          fmt::format("render({}, \"{}\") at {}: the reference gave \"{}\", the implementation \"{}\"", r.booking,
                      r.template_text, format_instant(r.at), a, b),
          r.at);
    }
  }

  // L1: a 401 is answered with one new token and one repeat. A 401 whose next
  // call is not a token request counts against a run; the reference has such
  // 401s too (a repeat refused again is terminal), so only a surplus is a
  // divergence.
  static std::vector<const mock::JournalEntry*> unrefreshed_401s(const ConformTrace& t) {
    std::vector<const mock::JournalEntry*> out;
    for (std::size_t i = 0; i < t.journal.size(); ++i) {
      const auto& e = t.journal[i];
      if (e.status != 401 || e.path == "/oauth2/token") continue;
      // At the same virtual instant (other calls may come between, from work
      // the implementation had in hand): a token fetched later, because the old
      // one's announced expiry came, is not an answer to this 401.
      bool refreshed = false;
      for (std::size_t k = i + 1; k < t.journal.size() && t.journal[k].at == e.at && !refreshed; ++k)
        refreshed = t.journal[k].path == "/oauth2/token";
      if (!refreshed) out.push_back(&e);
    }
    return out;
  }

  void token_refresh() {
    const auto ref = unrefreshed_401s(ref_);
    const auto obs = unrefreshed_401s(obs_);
    if (obs.size() <= ref.size()) return;
    const auto& first = *obs.front();
    add("L1", "", "token after 401", fmt::format("{} 401(s) left without a new token", ref.size()),
        fmt::format("{}, first on {} {} at {}", obs.size(), first.method, first.path, format_instant(first.at)),
        fmt::format("igloohome answered 401 to {} {} at {} and the implementation did not ask for a new token "
                    "and repeat the call",
                    first.method, first.path, format_instant(first.at)),
        first.at);
  }

  void after_disconnect() {
    for (const auto& [from, to] : obs_.disconnected) {
      std::vector<const mock::JournalEntry*> calls;
      for (std::size_t i = from; i < std::min(to, obs_.journal.size()); ++i) calls.push_back(&obs_.journal[i]);
      if (calls.empty()) continue;
      const auto& first = *calls.front();
      add("L4", "", "calls after disconnect", "no igloohome call",
          fmt::format("{} call(s), first {} {} at {}", calls.size(), first.method, first.path, format_instant(first.at)),
          fmt::format("after disconnect the implementation still called igloohome {} time(s), first {} {} at {}",
                      calls.size(), first.method, first.path, format_instant(first.at)),
          first.at);
      return;
    }
  }

  const Scenario& scenario_;
  const ConformTrace& ref_;
  const ConformTrace& obs_;
  Minutes tolerance_;
  std::vector<std::string>& skipped_;
  std::vector<report::Failure> failures_;
  std::set<std::string> reported_;
};

}  // namespace

std::vector<report::Failure> compare_traces(const Scenario& scenario, const ConformTrace& reference, const ConformTrace& observed,
                                            const Profile& profile, std::vector<std::string>& skipped) {
  return Comparer(scenario, reference, observed, profile, skipped).run();
}

// ---------------------------------------------------------------------------
// One scenario, judged

namespace {

std::string quote(const std::string& s) {
  if (!s.empty() && s.find_first_of(" \t'\"\\$`!*?;&|<>()[]{}#~") == std::string::npos) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string replay_command(const Scenario& s, const ConformOptions& o, std::uint64_t seed) {
  std::string cmd = fmt::format("{} conform --sut {} --seed {} --filter {}", o.lockstep_binary, quote(o.sut_command),
                                seed, quote(s.name));
  if (!o.profile_file.empty()) cmd += " --profile " + quote(o.profile_file);
  if (!o.expectations_file.empty()) cmd += " --expectations " + quote(o.expectations_file);
  if (!s.file.empty()) cmd += " " + quote(s.file);
  return cmd;
}

// A run: the mock, its listener, and the trace of one participant.
struct Run {
  mock::Mock mock;
  std::unique_ptr<mock::Server> server;
  explicit Run(const Scenario& s) : mock(s.world ? *s.world : mock::default_world()) {
    mock::ServerOptions options;
    options.threads = 1;
    server = std::make_unique<mock::Server>(mock, options);
    server->start();
  }
  std::string url() const { return fmt::format("http://127.0.0.1:{}", server->port()); }
};

}  // namespace

namespace {

// The implementation's side of the story, for the report's timelines: each
// booking's last observed code and its attempts, and the door probes with the
// reference's outcome as the expected one.
void fill_timelines(report::ScenarioResult& result, const ConformTrace& obs, const ConformTrace& ref) {
  std::map<std::string, const ConformTrace::Observation*> last;
  std::vector<std::string> order;
  for (const auto& o : obs.observations) {
    if (!last.contains(o.booking)) order.push_back(o.booking);
    last[o.booking] = &o;
  }
  const auto calls = Comparer::calls_of(obs);
  for (const auto& id : order) {
    const auto& o = *last[id];
    report::BookingTimeline b;
    b.id = id;
    b.lock = o.lock;
    if (o.code) {
      b.status = o.code->status;
      b.code = o.code->code;
      b.kind = o.code->kind.value_or("");
      b.valid_from = o.code->valid_from;
      b.valid_until = o.code->valid_until;
    }
    if (auto c = calls.find(id); c != calls.end()) {
      const auto& attempts = c->second.first;
      for (std::size_t i = 0; i < attempts.size(); ++i) {
        // The last attempt of a booking that got its code is the one that worked.
        const bool worked = i + 1 == attempts.size() && b.code.has_value();
        b.attempts.push_back({attempts[i], worked, worked ? "code created" : "create call"});
      }
      b.deleted_at = c->second.second;
    }
    result.bookings.push_back(std::move(b));
  }
  for (std::size_t i = 0; i < obs.probes.size(); ++i) {
    const auto& p = obs.probes[i];
    report::DoorProbe d;
    d.at = p.at;
    d.lock = p.lock;
    d.booking = p.booking;
    if (i < ref.probes.size() && ref.probes[i].index == p.index) d.expected_open = ref.probes[i].opens;
    d.opened = p.opens;
    d.reason = p.reason;
    result.probes.push_back(std::move(d));
  }
}

}  // namespace

report::ScenarioResult conform_scenario(const Scenario& original, const ConformOptions& options) {
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
    // The reference: SutAdapter in-process, over the same protocol and loop.
    Run reference_run(scenario);
    SutAdapterOptions adapter_options;
    adapter_options.profile = options.profile;
    adapter_options.seed = seed;
    SutAdapter adapter(adapter_options);
    auto reference =
        SutParticipant::in_process([&adapter](std::string_view line) { return adapter.handle(line); });
    ConformTrace ref = play_scenario(scenario, *reference, reference_run.mock, reference_run.url(), options.max_ticks);
    reference->shutdown();
    if (ref.failure) {
      result.verdict = report::Verdict::error;
      result.error = "the reference run failed (a lockstep bug or a scenario it cannot play): " + ref.failure->message;
      return result;
    }

    Run sut_run(scenario);
    SutOptions sut_options;
    sut_options.command = options.sut_command;
    sut_options.request_timeout = options.request_timeout;
    auto sut = SutParticipant::start(sut_options);
    if (!sut) {
      result.verdict = report::Verdict::error;
      result.error = "cannot start the implementation: " + sut.error().message;
      return result;
    }
    ConformTrace obs = play_scenario(scenario, **sut, sut_run.mock, sut_run.url(), options.max_ticks);
    if (!obs.failure) (*sut)->shutdown();
    (*sut)->finish();
    if (obs.failure) {
      result.verdict = report::Verdict::error;
      result.error = obs.failure->message;
      if (obs.failure->exit && obs.failure->message.find(obs.failure->exit->describe()) == std::string::npos &&
          (obs.failure->exit->exited || obs.failure->exit->signaled))
        result.error += fmt::format(" (the implementation then {})", obs.failure->exit->describe());
      result.stderr_tail = obs.failure->stderr_tail.empty() ? (*sut)->stderr_tail() : obs.failure->stderr_tail;
      if (!(*sut)->transcript().empty()) {
        result.error += "\nlast exchanges:";
        const auto& t = (*sut)->transcript();
        for (std::size_t i = t.size() > 6 ? t.size() - 6 : 0; i < t.size(); ++i) result.error += "\n  " + t[i];
      }
      return result;
    }

    std::set<std::string> needed_unsupported;
    for (const auto& type : obs.unsupported)
      if (type != "get_code" && type != "render") needed_unsupported.insert(type);
    if (!needed_unsupported.empty()) {
      result.verdict = report::Verdict::skip;
      for (const auto& type : needed_unsupported)
        result.skipped.push_back(fmt::format("the implementation does not support '{}', which this scenario needs",
                                             type));
      return result;
    }

    auto divergences = compare_traces(scenario, ref, obs, options.profile, result.skipped);
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
      gone.divergence.message = fmt::format(
          "accepted divergence {}{} no longer occurs: remove it from the expectations file", a.rule,
          a.booking ? " for " + *a.booking : "");
      gone.note = a.reason;
      gone.disappeared = true;
      result.known_divergences.push_back(std::move(gone));
    }
    result.verdict = result.failures.empty() ? report::Verdict::pass : report::Verdict::fail;
    fill_timelines(result, obs, ref);
  } catch (const std::exception& e) {
    result.verdict = report::Verdict::error;
    result.error = fmt::format("harness error: {}", e.what());
  }
  return result;
}

std::vector<report::ScenarioResult> conform_all(const std::vector<Scenario>& scenarios, const ConformOptions& options,
                                                int jobs) {
  std::vector<report::ScenarioResult> results(scenarios.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next++) < scenarios.size();) results[i] = conform_scenario(scenarios[i], options);
  };
  const int n = std::max(1, std::min<int>(jobs, static_cast<int>(scenarios.size())));
  std::vector<std::thread> threads;
  for (int i = 1; i < n; ++i) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  return results;
}

}  // namespace lockstep::harness
