// The clock is injected into everything that waits: the engine never reads the
// system clock and never sleeps. It asks the clock for "now", and when it runs the
// work due at a later instant it moves the clock there (advance_to), so whatever
// shares the clock (a mock's virtual time, a test) sees the same instant.
#pragma once

#include "lockstep/time.hpp"

namespace lockstep {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
  // Moves time forward to t (never backward: a t before now is ignored).
  virtual void advance_to(Instant t) = 0;
};

// A clock that only moves when told to (abseil's SimulatedClock).
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(Instant start = {}) : now_(start) {}
  Instant now() const override { return now_; }
  void advance_to(Instant t) override {
    if (t > now_) now_ = t;
  }
  // Unlike advance_to, may move backwards (tests, mock admin API).
  void set(Instant t) { now_ = t; }

 private:
  Instant now_;
};

}  // namespace lockstep
