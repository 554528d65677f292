#include "lockstep/harness/checkers/no_wrongful_lockout.hpp"

#include <map>

#include <fmt/format.h>

#include "lockstep/harness/lockout.hpp"
#include "lockstep/time.hpp"

namespace lockstep::harness::checkers {

namespace {

std::optional<std::pair<Instant, Instant>> stay_of(const Scenario& s, const Trace& t, const std::string& booking,
                                                   Instant at) {
  std::map<std::string, std::string> zone_of;
  for (const auto& p : s.properties) zone_of[p.id] = p.timezone;
  std::optional<std::pair<Instant, Instant>> stay;
  for (const auto& c : t.commands) {
    if (c.error || c.at > at) continue;
    const auto& e = s.timeline[c.event_index];
    if (e.kind == EventKind::put_property) zone_of[e.property_id] = e.timezone;
    if (e.kind != EventKind::put_booking || e.booking_id != booking) continue;
    const auto zone = Zone::locate(zone_of[e.booking.property_id]);
    const auto in = parse_local(e.booking.checkin), out = parse_local(e.booking.checkout);
    if (zone && in && out) stay = std::pair{zone->resolve(*in), zone->resolve(*out)};
  }
  return stay;
}

// The last accepted change of the booking's property's lock (assign_lock or
// remove_lock) at or before `at`.
std::optional<Instant> lock_changed_at(const Scenario& s, const Trace& t, const std::string& booking, Instant at) {
  std::string property;
  std::optional<Instant> changed;
  for (const auto& c : t.commands) {
    if (c.error || c.at > at) continue;
    const auto& e = s.timeline[c.event_index];
    if (e.kind == EventKind::put_booking && e.booking_id == booking) property = e.booking.property_id;
    if ((e.kind == EventKind::assign_lock || e.kind == EventKind::remove_lock) && !property.empty() &&
        e.property_id == property)
      changed = c.at;
  }
  return changed;
}

// The window igloohome was given for the PIN the guest typed: the latest
// successful call of the booking that made that value on that lock by then. It
// can differ from the booking's window: an algoPIN made late starts at the
// current hour (C5), and the lock judges that window by its own clock.
std::optional<std::pair<Instant, Instant>> window_on_lock(const RunView& run, const ProbeRecord& p) {
  std::optional<std::pair<Instant, Instant>> window;
  for (const auto& c : run.calls) {
    if (c.at > p.at) break;
    if (c.booking != p.booking || !c.makes_code() || !c.ok() || c.lock != p.lock || c.pin != *p.pin) continue;
    if (c.start && c.end) window = std::pair{*c.start, *c.end};
  }
  return window;
}

}  // namespace

std::vector<Violation> check_no_wrongful_lockout(const RunView& run) {
  std::vector<Violation> out;
  if (!run.scenario || !run.trace) return out;
  const auto& t = *run.trace;
  const auto observed = observations_by_booking(t);
  for (const auto& p : t.probes) {
    if (p.booking.empty() || p.opened || !p.pin || p.lock.empty()) continue;
    // B3: an algoPIN longer than 24 h first typed more than 24 h after its start
    // never opens: igloohome's limit, reported as a warning, not the engine's fault.
    if (p.reason == "first_use_window_missed") continue;
    if (t.cancelled_at.contains(p.booking) && t.cancelled_at.at(p.booking) <= p.at) continue;
    // What the participant said at that instant.
    const Observation* said = nullptr;
    if (const auto mine = observed.find(p.booking); mine != observed.end())
      for (const Observation* o : mine->second)
        if (o->at == p.at) said = o;
    if (!said || !said->code || said->code->status != "active") continue;
    const auto stay = stay_of(*run.scenario, t, p.booking, p.at);
    if (!stay || p.at < stay->first || p.at >= stay->second) continue;
    // L3: a guest already in their code's window when the property's lock was
    // replaced keeps that code on the old lock until it expires; the new lock
    // does not know it (behaviour.md accepts this).
    if (const auto changed = lock_changed_at(*run.scenario, t, p.booking, p.at);
        changed && said->code->valid_from && *said->code->valid_from <= *changed)
      continue;
    // The lock's own clock read the instant outside the code's window: a drifted
    // lock (lockout cause drifted_lock), which no engine can help.
    const Instant on_lock = p.at + lock_clock_drift(t, p.lock, p.at);
    if (on_lock != p.at && said->code->valid_from && said->code->valid_until &&
        (on_lock < *said->code->valid_from || on_lock >= *said->code->valid_until))
      continue;
    if (on_lock != p.at) {
      const auto window = window_on_lock(run, p);
      if (window && (on_lock < window->first || on_lock >= window->second)) continue;
    }
    out.push_back({Rule::B1, p.booking, "guest refused", "the door opens (the booking is active, the guest in their stay)",
                   fmt::format("refused ({})", p.reason),
                   fmt::format("at {} the guest of {} typed {} at {} during their stay and was refused ({}), though "
                               "get_code said active",
                               format_instant(p.at), p.booking, *p.pin, p.lock, p.reason),
                   p.at});
  }
  return out;
}

}  // namespace lockstep::harness::checkers
