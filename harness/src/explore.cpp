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

}  // namespace
}  // namespace detail

std::uint64_t run_seed(std::uint64_t seed, int run_index) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(run_index + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return (z ^ (z >> 31)) & 0x7fffffffffffffffULL;  // fits a JSON integer and a shell word
}

nlohmann::json generate_scenario(std::uint64_t seed) {
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
  std::stable_sort(s["timeline"].begin(), s["timeline"].end(),
                   [](const json& a, const json& b) { return a["at"].get<std::string>() < b["at"].get<std::string>(); });

  std::string what;
  for (const auto& pd : props) {
    what += fmt::format("{} {} on {} (days_before {}, margin {}, {}); ", pd.id, pd.zone, pd.lock,
                        pd.settings.days_before, pd.settings.margin_minutes, to_string(pd.settings.code_source));
  }
  what += fmt::format("{} bookings; faults: {}", booking_no, kinds.empty() ? "none" : fmt::format("{}", fmt::join(kinds, ", ")));
  if (replace) what += "; lock replaced";
  if (disconnect) what += "; disconnect";
  s["description"] = what;
  return s;
}

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
  MockControl control(admin);
  ReferenceParticipant participant(auth, api, ReferenceOptions{seed, profile});
  SimulationOptions sim;
  sim.fault_seed = seed;
  sim.inspect = [&participant](const std::string& id) { return participant.inspect(id); };
  const Trace trace = simulate(s, participant, control, sim);
  auto problem = [&](std::string text) {
    report::Failure f;
    f.rule = std::string(rule_of(text));
    f.what = "invariant";
    f.message = text;
    verdict.failures.push_back(std::move(f));
    verdict.problems.push_back(std::move(text));
  };

  if (!trace.error.empty()) problem("the run stopped: " + trace.error);

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
      problem(fmt::format("{} at {} ({}) refused: {} {}", to_string(e.kind), format_instant(c.at), e.json_path,
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
      problem(fmt::format("T4: booking {} is still '{}' at the end ({})", id, to_string(v.status),
                          format_instant(end_of(s))));
    }
    if (!k.simple) continue;
    // T4: attempts at least the retry interval apart, all before the deadline.
    for (std::size_t i = 1; i < v.attempts.size(); ++i) {
      if (v.attempts[i] - v.attempts[i - 1] < profile.retry_interval) {
        problem(fmt::format("T4: booking {}: attempts {} and {} are only {} min apart", id,
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
          problem(fmt::format("T4: booking {}: attempt at {} is at or past the deadline {}", id, format_instant(a),
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
        problem(fmt::format("T4: booking {} failed with its last attempt at {}, though retries were allowed "
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
        problem(fmt::format("T3: booking {}: code issued at {}, after the window opened at {}, with no failed "
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
    const char* rule = v.kind == CodeKind::algopin ? "C5" : "C4";
    if (!inside && p.opened) {
      problem(fmt::format("{}: booking {}: the door opened at {}, outside the window [{}, {})", rule, p.booking,
                          format_instant(p.at), format_instant(*from), format_instant(*until)));
    }
    if (inside && code_there && !p.opened) {
      problem(fmt::format("{}: booking {}: code {} did not open {} at {} inside the window [{}, {}): {}", rule,
                          p.booking, *p.pin, p.lock, format_instant(p.at), format_instant(*from),
                          format_instant(*until), p.reason));
    }
  }

  // C1: no PIN shared by overlapping bookings on one lock.
  for (std::size_t i = 0; i < known.size(); ++i) {
    for (std::size_t j = i + 1; j < known.size(); ++j) {
      const auto& a = known[i].view;
      const auto& b = known[j].view;
      if (known[i].cancelled || known[j].cancelled) continue;
      if (a.kind != CodeKind::pin || b.kind != CodeKind::pin || !a.code || !b.code) continue;
      if (a.lock_id != b.lock_id || !a.valid_from || !b.valid_from || !a.valid_until || !b.valid_until) continue;
      const bool overlap = *a.valid_from < *b.valid_until && *b.valid_from < *a.valid_until;
      if (overlap && *a.code == *b.code) {
        problem(fmt::format("C1: bookings {} and {} overlap on {} and share the PIN {}", known[i].id, known[j].id,
                            a.lock_id, *a.code));
      }
    }
  }

  // L4: no call reaches igloohome while disconnected.
  for (std::size_t c = 0; c < connection.size(); ++c) {
    if (connection[c].second) continue;
    const Instant off = connection[c].first;
    std::optional<Instant> on;
    for (std::size_t n = c + 1; n < connection.size(); ++n) {
      if (connection[n].second) {
        on = connection[n].first;
        break;
      }
    }
    for (const auto& entry : trace.journal) {
      const auto path = entry.value("path", std::string{});
      if (!path.starts_with("/igloohome") && !path.starts_with("/oauth2")) continue;
      auto when = parse_instant(entry.value("at", std::string{}));
      if (!when || *when <= off || (on && *when >= *on)) continue;
      problem(fmt::format("L4: {} {} at {} after the disconnect at {}", entry.value("method", std::string{}), path,
                          format_instant(*when), format_instant(off)));
      break;
    }
  }

  // The trace hash: every igloohome call and every code change, in order.
  std::uint64_t h = fnv1a(trace.journal.dump());
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

std::string_view rule_of(std::string_view problem) {
  const auto colon = problem.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 3) return {};
  const auto rule = problem.substr(0, colon);
  const bool id = std::isupper(static_cast<unsigned char>(rule[0])) != 0 &&
                  std::all_of(rule.begin() + 1, rule.end(), [](char c) { return c >= '0' && c <= '9'; });
  return id ? rule : std::string_view{};
}

std::string principal_rule(const std::vector<std::string>& problems) {
  // Dedicated checks first (each looks at the cause itself), then the chain a
  // booking's time flows through: the local reading (T1) shapes the window (T2),
  // which shapes generation (T3), retries (T4) and the code (C5); deletions,
  // doors and messages (B2, B1, L3, C4, M1) come last because they mostly
  // show a difference further up.
  static constexpr std::array<std::string_view, 15> kOrder = {"L1", "L4", "C1", "C2", "C3", "C6", "T1", "T2",
                                                             "T3", "T4", "C5", "B2", "B1", "L3", "C4"};
  for (const auto rule : kOrder) {
    for (const auto& p : problems) {
      if (rule_of(p) == rule) return std::string(rule);
    }
  }
  for (const auto& p : problems) {
    if (const auto rule = rule_of(p); !rule.empty()) return std::string(rule);
  }
  return {};
}

nlohmann::json shrink_scenario(const nlohmann::json& original,
                               const std::function<bool(const nlohmann::json&)>& fails, int* steps,
                               int max_checks) {
  using nlohmann::json;
  json best = original;
  int kept = 0;
  int checks = 0;
  auto try_candidate = [&](json candidate) {
    if (candidate == best || checks >= max_checks) return false;
    ++checks;
    if (!fails(candidate)) return false;
    best = std::move(candidate);
    ++kept;
    return true;
  };
  // Drops a booking with everything that names it.
  auto without_booking = [](json s, const std::string& id) {
    auto drop = [&](const char* key, const char* field) {
      if (!s.contains(key)) return;
      json kept_items = json::array();
      for (auto& item : s[key]) {
        if (item.value(field, std::string{}) != id) kept_items.push_back(item);
      }
      s[key] = kept_items;
    };
    drop("bookings", "id");
    drop("timeline", "booking");
    drop("probes", "booking");
    return s;
  };
  bool progress = true;
  for (int round = 0; progress && round < 8; ++round) {
    progress = false;
    // 1. bookings
    for (std::size_t i = 0; best.contains("bookings") && i < best["bookings"].size();) {
      if (try_candidate(without_booking(best, best["bookings"][i]["id"].get<std::string>()))) {
        progress = true;
      } else {
        ++i;
      }
    }
    // 2. timeline events (a fault_on takes its fault_off along)
    for (std::size_t i = 0; best.contains("timeline") && i < best["timeline"].size();) {
      json candidate = best;
      const json event = candidate["timeline"][i];
      candidate["timeline"].erase(i);
      if (event.value("do", std::string{}) == "fault_on") {
        const auto id = event.value("id", std::string{});
        json rest = json::array();
        for (auto& e : candidate["timeline"]) {
          if (!(e.value("do", std::string{}) == "fault_off" && e.value("id", std::string{}) == id)) rest.push_back(e);
        }
        candidate["timeline"] = rest;
      }
      if (try_candidate(std::move(candidate))) {
        progress = true;
      } else {
        ++i;
      }
    }
    // 3. probes, then the second property when it has nothing left
    for (std::size_t i = 0; best.contains("probes") && i < best["probes"].size();) {
      json candidate = best;
      candidate["probes"].erase(i);
      if (try_candidate(std::move(candidate))) {
        progress = true;
      } else {
        ++i;
      }
    }
    for (std::size_t i = 0; best.contains("properties") && i < best["properties"].size();) {
      const auto id = best["properties"][i]["id"].get<std::string>();
      bool used = false;
      for (const auto& b : best["bookings"]) used = used || b.value("property", std::string{}) == id;
      for (const auto& e : best["timeline"]) used = used || e.value("property", std::string{}) == id;
      if (used) {
        ++i;
        continue;
      }
      json candidate = best;
      candidate["properties"].erase(i);
      json locks = json::array();
      for (auto& l : candidate["locks"]) {
        if (l.value("property", std::string{}) != id) locks.push_back(l);
      }
      candidate["locks"] = locks;
      if (try_candidate(std::move(candidate))) {
        progress = true;
      } else {
        ++i;
      }
    }
    // 4. shorten: windowed faults end halfway sooner; fault rates halve.
    for (std::size_t i = 0; best.contains("timeline") && i < best["timeline"].size(); ++i) {
      const json& e = best["timeline"][i];
      if (e.value("do", std::string{}) == "fault_off") {
        const auto id = e.value("id", std::string{});
        for (const auto& on : best["timeline"]) {
          if (on.value("do", std::string{}) != "fault_on" || on.value("id", std::string{}) != id) continue;
          auto from = parse_instant(on["at"].get<std::string>());
          auto until = parse_instant(e["at"].get<std::string>());
          if (!from || !until || *until - *from < std::chrono::minutes{120}) break;
          json candidate = best;
          const auto half = date::floor<std::chrono::hours>(*from + (*until - *from) / 2);
          candidate["timeline"][i]["at"] = format_instant(half);
          std::stable_sort(candidate["timeline"].begin(), candidate["timeline"].end(), [](const json& a, const json& b) {
            return a["at"].get<std::string>() < b["at"].get<std::string>();
          });
          if (try_candidate(std::move(candidate))) progress = true;
          break;
        }
      }
    }
  }
  if (steps) *steps = kept;
  return best;
}

ExploreResult explore(const ExploreOptions& options) {
  ExploreResult result;
  auto say = [&](std::string_view line) {
    if (options.log) options.log(line);
  };
  const bool sut = !options.sut_command.empty();
  say(fmt::format("explore: seed {}, {} runs, {}{}", options.seed, options.runs,
                  sut ? "implementation under test: " + options.sut_command : std::string("reference engine"),
                  options.check_determinism ? ", determinism checked" : ""));
  auto judge = [&](const nlohmann::json& s, std::uint64_t seed) {
    return sut ? check_sut(s, seed, options.sut_command, options.request_timeout) : check_reference(s, seed);
  };
  for (int i = 0; i < options.runs; ++i) {
    const std::uint64_t seed = run_seed(options.seed, i);
    const nlohmann::json scenario = generate_scenario(seed);
    say(fmt::format("run {} seed {}: {}", i, seed, scenario["description"].get<std::string>()));
    RunVerdict verdict = judge(scenario, seed);
    ++result.runs;
    bool determinism_failure = false;
    if (verdict.problems.empty() && options.check_determinism) {
      const RunVerdict again = judge(scenario, seed);
      if (again.trace_hash != verdict.trace_hash || again.problems != verdict.problems) {
        determinism_failure = true;
        verdict.problems.push_back(fmt::format("determinism: trace hash {} then {}", verdict.trace_hash,
                                               again.trace_hash));
      }
    }
    result.played.push_back({i, seed, scenario["description"].get<std::string>(), verdict.problems.empty()});
    if (verdict.problems.empty()) continue;

    ExploreFinding finding;
    finding.run_seed = seed;
    finding.run_index = i;
    finding.original = scenario;
    for (const auto& p : verdict.problems) say("  FAIL " + p);
    finding.rule = principal_rule(verdict.problems);
    if (!finding.rule.empty()) say("  principal rule: " + finding.rule + " (shrinking keeps a failure citing it)");
    auto fails = [&](const nlohmann::json& candidate) {
      if (determinism_failure) return judge(candidate, seed).trace_hash != judge(candidate, seed).trace_hash;
      const auto problems = judge(candidate, seed).problems;
      if (finding.rule.empty()) return !problems.empty();
      return std::any_of(problems.begin(), problems.end(),
                         [&](const std::string& p) { return rule_of(p) == finding.rule; });
    };
    finding.shrunk = options.shrink ? shrink_scenario(scenario, fails, &finding.shrink_steps, options.max_shrink_checks) : scenario;
    finding.shrunk["description"] =
        fmt::format("Found by `lockstep explore --seed {}` (run {}, seed {}), shrunk in {} steps. Drawn: {}",
                    options.seed, i, seed, finding.shrink_steps, scenario["description"].get<std::string>());
    if (determinism_failure) {
      finding.problems = verdict.problems;
      finding.failures = {{.what = "determinism", .message = verdict.problems.back()}};
    } else {
      auto shrunk_verdict = judge(finding.shrunk, seed);
      finding.problems = std::move(shrunk_verdict.problems);
      finding.failures = std::move(shrunk_verdict.failures);
    }

    std::error_code ec;
    std::filesystem::create_directories(options.out_dir, ec);
    finding.file = options.out_dir / fmt::format("explore-{}.json", seed);
    std::ofstream out(finding.file);
    out << finding.shrunk.dump(2) << '\n';
    if (!out) {
      result.error = fmt::format("cannot write {}", finding.file.string());
    }
    finding.replay = fmt::format("{} explore --replay {} --seed {}", options.lockstep_binary, finding.file.string(),
                                 seed);
    if (sut) finding.replay += fmt::format(" --sut '{}'", options.sut_command);
    say(fmt::format("shrunk to {} bookings, {} events, {} probes ({} steps); problems:",
                    finding.shrunk.value("bookings", nlohmann::json::array()).size(),
                    finding.shrunk.value("timeline", nlohmann::json::array()).size(),
                    finding.shrunk.value("probes", nlohmann::json::array()).size(), finding.shrink_steps));
    for (const auto& p : finding.problems) say("  " + p);
    say("minimal scenario: " + finding.file.string());
    say("replay: " + finding.replay);
    result.finding = std::move(finding);
    return result;
  }
  say(fmt::format("explore: {} runs passed", result.runs));
  return result;
}

}  // namespace lockstep::harness
