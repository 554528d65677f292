// Planning one booking (T1-T4, and C5 for algoPIN locks): the in-process figure
// behind "bookings planned per second per core" (target: 1M/s).
#include <benchmark/benchmark.h>

#include <array>

#include "lockstep/rules.hpp"
#include "lockstep/time.hpp"

namespace {

using namespace lockstep;

struct Stay {
  LocalDateTime checkin;
  LocalDateTime checkout;
};

// 1,024 stays through 2026 (including the DST weekends), 1 to 14 nights.
const std::vector<Stay>& stays() {
  static const std::vector<Stay> all = [] {
    std::vector<Stay> v;
    const LocalDateTime year = parse_local("2026-01-01T15:00").value();
    for (int i = 0; i < 1024; ++i) {
      const auto in = year + std::chrono::days{(i * 7919) % 360} + std::chrono::minutes{(i % 5) * 30};
      const auto out = in + std::chrono::days{1 + i % 14} - std::chrono::hours{4};
      v.push_back({in, out});
    }
    return v;
  }();
  return all;
}

void plan(benchmark::State& state, const char* zone_name, LockKind kind) {
  const Zone zone = Zone::locate(zone_name).value();
  const LockSettings settings;
  const auto& v = stays();
  std::size_t i = 0;
  for (auto _ : state) {
    const Stay& s = v[i++ & 1023];
    benchmark::DoNotOptimize(plan_booking(zone, s.checkin, s.checkout, settings, kind));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_PlanBooking_Bridge(benchmark::State& state) { plan(state, "Europe/Paris", LockKind::bridge); }
BENCHMARK(BM_PlanBooking_Bridge);

void BM_PlanBooking_AlgoPin(benchmark::State& state) { plan(state, "Europe/Paris", LockKind::algopin); }
BENCHMARK(BM_PlanBooking_AlgoPin);

void BM_PlanBooking_Bridge_UTC(benchmark::State& state) { plan(state, "UTC", LockKind::bridge); }
BENCHMARK(BM_PlanBooking_Bridge_UTC);

void BM_PlanBooking_Bridge_Apia(benchmark::State& state) { plan(state, "Pacific/Apia", LockKind::bridge); }
BENCHMARK(BM_PlanBooking_Bridge_Apia);

void BM_PlanBooking_Bridge_Lord_Howe(benchmark::State& state) {
  plan(state, "Australia/Lord_Howe", LockKind::bridge);  // 30-minute DST
}
BENCHMARK(BM_PlanBooking_Bridge_Lord_Howe);

void BM_AlgoPinWindow(benchmark::State& state) {
  const Zone zone = Zone::locate("Europe/Paris").value();
  const Instant from = parse_instant("2026-03-28T14:30:00Z").value();
  const Instant until = parse_instant("2026-04-02T09:30:00Z").value();
  for (auto _ : state) benchmark::DoNotOptimize(algopin_window(zone, from, until));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AlgoPinWindow);

}  // namespace
