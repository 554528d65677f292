// Choosing PIN values (C1 random, C2 guest phone) against a lock that already
// holds many codes: the in_use check is a hash-set lookup, as an engine would keep.
#include <benchmark/benchmark.h>

#include <unordered_set>

#include "lockstep/codes.hpp"
#include "lockstep/random.hpp"

namespace {

using namespace lockstep;

std::unordered_set<std::string> codes_in_use(std::size_t n) {
  SeededRandom rng(42);
  std::unordered_set<std::string> in_use;
  while (in_use.size() < n) in_use.insert(random_pin(rng, [](std::string_view) { return false; }));
  return in_use;
}

// Arg: codes already on the lock (199 is igloohome's per-lock limit; larger
// figures show how the draw degrades as the 6-digit space fills).
void BM_RandomPin(benchmark::State& state) {
  const auto in_use = codes_in_use(static_cast<std::size_t>(state.range(0)));
  SeededRandom rng(7);
  const std::function<bool(std::string_view)> taken = [&](std::string_view pin) {
    return in_use.contains(std::string(pin));
  };
  for (auto _ : state) benchmark::DoNotOptimize(random_pin(rng, taken));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RandomPin)->Arg(0)->Arg(199)->Arg(10'000)->Arg(500'000);

void BM_GuestPhonePin(benchmark::State& state) {
  const auto in_use = codes_in_use(static_cast<std::size_t>(state.range(0)));
  SeededRandom rng(7);
  const std::array<std::string, 4> phones{"+33 6 12 34 56 78", "(555) 010-4477", "+1.202.555.0143", "12 34"};
  std::size_t i = 0;
  for (auto _ : state) {
    // C2 as the engine applies it: the phone's digits, else (in use, too short...) a random code.
    auto pin = phone_pin(phones[i++ & 3]);
    if (!pin || in_use.contains(*pin)) {
      benchmark::DoNotOptimize(random_pin(rng, [&](std::string_view p) { return in_use.contains(std::string(p)); }));
    } else {
      benchmark::DoNotOptimize(pin);
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GuestPhonePin)->Arg(0)->Arg(199)->Arg(10'000);

void BM_IsForbiddenPin(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(is_forbidden_pin("384920"));
}
BENCHMARK(BM_IsForbiddenPin);

}  // namespace
