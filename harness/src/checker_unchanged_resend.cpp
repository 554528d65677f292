#include "lockstep/harness/checkers/unchanged_resend.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace lockstep::harness::checkers {

namespace {

bool same_booking(const BookingRequest& a, const BookingRequest& b) {
  return a.property_id == b.property_id && a.checkin == b.checkin && a.checkout == b.checkout &&
         a.guest_phone == b.guest_phone;
}

}  // namespace

std::vector<Violation> check_unchanged_resend(const RunView& run) {
  std::vector<Violation> out;
  if (!run.scenario || !run.trace) return out;
  const auto& s = *run.scenario;
  const auto& t = *run.trace;
  std::map<std::string, const BookingRequest*> last;
  // Instants at which something else happened to a booking, its property or any lock.
  std::map<std::string, std::vector<Instant>> busy;  // booking or property -> instants
  std::vector<Instant> lock_events;
  std::vector<std::pair<Instant, std::string>> resends;
  for (const auto& c : t.commands) {
    const auto& e = s.timeline[c.event_index];
    if (c.error) continue;
    switch (e.kind) {
      case EventKind::put_booking: {
        auto it = last.find(e.booking_id);
        if (it != last.end() && same_booking(*it->second, e.booking)) resends.emplace_back(c.at, e.booking_id);
        else busy[e.booking_id].push_back(c.at);
        last[e.booking_id] = &e.booking;
        break;
      }
      case EventKind::cancel_booking: busy[e.booking_id].push_back(c.at); break;
      case EventKind::put_property:
      case EventKind::assign_lock:
      case EventKind::remove_lock: busy[e.property_id].push_back(c.at); break;
      case EventKind::connect:
      case EventKind::disconnect: lock_events.push_back(c.at); break;
      default: break;
    }
  }
  auto at_instant = [](const std::vector<Instant>& v, Instant at) { return std::find(v.begin(), v.end(), at) != v.end(); };
  for (const auto& [at, booking] : resends) {
    if (at_instant(busy[booking], at) || at_instant(lock_events, at)) continue;
    const auto prop = t.property_of.find(booking);
    if (prop != t.property_of.end() && at_instant(busy[prop->second], at)) continue;
    // Work the booking had due at that very instant anyway (its window opening or
    // closing) is not the re-send's.
    bool edge = false;
    for (const auto& o : t.observations)
      if (o.booking == booking && o.code && (o.code->valid_from == at || o.code->valid_until == at)) edge = true;
    if (edge) continue;
    // A retry the booking had due at that instant (its last attempt failed one
    // retry interval earlier, T4) is not the re-send's either.
    const Minutes retry = s.profile ? s.profile->retry_interval : Profile{}.retry_interval;
    const ApiCall* last_attempt = nullptr;
    for (const auto& c : run.calls) {
      if (c.at >= at) break;
      if (c.booking == booking && c.makes_code()) last_attempt = &c;
    }
    if (last_attempt && !last_attempt->ok() && at - last_attempt->at == retry) continue;
    for (const auto& c : run.calls) {
      if (c.booking != booking || c.at != at) continue;
      if (!c.makes_code() && c.kind != ApiCall::Kind::delete_pin) continue;
      out.push_back({Rule::B0, booking, "unchanged re-send", "no igloohome call",
                     fmt::format("{} {}", c.method, c.path),
                     fmt::format("at {} booking {} was put again unchanged and igloohome was called: {} {}",
                                 format_instant(at), booking, c.method, c.path),
                     at});
      break;
    }
  }
  return out;
}

}  // namespace lockstep::harness::checkers
