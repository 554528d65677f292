#include "lockstep/harness/checkers/unique_pins.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace lockstep::harness::checkers {

std::vector<Violation> check_unique_pins(const RunView& run) {
  // A create whose bridge job failed never put its PIN on the lock.
  std::map<std::string, bool> job_ran;
  for (const auto& c : run.calls)
    if (c.kind == ApiCall::Kind::job_status && c.job_done) job_ran[c.job_id] = *c.job_done;
  std::vector<const ApiCall*> made, deleted;
  for (const auto& c : run.calls) {
    const auto ran = job_ran.find(c.job_id);
    const bool on_lock = ran == job_ran.end() || ran->second;
    if (c.kind == ApiCall::Kind::create_pin && c.ok() && on_lock && !c.booking.empty() && !c.pin.empty() && c.start &&
        c.end)
      made.push_back(&c);
    if (c.kind == ApiCall::Kind::delete_pin) deleted.push_back(&c);
  }
  const auto& cancelled = run.cancelled;
  std::vector<Violation> out;
  for (std::size_t j = 0; j < made.size(); ++j)
    for (std::size_t i = 0; i < j; ++i) {
      const auto& a = *made[i];
      const auto& c = *made[j];
      if (a.lock != c.lock || a.pin != c.pin || a.booking == c.booking) continue;
      if (cancelled.contains(a.booking) || cancelled.contains(c.booking)) continue;
      if (!(*a.start < *c.end && *c.start < *a.end)) continue;
      // A PIN deleted before it was given again is free (C4, B2, L3).
      const bool freed = std::any_of(deleted.begin(), deleted.end(), [&](const ApiCall* d) {
        return d->lock == a.lock && d->pin == a.pin && d->index > a.index && d->index < c.index;
      });
      if (freed) continue;
      out.push_back({Rule::C1, c.booking, "pin uniqueness", "a PIN not in use on " + c.lock,
                     fmt::format("{} (also {}'s)", c.pin, a.booking),
                     fmt::format("at {} booking {} was given the PIN {} on lock {}, already {}'s for an overlapping "
                                 "stay",
                                 format_instant(c.at), c.booking, c.pin, c.lock, a.booking),
                     c.at});
      break;
    }
  return out;
}

}  // namespace lockstep::harness::checkers
