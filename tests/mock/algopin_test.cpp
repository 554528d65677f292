// algoPIN: validation of every rule of the contract, deterministic derivation,
// and the lock simulator's offline rules (24-hour first use, one-time single use).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "support.hpp"

namespace lockstep::mock::testing {
namespace {

json window(const std::string& start, const std::string& end, int variance = 1) {
  json body = {{"variance", variance}, {"startDate", start}, {"accessName", "Guest"}};
  if (!end.empty()) body["endDate"] = end;
  return body;
}

std::string message_of(const Answer& a) { return a.body.value("message", std::string()); }

class AlgoPin : public ::testing::Test {
 protected:
  AlgoPin() : api(mock) { api.login(); }
  Mock mock;
  Api api;
};

TEST_F(AlgoPin, HourlyGivesANineDigitPinAndAnId) {
  auto a = api.algopin("hourly", window("2026-01-10T15:00:00+01:00", "2026-01-12T11:00:00+01:00"));
  ASSERT_EQ(a.status, 200) << a.body.dump();
  const std::string pin = a.body["pin"];
  EXPECT_EQ(pin.size(), 9u);
  EXPECT_EQ(pin.find_first_not_of("0123456789"), std::string::npos);
  EXPECT_FALSE(a.body["pinId"].get<std::string>().empty());
}

TEST_F(AlgoPin, DigitsPerType) {
  EXPECT_EQ(api.algopin("daily", window("2026-01-10T15:00:00+01:00", "2026-02-10T15:00:00+01:00")).body["pin"].get<std::string>().size(), 8u);
  EXPECT_EQ(api.algopin("onetime", window("2026-01-10T15:00:00+01:00", "")).body["pin"].get<std::string>().size(), 7u);
  EXPECT_EQ(api.algopin("permanent", window("2026-01-10T15:00:00+01:00", "")).body["pin"].get<std::string>().size(), 7u);
}

TEST_F(AlgoPin, TheSameRequestGivesTheSamePinAndVarianceChangesIt) {
  const auto w = window("2026-01-10T15:00:00+01:00", "2026-01-12T11:00:00+01:00");
  const std::string first = api.algopin("hourly", w).body["pin"];
  Mock other;
  Api api2(other);
  api2.login();
  EXPECT_EQ(api2.algopin("hourly", w).body["pin"], first);
  // The same instants written in another offset are the same window.
  EXPECT_EQ(api2.algopin("hourly", window("2026-01-10T14:00:00+00:00", "2026-01-12T10:00:00+00:00")).body["pin"], first);
  EXPECT_NE(api.algopin("hourly", window("2026-01-10T15:00:00+01:00", "2026-01-12T11:00:00+01:00", 2)).body["pin"],
            first);
  // Another lock (another device secret) gives another PIN.
  EXPECT_NE(api.algopin("hourly", w, "LK-1").body["pin"], first);
}

TEST_F(AlgoPin, DatesMustBeOnTheHourWithAnExplicitOffset) {
  for (const char* bad : {"2026-01-10T15:30:00+01:00", "2026-01-10T15:00:01+01:00", "2026-01-10T14:00:00Z",
                          "2026-01-10T15:00:00", "2026-01-10 15:00:00+01:00", "2026-02-30T15:00:00+01:00"}) {
    auto a = api.algopin("hourly", window(bad, "2026-01-12T11:00:00+01:00"));
    EXPECT_EQ(a.status, 400) << bad;
    EXPECT_EQ(a.body["error"], "invalid_request") << bad;
    EXPECT_EQ(message_of(a).rfind("startDate:", 0), 0u) << message_of(a);
    auto b = api.algopin("hourly", window("2026-01-10T15:00:00+01:00", bad));
    EXPECT_EQ(message_of(b).rfind("endDate:", 0), 0u) << bad << " " << message_of(b);
  }
  auto missing = api.algopin("hourly", {{"startDate", "2026-01-10T15:00:00+01:00"}});
  EXPECT_EQ(message_of(missing), "endDate: missing");
  auto no_start = api.algopin("onetime", json{{"variance", 1}});
  EXPECT_EQ(message_of(no_start), "startDate: missing");
}

TEST_F(AlgoPin, HourlyLastsOneTo672Hours) {
  EXPECT_EQ(api.algopin("hourly", window("2026-01-10T15:00:00+01:00", "2026-01-10T15:00:00+01:00")).status, 400);
  EXPECT_EQ(api.algopin("hourly", window("2026-01-10T15:00:00+01:00", "2026-01-10T14:00:00+01:00")).status, 400);
  EXPECT_EQ(api.algopin("hourly", window("2026-01-10T15:00:00+01:00", "2026-01-10T16:00:00+01:00")).status, 200);
  EXPECT_EQ(api.algopin("hourly", window("2026-01-10T15:00:00+01:00", "2026-02-07T15:00:00+01:00")).status, 200);  // 672 h
  auto over = api.algopin("hourly", window("2026-01-10T15:00:00+01:00", "2026-02-07T16:00:00+01:00"));
  EXPECT_EQ(over.status, 400);
  EXPECT_NE(message_of(over).find("673"), std::string::npos);
}

TEST_F(AlgoPin, DailyLasts29To367DaysAtTheSameTimeOfDay) {
  EXPECT_EQ(api.algopin("daily", window("2026-01-10T15:00:00+01:00", "2026-02-07T15:00:00+01:00")).status, 400);  // 28
  EXPECT_EQ(api.algopin("daily", window("2026-01-10T15:00:00+01:00", "2026-02-08T15:00:00+01:00")).status, 200);  // 29
  EXPECT_EQ(api.algopin("daily", window("2026-01-10T15:00:00+01:00", "2027-01-12T15:00:00+01:00")).status, 200);  // 367
  EXPECT_EQ(api.algopin("daily", window("2026-01-10T15:00:00+01:00", "2027-01-13T15:00:00+01:00")).status, 400);  // 368
  auto hour = api.algopin("daily", window("2026-01-10T15:00:00+01:00", "2026-03-10T16:00:00+01:00"));
  EXPECT_EQ(hour.status, 400);
  EXPECT_NE(message_of(hour).find("same time of day"), std::string::npos);
  // Across a DST change the local time of day is what must match.
  EXPECT_EQ(api.algopin("daily", window("2026-03-01T15:00:00+01:00", "2026-04-15T15:00:00+02:00")).status, 200);
}

TEST_F(AlgoPin, VarianceIsOneToThreeAndAFourthIdenticalWindowIsRefused) {
  for (const json& bad : {json(0), json(4), json("1"), json(1.5)}) {
    json body = window("2026-01-10T15:00:00+01:00", "2026-01-12T11:00:00+01:00");
    body["variance"] = bad;
    auto a = api.algopin("hourly", body);
    EXPECT_EQ(a.status, 400) << bad;
    EXPECT_EQ(message_of(a).rfind("variance:", 0), 0u);
  }
  std::set<std::string> pins;
  for (int v = 1; v <= 3; ++v) {
    auto a = api.algopin("hourly", window("2026-01-10T15:00:00+01:00", "2026-01-12T11:00:00+01:00", v));
    ASSERT_EQ(a.status, 200);
    pins.insert(a.body["pin"]);
  }
  EXPECT_EQ(pins.size(), 3u);
  auto fourth = api.algopin("hourly", window("2026-01-10T15:00:00+01:00", "2026-01-12T11:00:00+01:00", 1));
  EXPECT_EQ(fourth.status, 400);
  EXPECT_EQ(fourth.body["error"], "no_variance_available");
  // Another window, or another type, is not identical.
  EXPECT_EQ(api.algopin("hourly", window("2026-01-10T15:00:00+01:00", "2026-01-12T12:00:00+01:00")).status, 200);
}

TEST_F(AlgoPin, LocksMustExistAndSupportAlgoPin) {
  EXPECT_EQ(api.algopin("hourly", window("2026-01-10T15:00:00+01:00", "2026-01-12T11:00:00+01:00"), "LK-404").status, 404);
  EXPECT_EQ(api.algopin("hourly", window("2026-01-10T15:00:00+01:00", "2026-01-12T11:00:00+01:00"), "BR-1").status, 400);
  World w = default_world();
  w.locks[2].algopin = false;
  Mock plain(w);
  Api api2(plain);
  api2.login();
  auto a = api2.algopin("hourly", window("2026-01-10T15:00:00+01:00", "2026-01-12T11:00:00+01:00"));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(message_of(a).rfind("lockId:", 0), 0u);
}

// --- lock simulator ------------------------------------------------------------------

TEST_F(AlgoPin, ACodeLongerThanADayMustBeFirstUsedWithinADay) {
  const std::string pin = api.algopin("hourly", window("2026-01-10T15:00:00+01:00", "2026-01-14T15:00:00+01:00")).body["pin"];
  EXPECT_EQ(mock.enter("LK-ALGO", pin, at("2026-01-10T13:59:59Z")).reason, "not_yet_valid");
  EXPECT_EQ(mock.enter("LK-ALGO", pin, at("2026-01-11T14:00:00Z")).reason, "first_use_window_missed");
  EXPECT_TRUE(mock.enter("LK-ALGO", pin, at("2026-01-11T13:59:59Z")).opens);  // first use, in time
  EXPECT_TRUE(mock.enter("LK-ALGO", pin, at("2026-01-13T10:00:00Z")).opens);  // later uses fine
  EXPECT_EQ(mock.enter("LK-ALGO", pin, at("2026-01-14T14:00:00Z")).reason, "expired");
  EXPECT_EQ(mock.enter("LK-1", pin, at("2026-01-11T13:00:00Z")).reason, "unknown_pin");
}

TEST_F(AlgoPin, ACodeOfADayOrLessHasNoFirstUseRule) {
  const std::string pin = api.algopin("hourly", window("2026-01-10T15:00:00+01:00", "2026-01-11T15:00:00+01:00")).body["pin"];
  EXPECT_TRUE(mock.enter("LK-ALGO", pin, at("2026-01-11T13:59:59Z")).opens);
}

TEST_F(AlgoPin, OneTimeOpensOnceWithinItsDay) {
  const std::string pin = api.algopin("onetime", window("2026-01-10T15:00:00+01:00", "")).body["pin"];
  EXPECT_EQ(mock.enter("LK-ALGO", pin, at("2026-01-11T14:00:00Z")).reason, "expired");
  EXPECT_TRUE(mock.enter("LK-ALGO", pin, at("2026-01-11T13:00:00Z")).opens);
  EXPECT_EQ(mock.enter("LK-ALGO", pin, at("2026-01-11T13:30:00Z")).reason, "already_used");
}

TEST_F(AlgoPin, PermanentAndDailyFollowTheFirstUseRule) {
  const std::string permanent = api.algopin("permanent", window("2026-01-10T15:00:00+01:00", "")).body["pin"];
  EXPECT_TRUE(mock.enter("LK-ALGO", permanent, at("2026-01-10T20:00:00Z")).opens);
  EXPECT_TRUE(mock.enter("LK-ALGO", permanent, at("2030-01-10T20:00:00Z")).opens);
  const std::string daily = api.algopin("daily", window("2026-01-10T15:00:00+01:00", "2026-03-10T15:00:00+01:00")).body["pin"];
  EXPECT_EQ(mock.enter("LK-ALGO", daily, at("2026-01-12T00:00:00Z")).reason, "first_use_window_missed");
  const auto pins = *mock.pins("LK-ALGO");
  ASSERT_EQ(pins.size(), 2u);
  EXPECT_EQ(pins[0].kind, "algopin");
  EXPECT_FALSE(pins[0].end.has_value());
  EXPECT_EQ(pins[0].first_used_at, at("2026-01-10T20:00:00Z"));
}

// Any hourly window the API accepts yields a 9-digit PIN that the lock opens
// with at the window's start, and the same window always gives the same PIN.
RC_GTEST_PROP(AlgoPinProperty, HourlyPinsAreDeterministicAndOpenAtTheirStart, ()) {
  const int day = *rc::gen::inRange(1, 28);
  const int hour = *rc::gen::inRange(0, 24);
  const int hours = *rc::gen::inRange(1, 673);
  const int offset = *rc::gen::inRange(-11, 13);
  const int variance = *rc::gen::inRange(1, 4);
  const Instant start_instant = at("2026-05-01T00:00:00Z") + date::days{day - 1} + std::chrono::hours{hour} -
                                std::chrono::hours{offset};
  const std::string start = format_with_offset(start_instant, std::chrono::hours{offset});
  const std::string end = format_with_offset(start_instant + std::chrono::hours{hours}, std::chrono::hours{offset});
  Mock first;
  Api a(first);
  a.login();
  auto reply = a.algopin("hourly", window(start, end, variance));
  RC_ASSERT(reply.status == 200);
  const std::string pin = reply.body["pin"];
  RC_ASSERT(pin.size() == 9u);
  RC_ASSERT(first.enter("LK-ALGO", pin, start_instant).opens);
  Mock second;
  Api b(second);
  b.login();
  RC_ASSERT(b.algopin("hourly", window(start, end, variance)).body["pin"] == reply.body["pin"]);
}


// igloohome-api.md "algoPIN": a startDate before the start of the current hour is
// refused with 400 naming the field; the current hour itself is accepted. The
// hour is the date's own: at +05:30 the hours begin at :30 UTC.
TEST_F(AlgoPin, AStartBeforeTheCurrentHourIsRefused) {
  mock.set_now(at("2026-01-10T14:20:00Z"));
  api.login();
  auto current = api.algopin("hourly", window("2026-01-10T15:00:00+01:00", "2026-01-10T18:00:00+01:00"));
  EXPECT_EQ(current.status, 200) << current.body.dump();
  auto past = api.algopin("hourly", window("2026-01-10T14:00:00+01:00", "2026-01-10T18:00:00+01:00"));
  EXPECT_EQ(past.status, 400);
  EXPECT_EQ(past.body["error"], "invalid_request");
  EXPECT_EQ(message_of(past).rfind("startDate: 'startDate' must be now or after", 0), 0u) << message_of(past);
  auto a_day_ago = api.algopin("daily", window("2026-01-09T15:00:00+01:00", "2026-02-09T15:00:00+01:00"));
  EXPECT_EQ(a_day_ago.status, 400);
  for (const char* type : {"onetime", "permanent"}) {
    EXPECT_EQ(api.algopin(type, window("2026-01-10T14:00:00+01:00", "")).status, 400) << type;
  }
  // 14:20Z is 19:50 at +05:30: its hour began at 19:00+05:30 (13:30Z).
  EXPECT_EQ(api.algopin("hourly", window("2026-01-10T19:00:00+05:30", "2026-01-10T22:00:00+05:30")).status, 200);
  EXPECT_EQ(api.algopin("hourly", window("2026-01-10T18:00:00+05:30", "2026-01-10T22:00:00+05:30")).status, 400);
}

// The lock's own clock (igloohome-api.md): a clock_drift fault shifts what the
// keypad compares a time-bound code with, from its `from` on.
TEST_F(AlgoPin, ADriftedLockJudgesCodesOnItsOwnClock) {
  const std::string pin =
      api.algopin("hourly", window("2026-01-10T15:00:00+01:00", "2026-01-10T18:00:00+01:00")).body["pin"];
  // Start 14:00Z, end 17:00Z. LK-ALGO runs 20 minutes behind from 13:00Z.
  ASSERT_TRUE(mock.add_fault({{"kind", "clock_drift"}, {"target", "LK-ALGO"}, {"minutes", -20},
                              {"from", "2026-01-10T13:00:00Z"}}));
  EXPECT_EQ(mock.enter("LK-ALGO", pin, at("2026-01-10T14:10:00Z")).reason, "not_yet_valid");  // reads 13:50
  EXPECT_TRUE(mock.enter("LK-ALGO", pin, at("2026-01-10T14:20:00Z")).opens);                 // reads 14:00
  EXPECT_TRUE(mock.enter("LK-ALGO", pin, at("2026-01-10T17:10:00Z")).opens);                 // reads 16:50
  EXPECT_EQ(mock.enter("LK-ALGO", pin, at("2026-01-10T17:20:00Z")).reason, "expired");       // reads 17:00
  // Ahead: another lock, a bridge PIN; the drift applies only to its target.
  ASSERT_TRUE(mock.add_fault({{"kind", "clock_drift"}, {"target", "LK-1"}, {"minutes", 30}}));
  ASSERT_EQ(api.create_pin("482913", "2026-01-10T15:00:00+01:00", "2026-01-12T11:00:00+01:00").status, 200);
  EXPECT_TRUE(mock.enter("LK-1", "482913", at("2026-01-10T13:30:00Z")).opens);  // reads 14:00
  EXPECT_EQ(mock.enter("LK-1", "482913", at("2026-01-12T09:30:00Z")).reason, "expired");
  EXPECT_TRUE(mock.enter("LK-1", "482913", at("2026-01-12T09:29:59Z")).opens);
}

TEST_F(AlgoPin, ClockDriftNeedsALockAndSignedMinutes) {
  auto no_target = mock.add_fault({{"kind", "clock_drift"}, {"minutes", 5}});
  ASSERT_FALSE(no_target);
  EXPECT_EQ(no_target.error().field, "target");
  auto bridge = mock.add_fault({{"kind", "clock_drift"}, {"target", "BR-1"}, {"minutes", 5}});
  ASSERT_FALSE(bridge);
  EXPECT_EQ(bridge.error().field, "target");
  auto no_minutes = mock.add_fault({{"kind", "clock_drift"}, {"target", "LK-1"}});
  ASSERT_FALSE(no_minutes);
  EXPECT_EQ(no_minutes.error().field, "minutes");
  EXPECT_TRUE(mock.add_fault({{"kind", "clock_drift"}, {"target", "LK-1"}, {"minutes", -90}}));
}

}  // namespace
}  // namespace lockstep::mock::testing
