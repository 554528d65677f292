#include "lockstep/harness/checkers/no_residual_access.hpp"

#include <fmt/format.h>

#include "lockstep/harness/lockout.hpp"

namespace lockstep::harness::checkers {

namespace {

// C4 + C6: from `until` to `at` every delete of `pin` the engine sent was
// refused because the bridge was offline: a code that outlives its window on
// the lock (a kept code of a moved stay) could not be taken off, and the engine
// kept trying. The outage's doing, not the engine's.
bool deletes_met_an_outage(const RunView& run, const std::string& booking, const std::string& pin, Instant until,
                           Instant at) {
  bool tried = false;
  for (const auto& c : run.calls) {
    if (c.kind != ApiCall::Kind::delete_pin || c.booking != booking || c.pin != pin) continue;
    if (c.at < until || c.at > at) continue;
    if (c.status != 406) return false;
    tried = true;
  }
  return tried;
}

// B1/C2: the PIN that opened is, at `at`, the active code of another booking on
// the same lock (a returning guest's phone digits on back-to-back stays): the
// door opened for a right that exists. The value is one on the lock; igloohome
// deletes by value, so the expired entry is left to its window.
bool another_booking_holds(const std::unordered_map<std::string_view, std::vector<const Observation*>>& observed,
                           const ProbeRecord& p) {
  if (!p.pin) return false;
  for (const auto& [booking, readings] : observed) {
    if (booking == p.booking) continue;
    const Observation* last = nullptr;
    for (const Observation* o : readings)
      if (o->at <= p.at && o->code) last = o;
    if (!last || last->lock != p.lock) continue;
    const auto& c = *last->code;
    if (c.status == "active" && c.code == p.pin && c.valid_from && c.valid_until && *c.valid_from <= p.at &&
        p.at < *c.valid_until)
      return true;
  }
  return false;
}

}  // namespace

std::vector<Violation> check_no_residual_access(const RunView& run, const Profile& profile) {
  std::vector<Violation> out;
  if (!run.trace) return out;
  const auto& t = *run.trace;
  const auto observed = observations_by_booking(t);
  for (const auto& p : t.probes) {
    if (p.booking.empty() || !p.opened) continue;
    if (auto c = t.cancelled_at.find(p.booking); c != t.cancelled_at.end() && p.at >= c->second + profile.delete_retry_window) {
      out.push_back({Rule::B2, p.booking, "residual access", "refused (the booking was cancelled)", "opened",
                     fmt::format("at {} the code of {} still opened {}, {} min after the booking was cancelled at {}",
                                 format_instant(p.at), p.booking, p.lock,
                                 std::chrono::duration_cast<Minutes>(p.at - c->second).count(),
                                 format_instant(c->second)),
                     p.at});
      continue;
    }
    // The window as last reported before the probe.
    std::optional<Instant> until;
    if (const auto mine = observed.find(p.booking); mine != observed.end())
      for (const Observation* o : mine->second)
        if (o->at <= p.at && o->code && o->code->valid_until) until = o->code->valid_until;
    // A lock whose own clock is behind still reads the instant as inside the
    // window: the lock's clock, not the engine (igloohome-api.md, the lock's clock).
    if (until && p.at >= *until && p.at + lock_clock_drift(t, p.lock, p.at) < *until) continue;
    if (until && p.at >= *until && p.pin && deletes_met_an_outage(run, p.booking, *p.pin, *until, p.at)) continue;
    if (until && p.at >= *until && another_booking_holds(observed, p)) continue;
    if (until && p.at >= *until)
      out.push_back({Rule::C4, p.booking, "residual access", fmt::format("refused from {}", format_instant(*until)),
                     "opened",
                     fmt::format("at {} the code of {} still opened {} though its window ended at {}",
                                 format_instant(p.at), p.booking, p.lock, format_instant(*until)),
                     p.at});
  }
  return out;
}

}  // namespace lockstep::harness::checkers
