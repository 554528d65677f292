// The random source is injected so that a run is reproducible from its seed.
// SeededRandom is deterministic across platforms and standard libraries (it does
// not use <random>'s distributions, whose output is implementation-defined).
#pragma once

#include <cstdint>

namespace lockstep {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual std::uint64_t next_u64() = 0;
  // Uniform in [0, bound), bound > 0, without modulo bias.
  std::uint64_t below(std::uint64_t bound);
};

// xoshiro256** seeded through splitmix64.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(std::uint64_t seed);
  std::uint64_t next_u64() override;

 private:
  std::uint64_t s_[4];
};

}  // namespace lockstep
