// The profile and expectations files: defaults, every knob, and a clear refusal
// for every kind of mistake.
#include <gtest/gtest.h>

#include "lockstep/harness/conform_expectations.hpp"
#include "lockstep/harness/profile.hpp"
#include "test_support.hpp"

namespace lockstep::harness {
namespace {

TEST(Profile, EmptyObjectGivesTheReferenceDefaults) {
  auto p = parse_profile("{}");
  ASSERT_TRUE(p) << p.error().message;
  const Profile defaults;
  EXPECT_EQ(p->generation_local_time, defaults.generation_local_time);
  EXPECT_EQ(p->retry_interval, Minutes(60));
  EXPECT_EQ(p->retry_deadline, RetryDeadline::end_of_checkin_day);
  EXPECT_EQ(p->schedule_tolerance, Minutes(0));
  EXPECT_FALSE(p->disconnect_deletes_future_codes);
}

TEST(Profile, EveryKnobIsRead) {
  auto p = parse_profile(R"({"generation_local_time": "09:30", "retry_interval_minutes": 30,
    "retry_deadline": "checkin_time", "schedule_tolerance_minutes": 15,
    "disconnect_deletes_future_codes": true})");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->generation_local_time, Minutes(9 * 60 + 30));
  EXPECT_EQ(p->retry_interval, Minutes(30));
  EXPECT_EQ(p->retry_deadline, RetryDeadline::checkin_time);
  EXPECT_EQ(p->schedule_tolerance, Minutes(15));
  EXPECT_TRUE(p->disconnect_deletes_future_codes);
  // And written back the same way.
  auto again = parse_profile(profile_to_json(*p));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->generation_local_time, p->generation_local_time);
  EXPECT_EQ(again->retry_deadline, p->retry_deadline);
}

struct BadProfile {
  const char* text;
  const char* names;  // the message must name this
};

TEST(Profile, BadValuesAndUnknownKeysAreRefusedNamingTheKey) {
  const BadProfile cases[] = {
      {R"({"retry_interval": 60})", "unknown key 'retry_interval'"},
      {R"({"retry_interval_minutes": 0})", "'retry_interval_minutes' is 0"},
      {R"({"retry_interval_minutes": "60"})", "'retry_interval_minutes' must be an integer"},
      {R"({"retry_interval_minutes": 1.5})", "'retry_interval_minutes' must be an integer"},
      {R"({"generation_local_time": "24:00"})", "'generation_local_time'"},
      {R"({"generation_local_time": "9:30"})", "'generation_local_time'"},
      {R"({"retry_deadline": "whenever"})", "'retry_deadline' must be"},
      {R"({"schedule_tolerance_minutes": -5})", "'schedule_tolerance_minutes' is -5"},
      {R"({"disconnect_deletes_future_codes": "yes"})", "'disconnect_deletes_future_codes' must be true or false"},
  };
  for (const auto& c : cases) {
    auto p = parse_profile(c.text);
    ASSERT_FALSE(p) << c.text;
    EXPECT_EQ(p.error().code, ErrorCode::invalid_setting) << c.text;
    EXPECT_NE(p.error().message.find(c.names), std::string::npos) << c.text << " -> " << p.error().message;
  }
  for (const char* not_json : {"", "[1]", "{\"a\":", "retry_interval_minutes=60"}) {
    auto p = parse_profile(not_json);
    ASSERT_FALSE(p) << not_json;
    EXPECT_EQ(p.error().code, ErrorCode::invalid_json) << not_json;
  }
}

TEST(Profile, FileErrorsNameThePath) {
  conform_test::TempDir dir;
  auto missing = load_profile((dir.path() / "nope.json").string());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::io_error);
  EXPECT_NE(missing.error().message.find("nope.json"), std::string::npos);
  const auto bad = dir.file("bad.json", R"({"retry_deadline": 3})");
  auto loaded = load_profile(bad);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().message.rfind(bad, 0), 0u) << loaded.error().message;
}

TEST(Expectations, AcceptedEntriesMatchScenarioRuleAndBooking) {
  auto e = parse_expectations(R"({"accepted": [
    {"scenario": "outage", "rule": "T4", "booking": "b1", "reason": "PLAT-1"},
    {"scenario": "dst", "rule": "T1", "reason": "PLAT-2: every booking"},
    {"scenario": "dst", "rule": "T3", "booking": "*", "reason": "PLAT-3"}]})");
  ASSERT_TRUE(e) << e.error().message;
  ASSERT_EQ(e->accepted.size(), 3u);
  ASSERT_NE(e->find("outage", "T4", "b1"), nullptr);
  EXPECT_EQ(e->find("outage", "T4", "b1")->reason, "PLAT-1");
  EXPECT_EQ(e->find("outage", "T4", "b2"), nullptr);
  EXPECT_EQ(e->find("outage", "T3", "b1"), nullptr);
  EXPECT_EQ(e->find("other", "T4", "b1"), nullptr);
  EXPECT_NE(e->find("dst", "T1", "anything"), nullptr);
  EXPECT_NE(e->find("dst", "T1", ""), nullptr);
  EXPECT_NE(e->find("dst", "T3", "b9"), nullptr);
  auto empty = parse_expectations("{}");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->accepted.empty());
}

TEST(Expectations, MistakesAreRefusedNamingTheEntry) {
  const BadProfile cases[] = {
      {R"({"accepted": [{"scenario": "s", "rule": "T4"}]})", "accepted[0]: 'reason' is missing"},
      {R"({"accepted": [{"scenario": "s", "rule": "T4", "reason": ""}]})", "accepted[0].reason must be a non-empty"},
      {R"({"accepted": [{"scenario": "s", "rule": "T4", "reason": "r"}, {"rule": "T4", "reason": "r"}]})",
       "accepted[1]: 'scenario' is missing"},
      {R"({"accepted": [{"scenario": "s", "rule": "T4", "reason": "r", "bookng": "b1"}]})",
       "unknown key 'bookng'"},
      {R"({"accepted": {"scenario": "s"}})", "'accepted' must be an array"},
      {R"({"acepted": []})", "unknown key 'acepted'"},
      {R"({"accepted": [{"scenario": "s", "rule": 4, "reason": "r"}]})", "accepted[0].rule must be a non-empty string"},
  };
  for (const auto& c : cases) {
    auto e = parse_expectations(c.text);
    ASSERT_FALSE(e) << c.text;
    EXPECT_NE(e.error().message.find(c.names), std::string::npos) << c.text << " -> " << e.error().message;
  }
  auto not_json = parse_expectations("accepted:");
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().code, ErrorCode::invalid_json);
}

}  // namespace
}  // namespace lockstep::harness
