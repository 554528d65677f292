#include "lockstep/harness/timelines.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "lockstep/codes.hpp"
#include "lockstep/harness/lockout.hpp"

namespace lockstep::harness {

namespace {

std::optional<Instant> resolve_local(const std::string& zone_name, const std::string& local) {
  auto civil = parse_local(local);
  if (!civil) return std::nullopt;
  auto zone = Zone::locate(zone_name);
  if (!zone) return std::nullopt;
  return zone->resolve(*civil);
}

using JobPolls = std::unordered_map<std::string_view, std::vector<const ApiCall*>>;

// The outcome of one code-making call: HTTP first, then its job's last status poll.
report::Attempt outcome(const ApiCall& c, const JobPolls& polls_of_job) {
  report::Attempt a;
  a.at = c.at;
  if (!c.ok()) {
    a.detail = fmt::format("HTTP {} from igloohome", c.status);
    return a;
  }
  if (c.kind == ApiCall::Kind::algopin) {
    a.ok = true;
    a.detail = "algoPIN issued";
    return a;
  }
  std::optional<bool> done;
  if (const auto polls = polls_of_job.find(c.job_id); polls != polls_of_job.end())
    for (const ApiCall* p : polls->second)
      if (p->index > c.index && p->job_done) done = p->job_done;
  a.ok = done.value_or(false);
  a.detail = !done ? "bridge job never confirmed" : *done ? "code created" : "bridge job failed";
  return a;
}

}  // namespace

std::vector<report::BookingTimeline> lane_timelines(const Scenario& s, const Trace& trace,
                                                    const std::vector<ApiCall>& calls) {
  std::map<std::string, std::string> zone_of;
  for (const auto& p : s.properties) zone_of[p.id] = p.timezone;
  std::vector<std::string> order;
  std::map<std::string, const Event*> last;
  for (const auto& c : trace.commands) {
    if (c.error) continue;
    const auto& e = s.timeline[c.event_index];
    if (e.kind == EventKind::put_property) zone_of[e.property_id] = e.timezone;
    if (e.kind != EventKind::put_booking) continue;
    if (!last.contains(e.booking_id)) order.push_back(e.booking_id);
    last[e.booking_id] = &e;
  }
  auto lockouts = lockouts_of(s, trace, calls);
  // Each booking's observations, calls and probes, gathered in one pass each: a
  // year of 20,000 bookings must not scan every list once per booking.
  const auto observations_of = observations_by_booking(trace);
  std::unordered_map<std::string_view, std::vector<const ApiCall*>> calls_of;
  for (const auto& c : calls)
    if (!c.booking.empty()) calls_of[c.booking].push_back(&c);
  std::unordered_map<std::string_view, std::vector<const ProbeRecord*>> probes_of_booking;
  for (const auto& p : trace.probes) probes_of_booking[p.booking].push_back(&p);
  JobPolls polls_of_job;
  for (const auto& c : calls)
    if (c.kind == ApiCall::Kind::job_status) polls_of_job[c.job_id].push_back(&c);
  static const std::vector<const Observation*> no_observations;
  static const std::vector<const ApiCall*> no_calls;
  static const std::vector<const ProbeRecord*> no_probes;
  auto find = [](const auto& index, const std::string& id, const auto& none) -> const auto& {
    const auto it = index.find(id);
    return it == index.end() ? none : it->second;
  };
  std::vector<report::BookingTimeline> out;
  for (const auto& id : order) {
    const Event& e = *last[id];
    report::BookingTimeline b;
    b.id = id;
    b.property = e.booking.property_id;
    b.timezone = zone_of[b.property];
    b.checkin_local = e.booking.checkin;
    b.checkout_local = e.booking.checkout;
    b.checkin = resolve_local(b.timezone, b.checkin_local);
    b.checkout = resolve_local(b.timezone, b.checkout_local);
    if (auto it = trace.booked_at.find(id); it != trace.booked_at.end()) b.booked_at = it->second;
    if (auto it = trace.cancelled_at.find(id); it != trace.cancelled_at.end()) b.cancelled_at = it->second;
    for (const Observation* observed : find(observations_of, id, no_observations)) {
      const Observation& o = *observed;
      if (!o.code) continue;
      if (!o.lock.empty()) b.lock = o.lock;
      b.status = o.code->status;
      b.valid_from = o.code->valid_from;
      b.valid_until = o.code->valid_until;
      if (o.code->code) {
        b.code = o.code->code;
        b.kind = o.code->kind.value_or("");
      }
    }
    if (b.kind == "algopin") {
      b.source = "algopin";
    } else if (b.code) {
      std::optional<std::string> phone;
      if (e.booking.guest_phone)
        if (auto pin = phone_pin(*e.booking.guest_phone)) phone = *pin;
      b.source = phone && *phone == *b.code ? "guest_phone" : "random";
    }
    for (const ApiCall* call : find(calls_of, id, no_calls)) {
      const ApiCall& c = *call;
      if (c.makes_code()) {
        auto a = outcome(c, polls_of_job);
        if (a.ok && !b.created_at) b.created_at = a.at;
        b.attempts.push_back(std::move(a));
      } else if (c.kind == ApiCall::Kind::delete_pin && c.ok() && !b.deleted_at) {
        b.deleted_at = c.at;
      }
    }
    for (const ProbeRecord* probe : find(probes_of_booking, id, no_probes)) {
      const ProbeRecord& p = *probe;
      report::DoorProbe d;
      d.at = p.at;
      d.lock = p.lock;
      d.booking = p.booking;
      d.opened = p.opened;
      d.reason = p.reason;
      if (p.probe_index < s.probes.size()) d.expected_open = s.probes[p.probe_index].expect_open;
      b.probes.push_back(std::move(d));
    }
    if (auto l = lockouts.find(id); l != lockouts.end()) b.lockouts = std::move(l->second);
    out.push_back(std::move(b));
  }
  return out;
}

void attach_reference_lanes(std::vector<report::BookingTimeline>& bookings,
                            const std::vector<report::BookingTimeline>& reference) {
  for (const auto& r : reference) {
    auto it = std::find_if(bookings.begin(), bookings.end(), [&](const auto& b) { return b.id == r.id; });
    if (it == bookings.end()) {
      report::BookingTimeline only;
      only.id = r.id;
      only.property = r.property;
      only.timezone = r.timezone;
      only.checkin_local = r.checkin_local;
      only.checkout_local = r.checkout_local;
      only.checkin = r.checkin;
      only.checkout = r.checkout;
      only.status = "not_found";
      bookings.push_back(std::move(only));
      it = std::prev(bookings.end());
    }
    it->reference = {r};
  }
}

std::vector<report::Outage> outages_of(const Trace& trace) {
  std::vector<report::Outage> out;
  for (const auto& f : trace.faults) {
    report::Outage o;
    o.kind = f.fault.value("kind", std::string());
    o.target = f.fault.value("target", std::string("*"));
    o.from = f.from;
    o.until = f.until;
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<report::DoorProbe> probes_of(const Scenario& s, const Trace& trace, const Trace* reference) {
  std::vector<report::DoorProbe> out;
  for (std::size_t i = 0; i < trace.probes.size(); ++i) {
    const auto& p = trace.probes[i];
    report::DoorProbe d;
    d.at = p.at;
    d.lock = p.lock;
    d.booking = p.booking;
    if (reference) {
      if (i < reference->probes.size() && reference->probes[i].probe_index == p.probe_index)
        d.expected_open = reference->probes[i].opened;
    } else if (p.probe_index < s.probes.size()) {
      d.expected_open = s.probes[p.probe_index].expect_open;
    }
    d.opened = p.opened;
    d.reason = p.reason;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace lockstep::harness
