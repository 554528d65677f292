// expand_generator (scenario_loader.hpp): a compact "generator" block made into
// a concrete scenario, so a year of 200 properties costs a few lines in the
// repository and is the same for the same seed everywhere (SeededRandom).
#include <algorithm>

#include <fmt/format.h>

#include "lockstep/harness/scenario_loader.hpp"
#include "lockstep/random.hpp"

namespace lockstep::harness {

namespace detail {
namespace {

Event setup_event(EventKind kind, Instant at, std::string path) {
  Event e;
  e.kind = kind;
  e.at = at;
  e.json_path = std::move(path);
  return e;
}

}  // namespace
}  // namespace detail

Scenario expand_generator(const Scenario& input, std::uint64_t run_seed) {
  if (!input.generator) return input;
  const GeneratorSpec& g = *input.generator;
  Scenario s = input;
  s.generator.reset();
  SeededRandom rng(g.seed.value_or(run_seed));
  auto pick = [&](int low, int high) {  // inclusive
    return low + static_cast<int>(rng.below(static_cast<std::uint64_t>(high - low + 1)));
  };
  const std::string& path = g.json_path;

  // A world with a bridge for every five locks (the bridge limit), one lock per property.
  mock::World world = s.world ? *s.world : mock::default_world();
  const int bridges = (g.properties + 4) / 5;
  for (int b = 0; b < bridges; ++b) world.bridges.push_back(mock::Bridge{fmt::format("GB-{}", b + 1), fmt::format("Bridge {}", b + 1), 100});
  for (int p = 0; p < g.properties; ++p) {
    mock::Lock lock;
    lock.id = fmt::format("GL-{}", p + 1);
    lock.name = fmt::format("Lock {}", p + 1);
    lock.bridge_id = fmt::format("GB-{}", p / 5 + 1);
    lock.device_secret = "secret-" + lock.id;
    world.locks.push_back(std::move(lock));
  }
  world.now = s.start;
  s.world = std::move(world);

  std::vector<Event> events = s.timeline;  // the connect at start, if any
  const auto start_day = date::floor<date::days>(s.start);
  const int slot = g.days / g.stays_per_property;  // >= 2 (the loader checks)
  static constexpr int margins[] = {0, 30, 60, 240};
  for (int p = 0; p < g.properties; ++p) {
    const std::string property = fmt::format("GP-{}", p + 1);
    const std::string lock = fmt::format("GL-{}", p + 1);
    const std::string& zone = g.timezones[static_cast<std::size_t>(p) % g.timezones.size()];
    s.properties.push_back(PropertySpec{property, zone});
    auto e = detail::setup_event(EventKind::put_property, s.start, path);
    e.property_id = property;
    e.timezone = zone;
    events.push_back(e);
    LockSpec spec{property, "igloohome", lock, {}};
    spec.settings.days_before = pick(1, 14);
    spec.settings.margin_minutes = margins[rng.below(4)];
    s.locks.push_back(spec);
    e = detail::setup_event(EventKind::assign_lock, s.start, path);
    e.property_id = property;
    e.lock_id = lock;
    e.brand = "igloohome";
    events.push_back(e);
    e = detail::setup_event(EventKind::configure_lock, s.start, path);
    e.lock_id = lock;
    e.config = spec.settings;
    events.push_back(e);

    const auto zone_ptr = Zone::locate(zone);
    for (int k = 0; k < g.stays_per_property; ++k) {
      // Each stay inside its own slot of days, so stays on one lock never overlap.
      const int first_day = 1 + k * slot;
      const int nights = pick(1, std::max(1, slot - 1));
      const int offset = pick(0, std::max(0, slot - 1 - nights));
      const auto in_day = date::local_days((start_day + date::days(first_day + offset)).time_since_epoch());
      const auto out_day = in_day + date::days(nights);
      const LocalDateTime checkin = in_day + std::chrono::hours(pick(12, 20));
      const LocalDateTime checkout = out_day + std::chrono::hours(pick(9, 11));
      const std::string id = fmt::format("GP-{}-S{}", p + 1, k + 1);
      e = detail::setup_event(EventKind::put_booking, s.start, path);
      e.booking = BookingRequest{id, property, format_local(checkin), format_local(checkout), std::nullopt};
      e.booking_id = id;
      events.push_back(e);
      if (!zone_ptr) continue;
      const Instant in = zone_ptr->resolve(checkin);
      const Instant out = zone_ptr->resolve(checkout);
      BookingExpectation x;
      x.booking = id;
      x.rule = "T3";
      x.at = in + Minutes(30);
      x.json_path = path;
      x.note = "every guest has a code by check-in";
      x.status = "active";
      s.expectations.push_back(x);
      if (g.probes_per_booking >= 1)
        s.probes.push_back(DoorProbeSpec{in + Minutes(30), path, id, std::nullopt, std::nullopt, "", true, "T2"});
      if (g.probes_per_booking >= 2)
        s.probes.push_back(
            DoorProbeSpec{out + Minutes(300), path, id, in + Minutes(30), std::nullopt, lock, false, "C4"});
    }
  }
  // Random bridge outages, each shorter than any retry window (T4 gives at least a day).
  const auto span_minutes = static_cast<std::uint64_t>(g.days) * 24 * 60;
  for (int o = 0; o < g.outages; ++o) {
    const std::string bridge = fmt::format("GB-{}", pick(1, bridges));
    const Instant from = s.start + Minutes(static_cast<long>(rng.below(span_minutes)));
    const Instant until = from + Minutes(pick(60, g.max_outage_hours * 60));
    auto on = detail::setup_event(EventKind::fault_on, from, path);
    on.fault_id = fmt::format("outage-{}", o + 1);
    on.fault = {{"kind", "bridge_offline"}, {"target", bridge}};
    auto off = detail::setup_event(EventKind::fault_off, until, path);
    off.fault_id = on.fault_id;
    events.push_back(on);
    events.push_back(off);
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) { return a.at < b.at; });
  s.timeline = std::move(events);
  std::stable_sort(s.probes.begin(), s.probes.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
  if (!s.end) s.end = default_end(s);
  return s;
}

}  // namespace lockstep::harness
