// The scenario loader judges a scenario's setup as a participant would, reports
// every mistake of a file at once, survives hostile nesting, and shows parse
// errors with the line and a caret (issues 14 and 15).
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lockstep/harness/scenario_loader.hpp"

namespace lockstep::harness {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kBase = R"({
  "name": "n", "rules": ["T3"], "start": "2026-06-01T00:00:00Z",
  "properties": [{"id": "P1", "timezone": "Europe/Paris"}, {"id": "P2", "timezone": "Asia/Tokyo"}],
  "locks": [{"property": "P1", "lock": "LK-1", "days_before": 2}],
  "bookings": [{"id": "B1", "property": "P1", "checkin": "2026-06-10T15:00", "checkout": "2026-06-12T11:00"}],
  "timeline": [{"at": "2026-06-02T00:00:00Z", "do": "tick"}],
  "probes": [{"at": "2026-06-10T14:00:00Z", "booking": "B1", "expect": "open", "rule": "T2"}],
  "expect": [{"booking": "B1", "rule": "T3", "status": "active"}]
})";

std::string with(const std::string& from, const std::string& to, std::string s = kBase) {
  auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

Error refusal(const std::string& text, const std::string& file = "setup.json") {
  auto r = parse_scenarios_text(text, file);
  EXPECT_FALSE(r.has_value()) << "expected a refusal for: " << text;
  return r ? Error(ErrorCode::internal, "accepted") : r.error();
}

TEST(SetupValidation, TheBaseScenarioLoads) {
  auto r = parse_scenarios_text(kBase, "setup.json");
  ASSERT_TRUE(r) << r.error().message;
}

TEST(SetupValidation, EachSetupMistakeIsRefusedWithItsPath) {
  struct Case {
    std::string from, to, path, reason;
  };
  const std::vector<Case> cases = {
      {R"("timezone": "Europe/Paris")", R"("timezone": "Europe/Pariss")", "properties[0].timezone",
       "unknown time zone \"Europe/Pariss\""},
      {R"("checkin": "2026-06-10T15:00")", R"("checkin": "2026-06-10 15:00")", "bookings[0].checkin",
       "must be a local time \"YYYY-MM-DDTHH:MM\""},
      {R"("checkin": "2026-06-10T15:00")", R"("checkin": "2026-06-10T15:00:00")", "bookings[0].checkin",
       "must be a local time \"YYYY-MM-DDTHH:MM\""},
      {R"("checkout": "2026-06-12T11:00")", R"("checkout": "2026-02-30T11:00")", "bookings[0].checkout",
       "no such date or time of day"},
      {R"("checkout": "2026-06-12T11:00")", R"("checkout": "2026-06-12T24:00")", "bookings[0].checkout",
       "no such date or time of day"},
      {R"("checkout": "2026-06-12T11:00")", R"("checkout": "2026-06-10T15:00")", "bookings[0].checkout",
       "must be after \"checkin\""},
      {R"("property": "P1", "checkin")", R"("property": "P9", "checkin")", "bookings[0].property",
       "no property \"P9\" exists when the booking is made"},
      {R"("days_before": 2)", R"("days_before": 15)", "locks[0].days_before", "is 15, must be from 1 to 14"},
      {R"("days_before": 2)", R"("margin_minutes": 241)", "locks[0].margin_minutes", "is 241, must be from 0 to 240"},
      {R"("days_before": 2)", R"("code_source": "algopin")", "locks[0].code_source", "\"algopin\" is not random or guest_phone"},
      {R"("lock": "LK-1", "days_before": 2)", R"("lock": "LK-ALGO", "code_source": "guest_phone")", "locks[0].code_source",
       "has no bridge"},
      {R"("lock": "LK-1")", R"("lock": "LK-9")", "locks[0].lock", "the world has no lock \"LK-9\""},
      {R"({"property": "P1", "lock")", R"({"property": "P7", "lock")", "locks[0].property", "no property \"P7\""},
      {R"("lock": "LK-1", "days_before": 2})", R"("lock": "LK-1", "brand": "yale"})", "locks[0].brand",
       "\"yale\" is not one of igloohome, nuki, ttlock"},
      {R"("name": "n",)", R"("name": "n", "connect": {"client_id": "demo-client", "client_secret": "nope"},)", "connect",
       "the world has no account \"demo-client\" with that secret"},
      {R"("name": "n",)", R"("name": "n", "connect": false,)", "locks[0]", "needs a connection"},
      {R"("booking": "B1", "expect": "open")", R"("pin": "123456", "lock": "LK-7", "expect": "open")", "probes[0].lock",
       "the world has no lock \"LK-7\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.to);
    auto e = refusal(with(c.from, c.to));
    EXPECT_EQ(e.code, ErrorCode::invalid_argument);
    EXPECT_EQ(e.field, c.path);
    EXPECT_THAT(e.message, HasSubstr("setup.json: " + c.path + ": "));
    EXPECT_THAT(e.message, HasSubstr(c.reason));
  }
}

TEST(SetupValidation, ALockPerPropertyAndAPropertyPerLock) {
  auto e = refusal(with(R"("locks": [{"property": "P1", "lock": "LK-1", "days_before": 2}])",
                        R"("locks": [{"property": "P1", "lock": "LK-1"}, {"property": "P1", "lock": "LK-2"},
                                     {"property": "P2", "lock": "LK-1"}])"));
  EXPECT_THAT(e.message, HasSubstr("setup.json: locks[1].property: property \"P1\" already has lock \"LK-1\""));
  EXPECT_THAT(e.message, HasSubstr("setup.json: locks[2].lock: lock \"LK-1\" is already assigned to property \"P1\""));
}

TEST(SetupValidation, CheckInAndCheckOutAreComparedAsInstantsInTheZone) {
  // Paris skips 02:00-03:00 on 2026-03-29: a 02:30 check-in is 03:30 (T1), after
  // a 03:10 check-out, though "02:30" < "03:10" as written.
  auto e = refusal(with(R"("checkin": "2026-06-10T15:00", "checkout": "2026-06-12T11:00")",
                        R"("checkin": "2026-03-29T02:30", "checkout": "2026-03-29T03:10")",
                        with(R"("start": "2026-06-01T00:00:00Z")", R"("start": "2026-03-01T00:00:00Z")")));
  EXPECT_EQ(e.field, "bookings[0].checkout");
  EXPECT_THAT(e.message, HasSubstr("must be after \"checkin\""));
}

TEST(SetupValidation, TimelineEventsMayCarryTheSameMistakesOnPurpose) {
  // Each of these is refused in the setup, and accepted as a timeline event that
  // expects the participant's error.
  const std::string timeline = R"("timeline": [
    {"at": "2026-06-02T00:00:00Z", "do": "put_property", "property": "P3", "timezone": "Mars/Olympus",
     "expect_error": "invalid_timezone", "rule": "T1"},
    {"at": "2026-06-02T00:00:00Z", "do": "configure_lock", "lock": "LK-1", "days_before": 99,
     "expect_error": "invalid_setting", "rule": "S4"},
    {"at": "2026-06-02T00:00:00Z", "do": "assign_lock", "property": "P2", "lock": "LK-404",
     "expect_error": "unknown_lock", "rule": "L2"},
    {"at": "2026-06-02T00:00:00Z", "do": "put_booking", "booking": "B2", "property": "P1",
     "checkin": "2026-13-40T99:99", "checkout": "yesterday", "expect_error": "invalid_booking", "rule": "T2"},
    {"at": "2026-06-02T00:00:00Z", "do": "connect", "client_id": "who", "client_secret": "me",
     "expect_error": "invalid_credentials", "rule": "L1"}])";
  auto r = parse_scenarios_text(with(R"("timeline": [{"at": "2026-06-02T00:00:00Z", "do": "tick"}])", timeline),
                                "setup.json");
  ASSERT_TRUE(r) << r.error().message;
}

TEST(SetupValidation, ABookingMayNameAPropertyTheTimelinePutsEarlier) {
  const std::string text = with(R"("timeline": [{"at": "2026-06-02T00:00:00Z", "do": "tick"}])",
                                R"("timeline": [{"at": "2026-06-02T00:00:00Z", "do": "put_property", "property": "P5",
                                                 "timezone": "Europe/Oslo"}])",
                                with(R"("bookings": [{"id": "B1", "property": "P1",)",
                                     R"("bookings": [{"id": "B2", "property": "P5", "booked_at": "2026-06-03T00:00:00Z",
                                                      "checkin": "2026-06-20T15:00", "checkout": "2026-06-21T10:00"},
                                                     {"id": "B1", "property": "P1",)"));
  auto r = parse_scenarios_text(text, "setup.json");
  ASSERT_TRUE(r) << r.error().message;
  // ... but not one it puts later.
  auto e = refusal(with(R"("booked_at": "2026-06-03T00:00:00Z")", R"("booked_at": "2026-06-01T00:00:00Z")", text));
  EXPECT_EQ(e.field, "bookings[0].property");
}

TEST(SetupValidation, EveryMistakeOfAFileIsReportedInOneGo) {
  std::string text = with(R"("timezone": "Europe/Paris")", R"("timezone": "Europe/Pari")");
  text = with(R"("checkin": "2026-06-10T15:00")", R"("checkin": "2026-06-10")", text);
  text = with(R"("do": "tick")", R"("do": "tick", "colour": "red")", text);
  text = with(R"("status": "active")", R"("status": "gone")", text);
  auto e = refusal(text);
  // In reading order: the fields of each element, then the setup as a whole.
  EXPECT_EQ(e.field, "timeline[0].colour") << e.message;
  for (const char* line : {"setup.json: properties[0].timezone: unknown time zone",
                           "setup.json: bookings[0].checkin: must be a local time",
                           "setup.json: timeline[0].colour: unknown field",
                           "setup.json: expect[0].status: \"gone\" is not one of", "setup.json: 4 problems"})
    EXPECT_THAT(e.message, HasSubstr(line));
}

TEST(SetupValidation, AMistakeInABookingDoesNotMakeItsExpectationsUnknown) {
  // B1's entry is broken (a number for a string): that is one problem, not also
  // "no booking B1" for the probe and the expectation that name it.
  auto e = refusal(with(R"("checkout": "2026-06-12T11:00")", R"("checkout": 11)"));
  EXPECT_EQ(e.field, "bookings[0].checkout");
  EXPECT_THAT(e.message, Not(HasSubstr("no booking")));
  EXPECT_THAT(e.message, Not(HasSubstr("problems")));
}

TEST(SetupValidation, AtMostTwentyMistakesAreListed) {
  std::string bookings = R"("bookings": [)";
  for (int i = 0; i < 30; ++i)
    bookings += R"({"id": "X)" + std::to_string(i) + R"(", "property": "P1", "checkin": "soon", "checkout": "2026-06-12T11:00"},)";
  bookings += R"({"id": "B1", "property": "P1", "checkin": "2026-06-10T15:00", "checkout": "2026-06-12T11:00"}],)";
  auto e = refusal(with(R"("bookings": [{"id": "B1", "property": "P1", "checkin": "2026-06-10T15:00", "checkout": "2026-06-12T11:00"}],)",
                        bookings));
  std::size_t lines = 0;
  for (char c : e.message) lines += c == '\n';
  EXPECT_EQ(lines, 20u) << e.message;  // 20 problems, then the note
  EXPECT_THAT(e.message, HasSubstr("stopped after 20 problems"));
}

TEST(SetupValidation, SchemaKeyIsAcceptedAtTheTop) {
  auto r = parse_scenarios_text(with(R"("name": "n",)", R"("$schema": "../docs/scenario.schema.json", "name": "n",)"),
                                "setup.json");
  ASSERT_TRUE(r) << r.error().message;
  auto e = refusal(with(R"("name": "n",)", R"("$schema": 3, "name": "n",)"));
  EXPECT_EQ(e.field, "$schema");
  // Still unknown anywhere else.
  e = refusal(with(R"("do": "tick")", R"("do": "tick", "$schema": "x")"));
  EXPECT_EQ(e.field, "timeline[0].$schema");
}

TEST(SetupValidation, TagsAreKeptAndChecked) {
  auto r = parse_scenarios_text(with(R"("name": "n",)", R"("name": "n", "tags": ["dst", "slow-ci"],)"), "setup.json");
  ASSERT_TRUE(r) << r.error().message;
  const auto& s = r->front();
  EXPECT_EQ(s.tags, (std::vector<std::string>{"dst", "slow-ci"}));
  EXPECT_TRUE(scenario_has_tag(s, "dst"));
  EXPECT_TRUE(scenario_has_tag(s, "slow-ci"));
  EXPECT_FALSE(scenario_has_tag(s, "slow"));
  EXPECT_FALSE(scenario_has_tag(s, "DST"));
  struct Case {
    std::string tags, path, reason;
  };
  for (const Case& c : std::vector<Case>{{R"(["a", "a"])", "tags[1]", "listed twice"},
                                         {R"(["two words"])", "tags[0]", "one word"},
                                         {R"(["a,b"])", "tags[0]", "one word"},
                                         {R"([""])", "tags[0]", "must not be empty"},
                                         {R"([7])", "tags[0]", "must be a string"},
                                         {R"("dst")", "tags", "must be an array"}}) {
    SCOPED_TRACE(c.tags);
    auto e = refusal(with(R"("name": "n",)", R"("name": "n", "tags": )" + c.tags + ","));
    EXPECT_EQ(e.field, c.path);
    EXPECT_THAT(e.message, HasSubstr(c.reason));
  }
}

TEST(HostileInput, A100kDeepValueIsRefusedNamingFileAndLimit) {
  // Issue 14 item 3: this crashed the loader (the value was dumped into the message).
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  for (const std::string& text : {with(R"("name": "n")", R"("name": )" + deep), deep}) {
    auto e = refusal(text, "deep.json");
    EXPECT_EQ(e.code, ErrorCode::invalid_json);
    EXPECT_THAT(e.message, HasSubstr("deep.json:"));
    EXPECT_THAT(e.message, HasSubstr("nested deeper than 128 levels"));
    EXPECT_LT(e.message.size(), 1000u);
  }
}

TEST(HostileInput, HugeValuesAreCutInMessages) {
  const std::string big(1'000'000, 'x');
  auto e = refusal(with(R"("timezone": "Europe/Paris")", R"("timezone": ")" + big + "\""));
  EXPECT_EQ(e.field, "properties[0].timezone");
  EXPECT_LT(e.message.size(), 1000u);
  e = refusal(with(R"("name": "n")", R"("name": [")" + big + R"(", 1, 2])"));
  EXPECT_EQ(e.field, "name");
  EXPECT_LT(e.message.size(), 400u);
  e = refusal(with(R"("do": "tick")", R"("do": "tick", ")" + big + R"(": 1)"));
  EXPECT_LT(e.message.size(), 1000u);
}

TEST(HostileInput, ADeepValueBuiltInCodeIsRefusedToo) {
  nlohmann::json j = nlohmann::json::parse(kBase);
  nlohmann::json deep = nlohmann::json::array();
  for (int i = 0; i < 300; ++i) deep = nlohmann::json::array({std::move(deep)});
  j["timeline"][0]["fault"] = deep;
  auto r = parse_scenarios(j, "code.json");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("code.json: (top level): nested deeper than 128 levels"));
}

TEST(ParseErrors, NameFileLineColumnAndShowTheLineWithACaret) {
  const std::string text = "{\n  \"name\": \"n\",\n  \"rules\": [\"T3\" \"T4\"]\n}";
  auto e = refusal(text, "dir/broken.json");
  EXPECT_EQ(e.code, ErrorCode::invalid_json);
  // Line 3: the second string where a comma or ']' belongs (the parser stops at
  // its closing quote, column 21).
  EXPECT_THAT(e.message, HasSubstr("dir/broken.json:3:21: unexpected string literal; expected ']'"));
  EXPECT_THAT(e.message, HasSubstr("\n    \"rules\": [\"T3\" \"T4\"]\n                      ^"));
  EXPECT_THAT(e.message, Not(HasSubstr("[json.exception")));
}

TEST(ParseErrors, ALongLineIsShownAroundTheColumn) {
  std::string text = R"({"name": "n", "description": ")" + std::string(5000, 'd') + R"(", "rules": [,]})";
  auto e = refusal(text, "long.json");
  EXPECT_THAT(e.message, HasSubstr("long.json:1:"));
  EXPECT_THAT(e.message, HasSubstr("\"rules\": [,"));
  EXPECT_LT(e.message.size(), 600u);
}

TEST(WorldFiles, AWorldFileIsReadWithTheBoundedParser) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("lockstep-world-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "deep-world.json") << std::string(50'000, '[') << std::string(50'000, ']');
  std::ofstream(dir / "s.json") << with(R"("name": "n",)", R"("name": "n", "world": "deep-world.json",)");
  auto r = load_scenarios({dir / "s.json"});
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "world");
  EXPECT_THAT(r.error().message, HasSubstr("deep-world.json:1:129: nested deeper than 128 levels"));
}

}  // namespace
}  // namespace lockstep::harness
