#include "lockstep/harness/lockout.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <unordered_map>

namespace lockstep::harness {

namespace {

struct Interval {
  Instant from;
  Instant until;
};

// [lo, hi) minus the union of `covered`, as sorted spans.
std::vector<Interval> uncovered(Instant lo, Instant hi, std::vector<Interval> covered) {
  std::sort(covered.begin(), covered.end(), [](const Interval& a, const Interval& b) { return a.from < b.from; });
  std::vector<Interval> out;
  Instant at = lo;
  for (const auto& c : covered) {
    if (c.until <= at || c.from >= hi) continue;
    if (c.from > at) out.push_back({at, std::min(c.from, hi)});
    at = std::max(at, c.until);
    if (at >= hi) break;
  }
  if (at < hi) out.push_back({at, hi});
  return out;
}

}  // namespace

std::chrono::minutes lock_clock_drift(const Trace& trace, const std::string& lock, Instant t) {
  std::chrono::minutes drift{0};
  for (const auto& f : trace.faults) {
    if (f.fault.value("kind", std::string()) != "clock_drift" || f.fault.value("target", std::string()) != lock) continue;
    if (f.from <= t && (!f.until || t < *f.until)) drift += std::chrono::minutes{f.fault.value("minutes", 0)};
  }
  return drift;
}

std::map<std::string, std::vector<report::LockoutSpan>> lockouts_of(const Scenario& s, const Trace& trace,
                                                                    const std::vector<ApiCall>& calls) {
  // The stay as last put.
  std::map<std::string, std::string> zone_of;
  for (const auto& p : s.properties) zone_of[p.id] = p.timezone;
  std::map<std::string, Interval> stays;
  for (const auto& c : trace.commands) {
    if (c.error) continue;
    const auto& e = s.timeline[c.event_index];
    if (e.kind == EventKind::put_property) zone_of[e.property_id] = e.timezone;
    if (e.kind != EventKind::put_booking) continue;
    const auto zone = Zone::locate(zone_of[e.booking.property_id]);
    const auto in = parse_local(e.booking.checkin), out = parse_local(e.booking.checkout);
    if (zone && in && out) stays[e.booking_id] = {zone->resolve(*in), zone->resolve(*out)};
  }
  std::map<std::string, bool> job_ran;
  for (const auto& c : calls)
    if (c.kind == ApiCall::Kind::job_status && c.job_done) job_ran[c.job_id] = *c.job_done;
  // Indexes built once, so that a year of 20,000 bookings is not a scan of every
  // call (and every fault) per booking: each booking's calls in journal order;
  // each (lock, PIN)'s successful deletes in journal order; the outages.
  std::unordered_map<std::string_view, std::vector<std::size_t>> calls_of;
  std::map<std::pair<std::string_view, std::string_view>, std::vector<std::size_t>> deletes_of;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const auto& c = calls[i];
    if (!c.booking.empty()) calls_of[c.booking].push_back(i);
    if (c.kind == ApiCall::Kind::delete_pin && c.ok()) deletes_of[{c.lock, c.pin}].push_back(i);
  }
  std::vector<std::pair<Instant, std::optional<Instant>>> outages;
  for (const FaultRecord& f : trace.faults)
    if (f.fault.is_object() && f.fault.value("kind", std::string()) == "bridge_offline") outages.emplace_back(f.from, f.until);
  auto outage_at = [&](Instant t) {
    return std::any_of(outages.begin(), outages.end(),
                       [&](const auto& o) { return o.first <= t && (!o.second || t < *o.second); });
  };
  static const std::vector<std::size_t> no_calls;
  const Instant end = trace.last;
  std::map<std::string, std::vector<report::LockoutSpan>> out;
  for (const auto& [booking, stay] : stays) {
    if (trace.cancelled_at.contains(booking)) continue;
    // No right to enter before the booking existed (a walk-in booked after check-in).
    Instant entitled_from = stay.from;
    if (const auto booked = trace.booked_at.find(booking); booked != trace.booked_at.end())
      entitled_from = std::max(entitled_from, booked->second);
    const Instant until = std::min(stay.until, end);
    if (until <= entitled_from) continue;
    std::vector<Interval> opens, opens_on_lock_clock;
    std::vector<Instant> deletes;
    std::optional<Instant> first_code;
    bool attempted = false;
    // The first attempt that met an outage, and the first that failed otherwise.
    std::optional<Instant> first_outage, first_failure;
    const auto mine = calls_of.find(booking);
    for (const std::size_t i : mine == calls_of.end() ? no_calls : mine->second) {
      const auto& c = calls[i];
      if (c.kind == ApiCall::Kind::delete_pin && c.ok()) deletes.push_back(c.at);
      if (!c.makes_code()) continue;
      attempted = true;
      const bool outage_now = outage_at(c.at) || c.status == 406;
      if (outage_now && !first_outage) first_outage = c.at;
      if (!c.ok()) {
        if (!outage_now && !first_failure) first_failure = c.at;
        continue;
      }
      if (c.kind == ApiCall::Kind::create_pin) {
        const auto ran = job_ran.find(c.job_id);
        if (ran == job_ran.end() || !ran->second) {
          // Its job failed (or expired); a job never confirmed judges nothing.
          if (ran != job_ran.end() && !outage_now && !first_failure) first_failure = c.at;
          continue;
        }
      }
      Instant gone = end;  // the first successful delete of this PIN on this lock after the call
      if (const auto d = deletes_of.find({c.lock, c.pin}); d != deletes_of.end()) {
        const auto next = std::upper_bound(d->second.begin(), d->second.end(), i);
        if (next != d->second.end()) gone = calls[*next].at;
      }
      const Instant from = std::max(c.at, c.start.value_or(c.at));
      const Instant to = std::min(gone, c.end.value_or(gone));
      if (to > from) {
        opens.push_back({from, to});
        // The lock checks the window against its own clock: read at true time t
        // it sees t + drift, so the window opens `drift` early (or late). The
        // code is only typed while it is on the lock, [c.at, gone).
        const auto drift = lock_clock_drift(trace, c.lock, from);
        const Instant lock_from = std::max(c.at, c.start.value_or(c.at) - drift);
        const Instant lock_to = std::min(gone, c.end.value_or(gone + drift) - drift);
        if (lock_to > lock_from) opens_on_lock_clock.push_back({lock_from, lock_to});
      }
      if (!first_code || c.at < *first_code) first_code = c.at;
    }
    std::sort(deletes.begin(), deletes.end());
    const auto true_gaps = uncovered(entitled_from, until, opens);
    for (const auto& gap : uncovered(entitled_from, until, opens_on_lock_clock)) {
      // Open on true time throughout: only the lock's clock kept the guest out.
      const bool clock_only = std::none_of(true_gaps.begin(), true_gaps.end(), [&](const Interval& g) {
        return g.from < gap.until && gap.from < g.until;
      });
      if (clock_only) {
        out[booking].push_back({gap.from, gap.until, "drifted_lock"});
        continue;
      }
      std::string cause;
      const bool after_delete = std::any_of(deletes.begin(), deletes.end(), [&](Instant d) { return d <= gap.from; });
      if (!first_code) cause = first_outage ? "outage" : attempted ? "failed_code" : "not_yet_made";
      else if (after_delete && gap.from >= *first_code) cause = "deleted_early";
      // The code came late: because attempts before it met an outage or failed.
      else if (first_outage && *first_outage < *first_code) cause = "outage";
      else if (first_failure && *first_failure < *first_code) cause = "failed_code";
      else cause = "not_yet_made";
      out[booking].push_back({gap.from, gap.until, cause});
    }
  }
  return out;
}

}  // namespace lockstep::harness
