// One `lockstep plan` line, parsed, planned and formatted in-process (the CLI adds
// only stdin/stdout): the figure behind "lockstep plan >= 300k lines/s".
#include <benchmark/benchmark.h>

#include "lockstep/harness/plan_line.hpp"

namespace {

void run(benchmark::State& state, std::string_view line) {
  for (auto _ : state) benchmark::DoNotOptimize(lockstep::harness::plan_line(line, 1));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(line.size() + 1));
}

void BM_PlanLine_Bridge(benchmark::State& state) {
  run(state, R"({"id": "b1", "timezone": "Europe/Paris", "checkin": "2026-03-29T02:30", )"
             R"("checkout": "2026-04-02T11:00", "days_before": 5, "margin_minutes": 30, )"
             R"("lock": "bridge", "booked_at": "2026-01-10T09:00:00Z"})");
}
BENCHMARK(BM_PlanLine_Bridge);

void BM_PlanLine_Minimal(benchmark::State& state) {
  run(state, R"({"id":"b2","timezone":"America/New_York","checkin":"2026-07-03T16:00","checkout":"2026-07-06T10:00"})");
}
BENCHMARK(BM_PlanLine_Minimal);

void BM_PlanLine_AlgoPin(benchmark::State& state) {
  run(state, R"({"id":"b3","timezone":"Asia/Kolkata","checkin":"2026-02-01T14:00","checkout":"2026-02-20T11:00","lock":"algopin"})");
}
BENCHMARK(BM_PlanLine_AlgoPin);

void BM_PlanLine_BadZone(benchmark::State& state) {
  run(state, R"({"id":"b4","timezone":"Mars/Olympus","checkin":"2026-02-01T14:00","checkout":"2026-02-02T11:00"})");
}
BENCHMARK(BM_PlanLine_BadZone);

void BM_PlanLine_NotJson(benchmark::State& state) { run(state, R"({"id": "b5", "timezone": )"); }
BENCHMARK(BM_PlanLine_NotJson);

}  // namespace
