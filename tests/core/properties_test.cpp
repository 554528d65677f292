// RapidCheck properties of the engine, with zones drawn from the whole tz
// database and dates drawn near that zone's transitions, where booking systems break.
#include <algorithm>
#include <map>
#include <random>

#include <date/tz.h>
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "world.hpp"

namespace lockstep::testing {
namespace {

const std::vector<std::string>& all_zone_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& z : date::get_tzdb().zones) out.emplace_back(z.name());
    return out;
  }();
  return names;
}

rc::Gen<std::string> any_zone() { return rc::gen::elementOf(all_zone_names()); }

// A local time near one of the zone's transitions (or anywhere, a fifth of the time).
LocalDateTime local_near_transition(const std::string& zone_name) {
  const Zone zone = *Zone::locate(zone_name);
  const auto* tz = date::locate_zone(zone_name);
  const int year = *rc::gen::inRange(2000, 2036);
  const auto day = *rc::gen::inRange(0, 365);
  Instant t = Instant{date::sys_days{date::year{year} / 1 / 1}} + date::days{day};
  if (*rc::gen::inRange(0, 5) != 0) {
    const auto info = tz->get_info(t);
    const Instant next = date::floor<Seconds>(info.end);
    if (next < Instant{date::sys_days{date::year{2038} / 1 / 1}}) t = next;
  }
  const auto shift = Minutes{*rc::gen::inRange(-90, 91)};
  return date::floor<Minutes>(zone.to_local(t) + shift);
}

// What T1 makes of a civil time, checked through to_local rather than resolve:
// the instant reads back as the same wall time, or, in a gap, as that time
// moved forward by the gap.
void expect_reads_back(const Zone& zone, LocalDateTime civil, Instant instant) {
  const LocalInfo info = zone.lookup(civil);
  if (info.kind == LocalInfo::Kind::skipped) {
    RC_ASSERT(zone.to_local(instant) == civil + (info.offset_after - info.offset_before));
  } else {
    RC_ASSERT(zone.to_local(instant) == civil);
    if (info.kind == LocalInfo::Kind::repeated) RC_ASSERT(instant == std::min(info.first, info.second));
  }
}

RC_GTEST_PROP(T2_Property, WindowCoversTheStayWithExactlyTheMargin, ()) {
  const std::string zone_name = *any_zone();
  const Zone zone = *Zone::locate(zone_name);
  const LocalDateTime checkin = local_near_transition(zone_name);
  const LocalDateTime checkout = checkin + Minutes{*rc::gen::inRange(60, 20 * 24 * 60)};
  const int margin = *rc::gen::inRange(0, 241);
  World w(zone.resolve(checkin) - date::days{40});
  w.setup(zone_name);
  RC_ASSERT(w.engine.configure_lock("LK-1", SettingsPatch{std::nullopt, margin, std::nullopt}).has_value());
  auto booked = w.book("b1", checkin, checkout);
  RC_CLASSIFY(zone.lookup(checkin).kind != LocalInfo::Kind::unique, "check-in in a gap or overlap");
  if (!booked) {
    RC_ASSERT(booked.error().code == ErrorCode::invalid_booking);
    RC_ASSERT(zone.resolve(checkout) <= zone.resolve(checkin));
    return;
  }
  const CodeView v = w.code("b1");
  RC_ASSERT(v.valid_from.has_value() && v.valid_until.has_value());
  expect_reads_back(zone, checkin, *v.valid_from + Minutes{margin});
  expect_reads_back(zone, checkout, *v.valid_until - Minutes{margin});
  RC_ASSERT(*v.valid_until - *v.valid_from > Minutes{2 * margin});
  w.engine.run_until(*v.generate_at);
  const auto creates = w.igloohome.calls_of("create_pin");
  RC_ASSERT(creates.size() == 1u);
  const PinJob& job = *creates[0].job;
  RC_ASSERT(job.start == *v.valid_from);
  RC_ASSERT(job.end == *v.valid_until);
  RC_ASSERT(job.start_offset == zone.offset_at(job.start));
  RC_ASSERT(job.end_offset == zone.offset_at(job.end));
}

RC_GTEST_PROP(T4_Property, AttemptsAnHourApartAllBeforeTheDeadline, ()) {
  const std::string zone_name = *any_zone();
  const Zone zone = *Zone::locate(zone_name);
  const LocalDateTime checkin = local_near_transition(zone_name);
  const LocalDateTime checkout = checkin + Minutes{*rc::gen::inRange(120, 6 * 24 * 60)};
  if (zone.resolve(checkout) <= zone.resolve(checkin)) return;
  World w(zone.resolve(checkin) - date::days{30});
  w.setup(zone_name);
  RC_ASSERT(w.book("b1", checkin, checkout).has_value());
  const CodeView planned = w.code("b1");
  // Outages starting around the generation time, some outlasting the deadline.
  const Instant base = *planned.generate_at - date::days{1};
  const int outages = *rc::gen::inRange(0, 4);
  for (int i = 0; i < outages; ++i) {
    const Instant from = base + Minutes{*rc::gen::inRange(0, 2 * 24 * 60)};
    w.igloohome.bridge_offline("BR-1", from, from + Minutes{*rc::gen::inRange(1, 8 * 24 * 60)});
  }
  w.engine.run_until(*planned.valid_until + date::days{3});
  const CodeView v = w.code("b1");
  RC_ASSERT(!v.attempts.empty());
  RC_ASSERT(v.attempts.front() == *planned.generate_at);
  const Instant limit = std::min(*v.retry_deadline, *v.valid_until);
  for (std::size_t i = 0; i < v.attempts.size(); ++i) {
    RC_ASSERT(v.attempts[i] < limit);
    if (i > 0) RC_ASSERT(v.attempts[i] - v.attempts[i - 1] >= Minutes{60});
  }
  RC_ASSERT(v.status == CodeStatus::revoked || v.status == CodeStatus::failed);
  RC_CLASSIFY(v.attempts.size() > 1, "retried");
  RC_CLASSIFY(v.status == CodeStatus::failed, "failed");
  if (v.status == CodeStatus::failed) {
    // Failed only when the next hourly attempt would not have been before the deadline.
    RC_ASSERT(v.attempts.back() + Minutes{60} >= limit);
    RC_ASSERT(w.notices("generation_failed") == 1);
  } else {
    RC_ASSERT(v.issued_at == v.attempts.back());
  }
}

RC_GTEST_PROP(C1_Property, NoTwoOverlappingBookingsShareAPinOnALock, ()) {
  World w(at("2026-04-01T00:00:00Z"), *rc::gen::arbitrary<std::uint64_t>());
  w.setup(*any_zone());
  if (*rc::gen::arbitrary<bool>()) {
    RC_ASSERT(w.engine.configure_lock("LK-1", SettingsPatch{std::nullopt, std::nullopt, CodeSource::guest_phone})
                  .has_value());
  }
  // Few phones, so that guests share them; some values refused by igloohome.
  const std::vector<std::string> phones{"0611111234", "+44 7700 901234", "0033 611 222 333", "12"};
  w.igloohome.rejected_values = {"222333"};
  const int n = *rc::gen::inRange(2, 14);
  const LocalDateTime base = local("2026-05-01T00:00");
  for (int i = 0; i < n; ++i) {
    const LocalDateTime in = base + Minutes{*rc::gen::inRange(0, 30 * 24 * 60)};
    const LocalDateTime out = in + Minutes{*rc::gen::inRange(60, 7 * 24 * 60)};
    std::optional<std::string> phone;
    if (*rc::gen::inRange(0, 5) != 0) phone = *rc::gen::elementOf(phones);
    const auto r = w.book(fmt::format("b{}", i), in, out, phone);
    if (!r) RC_ASSERT(r.error().code == ErrorCode::invalid_booking);
  }
  // Some date changes half-way through.
  w.run_until("2026-05-10T00:00:00Z");
  for (int i = 0; i < n; ++i) {
    if (*rc::gen::inRange(0, 3) != 0) continue;
    const LocalDateTime in = base + Minutes{*rc::gen::inRange(10 * 24 * 60, 30 * 24 * 60)};
    (void)w.book(fmt::format("b{}", i), in, in + Minutes{*rc::gen::inRange(60, 7 * 24 * 60)},
                 *rc::gen::elementOf(phones));
  }
  w.run_until("2026-07-01T00:00:00Z");
  const auto& held = w.igloohome.held;
  for (std::size_t i = 0; i < held.size(); ++i) {
    for (std::size_t j = i + 1; j < held.size(); ++j) {
      const HeldPin& a = held[i];
      const HeldPin& b = held[j];
      if (a.pin != b.pin || a.access_name == b.access_name) continue;
      if (!(a.start < b.end && b.start < a.end)) continue;
      // Same value, windows overlapping: the earlier must be gone before the later came.
      RC_ASSERT(a.deleted_at.has_value());
      RC_ASSERT(*a.deleted_at <= b.created_at);
    }
  }
}

RC_GTEST_PROP(C2_Property, AValidFreePhoneGivesExactlyItsLastSixDigits, ()) {
  const auto digits = *rc::gen::container<std::string>(rc::gen::inRange('0', static_cast<char>('9' + 1)));
  if (digits.size() < 6) return;
  std::string phone;
  for (char d : digits) {
    phone.push_back(d);
    if (*rc::gen::inRange(0, 4) == 0) phone.push_back(*rc::gen::elementOf(std::string("+().- ")));
  }
  World w(at("2026-05-01T00:00:00Z"));
  w.setup(*any_zone());
  RC_ASSERT(w.engine.configure_lock("LK-1", SettingsPatch{std::nullopt, std::nullopt, CodeSource::guest_phone})
                .has_value());
  RC_ASSERT(w.book("b1", "2026-05-20T15:00", "2026-05-22T10:00", phone).has_value());
  w.run_until("2026-05-19T00:00:00Z");
  const CodeView v = w.code("b1");
  RC_ASSERT(v.status == CodeStatus::active);
  RC_ASSERT(*v.code == digits.substr(digits.size() - 6));
  RC_ASSERT(v.source == PinSource::guest_phone);
}

struct Stay {
  std::string id;
  std::string property;
  LocalDateTime checkin;
  LocalDateTime checkout;
};

std::map<std::string, std::tuple<CodeStatus, std::optional<std::string>, std::vector<Instant>>> outcome(
    const std::vector<Stay>& stays, std::uint64_t seed, const std::string& zone,
    const std::vector<std::pair<Instant, Instant>>& outages) {
  World w(at("2026-04-01T00:00:00Z"), seed);
  w.setup(zone);
  EXPECT_TRUE(w.engine.put_property("P2", zone));
  EXPECT_TRUE(w.engine.assign_lock("P2", Brand::igloohome, "LK-2"));
  for (const auto& [from, until] : outages) w.igloohome.bridge_offline("BR-1", from, until);
  for (const auto& s : stays) (void)w.book(s.id, s.checkin, s.checkout, std::nullopt, s.property);
  w.run_until("2026-06-10T00:00:00Z");
  std::map<std::string, std::tuple<CodeStatus, std::optional<std::string>, std::vector<Instant>>> out;
  for (const auto& s : stays) {
    if (auto v = w.engine.code(s.id)) out[s.id] = {v->status, v->code, v->attempts};
  }
  return out;
}

RC_GTEST_PROP(Order_Property, OutcomeDoesNotDependOnTheOrderBookingsWereEntered, ()) {
  const std::string zone = *any_zone();
  const int n = *rc::gen::inRange(1, 12);
  std::vector<Stay> stays;
  const LocalDateTime base = local("2026-05-01T00:00");
  for (int i = 0; i < n; ++i) {
    const LocalDateTime in = base + Minutes{60 * *rc::gen::inRange(0, 20 * 24)};
    stays.push_back(Stay{fmt::format("b{}", i), *rc::gen::elementOf(std::vector<std::string>{"P1", "P2"}),
                         in, in + Minutes{60 * *rc::gen::inRange(2, 5 * 24)}});
  }
  std::vector<std::pair<Instant, Instant>> outages;
  const int k = *rc::gen::inRange(0, 3);
  for (int i = 0; i < k; ++i) {
    const Instant from = at("2026-04-25T00:00:00Z") + Minutes{*rc::gen::inRange(0, 20 * 24 * 60)};
    outages.emplace_back(from, from + Minutes{*rc::gen::inRange(30, 3 * 24 * 60)});
  }
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  std::vector<Stay> shuffled = stays;
  std::mt19937_64 shuffle_rng(*rc::gen::arbitrary<std::uint64_t>());
  std::shuffle(shuffled.begin(), shuffled.end(), shuffle_rng);
  RC_ASSERT(outcome(stays, seed, zone, outages) == outcome(shuffled, seed, zone, outages));
}

}  // namespace
}  // namespace lockstep::testing
