// The mock's virtual clock as a lockstep::Clock, for an engine that runs
// in-process beside the mock (tests, benchmarks): both always agree on "now",
// and when the engine waits (advance_to) the mock's time moves with it — the
// engine is then the clock's owner. Never backwards: a wait for an instant
// already past changes nothing, as with SimulatedClock.
#pragma once

#include "lockstep/clock.hpp"
#include "lockstep/mock/mock.hpp"

namespace lockstep::mock {

class MockClock final : public Clock {
 public:
  explicit MockClock(Mock& mock) : mock_(mock) {}
  Instant now() const override { return mock_.now(); }
  void advance_to(Instant t) override {
    if (t > mock_.now()) mock_.set_now(t);
  }

 private:
  Mock& mock_;
};

}  // namespace lockstep::mock
