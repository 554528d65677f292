// Properties of T1-T4 and C5 over the whole tz database, with civil times drawn
// near each zone's real transitions (where booking systems break).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <date/tz.h>

#include "lockstep/rules.hpp"

namespace lockstep {
namespace {

const std::vector<std::string>& all_zone_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& z : date::get_tzdb().zones) out.emplace_back(z.name());
    return out;
  }();
  return names;
}

struct Drawn {
  std::string zone_name;
  LocalDateTime civil;
};

// A civil time in a random zone: half the time within a few hours of one of that
// zone's transitions between 1995 and 2037, otherwise anywhere in those years.
rc::Gen<Drawn> civil_near_transitions() {
  return rc::gen::exec([] {
    const auto& names = all_zone_names();
    const auto index = *rc::gen::inRange<std::size_t>(0, names.size());
    const Zone zone = Zone::locate(names[index]).value();
    const auto first = date::sys_days{date::year{1995} / 1 / 1};
    const auto last = date::sys_days{date::year{2037} / 12 / 31};
    const auto span = std::chrono::duration_cast<Seconds>(last - first).count();
    Instant pivot = Instant{first} + Seconds{*rc::gen::inRange<long long>(0, span)};
    if (*rc::gen::arbitrary<bool>()) {
      // Jump to the end of the period in force (a transition, if the zone has any).
      const auto info = date::locate_zone(names[index])->get_info(pivot);
      if (info.end < Instant{last}) pivot = date::floor<Seconds>(info.end);
    }
    const auto jitter = Minutes{*rc::gen::inRange(-180, 181)};
    return Drawn{names[index], zone.to_local(pivot) + jitter};
  });
}

RC_GTEST_PROP(T1_Properties, ResolvedInstantReadsBackAsTheCivilTimeOrMovedByTheGap, ()) {
  const Drawn d = *civil_near_transitions();
  const Zone zone = Zone::locate(d.zone_name).value();
  const LocalInfo info = zone.lookup(d.civil);
  const Instant t = zone.resolve(d.civil);
  switch (info.kind) {
    case LocalInfo::Kind::unique:
      RC_ASSERT(zone.to_local(t) == d.civil);
      break;
    case LocalInfo::Kind::skipped:
      RC_ASSERT(info.offset_after > info.offset_before);
      RC_ASSERT(zone.to_local(t) == d.civil + (info.offset_after - info.offset_before));
      RC_ASSERT(t >= info.transition);
      break;
    case LocalInfo::Kind::repeated:
      RC_ASSERT(zone.to_local(info.first) == d.civil);
      RC_ASSERT(zone.to_local(info.second) == d.civil);
      RC_ASSERT(info.first < info.second);
      RC_ASSERT(t == info.first);
      break;
  }
}

RC_GTEST_PROP(T1_Properties, InstantTextRoundTrips, ()) {
  const Drawn d = *civil_near_transitions();
  const Zone zone = Zone::locate(d.zone_name).value();
  const Instant t = zone.resolve(d.civil);
  RC_ASSERT(parse_instant(format_instant(t)).value() == t);
  RC_ASSERT(parse_instant(format_with_offset(t, zone.offset_at(t))).value() == t);
}

RC_GTEST_PROP(T2_T3_T4_Properties, PlanIsConsistent, ()) {
  const Drawn d = *civil_near_transitions();
  const Zone zone = Zone::locate(d.zone_name).value();
  const LockSettings settings{.days_before = *rc::gen::inRange(1, 15),
                              .margin_minutes = *rc::gen::inRange(0, 241)};
  const LocalDateTime checkout = d.civil + Minutes{*rc::gen::inRange(60, 60 * 24 * 20)};
  auto plan = plan_booking(zone, d.civil, checkout, settings, LockKind::bridge);
  if (!plan) {
    // Only a check-out that resolves to no later than check-in may be refused.
    RC_ASSERT(plan.error().code == ErrorCode::invalid_booking);
    RC_ASSERT(zone.resolve(checkout) <= zone.resolve(d.civil));
    return;
  }
  const Minutes margin{settings.margin_minutes};
  RC_ASSERT(plan->checkin - plan->valid_from == margin);
  RC_ASSERT(plan->valid_until - plan->checkout == margin);
  RC_ASSERT(plan->generate_at < plan->checkin);
  RC_ASSERT(plan->retry_deadline > plan->checkin);
  RC_ASSERT(plan->checkin_day == local_date_of(zone.to_local(plan->checkin)));
}

RC_GTEST_PROP(C5_Properties, AlgoPinWindowCoversTheValidityWindowOnTheHour, ()) {
  const Drawn d = *civil_near_transitions();
  const Zone zone = Zone::locate(d.zone_name).value();
  const LocalDateTime checkout = d.civil + Minutes{*rc::gen::inRange(60, 60 * 24 * 120)};
  auto plan = plan_booking(zone, d.civil, checkout, {}, LockKind::algopin);
  RC_PRE(plan.has_value());
  const AlgoPinWindow& w = *plan->algopin;
  RC_ASSERT(w.start <= plan->valid_from);
  RC_ASSERT(w.end >= plan->valid_until);
  RC_ASSERT(plan->valid_from - w.start < std::chrono::hours{1});
  const auto on_hour = [](Instant t, Seconds offset) {
    return date::floor<std::chrono::hours>(t + offset) == t + offset;
  };
  RC_ASSERT(on_hour(w.start, w.start_offset));
  if (w.type == AlgoPinType::hourly) {
    RC_ASSERT(on_hour(w.end, w.end_offset));
    RC_ASSERT(w.end - w.start <= std::chrono::hours{672});
    RC_ASSERT(w.end - plan->valid_until < std::chrono::hours{1});
  } else {
    RC_ASSERT(w.end - w.start > std::chrono::hours{672});
    RC_ASSERT(w.end - w.start >= date::days{28});
    // Daily codes end at start's local time of day, unless that time does not
    // exist on the end day (T1 then moves it).
    const auto tod = [&](Instant t) { const auto l = zone.to_local(t); return l - local_date_of(l); };
    const LocalDateTime wanted = local_date_of(zone.to_local(w.end)) + tod(w.start);
    RC_ASSERT(tod(w.end) == tod(w.start) || zone.lookup(wanted).kind != LocalInfo::Kind::unique);
  }
}

}  // namespace
}  // namespace lockstep
