// The explorer, part one: drawing a run in the scenario format (docs/explore.md
// "What a run draws").
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
#include "lockstep/harness/reference_participant.hpp"
#include "lockstep/harness/scenario_loader.hpp"
#include "lockstep/harness/simulation.hpp"
#include "lockstep/mock/in_process_transport.hpp"
#include "lockstep/mock/mock.hpp"
#include "lockstep/random.hpp"
#include "lockstep/rules.hpp"
#include "lockstep/time.hpp"

namespace lockstep::harness {
namespace detail {
namespace {

using nlohmann::json;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

// Every zone of the system tz database, sorted so a seed means the same zone on
// every machine with the same database.
const std::vector<std::string>& all_zones() {
  static const std::vector<std::string> zones = [] {
    std::vector<std::string> out;
    for (const auto& z : date::get_tzdb().zones) out.push_back(z.name());
    std::sort(out.begin(), out.end());
    return out;
  }();
  return zones;
}

class Draw {
 public:
  explicit Draw(std::uint64_t seed) : rng_(seed) {}
  int below(int n) { return static_cast<int>(rng_.below(static_cast<std::uint64_t>(n))); }
  int between(int lo, int hi) { return lo + below(hi - lo + 1); }  // inclusive
  bool chance(int percent) { return below(100) < percent; }
  std::uint64_t u64() { return rng_.next_u64(); }

 private:
  SeededRandom rng_;
};

std::string at(Instant t) { return format_instant(t); }

// A check-in in `zone` some days after `start`: half the time within two hours
// of the zone's next UTC-offset transition (DST, or a zone changing its
// standard time) in the next 200 days, where T1 and T3 are easiest to get wrong.
LocalDateTime draw_checkin(Draw& d, const Zone& zone, Instant start) {
  const Instant earliest = start + days{1};
  if (d.chance(50)) {
    const auto* tz = date::locate_zone(std::string(zone.name()));
    const auto info = tz->get_info(earliest);
    const Instant transition{std::chrono::duration_cast<Seconds>(info.end.time_since_epoch())};
    if (info.end < date::sys_seconds::max() && transition < earliest + days{200} && transition > earliest) {
      // Drawn on the wall clock, not as an instant turned local: a local time in
      // a spring-forward gap is no instant's local time, and it is exactly the
      // kind of check-in T1 is about. `at_jump` is the clock as it reads at the
      // transition (02:00 on a Paris spring night, 03:00 on an autumn one).
      const LocalDateTime at_jump = date::floor<minutes>(zone.to_local(transition - minutes{1})) + minutes{1};
      const auto after = tz->get_info(date::sys_seconds{transition.time_since_epoch()});
      if (d.chance(50)) {
        // Inside the gap (clocks jump forward) or the repeated hour (they fall back).
        return after.offset > info.offset ? at_jump + minutes{15 * d.between(0, 3)}
                                          : at_jump - minutes{15 * d.between(1, 4)};
      }
      return at_jump + minutes{15 * d.between(-8, 8)};
    }
  }
  const Instant t = earliest + days{d.below(20)} + hours{d.below(24)} + minutes{15 * d.below(4)};
  return date::floor<minutes>(zone.to_local(t));
}

// A guest phone for booking number `booking`; `previous` is the phone of the
// property's booking before it ("" when none).
std::string phone_for(Draw& d, int booking, const std::string& previous) {
  switch (d.below(6)) {
    case 0: return "";                  // missing
    case 1: return "+33 6 12";          // too short
    case 2: return "+1 555 CALL-NOW";   // letters
    case 3:  // the same guest booking twice: C2's in_use fallback when the stays overlap
      if (!previous.empty()) return previous;
      [[fallthrough]];
    default:  // a valid, distinct number
      return fmt::format("+33 6 {:02} {:02} {:02} {:02}", d.below(100), d.below(100), 10 + booking, d.below(100));
  }
}

struct Stay {
  LocalDateTime checkin{};
  LocalDateTime checkout{};
};


// Zones with the same rules as another (a host "correcting" a property's zone
// changes nothing about its instants, B0).
std::string twin_zone(const std::string& zone) {
  static const std::map<std::string, std::string> twins = {
      {"Europe/Paris", "Europe/Brussels"},   {"Europe/Brussels", "Europe/Paris"},
      {"Europe/Berlin", "Europe/Amsterdam"}, {"Europe/Amsterdam", "Europe/Berlin"},
      {"America/New_York", "America/Detroit"}, {"America/Detroit", "America/New_York"}};
  auto it = twins.find(zone);
  return it == twins.end() ? std::string() : it->second;
}

// What booking platforms really send on top of a drawn run (issue 12): the
// booking re-sent unchanged, often; settings and zones changed after codes
// exist; stays extended, shortened or moved while the guest is in them, often
// during an outage; status polls and deletes failing around booking changes;
// and guests at the door during every stay. Drawn from its own stream, so the
// rest of the run is what it would be without it.
std::string add_platform_traffic(json& s, std::uint64_t seed) {
  Draw d(seed ^ 0x7f4a7c159e3779b9ULL);
  const Instant start = *parse_instant(s["start"].get<std::string>());
  std::map<std::string, std::string> zone_of, lock_of;
  for (const auto& p : s["properties"]) zone_of[p["id"]] = p["timezone"];
  for (const auto& l : s["locks"]) lock_of[l["property"]] = l["lock"];
  json added = json::array();
  json probes = json::array();
  int resends = 0, in_stay = 0, settings = 0, zones = 0, poll_faults = 0, delete_faults = 0, fault_no = 0;
  std::vector<Instant> changes;
  auto fault = [&](Instant from, Instant until, json spec) {
    const std::string id = fmt::format("traffic{}", ++fault_no);
    added.push_back({{"at", at(from)}, {"do", "fault_on"}, {"id", id}, {"fault", spec}});
    added.push_back({{"at", at(until)}, {"do", "fault_off"}, {"id", id}});
  };
  auto random_between = [&](Instant lo, Instant hi) {
    const auto span = std::chrono::duration_cast<minutes>(hi - lo).count();
    return lo + minutes{span <= 0 ? 0 : d.below(static_cast<int>(std::min<long long>(span, 60LL * 24 * 400)))};
  };
  Instant horizon = start + days{2};
  for (const auto& b : s["bookings"]) {
    const std::string id = b["id"];
    const std::string property = b["property"];
    const auto zone = Zone::locate(zone_of[property]);
    if (!zone) continue;
    // The booking's versions (instant put, fields), and its cancellation.
    std::vector<std::pair<Instant, json>> versions;
    versions.emplace_back(b.contains("booked_at") ? *parse_instant(b["booked_at"].get<std::string>()) : start, b);
    std::optional<Instant> cancelled;
    for (const auto& e : s["timeline"]) {
      if (e.value("booking", std::string()) != id) continue;
      const Instant t = *parse_instant(e["at"].get<std::string>());
      if (e["do"] == "put_booking") versions.emplace_back(t, e);
      if (e["do"] == "cancel_booking") cancelled = t;
    }
    const json& last = versions.back().second;
    const auto ci = zone->resolve(*parse_local(last["checkin"].get<std::string>()));
    const auto co = zone->resolve(*parse_local(last["checkout"].get<std::string>()));
    horizon = std::max(horizon, co);
    const Instant booked = versions.front().first;
    auto put = [&](Instant t, const json& fields, const std::string& checkin, const std::string& checkout) {
      json e = {{"at", at(t)}, {"do", "put_booking"}, {"booking", id}, {"property", property},
                {"checkin", checkin}, {"checkout", checkout}};
      if (fields.contains("guest_phone")) e["guest_phone"] = fields["guest_phone"];
      added.push_back(e);
    };
    // 1. Unchanged re-sends: a webhook fired again with nothing changed.
    const Instant resend_until = cancelled ? *cancelled - minutes{1} : co;
    if (d.chance(45) && resend_until > booked + minutes{2}) {
      for (int n = d.between(1, 3); n > 0; --n) {
        const Instant t = date::floor<minutes>(random_between(booked + minutes{1}, resend_until));
        const json* version = &versions.front().second;
        for (const auto& [when, v] : versions)
          if (when <= t) version = &v;
        put(t, *version, (*version)["checkin"], (*version)["checkout"]);
        ++resends;
      }
    }
    if (cancelled) continue;
    // Guests at the door during the stay: just after check-in, halfway, just before check-out.
    for (Instant t : {ci + minutes{1}, ci + (co - ci) / 2, co - minutes{1}})
      if (t > start && t < co) probes.push_back({{"at", at(date::floor<minutes>(t))}, {"booking", id}});
    // 2. The stay changed while the guest is in it: extended, shortened or moved
    // on, sometimes while the bridge is down.
    if (d.chance(25) && co - ci > hours{3}) {
      const Instant t = date::floor<minutes>(ci + minutes{d.between(30, static_cast<int>(std::chrono::duration_cast<minutes>(co - ci).count()) - 60)});
      const LocalDateTime checkout = *parse_local(last["checkout"].get<std::string>());
      LocalDateTime next = checkout + hours{d.between(1, 48)};                      // extended
      if (d.chance(35)) next = checkout - hours{d.between(1, 12)};                 // shortened
      if (zone->resolve(next) <= t + hours{1}) next = date::floor<minutes>(zone->to_local(t + hours{2}));
      LocalDateTime checkin = *parse_local(last["checkin"].get<std::string>());
      put(t, last, format_local(checkin), format_local(next));
      changes.push_back(t);
      ++in_stay;
      horizon = std::max(horizon, zone->resolve(next));
      if (d.chance(50)) fault(t - minutes{15 * d.between(0, 12)}, t + hours{d.between(1, 30)},
                              {{"kind", "bridge_offline"}, {"target", "BR-1"}});
      const Instant new_co = zone->resolve(next);
      for (Instant p : {t + minutes{5}, t + (new_co - t) / 2, new_co - minutes{1}})
        if (p > t && p < new_co) probes.push_back({{"at", at(date::floor<minutes>(p))}, {"booking", id}});
    }
  }
  for (const auto& e : s["timeline"])
    if (e["do"] == "put_booking") changes.push_back(*parse_instant(e["at"].get<std::string>()));
  // 3. Settings changed after codes exist.
  for (const auto& [property, lock] : lock_of) {
    if (!d.chance(25)) continue;
    json e = {{"at", at(date::floor<minutes>(random_between(start + hours{2}, horizon)))},
              {"do", "configure_lock"},
              {"lock", lock}};
    if (d.chance(70)) e["margin_minutes"] = d.between(0, 240);
    if (d.chance(50) || !e.contains("margin_minutes")) e["days_before"] = d.between(1, 14);
    added.push_back(e);
    ++settings;
  }
  // 4. The zone corrected after codes exist (to one with the same rules when there is one).
  if (d.chance(10)) {
    const auto& [property, zone] = *zone_of.begin();
    std::string other = twin_zone(zone);
    if (other.empty()) other = zone;  // put again as it was: nothing changes
    added.push_back({{"at", at(date::floor<minutes>(random_between(start + hours{2}, horizon)))},
                     {"do", "put_property"},
                     {"property", property},
                     {"timezone", other}});
    ++zones;
  }
  // 5. Job status polls, and the calls that create and delete PINs, failing around booking changes.
  for (const Instant c : changes) {
    if (d.chance(20)) {
      fault(c, c + hours{d.between(1, 6)},
            {{"kind", "http_error"}, {"status", 500}, {"path", "/igloohome/jobs"}, {"method", "GET"},
             {"probability", 0.5}, {"seed", d.u64() % 1'000'000}});
      ++poll_faults;
    }
    if (d.chance(15)) {
      fault(c, c + hours{d.between(1, 3)},
            {{"kind", "connection_reset"}, {"after", true}, {"path", "/igloohome/devices"}, {"method", "POST"},
             {"probability", 0.5}, {"seed", d.u64() % 1'000'000}});
      ++delete_faults;
    }
  }
  // A stay already under way at the start draws its changes (and the faults
  // around them) from its check-in, which can be before the scenario starts:
  // such events happen just after the start instead (explore --seed 11, run
  // 362 drew a scenario the loader refused).
  const std::string earliest = at(start + minutes{1});
  for (auto& e : added) {
    if (*parse_instant(e["at"].get<std::string>()) < start + minutes{1}) e["at"] = earliest;
    s["timeline"].push_back(std::move(e));
  }
  for (auto& p : probes)
    if (*parse_instant(p["at"].get<std::string>()) >= start) s["probes"].push_back(std::move(p));
  return fmt::format("traffic: {} unchanged re-sends, {} in-stay changes, {} settings and {} zone changes, "
                     "{} status-poll and {} create/delete fault windows",
                     resends, in_stay, settings, zones, poll_faults, delete_faults);
}

}  // namespace
}  // namespace detail

std::uint64_t run_seed(std::uint64_t seed, int run_index) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(run_index + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return (z ^ (z >> 31)) & 0x7fffffffffffffffULL;  // fits a JSON integer and a shell word
}

nlohmann::json generate_scenario(std::uint64_t seed, bool platform_traffic) {
  using namespace detail;
  using nlohmann::json;
  using std::chrono::days;
  using std::chrono::hours;
  using std::chrono::minutes;
  Draw d(seed);
  const auto& zones = all_zones();
  const Instant start = Instant{date::sys_days{date::year{2026} / 1 / 1}} + days{d.below(330)};

  // Swarm parameters: each fault kind is on or off for the whole run.
  const bool outages = d.chance(45), errors5xx = d.chance(30), rate429 = d.chance(25),
             pending = d.chance(25), token = d.chance(25);
  const int error_rate = d.between(5, 40), rate_rate = d.between(5, 30);
  const int pending_minutes = d.between(1, 90), token_seconds = d.between(60, 7200);

  json s;
  s["name"] = fmt::format("explore-{}", seed);
  s["rules"] = {"T1", "T2", "T3", "T4", "C1", "C2", "C4", "C5", "C6", "B1", "B2", "L3", "L4"};
  s["start"] = at(start);
  s["properties"] = json::array();
  s["locks"] = json::array();
  s["bookings"] = json::array();
  s["timeline"] = json::array();
  s["probes"] = json::array();

  struct PropertyDraw {
    std::string id, lock, zone;
    LockSettings settings;
    bool algopin = false;
  };
  std::vector<PropertyDraw> props;
  const int property_count = d.chance(40) ? 2 : 1;
  for (int p = 0; p < property_count; ++p) {
    PropertyDraw pd;
    pd.id = fmt::format("P{}", p + 1);
    pd.zone = zones[static_cast<std::size_t>(d.below(static_cast<int>(zones.size())))];
    pd.algopin = p == 0 && d.chance(30);
    pd.lock = pd.algopin ? "LK-ALGO" : (p == 0 ? "LK-1" : "LK-2");
    const int lead = d.below(10);
    pd.settings.days_before = lead < 2 ? (lead == 0 ? 1 : 14) : d.between(1, 14);
    const int m = d.below(10);
    pd.settings.margin_minutes = m < 2 ? (m == 0 ? 0 : 240) : d.between(0, 240);
    pd.settings.code_source = !pd.algopin && d.chance(30) ? CodeSource::guest_phone : CodeSource::random;
    s["properties"].push_back({{"id", pd.id}, {"timezone", pd.zone}});
    json lock = {{"property", pd.id},
                 {"lock", pd.lock},
                 {"days_before", pd.settings.days_before},
                 {"margin_minutes", pd.settings.margin_minutes}};
    if (pd.settings.code_source == CodeSource::guest_phone) lock["code_source"] = "guest_phone";
    s["locks"].push_back(lock);
    props.push_back(pd);
  }

  Instant last_checkin = start;
  bool disconnect = d.chance(8);
  bool replace = !disconnect && property_count == 1 && !props[0].algopin && d.chance(12);
  int booking_no = 0;
  for (const auto& pd : props) {
    const auto zone = Zone::locate(pd.zone);
    if (!zone) continue;
    const int count = d.between(1, 4);
    std::optional<Stay> previous;
    std::string previous_phone;
    for (int b = 0; b < count; ++b) {
      const std::string id = fmt::format("B{}", ++booking_no);
      Stay stay;
      if (previous && d.chance(50)) {  // overlapping or back-to-back with the previous stay
        stay.checkin = previous->checkin + hours{d.between(-24, 72)};
      } else {
        stay.checkin = draw_checkin(d, *zone, start);
      }
      if (zone->resolve(stay.checkin) <= start + hours{2}) stay.checkin = date::floor<minutes>(zone->to_local(start + days{1}));
      const int shape = d.below(20);
      stay.checkout = stay.checkin + (shape == 0   ? hours{d.between(1, 6)}                  // a few hours
                                      : shape == 1 ? days{d.between(28, 60)} + hours{d.below(24)}  // daily algoPIN
                                                   : days{d.between(1, 6)} + hours{d.between(-8, 8)});
      if (stay.checkout <= stay.checkin) stay.checkout = stay.checkin + hours{3};
      // A gap check-in moves forward (T1), so a short stay could end where it starts.
      if (zone->resolve(stay.checkout) <= zone->resolve(stay.checkin) + hours{1}) stay.checkout += hours{3};
      previous = stay;

      Instant booked = start;
      const Instant checkin_at = zone->resolve(stay.checkin);
      if (d.chance(20) && checkin_at > start + hours{3}) {  // a late (last-minute) booking
        const auto span = std::chrono::duration_cast<minutes>(checkin_at - start).count();
        booked = start + minutes{d.below(static_cast<int>(std::min<long long>(span, 60LL * 24 * 20)))};
        booked = date::floor<minutes>(booked);
      }
      last_checkin = std::max(last_checkin, checkin_at);
      json booking = {{"id", id},
                      {"property", pd.id},
                      {"checkin", format_local(stay.checkin)},
                      {"checkout", format_local(stay.checkout)}};
      std::string phone;
      if (pd.settings.code_source == CodeSource::guest_phone) {
        phone = phone_for(d, booking_no, previous_phone);
        previous_phone = phone;
        if (!phone.empty()) booking["guest_phone"] = phone;
      }
      if (booked != start) booking["booked_at"] = at(booked);
      s["bookings"].push_back(booking);

      Stay final_stay = stay;
      const bool changed = d.chance(25) && checkin_at > booked + hours{2};
      const bool cancelled = d.chance(15);
      if (changed) {
        const auto span = std::chrono::duration_cast<minutes>(checkin_at - booked).count();
        const Instant when = date::floor<minutes>(booked + minutes{d.between(1, static_cast<int>(std::min<long long>(span - 1, 60LL * 24 * 30)))});
        final_stay.checkin = stay.checkin + hours{d.between(-48, 48)};
        final_stay.checkout = final_stay.checkin + (stay.checkout - stay.checkin) + hours{d.between(-12, 12)};
        if (final_stay.checkout <= final_stay.checkin) final_stay.checkout = final_stay.checkin + hours{5};
        json change = {{"at", at(when)},
                       {"do", "put_booking"},
                       {"booking", id},
                       {"property", pd.id},
                       {"checkin", format_local(final_stay.checkin)},
                       {"checkout", format_local(final_stay.checkout)}};
        if (!phone.empty()) change["guest_phone"] = phone;
        s["timeline"].push_back(change);
        last_checkin = std::max(last_checkin, zone->resolve(final_stay.checkin));
      }
      if (cancelled) {
        const Instant checkout_at = zone->resolve(final_stay.checkout);
        const auto span = std::chrono::duration_cast<minutes>(checkout_at - booked).count();
        if (span > 2) {
          const Instant when = booked + minutes{d.between(1, static_cast<int>(std::min<long long>(span - 1, 60LL * 24 * 40)))};
          s["timeline"].push_back({{"at", at(when)}, {"do", "cancel_booking"}, {"booking", id}});
        }
      }
      // Guests at the door at the edges of the final window (bridge) or of the
      // rounded algoPIN window: one minute before, at the start, one minute
      // before the end, at the end. Whether each must open is decided after the
      // run, from the engine's own record (was the code there by then?).
      if (!cancelled) {
        auto plan = plan_booking(*zone, final_stay.checkin, final_stay.checkout, pd.settings,
                                 pd.algopin ? LockKind::algopin : LockKind::bridge);
        if (plan) {
          Instant from = plan->valid_from, until = plan->valid_until;
          if (plan->algopin) {
            from = plan->algopin->start;
            until = plan->algopin->end;
          }
          for (Instant t : {from - minutes{1}, from, until - minutes{1}, until}) {
            if (t > start) s["probes"].push_back({{"at", at(t)}, {"booking", id}});
          }
        }
      }
    }
  }

  const Instant horizon = std::max(last_checkin, start + days{2});
  auto random_instant = [&](Instant lo, Instant hi) {
    const auto span = std::chrono::duration_cast<minutes>(hi - lo).count();
    return lo + minutes{span <= 0 ? 0 : d.below(static_cast<int>(std::min<long long>(span, 60LL * 24 * 400)))};
  };
  if (replace) {
    s["timeline"].push_back({{"at", at(random_instant(start + hours{1}, horizon))},
                             {"do", "assign_lock"},
                             {"property", "P1"},
                             {"lock", "LK-2"}});
  }
  if (disconnect) {
    const Instant off = random_instant(start + hours{1}, horizon);
    s["timeline"].push_back({{"at", at(off)}, {"do", "disconnect"}});
    if (d.chance(50)) s["timeline"].push_back({{"at", at(off + hours{d.between(1, 72)})}, {"do", "connect"}});
  }
  std::vector<std::string> kinds;
  int fault_no = 0;
  auto fault = [&](Instant from, std::optional<Instant> until, json spec) {
    const std::string id = fmt::format("f{}", ++fault_no);
    s["timeline"].push_back({{"at", at(from)}, {"do", "fault_on"}, {"id", id}, {"fault", spec}});
    if (until) s["timeline"].push_back({{"at", at(*until)}, {"do", "fault_off"}, {"id", id}});
  };
  // Whole-run faults begin a minute after the setup, which they would otherwise
  // refuse (assign_lock asks igloohome about the lock).
  const Instant after_setup = start + minutes{1};
  if (outages) {
    const int n = d.between(1, 3);
    for (int i = 0; i < n; ++i) {
      const Instant from = random_instant(after_setup, horizon);
      const int h = d.chance(20) ? d.between(48, 150) : d.between(1, 30);
      fault(from, from + hours{h}, {{"kind", "bridge_offline"}, {"target", "BR-1"}});
    }
    kinds.push_back(fmt::format("outages x{}", n));
  }
  if (errors5xx) {
    const int status = std::array{500, 502, 503}[static_cast<std::size_t>(d.below(3))];
    fault(after_setup, std::nullopt,
          {{"kind", "http_error"}, {"status", status}, {"path", "/igloohome/"}, {"probability", error_rate / 100.0},
           {"seed", d.u64() % 1'000'000}});
    kinds.push_back(fmt::format("http_{} {}%", status, error_rate));
  }
  if (rate429) {
    fault(after_setup, std::nullopt,
          {{"kind", "rate_limit"}, {"path", "/igloohome/"}, {"probability", rate_rate / 100.0},
           {"seed", d.u64() % 1'000'000}});
    kinds.push_back(fmt::format("http_429 {}%", rate_rate));
  }
  if (pending) {
    const Instant from = random_instant(after_setup, horizon);
    fault(from, from + hours{d.between(1, 72)}, {{"kind", "job_pending"}, {"target", "BR-1"}, {"minutes", pending_minutes}});
    kinds.push_back(fmt::format("jobs pending {} min", pending_minutes));
  }
  if (token) {
    fault(after_setup, std::nullopt, {{"kind", "token_expiry"}, {"after_seconds", token_seconds}});
    kinds.push_back(fmt::format("tokens expire after {} s", token_seconds));
  }
  // A lock whose own clock drifts (igloohome-api.md: corrected only by an app
  // sync). Drawn after everything else, so a seed's other draws are unchanged.
  if (!props.empty() && d.chance(20)) {
    const auto& lock = props[static_cast<std::size_t>(d.below(static_cast<int>(props.size())))].lock;
    const int minutes = (d.chance(50) ? 1 : -1) * d.between(1, 45);
    const Instant from = random_instant(after_setup, horizon);
    fault(from, from + hours{d.between(6, 240)}, {{"kind", "clock_drift"}, {"target", lock}, {"minutes", minutes}});
    kinds.push_back(fmt::format("{} clock {:+} min", lock, minutes));
  }
  const std::string traffic = platform_traffic ? add_platform_traffic(s, seed) : std::string();
  std::stable_sort(s["timeline"].begin(), s["timeline"].end(),
                   [](const json& a, const json& b) { return a["at"].get<std::string>() < b["at"].get<std::string>(); });
  std::stable_sort(s["probes"].begin(), s["probes"].end(),
                   [](const json& a, const json& b) { return a["at"].get<std::string>() < b["at"].get<std::string>(); });

  std::string what;
  for (const auto& pd : props) {
    what += fmt::format("{} {} on {} (days_before {}, margin {}, {}); ", pd.id, pd.zone, pd.lock,
                        pd.settings.days_before, pd.settings.margin_minutes, to_string(pd.settings.code_source));
  }
  what += fmt::format("{} bookings; faults: {}", booking_no, kinds.empty() ? "none" : fmt::format("{}", fmt::join(kinds, ", ")));
  if (replace) what += "; lock replaced";
  if (disconnect) what += "; disconnect";
  if (!traffic.empty()) what += "; " + traffic;
  s["description"] = what;
  return s;
}

}  // namespace lockstep::harness
