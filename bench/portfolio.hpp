// A synthetic vacation-rental portfolio for the engine benchmarks: N properties in
// a mix of time zones, each with one igloohome lock (one in ten bridge-less, so
// algoPIN; one in four configured for guest-phone codes), back-to-back stays
// through a year (1-5 nights, about 100 bookings a property), and random bridge
// outages. Deterministic from its seed. Two providers play igloohome: a fast
// in-memory fake (engine cost alone) and the real mock in-process through the
// HTTP client (what a scenario run pays: JSON, the handler, the lock simulator).
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lockstep/clock.hpp"
#include "lockstep/engine.hpp"
#include "lockstep/mock/mock.hpp"
#include "lockstep/mock/mock_clock.hpp"
#include "lockstep/provider.hpp"
#include "lockstep/random.hpp"
#include "lockstep/testing/fast_igloohome.hpp"
#include "lockstep/time.hpp"

namespace lockstep::bench {

struct PortfolioSpec {
  int properties = 1000;
  int outages_per_bridge = 6;  // a year
  int max_outage_hours = 6;
  std::uint64_t seed = 1;
};

struct Outage {
  std::string bridge;
  Instant from;
  Instant until;
};

struct PortfolioLock {
  std::string id;
  std::optional<std::string> bridge;
  bool guest_phone = false;
};

struct Portfolio {
  Instant start;  // 2026-01-01T00:00Z, engine and mock clocks start here
  Instant end;    // 2027-01-15: every deletion and its retries are past
  std::vector<std::string> zones;  // per property
  std::vector<PortfolioLock> locks;  // per property
  std::vector<std::string> bridges;
  std::vector<BookingInput> bookings;
  std::vector<Outage> outages;
};

inline Portfolio make_portfolio(const PortfolioSpec& spec) {
  static const std::vector<std::string> kZones = {
      "Europe/Paris", "America/New_York", "Asia/Kolkata",      "Australia/Sydney",
      "Pacific/Apia", "America/St_Johns", "Europe/London",     "Asia/Tokyo",
      "America/Sao_Paulo", "Australia/Lord_Howe", "Asia/Kathmandu", "Africa/Casablanca"};
  SeededRandom rng(spec.seed);
  Portfolio p;
  p.start = parse_instant("2026-01-01T00:00:00Z").value();
  p.end = parse_instant("2027-01-15T00:00:00Z").value();
  for (int i = 0; i < spec.properties; ++i) {
    p.zones.push_back(kZones[rng.below(kZones.size())]);
    PortfolioLock lock{fmt::format("LK-{}", i), std::nullopt, false};
    if (i % 10 != 9) {
      lock.bridge = fmt::format("BR-{}", i / 5);
      if (p.bridges.empty() || p.bridges.back() != *lock.bridge) p.bridges.push_back(*lock.bridge);
      lock.guest_phone = i % 4 == 1;
    }
    p.locks.push_back(std::move(lock));

    // Stays from early January to the end of the year, back to back or a day apart.
    const LocalDateTime year = parse_local("2026-01-02T00:00").value();
    int day = static_cast<int>(rng.below(3));
    for (int k = 0; day < 360; ++k) {
      const int nights = 1 + static_cast<int>(rng.below(5));
      BookingInput b;
      b.booking_id = fmt::format("P{}-{}", i, k);
      b.property_id = fmt::format("P{}", i);
      b.checkin = year + std::chrono::days{day} + std::chrono::minutes{15 * 60 + 30 * static_cast<int>(rng.below(5))};
      b.checkout = year + std::chrono::days{day + nights} + std::chrono::minutes{10 * 60 + 60 * static_cast<int>(rng.below(2))};
      if (rng.below(5) != 0) b.guest_phone = fmt::format("+33 6 {:02} {:02} {:02} {:02}", rng.below(100),
                                                         rng.below(100), rng.below(100), rng.below(100));
      p.bookings.push_back(std::move(b));
      day += nights + static_cast<int>(rng.below(2));
    }
  }
  for (const auto& bridge : p.bridges) {
    for (int k = 0; k < spec.outages_per_bridge; ++k) {
      const Instant from = p.start + std::chrono::minutes{rng.below(365 * 24 * 60)};
      const Instant until = from + std::chrono::hours{1 + rng.below(static_cast<std::uint64_t>(spec.max_outage_hours))};
      p.outages.push_back({bridge, from, until});
    }
  }
  return p;
}

// Everything before the year runs: connect, properties, assignments, settings, bookings.
inline void load_portfolio(Engine& engine, const Portfolio& p) {
  if (!engine.connect({"demo-client", "demo-secret"})) throw std::runtime_error("connect failed");
  for (std::size_t i = 0; i < p.locks.size(); ++i) {
    const std::string property = fmt::format("P{}", i);
    if (!engine.put_property(property, p.zones[i])) throw std::runtime_error("put_property failed");
    if (auto r = engine.assign_lock(property, Brand::igloohome, p.locks[i].id); !r)
      throw std::runtime_error("assign_lock " + p.locks[i].id + ": " + r.error().message);
    if (p.locks[i].guest_phone) {
      SettingsPatch patch;
      patch.code_source = CodeSource::guest_phone;
      if (!engine.configure_lock(p.locks[i].id, patch)) throw std::runtime_error("configure_lock failed");
    }
  }
  for (const auto& b : p.bookings) {
    if (auto r = engine.put_booking(b); !r) throw std::runtime_error("put_booking " + b.booking_id + ": " + r.error().message);
  }
}

// igloohome in memory for the portfolio (lockstep/testing/fast_igloohome.hpp):
// its locks and bridges, its outages.
inline testing::FastIgloohome fast_igloohome(const Portfolio& p, const Clock& clock) {
  std::vector<testing::FastIgloohome::LockEntry> locks;
  for (const auto& l : p.locks) locks.push_back({l.id, l.bridge});
  std::vector<testing::FastIgloohome::Outage> outages;
  for (const auto& o : p.outages) outages.push_back({o.bridge, o.from, o.until});
  return testing::FastIgloohome(locks, outages, clock);
}

// The mock's world for a portfolio: its locks and bridges under the demo account,
// its outages as bridge_offline faults.
inline mock::World mock_world(const Portfolio& p) {
  mock::World world = mock::default_world();
  world.bridges.clear();
  world.locks.clear();
  world.now = p.start;
  for (const auto& b : p.bridges) world.bridges.push_back({b, b, 100});
  for (const auto& l : p.locks) world.locks.push_back({l.id, l.id, l.bridge, "secret-" + l.id, true, 90});
  for (const auto& o : p.outages) {
    world.faults.push_back({{"kind", "bridge_offline"},
                            {"target", o.bridge},
                            {"from", format_instant(o.from)},
                            {"until", format_instant(o.until)}});
  }
  return world;
}

using mock::MockClock;

}  // namespace lockstep::bench
