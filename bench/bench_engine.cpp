// The reference engine over a year of a portfolio (portfolio.hpp): N properties,
// about 100 bookings each, with bridge outages. Two providers:
//   Fake — an in-memory igloohome: the engine's own cost (target: 1,000
//          properties, ~100k bookings, in <= 2 s; <= 1 KB of engine memory per booking);
//   Mock — the real mock in-process through the HTTP client (JSON, the handler, the
//          lock simulator): what a scenario run through the mock pays.
// Setup (connect, assignments, bookings) is timed apart from the year itself.
#include <benchmark/benchmark.h>

#include <malloc.h>
#include <sys/resource.h>

#include <chrono>
#include <memory>

#include "lockstep/igloohome/client.hpp"
#include "lockstep/mock/in_process_transport.hpp"
#include "portfolio.hpp"

namespace {

using namespace lockstep;
using lockstep::bench::Portfolio;

// Blocks malloc serves from the heap (uordblks) and the large ones it maps
// apart (hblkhd): the engine's biggest arrays — its bookings (464 bytes each), a
// heap of work — are mapped blocks, and counting uordblks alone left them out.
std::size_t heap_in_use() {
  const auto m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// One year: run_until every wakeup, as a driver would, then report.
template <class MakeProvider>
void year(benchmark::State& state, MakeProvider make_provider) {
  const Portfolio p = bench::make_portfolio({static_cast<int>(state.range(0))});
  double setup_seconds = 0;
  double bytes_per_booking = 0;
  std::size_t active = 0;
  std::size_t calls = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const auto t0 = std::chrono::steady_clock::now();
    auto world = make_provider(p);  // provider + clock, owned together
    const std::size_t heap_before = heap_in_use();
    SeededRandom rng(11);
    auto engine = std::make_unique<Engine>(world->clock(), rng, world->provider());
    bench::load_portfolio(*engine, p);
    setup_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    bytes_per_booking =
        static_cast<double>(heap_in_use() - heap_before) / static_cast<double>(p.bookings.size());
    state.ResumeTiming();

    std::size_t guard = 0;
    while (auto next = engine->next_wakeup()) {
      if (*next > p.end || ++guard > 50'000'000) break;
      engine->run_until(*next);
    }
    engine->run_until(p.end);

    state.PauseTiming();
    active = 0;
    for (const auto& id : engine->booking_ids()) {
      const auto code = engine->code(id);
      active += code && (code->status == CodeStatus::revoked || code->status == CodeStatus::active);
    }
    calls = world->calls();
    engine.reset();
    world.reset();
    state.ResumeTiming();
  }
  state.counters["bookings"] = static_cast<double>(p.bookings.size());
  state.counters["bookings_per_s"] =
      benchmark::Counter(static_cast<double>(p.bookings.size()), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["outages"] = static_cast<double>(p.outages.size());
  state.counters["served"] = static_cast<double>(active);
  state.counters["provider_calls"] = static_cast<double>(calls);
  state.counters["setup_s"] = setup_seconds;
  if (std::remove_reference_t<decltype(*make_provider(p))>::measures_engine_memory)
    state.counters["engine_bytes_per_booking"] = bytes_per_booking;
  state.counters["peak_rss_mb"] = peak_rss_mb();
}

struct FakeSetup {
  explicit FakeSetup(const Portfolio& p) : clock_(p.start), fake(bench::fast_igloohome(p, clock_)) {}
  SimulatedClock clock_;
  testing::FastIgloohome fake;
  Clock& clock() { return clock_; }
  IgloohomeProvider& provider() { return fake; }
  // The fake's own maps are built before the heap is measured... except its
  // outage table, which is small (6 intervals a bridge): engine memory is what remains.
  static constexpr bool measures_engine_memory = true;
  std::size_t calls() const { return fake.calls; }
};

struct MockSetup {
  explicit MockSetup(const Portfolio& p)
      : mock(bench::mock_world(p)), transport(mock), clock_(mock), client(transport, transport, clock_) {}
  mock::Mock mock;
  mock::InProcessTransport transport;
  bench::MockClock clock_;
  igloohome::Client client;
  Clock& clock() { return clock_; }
  IgloohomeProvider& provider() { return client; }
  // The mock's journal and PINs grow alongside: no clean engine figure here.
  static constexpr bool measures_engine_memory = false;
  std::size_t calls() const { return mock.journal().size(); }
};

void BM_PortfolioYear_Fake(benchmark::State& state) {
  year(state, [](const Portfolio& p) { return std::make_unique<FakeSetup>(p); });
}
// Each year played three times (bench/summarize.py keeps the least CPU time and
// shows every run): one year at 1M bookings moved from 1.3 to 3.6 s between
// bench runs on this shared machine. The 100,000-property year (ten million
// bookings, the growth chart's last point: ~2.5 GB of engine state, ~6 GB at the
// peak of the process) is played once.
BENCHMARK(BM_PortfolioYear_Fake)->Arg(10)->Arg(100)->Arg(1000)->Arg(10000)->Iterations(1)->Repetitions(3)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PortfolioYear_Fake)->Arg(100000)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_PortfolioYear_Mock(benchmark::State& state) {
  year(state, [](const Portfolio& p) { return std::make_unique<MockSetup>(p); });
}
BENCHMARK(BM_PortfolioYear_Mock)->Arg(10)->Arg(100)->Arg(1000)->Iterations(1)->Repetitions(3)
    ->Unit(benchmark::kMillisecond);

}  // namespace
