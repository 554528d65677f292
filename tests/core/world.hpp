// A small world for engine tests: a simulated clock, a seeded random source, the
// fake igloohome and an engine wired to them, with helpers that read like the
// scenarios (instants and local times as text).
#pragma once

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "lockstep/testing/fake_igloohome.hpp"
#include "lockstep/engine.hpp"

namespace lockstep::testing {

inline Instant at(std::string_view text) {
  auto t = parse_instant(text);
  if (!t) throw std::runtime_error(t.error().message);
  return *t;
}

inline LocalDateTime local(std::string_view text) {
  auto t = parse_local(text);
  if (!t) throw std::runtime_error(t.error().message);
  return *t;
}

struct World {
  explicit World(std::string_view start = "2026-01-01T00:00:00Z", std::uint64_t seed = 42,
                 Profile profile = {})
      : clock(at(start)), rng(seed), igloohome(clock), engine(clock, rng, igloohome, profile) {}

  explicit World(Instant start, std::uint64_t seed = 42, Profile profile = {})
      : clock(start), rng(seed), igloohome(clock), engine(clock, rng, igloohome, profile) {}

  SimulatedClock clock;
  SeededRandom rng;
  FakeIgloohome igloohome;
  Engine engine;

  // Connected, property P1 in `zone` with igloohome lock `lock`.
  void setup(std::string_view zone = "Europe/Paris", const std::string& lock = "LK-1") {
    ASSERT_TRUE(engine.connect({"demo-client", "demo-secret"}).has_value());
    ASSERT_TRUE(engine.put_property("P1", zone).has_value());
    ASSERT_TRUE(engine.assign_lock("P1", Brand::igloohome, lock).has_value());
  }

  Result<void> book(const std::string& id, LocalDateTime checkin, LocalDateTime checkout,
                    std::optional<std::string> phone = std::nullopt, const std::string& property = "P1") {
    return engine.put_booking(BookingInput{id, property, checkin, checkout, std::move(phone)});
  }

  Result<void> book(const std::string& id, std::string_view checkin, std::string_view checkout,
                    std::optional<std::string> phone = std::nullopt, const std::string& property = "P1") {
    return engine.put_booking(BookingInput{id, property, local(checkin), local(checkout), std::move(phone)});
  }

  CodeView code(const std::string& id) {
    auto v = engine.code(id);
    if (!v) throw std::runtime_error(v.error().message);
    return *v;
  }

  void run_until(std::string_view t) { engine.run_until(at(t)); }

  // Number of notices with this code.
  int notices(std::string_view code) const {
    int n = 0;
    for (const auto& notice : engine.notices()) n += notice.code == code;
    return n;
  }

  bool audit_has(const std::string& booking, AuditKind kind, std::string_view rule,
                 std::string_view text = {}) {
    for (const auto& e : engine.audit(booking)) {
      if (e.kind == kind && e.rule == rule && e.message.find(text) != std::string::npos) return true;
    }
    return false;
  }

  std::string audit_dump(const std::string& booking) {
    std::string out;
    for (const auto& e : engine.audit(booking)) {
      out += format_instant(e.at) + " " + std::string(to_string(e.kind)) + " " + e.rule + " " +
             e.message + "\n";
    }
    return out;
  }
};

}  // namespace lockstep::testing
