// Rules T2-T4, S1-S4 and C5 as pure functions (rules.hpp). Expected values are
// worked out by hand; the shared vectors are checked separately (plan_tests).
#include <gtest/gtest.h>

#include "lockstep/rules.hpp"

namespace lockstep {
namespace {

Zone zone(const char* name) { return Zone::locate(name).value(); }
LocalDateTime local(const char* text) { return parse_local(text).value(); }
std::string utc(Instant t) { return format_instant(t); }

BookingPlan plan(const char* tz, const char* in, const char* out, LockSettings s = {},
                 LockKind kind = LockKind::bridge, Profile p = {}) {
  auto result = plan_booking(zone(tz), local(in), local(out), s, kind, p);
  EXPECT_TRUE(result.has_value()) << (result ? "" : result.error().message);
  return result.value_or(BookingPlan{});
}

TEST(T2_ValidityWindow, MarginOnBothSidesInElapsedMinutes) {
  const auto p = plan("Europe/Paris", "2026-07-01T15:00", "2026-07-05T11:00", {.margin_minutes = 45});
  EXPECT_EQ(utc(p.checkin), "2026-07-01T13:00:00Z");
  EXPECT_EQ(utc(p.valid_from), "2026-07-01T12:15:00Z");
  EXPECT_EQ(utc(p.valid_until), "2026-07-05T09:45:00Z");
}

// The margin is elapsed time: across the spring-forward gap, 01:30 local minus
// 120 minutes is 22:30 the previous evening in winter time.
TEST(T2_ValidityWindow, MarginCountsElapsedTimeAcrossTransitions) {
  const auto p = plan("Europe/Paris", "2026-03-29T03:30", "2026-03-30T11:00", {.margin_minutes = 120});
  EXPECT_EQ(utc(p.checkin), "2026-03-29T01:30:00Z");
  EXPECT_EQ(utc(p.valid_from), "2026-03-28T23:30:00Z");
}

TEST(T2_ValidityWindow, MarginZeroAndMaximum) {
  auto p0 = plan("UTC", "2026-05-01T10:00", "2026-05-02T10:00", {.margin_minutes = 0});
  EXPECT_EQ(p0.valid_from, p0.checkin);
  EXPECT_EQ(p0.valid_until, p0.checkout);
  auto p240 = plan("UTC", "2026-05-01T10:00", "2026-05-02T10:00", {.margin_minutes = 240});
  EXPECT_EQ(utc(p240.valid_from), "2026-05-01T06:00:00Z");
  EXPECT_EQ(utc(p240.valid_until), "2026-05-02T14:00:00Z");
}

TEST(T2_ValidityWindow, CheckoutNotAfterCheckinIsInvalidBooking) {
  for (auto [in, out] : {std::pair{"2026-05-03T15:00", "2026-05-01T11:00"},
                         std::pair{"2026-05-03T15:00", "2026-05-03T15:00"},
                         // 02:30 falls in the gap and resolves to 01:30Z, the same instant as 03:30.
                         std::pair{"2026-03-29T03:30", "2026-03-29T02:30"}}) {
    auto r = plan_booking(zone("Europe/Paris"), local(in), local(out), {}, LockKind::bridge);
    ASSERT_FALSE(r.has_value()) << in << " → " << out;
    EXPECT_EQ(r.error().code, ErrorCode::invalid_booking);
  }
}

TEST(T3_GenerationTime, LocalMidnightDaysBefore) {
  const auto p = plan("Europe/Paris", "2026-04-02T15:00", "2026-04-05T11:00", {.days_before = 5});
  EXPECT_EQ(utc(p.generate_at), "2026-03-27T23:00:00Z");  // 28 Mar 00:00 CET
  const auto p1 = plan("Europe/Paris", "2026-04-02T15:00", "2026-04-05T11:00", {.days_before = 1});
  EXPECT_EQ(utc(p1.generate_at), "2026-03-31T22:00:00Z");  // 1 Apr 00:00 CEST
  const auto p14 = plan("Europe/Paris", "2026-04-02T15:00", "2026-04-05T11:00", {.days_before = 14});
  EXPECT_EQ(utc(p14.generate_at), "2026-03-18T23:00:00Z");
}

TEST(T3_GenerationTime, KnobGenerationLocalTimeFollowsT1InAGap) {
  Profile nine;
  nine.generation_local_time = Minutes{9 * 60};
  EXPECT_EQ(utc(plan("Europe/Paris", "2026-04-02T15:00", "2026-04-05T11:00", {}, LockKind::bridge, nine)
                    .generate_at),
            "2026-03-28T08:00:00Z");
  Profile half_past_two;
  half_past_two.generation_local_time = Minutes{150};
  // Generation day 29 March; 02:30 does not exist and moves to 03:30 CEST.
  EXPECT_EQ(utc(plan("Europe/Paris", "2026-04-03T15:00", "2026-04-05T11:00", {}, LockKind::bridge,
                     half_past_two)
                    .generate_at),
            "2026-03-29T01:30:00Z");
}

TEST(T3_GenerationTime, CheckinDayIsTheLocalDateOfTheCheckinInstant) {
  // Written 30 Dec 2011 in Apia, a day that never happened: the stay starts on the 31st.
  const auto p = plan("Pacific/Apia", "2011-12-30T15:00", "2012-01-02T11:00", {.days_before = 1});
  EXPECT_EQ(p.checkin_day, date::local_days{date::year{2011} / 12 / 31});
  EXPECT_EQ(utc(p.generate_at), "2011-12-30T10:00:00Z");  // 30 Dec 00:00 is in the gap too: read at -10 (T1)
}

TEST(T4_RetryDeadline, AllThreeKnobValues) {
  Profile p;
  EXPECT_EQ(utc(plan("Europe/Paris", "2026-04-02T15:00", "2026-04-05T11:00", {}, LockKind::bridge, p)
                    .retry_deadline),
            "2026-04-02T22:00:00Z");
  p.retry_deadline = RetryDeadline::start_of_checkin_day;
  EXPECT_EQ(utc(plan("Europe/Paris", "2026-04-02T15:00", "2026-04-05T11:00", {}, LockKind::bridge, p)
                    .retry_deadline),
            "2026-04-01T22:00:00Z");
  p.retry_deadline = RetryDeadline::checkin_time;
  EXPECT_EQ(utc(plan("Europe/Paris", "2026-04-02T15:00", "2026-04-05T11:00", {}, LockKind::bridge, p)
                    .retry_deadline),
            "2026-04-02T13:00:00Z");
  EXPECT_EQ(retry_deadline_from_string("checkin_time"), RetryDeadline::checkin_time);
  EXPECT_EQ(retry_deadline_from_string("noon"), std::nullopt);
}

TEST(T4_RetryDeadline, MidnightThatEndsTheDayMayNotExist) {
  // Santiago skips 00:00-01:00 on 6 Sep 2026: the day of 5 Sep ends at 01:00 -03 = 04:00Z.
  const auto p = plan("America/Santiago", "2026-09-05T15:00", "2026-09-07T10:00");
  EXPECT_EQ(utc(p.retry_deadline), "2026-09-06T04:00:00Z");
}

TEST(S1_S2_Settings, RangesAreEnforcedNamingTheField) {
  struct Case {
    LockSettings s;
    const char* field;
  };
  for (const auto& c : {Case{{.days_before = 0}, "days_before"}, Case{{.days_before = 15}, "days_before"},
                        Case{{.margin_minutes = -1}, "margin_minutes"},
                        Case{{.margin_minutes = 241}, "margin_minutes"}}) {
    auto r = validate_settings(c.s);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::invalid_setting);
    EXPECT_EQ(r.error().field, c.field);
    auto p = plan_booking(zone("UTC"), local("2026-05-01T10:00"), local("2026-05-02T10:00"), c.s,
                          LockKind::bridge);
    ASSERT_FALSE(p.has_value());
    EXPECT_EQ(p.error().code, ErrorCode::invalid_setting);
  }
  EXPECT_TRUE(validate_settings({.days_before = 1, .margin_minutes = 0}).has_value());
  EXPECT_TRUE(validate_settings({.days_before = 14, .margin_minutes = 240}).has_value());
  EXPECT_EQ(LockSettings{}.days_before, 5);
  EXPECT_EQ(LockSettings{}.margin_minutes, 30);
  EXPECT_EQ(LockSettings{}.code_source, CodeSource::random);
}

TEST(S4_SettingsChange, PatchIsAllOrNothingAndNeverClamps) {
  const LockSettings current{.days_before = 3, .margin_minutes = 60};
  auto bad = apply_patch(current, {.days_before = 7, .margin_minutes = 500});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field, "margin_minutes");
  auto good = apply_patch(current, {.margin_minutes = 0, .code_source = CodeSource::guest_phone});
  ASSERT_TRUE(good.has_value());
  EXPECT_EQ(good->days_before, 3);
  EXPECT_EQ(good->margin_minutes, 0);
  EXPECT_EQ(good->code_source, CodeSource::guest_phone);
  EXPECT_EQ(code_source_from_string("guest_phone"), CodeSource::guest_phone);
  EXPECT_EQ(code_source_from_string("phone"), std::nullopt);
}

TEST(C5_AlgoPinWindow, HourlyRoundsOutwardInTheLocalOffset) {
  const auto p = plan("Asia/Kathmandu", "2026-06-10T14:00", "2026-06-12T10:00", {.margin_minutes = 45},
                      LockKind::algopin);
  ASSERT_TRUE(p.algopin.has_value());
  EXPECT_EQ(p.algopin->type, AlgoPinType::hourly);
  EXPECT_EQ(utc(p.algopin->start), "2026-06-10T07:15:00Z");  // 13:00 +05:45
  EXPECT_EQ(utc(p.algopin->end), "2026-06-12T05:15:00Z");    // 11:00 +05:45
  EXPECT_EQ(format_with_offset(p.algopin->start, p.algopin->start_offset), "2026-06-10T13:00:00+05:45");
}

TEST(C5_AlgoPinWindow, AlreadyOnTheHourIsNotMoved) {
  const auto p = plan("UTC", "2026-05-01T10:30", "2026-05-02T09:30", {}, LockKind::algopin);
  EXPECT_EQ(utc(p.algopin->start), "2026-05-01T10:00:00Z");
  EXPECT_EQ(utc(p.algopin->end), "2026-05-02T10:00:00Z");
}

TEST(C5_AlgoPinWindow, SwitchesToDailyOver672Hours) {
  // Exactly 672 h: still hourly.
  const auto hourly = plan("UTC", "2026-05-01T10:30", "2026-05-29T09:30", {}, LockKind::algopin);
  EXPECT_EQ(hourly.algopin->type, AlgoPinType::hourly);
  EXPECT_EQ(hourly.algopin->end - hourly.algopin->start, std::chrono::hours{672});
  // One minute more: daily, ending at start's time of day, at least 29 days on.
  const auto daily = plan("UTC", "2026-05-01T10:30", "2026-05-29T09:31", {}, LockKind::algopin);
  EXPECT_EQ(daily.algopin->type, AlgoPinType::daily);
  EXPECT_EQ(utc(daily.algopin->start), "2026-05-01T10:00:00Z");
  EXPECT_EQ(utc(daily.algopin->end), "2026-05-30T10:00:00Z");
}

TEST(C5_AlgoPinWindow, DailyKeepsLocalTimeOfDayAcrossDst) {
  // Starts 14:00 CET, ends 14:00 CEST: 13:00Z then 12:00Z.
  const auto p = plan("Europe/Paris", "2026-03-01T14:30", "2026-04-15T11:00", {}, LockKind::algopin);
  EXPECT_EQ(p.algopin->type, AlgoPinType::daily);
  EXPECT_EQ(utc(p.algopin->start), "2026-03-01T13:00:00Z");
  EXPECT_EQ(utc(p.algopin->end), "2026-04-15T12:00:00Z");
  EXPECT_EQ(format_with_offset(p.algopin->end, p.algopin->end_offset), "2026-04-15T14:00:00+02:00");
}

TEST(C5_AlgoPinWindow, StayTooLongOver367Days) {
  const auto ok = plan("UTC", "2026-01-01T10:30", "2027-01-03T09:30", {}, LockKind::algopin);
  EXPECT_EQ(utc(ok.algopin->end), "2027-01-03T10:00:00Z");
  auto too_long = plan_booking(zone("UTC"), local("2026-01-01T10:30"), local("2027-01-03T09:31"), {},
                               LockKind::algopin);
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().code, ErrorCode::stay_too_long);
  // A bridge lock has no such limit.
  EXPECT_TRUE(plan_booking(zone("UTC"), local("2026-01-01T10:30"), local("2027-06-03T09:31"), {},
                           LockKind::bridge)
                  .has_value());
}

}  // namespace
}  // namespace lockstep
