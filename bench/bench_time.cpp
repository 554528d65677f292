// T1 conversions: civil time to instant in zones with and without transitions,
// the gap and overlap corners, and the formatting/parsing done at every edge.
#include <benchmark/benchmark.h>

#include "lockstep/time.hpp"

namespace {

using namespace lockstep;

const Zone& paris() {
  static const Zone zone = Zone::locate("Europe/Paris").value();
  return zone;
}

LocalDateTime local(std::string_view text) { return parse_local(text).value(); }

void BM_ZoneLocate(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Zone::locate("America/New_York"));
}
BENCHMARK(BM_ZoneLocate);

// A spread of ordinary times through a year (the common case).
void BM_T1_ResolveUnique(benchmark::State& state) {
  LocalDateTime t = local("2026-01-01T15:00");
  std::int64_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(paris().resolve(t + std::chrono::hours{(i++ * 37) % 8760}));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_T1_ResolveUnique);

void BM_T1_ResolveGap(benchmark::State& state) {
  const LocalDateTime t = local("2026-03-29T02:30");  // spring forward: 03:30 +02:00
  for (auto _ : state) benchmark::DoNotOptimize(paris().resolve(t));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_T1_ResolveGap);

void BM_T1_ResolveOverlap(benchmark::State& state) {
  const LocalDateTime t = local("2026-10-25T02:30");  // fall back: the earlier instant
  for (auto _ : state) benchmark::DoNotOptimize(paris().resolve(t));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_T1_ResolveOverlap);

void BM_ToLocal(benchmark::State& state) {
  Instant t = parse_instant("2026-01-01T00:00:00Z").value();
  std::int64_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(paris().to_local(t + std::chrono::hours{(i++ * 37) % 8760}));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ToLocal);

void BM_OffsetAt(benchmark::State& state) {
  Instant t = parse_instant("2026-01-01T00:00:00Z").value();
  std::int64_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(paris().offset_at(t + std::chrono::hours{(i++ * 37) % 8760}));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OffsetAt);

void BM_FormatInstant(benchmark::State& state) {
  const Instant t = parse_instant("2026-03-29T01:30:00Z").value();
  for (auto _ : state) benchmark::DoNotOptimize(format_instant(t));
}
BENCHMARK(BM_FormatInstant);

void BM_FormatWithOffset(benchmark::State& state) {
  const Instant t = parse_instant("2026-03-29T01:30:00Z").value();
  for (auto _ : state) benchmark::DoNotOptimize(format_with_offset(t, std::chrono::hours{2}));
}
BENCHMARK(BM_FormatWithOffset);

void BM_ParseInstant(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(parse_instant("2026-03-29T03:30:00+02:00"));
}
BENCHMARK(BM_ParseInstant);

void BM_ParseLocal(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(parse_local("2026-03-29T02:30"));
}
BENCHMARK(BM_ParseLocal);

}  // namespace
