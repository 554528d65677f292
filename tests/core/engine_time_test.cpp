// T1-T5 as the engine applies them: when it acts and with which window. The
// pure computations (plan vectors, zones) are tested in tests/time/.
#include <gtest/gtest.h>

#include "world.hpp"

namespace lockstep::testing {
namespace {

TEST(T1_LocalTimes, GapCheckinMovesForwardAndTheJobCarriesTheOffsets) {
  World w;
  w.setup("Europe/Paris");
  // 02:30 does not exist on 2026-03-29 in Paris: T1 reads it as 03:30 CEST = 01:30Z.
  ASSERT_TRUE(w.book("b1", "2026-03-29T02:30", "2026-04-02T11:00"));
  const CodeView v = w.code("b1");
  EXPECT_EQ(v.valid_from, at("2026-03-29T01:00:00Z"));
  EXPECT_EQ(v.valid_until, at("2026-04-02T09:30:00Z"));
  w.run_until("2026-03-24T00:00:00Z");
  const auto creates = w.igloohome.calls_of("create_pin");
  ASSERT_EQ(creates.size(), 1u);
  ASSERT_TRUE(creates[0].job);
  EXPECT_EQ(creates[0].job->start, at("2026-03-29T01:00:00Z"));
  EXPECT_EQ(creates[0].job->start_offset, std::chrono::hours{2});
  EXPECT_EQ(format_with_offset(creates[0].job->end, creates[0].job->end_offset),
            "2026-04-02T11:30:00+02:00");
}

TEST(T1_LocalTimes, OverlapCheckinTakesTheEarlierInstant) {
  World w;
  w.setup("Europe/Paris");
  // 02:30 happens twice on 2026-10-25: the CEST one, 00:30Z.
  ASSERT_TRUE(w.book("b1", "2026-10-25T02:30", "2026-10-27T10:00"));
  EXPECT_EQ(w.code("b1").valid_from, at("2026-10-25T00:00:00Z"));
}

TEST(T1_LocalTimes, UnknownZoneIsRefusedAndNothingIsCreated) {
  World w;
  auto r = w.engine.put_property("P9", "Mars/Olympus_Mons");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid_timezone);
  auto b = w.book("b1", "2026-05-01T15:00", "2026-05-03T10:00", std::nullopt, "P9");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, ErrorCode::not_found);
}

TEST(T1_LocalTimes, ChangingAnExistingPropertyToAnUnknownZoneChangesNothing) {
  World w;
  w.setup("Europe/Paris");
  ASSERT_TRUE(w.book("b1", "2026-05-01T15:00", "2026-05-03T10:00"));
  const CodeView before = w.code("b1");
  auto r = w.engine.put_property("P1", "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid_timezone);
  EXPECT_EQ(w.code("b1").valid_from, before.valid_from);
  EXPECT_EQ(w.code("b1").generate_at, before.generate_at);
}

TEST(T1_LocalTimes, PropertyZoneChangeMovesPendingSchedules) {
  World w;
  w.setup("Europe/Paris");
  ASSERT_TRUE(w.book("b1", "2026-05-01T15:00", "2026-05-03T10:00"));
  EXPECT_EQ(w.code("b1").valid_from, at("2026-05-01T12:30:00Z"));
  ASSERT_TRUE(w.engine.put_property("P1", "America/New_York"));
  EXPECT_EQ(w.code("b1").valid_from, at("2026-05-01T18:30:00Z"));
  EXPECT_EQ(w.code("b1").generate_at, at("2026-04-26T04:00:00Z"));
}

TEST(T2_ValidityWindow, MarginOnBothSides) {
  World w;
  w.setup("Asia/Kathmandu");  // +05:45
  ASSERT_TRUE(w.engine.configure_lock("LK-1", SettingsPatch{std::nullopt, 45, std::nullopt}));
  ASSERT_TRUE(w.book("b1", "2026-06-10T14:00", "2026-06-12T11:00"));
  const CodeView v = w.code("b1");
  EXPECT_EQ(v.valid_from, at("2026-06-10T07:30:00Z"));   // 08:15Z - 45 min
  EXPECT_EQ(v.valid_until, at("2026-06-12T06:00:00Z"));  // 05:15Z + 45 min
}

TEST(T2_ValidityWindow, CheckoutNotAfterCheckinIsInvalidAndNothingIsStored) {
  World w;
  w.setup();
  for (const char* checkout : {"2026-05-01T15:00", "2026-05-01T14:59", "2025-01-01T00:00"}) {
    auto r = w.book("b1", "2026-05-01T15:00", checkout);
    ASSERT_FALSE(r) << checkout;
    EXPECT_EQ(r.error().code, ErrorCode::invalid_booking);
  }
  EXPECT_FALSE(w.engine.code("b1"));
  EXPECT_TRUE(w.engine.booking_ids().empty());
  EXPECT_FALSE(w.engine.next_wakeup());
}

TEST(T2_ValidityWindow, AnInvalidChangeLeavesTheBookingAsItWas) {
  World w;
  w.setup();
  ASSERT_TRUE(w.book("b1", "2026-05-01T15:00", "2026-05-03T10:00"));
  const auto wake = w.engine.next_wakeup();
  auto r = w.book("b1", "2026-05-05T15:00", "2026-05-04T10:00");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid_booking);
  EXPECT_EQ(w.code("b1").valid_from, at("2026-05-01T12:30:00Z"));
  EXPECT_EQ(w.engine.next_wakeup(), wake);
}

// The engine keeps a booking's times in 32 bits (1970..2106): stays outside the
// years it keeps are refused as the contract's other invalid bookings are,
// naming the field, rather than wrapped into some other year.
TEST(T2_ValidityWindow, AStayOutsideTheKeptYearsIsRefusedNamingTheField) {
  World w;
  w.setup();
  ASSERT_TRUE(w.book("kept", "2026-05-01T15:00", "2026-05-03T10:00"));
  const CodeView before = w.code("kept");
  const struct {
    const char* checkin;
    const char* checkout;
    const char* field;
  } outside[] = {{"1970-01-31T23:59", "1970-02-03T10:00", "checkin"},
                 {"1969-07-20T20:17", "1969-07-21T10:00", "checkin"},
                 {"2105-12-30T15:00", "2106-01-01T00:00", "checkout"},
                 {"9999-12-30T15:00", "9999-12-31T10:00", "checkin"}};
  for (const auto& o : outside) {
    for (const char* id : {"new", "kept"}) {  // a new booking, and a move of one kept
      auto r = w.book(id, o.checkin, o.checkout);
      ASSERT_FALSE(r) << id << " " << o.checkin;
      EXPECT_EQ(r.error().code, ErrorCode::invalid_booking);
      EXPECT_EQ(r.error().field, o.field);
      EXPECT_NE(r.error().message.find("outside the stays the engine keeps"), std::string::npos) << r.error().message;
    }
  }
  EXPECT_FALSE(w.engine.code("new"));
  EXPECT_EQ(w.code("kept").valid_from, before.valid_from);
  EXPECT_EQ(w.code("kept").valid_until, before.valid_until);
  EXPECT_EQ(w.code("kept").generate_at, before.generate_at);
}

// At both ends of the kept years every time the engine derives (generation 14
// days before, margins of four hours, zones twelve and fourteen hours from UTC)
// still fits: the stay is planned, its code issued and removed after the stay.
TEST(T2_ValidityWindow, StaysAtTheEdgesOfTheKeptYearsAreServedWholly) {
  const struct {
    const char* start;
    const char* zone;
    const char* checkin;
    const char* checkout;
    const char* valid_from;
    const char* valid_until;
    const char* after;
  } edges[] = {{"1970-01-01T00:00:00Z", "Etc/GMT+12", "1970-02-01T00:00", "1970-02-02T10:00",
                "1970-02-01T08:00:00Z", "1970-02-03T02:00:00Z", "1970-03-01T00:00:00Z"},
               {"2105-12-01T00:00:00Z", "Pacific/Kiritimati", "2105-12-30T15:00", "2105-12-31T23:59",
                "2105-12-29T21:00:00Z", "2105-12-31T13:59:00Z", "2106-01-31T00:00:00Z"},
               {"2105-12-01T00:00:00Z", "Etc/GMT+12", "2105-12-30T15:00", "2105-12-31T23:59",
                "2105-12-30T23:00:00Z", "2106-01-01T15:59:00Z", "2106-02-01T00:00:00Z"}};
  for (const auto& e : edges) {
    SCOPED_TRACE(std::string(e.zone) + " " + e.checkin);
    World w(e.start);
    w.setup(e.zone);
    ASSERT_TRUE(w.engine.configure_lock("LK-1", SettingsPatch{14, 240, std::nullopt}));
    ASSERT_TRUE(w.book("b1", e.checkin, e.checkout));
    EXPECT_EQ(w.code("b1").valid_from, at(e.valid_from));
    EXPECT_EQ(w.code("b1").valid_until, at(e.valid_until));
    w.engine.run_until(at(e.valid_from));
    EXPECT_EQ(w.code("b1").status, CodeStatus::active);
    ASSERT_TRUE(w.code("b1").issued_at);
    w.run_until(e.after);
    EXPECT_EQ(w.code("b1").status, CodeStatus::revoked);
    EXPECT_EQ(w.igloohome.calls_of("create_pin").size(), 1u);
    EXPECT_EQ(w.igloohome.calls_of("delete_pin").size(), 1u);
  }
}

TEST(T2_ValidityWindow, DSTInsideTheStayCountsElapsedMinutes) {
  World w;
  w.setup("Europe/Paris");
  // Check-out after the fall-back: the margin is 30 elapsed minutes, not wall time.
  ASSERT_TRUE(w.book("b1", "2026-10-24T16:00", "2026-10-25T02:40"));
  EXPECT_EQ(w.code("b1").valid_until, at("2026-10-25T01:10:00Z"));  // 02:40 CEST = 00:40Z
}

TEST(T3_GenerationTime, FirstAttemptExactlyAtLocalMidnightDaysBefore) {
  World w;
  w.setup("Europe/Paris");
  ASSERT_TRUE(w.book("b1", "2026-03-29T02:30", "2026-04-02T11:00"));
  EXPECT_EQ(w.code("b1").status, CodeStatus::scheduled);
  EXPECT_EQ(w.engine.next_wakeup(), at("2026-03-23T23:00:00Z"));
  w.run_until("2026-03-23T22:59:59Z");
  EXPECT_TRUE(w.igloohome.calls_of("create_pin").empty());
  w.run_until("2026-03-23T23:00:00Z");
  ASSERT_EQ(w.igloohome.calls_of("create_pin").size(), 1u);
  EXPECT_EQ(w.igloohome.calls_of("create_pin")[0].at, at("2026-03-23T23:00:00Z"));
  EXPECT_EQ(w.code("b1").status, CodeStatus::active);
  EXPECT_EQ(w.code("b1").issued_at, at("2026-03-23T23:00:00Z"));
}

TEST(T3_GenerationTime, LateBookingIsServedAtOnce) {
  World w("2026-03-27T10:17:00Z");
  w.setup("Europe/Paris");
  ASSERT_TRUE(w.book("b1", "2026-03-29T15:00", "2026-04-02T11:00"));
  EXPECT_EQ(w.code("b1").generate_at, at("2026-03-27T10:17:00Z"));
  EXPECT_EQ(w.engine.next_wakeup(), at("2026-03-27T10:17:00Z"));
  w.run_until("2026-03-27T10:17:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::active);
  EXPECT_EQ(w.igloohome.calls_of("create_pin").at(0).at, at("2026-03-27T10:17:00Z"));
}

TEST(T3_GenerationTime, GenerationLocalTimeKnobInAGap) {
  Profile p;
  p.generation_local_time = std::chrono::hours{2} + Minutes{30};
  World w("2026-01-01T00:00:00Z", 42, p);
  w.setup("Europe/Paris");
  // days_before 5 from 2026-04-03: 2026-03-29 02:30 local, in the gap -> 01:30Z.
  ASSERT_TRUE(w.book("b1", "2026-04-03T15:00", "2026-04-05T11:00"));
  EXPECT_EQ(w.code("b1").generate_at, at("2026-03-29T01:30:00Z"));
}

TEST(T3_GenerationTime, ABookingWhoseWindowIsOverGetsNoCode) {
  World w("2026-06-01T00:00:00Z");
  w.setup();
  ASSERT_TRUE(w.book("b1", "2026-05-01T15:00", "2026-05-03T10:00"));
  EXPECT_EQ(w.code("b1").status, CodeStatus::revoked);  // M1: no code will come
  EXPECT_FALSE(w.engine.next_wakeup());
}

TEST(T4_Retries, HourlyUntilTheEndOfTheCheckinDayThenFailedAndAlerted) {
  World w;
  w.setup("Europe/Paris");
  w.igloohome.bridge_offline("BR-1", at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"));
  ASSERT_TRUE(w.book("b1", "2026-03-29T02:30", "2026-04-02T11:00"));
  w.run_until("2026-03-24T01:30:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::retrying);
  EXPECT_TRUE(w.audit_has("b1", AuditKind::attempt_failed, "T4",
                          "attempt 3 failed: unable to contact bridge (HTTP 406); next at "
                          "2026-03-24T02:00:00Z"))
      << w.audit_dump("b1");
  w.run_until("2026-04-30T00:00:00Z");
  const CodeView v = w.code("b1");
  EXPECT_EQ(v.status, CodeStatus::failed);
  // 23:00Z on the 23rd to 21:00Z on the 29th; the deadline is 22:00Z (midnight CEST).
  ASSERT_EQ(v.attempts.size(), 143u);
  EXPECT_EQ(v.attempts.front(), at("2026-03-23T23:00:00Z"));
  EXPECT_EQ(v.attempts.back(), at("2026-03-29T21:00:00Z"));
  EXPECT_EQ(v.retry_deadline, at("2026-03-29T22:00:00Z"));
  EXPECT_EQ(w.notices("generation_failed"), 1);
  EXPECT_TRUE(w.audit_has("b1", AuditKind::generation_failed, "T4"));
  EXPECT_FALSE(w.engine.next_wakeup());
}

TEST(T4_Retries, SucceedsOnTheFirstAttemptAfterTheOutage) {
  World w;
  w.setup("Europe/Paris");
  w.igloohome.bridge_offline("BR-1", at("2026-03-23T00:00:00Z"), at("2026-03-24T02:30:00Z"));
  ASSERT_TRUE(w.book("b1", "2026-03-29T02:30", "2026-04-02T11:00"));
  w.run_until("2026-03-24T02:59:59Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::retrying);
  EXPECT_EQ(w.engine.next_wakeup(), at("2026-03-24T03:00:00Z"));
  w.run_until("2026-03-24T03:00:00Z");
  const CodeView v = w.code("b1");
  EXPECT_EQ(v.status, CodeStatus::active);
  EXPECT_EQ(v.attempts.size(), 5u);
  EXPECT_EQ(v.issued_at, at("2026-03-24T03:00:00Z"));
}

TEST(T4_Retries, DeadlineKnobStartOfCheckinDay) {
  Profile p;
  p.retry_deadline = RetryDeadline::start_of_checkin_day;
  World w("2026-01-01T00:00:00Z", 42, p);
  w.setup("Europe/Paris");
  w.igloohome.bridge_offline("BR-1", at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"));
  ASSERT_TRUE(w.book("b1", "2026-03-29T02:30", "2026-04-02T11:00"));
  w.run_until("2026-04-30T00:00:00Z");
  const CodeView v = w.code("b1");
  EXPECT_EQ(v.status, CodeStatus::failed);
  EXPECT_EQ(v.attempts.back(), at("2026-03-28T22:00:00Z"));  // deadline 23:00Z
}

TEST(T4_Retries, RetryIntervalKnob) {
  Profile p;
  p.retry_interval = Minutes{15};
  World w("2026-01-01T00:00:00Z", 42, p);
  w.setup("Europe/Paris");
  w.igloohome.bridge_offline("BR-1", at("2026-01-01T00:00:00Z"), at("2026-03-24T00:00:00Z"));
  ASSERT_TRUE(w.book("b1", "2026-03-29T15:00", "2026-04-02T11:00"));
  w.run_until("2026-03-25T00:00:00Z");
  const CodeView v = w.code("b1");
  EXPECT_EQ(v.status, CodeStatus::active);
  EXPECT_EQ(v.issued_at, at("2026-03-24T00:00:00Z"));
  EXPECT_EQ(v.attempts.size(), 5u);
}

TEST(T4_Retries, NoRetryAfterTheWindowEnds) {
  World w;
  w.setup("Europe/Paris");
  w.igloohome.bridge_offline("BR-1", at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"));
  // A four-hour stay on one day: the window ends before the end of the check-in day.
  ASSERT_TRUE(w.book("b1", "2026-05-10T10:00", "2026-05-10T14:00"));
  w.run_until("2026-06-01T00:00:00Z");
  EXPECT_EQ(w.code("b1").attempts.back(), at("2026-05-10T12:00:00Z"));  // window ends 12:30Z
}

TEST(T4_Retries, ANonPositiveIntervalIsTakenAsOneMinuteRatherThanSpinning) {
  Profile p;
  p.retry_interval = Minutes{0};
  p.max_values_per_attempt = 0;
  World w("2026-01-01T00:00:00Z", 42, p);
  EXPECT_EQ(w.engine.profile().retry_interval, Minutes{1});
  EXPECT_EQ(w.engine.profile().max_values_per_attempt, 1);
  w.setup("UTC");
  w.igloohome.bridge_offline("BR-1", at("2026-01-01T00:00:00Z"), at("2026-05-15T00:03:00Z"));
  ASSERT_TRUE(w.book("b1", "2026-05-20T15:00", "2026-05-22T10:00"));
  w.run_until("2026-05-16T00:00:00Z");
  EXPECT_EQ(w.code("b1").attempts.size(), 4u);
  EXPECT_EQ(w.code("b1").status, CodeStatus::active);
}

TEST(C3_Values, APerAttemptLimitPastSixteenBitsIsTakenAsTheLargestKept) {
  // A booking counts the values it tried in an attempt in 16 bits: a larger
  // limit would never be reached, and the attempt would draw values forever.
  Profile p;
  p.max_values_per_attempt = 1'000'000;
  World w("2026-01-01T00:00:00Z", 42, p);
  EXPECT_EQ(w.engine.profile().max_values_per_attempt, 65535);
}

TEST(T5_Tolerance, TheReferenceActsAtTheExactInstants) {
  World w;
  EXPECT_EQ(w.engine.profile().schedule_tolerance, Minutes{0});
  w.setup("America/St_Johns");  // -02:30 in summer
  w.igloohome.bridge_offline("BR-1", at("2026-01-01T00:00:00Z"), at("2026-07-05T04:00:00Z"));
  ASSERT_TRUE(w.book("b1", "2026-07-10T16:00", "2026-07-12T10:00"));
  w.run_until("2026-07-20T00:00:00Z");
  const auto creates = w.igloohome.calls_of("create_pin");
  ASSERT_EQ(creates.size(), 3u);
  EXPECT_EQ(creates[0].at, at("2026-07-05T02:30:00Z"));
  EXPECT_EQ(creates[1].at, at("2026-07-05T03:30:00Z"));
  EXPECT_EQ(creates[2].at, at("2026-07-05T04:30:00Z"));
  const auto deletes = w.igloohome.calls_of("delete_pin");
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0].at, at("2026-07-12T13:00:00Z"));  // 10:00 NDT + 30 min
}

}  // namespace
}  // namespace lockstep::testing
