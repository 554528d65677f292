// The scenario loader: what it builds, and that every refusal names the file,
// the JSON path and the reason.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lockstep/harness/scenario_loader.hpp"

namespace lockstep::harness {
namespace {

using ::testing::HasSubstr;

constexpr const char* kMinimal = R"({
  "name": "n", "rules": ["T3"], "start": "2026-06-01T00:00:00Z",
  "properties": [{"id": "P1", "timezone": "Europe/Paris"}],
  "locks": [{"property": "P1", "lock": "LK-1", "days_before": 2}],
  "bookings": [{"id": "B1", "property": "P1", "checkin": "2026-06-10T15:00", "checkout": "2026-06-12T11:00"}],
  "timeline": [{"at": "2026-06-03T00:00:00Z", "do": "cancel_booking", "booking": "B1"},
               {"at": "2026-06-02T00:00:00Z", "do": "tick"}],
  "expect": [{"booking": "B1", "rule": "B2", "status": "revoked"}]
})";

// Replaces the first occurrence of `from` in `s` (kMinimal by default).
std::string minimal_with(const std::string& from, const std::string& to, std::string s = kMinimal) {
  auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

Error refusal(const std::string& text, const std::string& file = "suite.json") {
  auto r = parse_scenarios_text(text, file);
  EXPECT_FALSE(r.has_value()) << "expected a refusal for: " << text;
  return r ? Error(ErrorCode::internal, "accepted") : r.error();
}

TEST(ScenarioLoader, BuildsSetupThenTimelineInInstantOrder) {
  auto r = parse_scenarios_text(kMinimal, "x.json");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  const Scenario& s = r->front();
  std::vector<EventKind> kinds;
  for (const auto& e : s.timeline) kinds.push_back(e.kind);
  EXPECT_EQ(kinds, (std::vector<EventKind>{EventKind::connect, EventKind::put_property, EventKind::assign_lock,
                                           EventKind::configure_lock, EventKind::put_booking, EventKind::tick,
                                           EventKind::cancel_booking}));
  EXPECT_EQ(s.timeline[0].client_id, "demo-client");
  EXPECT_EQ(s.timeline[3].config.days_before, 2);
  EXPECT_EQ(s.timeline[4].booking.checkin, "2026-06-10T15:00");
  EXPECT_EQ(s.timeline[4].json_path, "bookings[0]");
  EXPECT_EQ(s.expectations.at(0).rule, "B2");
  // Default end: two days after the check-out (09:00Z in Paris summer time).
  EXPECT_EQ(format_instant(end_of(s)), "2026-06-14T09:00:00Z");
}

TEST(ScenarioLoader, ExplicitNullsAreKeptApartFromAbsence) {
  auto r = parse_scenarios_text(minimal_with(R"("status": "revoked")", R"("code": null, "kind": "pin")"), "x.json");
  ASSERT_TRUE(r) << r.error().message;
  const auto& x = r->front().expectations.at(0);
  ASSERT_TRUE(x.code.has_value());
  EXPECT_FALSE(x.code->has_value());
  EXPECT_FALSE(x.status.has_value());
  ASSERT_TRUE(x.kind && *x.kind);
  EXPECT_EQ(**x.kind, "pin");
}

TEST(ScenarioLoader, UnknownFieldNamesFileAndPath) {
  const auto second = minimal_with(R"("do": "tick")", R"("do": "tick", "when": 3)", minimal_with(R"("name": "n")", R"("name": "m")"));
  auto e = refusal("[" + std::string(kMinimal) + "," + second + "]");
  EXPECT_EQ(e.code, ErrorCode::invalid_argument);
  EXPECT_EQ(e.field, "[1].timeline[1].when");
  EXPECT_THAT(e.message, HasSubstr("suite.json: [1].timeline[1].when: unknown field"));
}

// YAML keeps a key's bytes as they are; a key that is not UTF-8, where an array
// was expected, must be a refusal that quotes it, not an exception (a fuzzer found
// the describe() of such an object threw nlohmann's invalid-UTF-8 error).
TEST(ScenarioLoader, ObjectWithNonUtf8KeyIsRefusedNotThrown) {
  const std::string yaml = "name: n\nrules: [T3]\nstart: 2026-06-01T00:00:00Z\nexpect: {k\xff: 1}\n";
  auto e = refusal(yaml, "bad.yaml");
  EXPECT_EQ(e.field, "expect");
  EXPECT_THAT(e.message, HasSubstr("must be an array"));
}

TEST(ScenarioLoader, ExpectLockoutNamesKnownCausesOnce) {
  auto ok = parse_scenarios_text(minimal_with(R"("name": "n")", R"("name": "n", "expect_lockout": ["outage"])"), "x.json");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->front().expect_lockout, std::vector<std::string>{"outage"});
  auto absent = parse_scenarios_text(kMinimal, "x.json");
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->front().expect_lockout.has_value());
  auto e = refusal(minimal_with(R"("name": "n")", R"("name": "n", "expect_lockout": ["outage", "bad_luck"])"));
  EXPECT_EQ(e.field, "expect_lockout[1]");
  EXPECT_THAT(e.message, HasSubstr("unknown lockout cause \"bad_luck\""));
  e = refusal(minimal_with(R"("name": "n")", R"("name": "n", "expect_lockout": ["outage", "outage"])"));
  EXPECT_THAT(e.message, HasSubstr("listed twice"));
}

TEST(ScenarioLoader, BadValuesNamePathAndReason) {
  struct Case {
    std::string from, to, path, reason;
  };
  const std::vector<Case> cases = {
      {R"("at": "2026-06-03T00:00:00Z")", R"("at": "2026-06-03 00:00")", "timeline[0].at", "not an RFC 3339 instant"},
      {R"("rules": ["T3"])", R"("rules": ["T9"])", "rules[0]", "unknown rule id \"T9\""},
      {R"("rules": ["T3"])", R"("rules": [])", "rules", "at least one rule"},
      {R"("name": "n", )", "", "name", "required field missing"},
      {R"("do": "tick")", R"("do": "nap")", "timeline[1].do", "unknown event \"nap\""},
      {R"("booking": "B1", "rule": "B2")", R"("booking": "B7", "rule": "B2")", "expect[0].booking", "no booking \"B7\""},
      {R"("days_before": 2)", R"("days_before": "2")", "locks[0].days_before", "must be an integer"},
      {R"("status": "revoked")", R"("status": "gone")", "expect[0].status", "\"gone\" is not one of"},
      {R"("rule": "B2", )", "", "expect[0].rule", "required field missing"},
      {R"("status": "revoked")", R"("code_pattern": "([")", "expect[0].code_pattern", "not a valid regular expression"},
      {R"("do": "tick")", R"("do": "fault_off", "id": "x")", "timeline[1].id", "no fault_on with id \"x\""},
      {R"("at": "2026-06-03T00:00:00Z")", R"("at": "2026-05-03T00:00:00Z")", "timeline[0].at", "before the scenario's \"start\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.to);
    auto e = refusal(minimal_with(c.from, c.to), "dir/file.json");
    EXPECT_EQ(e.field, c.path);
    EXPECT_THAT(e.message, HasSubstr("dir/file.json: " + c.path + ": "));
    EXPECT_THAT(e.message, HasSubstr(c.reason));
  }
}

TEST(ScenarioLoader, ProbesAndCallsAreChecked) {
  auto e = refusal(minimal_with(R"("expect":)", R"("probes": [{"at": "2026-06-10T13:00:00Z", "booking": "B1", "expect": "open"}], "expect":)"));
  EXPECT_EQ(e.field, "probes[0].rule");
  e = refusal(minimal_with(R"("expect":)", R"("calls": [{"rule": "L4", "path": "/x"}], "expect":)"));
  EXPECT_EQ(e.field, "calls[0]");
  EXPECT_THAT(e.message, HasSubstr("needs \"count\", \"min\" or \"max\""));
}

TEST(ScenarioLoader, NotJsonIsInvalidJson) {
  auto e = refusal("{\"name\": ", "broken.json");
  EXPECT_EQ(e.code, ErrorCode::invalid_json);
  EXPECT_THAT(e.message, HasSubstr("broken.json"));
}

TEST(ScenarioLoader, DuplicateNamesAreRefused) {
  auto e = refusal("[" + std::string(kMinimal) + "," + kMinimal + "]");
  EXPECT_EQ(e.field, "[1].name");
  EXPECT_THAT(e.message, HasSubstr("used twice"));
}

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("lockstep-loader-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  void write(const std::string& rel, const std::string& text) const {
    std::filesystem::create_directories((path_ / rel).parent_path());
    std::ofstream(path_ / rel) << text;
  }

 private:
  std::filesystem::path path_;
};

TEST(ScenarioLoader, DirectoriesAreWalkedRecursivelyInSortedOrder) {
  TempDir dir;
  dir.write("b/z.json", minimal_with(R"("name": "n")", R"("name": "bz")"));
  dir.write("a.json", minimal_with(R"("name": "n")", R"("name": "a")"));
  dir.write("b/a.json", minimal_with(R"("name": "n")", R"("name": "ba")"));
  dir.write("b/notes.txt", "not a scenario");
  auto r = load_scenarios({dir.path()});
  ASSERT_TRUE(r) << r.error().message;
  std::vector<std::string> names;
  for (const auto& s : *r) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "ba", "bz"}));
}

TEST(ScenarioLoader, NameReusedAcrossFilesNamesBothFiles) {
  TempDir dir;
  dir.write("one.json", kMinimal);
  dir.write("two.json", kMinimal);
  auto r = load_scenarios({dir.path()});
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("two.json: name: scenario name \"n\" is already used in"));
  EXPECT_THAT(r.error().message, HasSubstr("one.json"));
}

TEST(ScenarioLoader, MissingPathIsIoError) {
  auto r = load_scenarios({"/nonexistent/lockstep/scenarios"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::io_error);
  EXPECT_THAT(r.error().message, HasSubstr("/nonexistent/lockstep/scenarios"));
}

TEST(ScenarioLoader, GeneratorExpandsDeterministically) {
  const std::string text = R"({"name": "g", "rules": ["T3"], "start": "2026-01-01T00:00:00Z",
    "generator": {"properties": 7, "days": 60, "stays_per_property": 3, "outages": 4,
                  "timezones": ["Europe/Paris", "Australia/Sydney"]}})";
  auto r = parse_scenarios_text(text, "g.json");
  ASSERT_TRUE(r) << r.error().message;
  const Scenario a = expand_generator(r->front(), 42), b = expand_generator(r->front(), 42),
                 c = expand_generator(r->front(), 43);
  EXPECT_EQ(a.properties.size(), 7u);
  EXPECT_EQ(a.expectations.size(), 21u);
  EXPECT_EQ(a.probes.size(), 42u);
  ASSERT_TRUE(a.world);
  EXPECT_EQ(a.world->locks.size(), 3u + 7u);  // the default world's and one per property
  auto bookings = [](const Scenario& s) {
    std::vector<std::string> out;
    for (const auto& e : s.timeline)
      if (e.kind == EventKind::put_booking) out.push_back(e.booking.checkin + "/" + e.booking.checkout);
    return out;
  };
  EXPECT_EQ(bookings(a), bookings(b));
  EXPECT_NE(bookings(a), bookings(c));
  EXPECT_TRUE(std::is_sorted(a.timeline.begin(), a.timeline.end(),
                             [](const Event& x, const Event& y) { return x.at < y.at; }));
}

// The default suite: it loads, it is large enough, and every rule of
// behaviour.md is exercised by some scenario.
TEST(DefaultSuite, LoadsAndCoversEveryRule) {
  auto r = load_scenarios({std::filesystem::path(LOCKSTEP_SOURCE_DIR) / "scenarios"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_GE(r->size(), 60u);
  std::set<std::string> named, checked;
  for (const auto& s : *r) {
    named.insert(s.rules.begin(), s.rules.end());
    for (const auto& x : s.expectations) checked.insert(x.rule);
    for (const auto& p : s.probes) checked.insert(p.rule);
    for (const auto& c : s.calls) checked.insert(c.rule);
    for (const auto& e : s.timeline) checked.insert(e.rule);
  }
  for (const auto& id : known_rule_ids()) {
    EXPECT_TRUE(named.contains(id)) << "no scenario lists rule " << id;
    EXPECT_TRUE(checked.contains(id)) << "no expectation cites rule " << id;
  }
}

}  // namespace
}  // namespace lockstep::harness

namespace lockstep::harness {
namespace {

// run, conform and explore scrub the same secrets from their reports: every
// connect's and every world account's, once each.
TEST(ScenarioSecrets, EveryConnectAndWorldAccountOnce) {
  Scenario a;
  Event connect;
  connect.kind = EventKind::connect;
  connect.client_secret = "s-connect";
  a.timeline.push_back(connect);
  a.timeline.push_back(Event{});  // a tick: no secret
  Scenario b;
  b.world = mock::default_world();
  b.world->accounts.push_back({"other", "s-world", "Other", {}, {}});
  b.timeline.push_back(connect);
  const auto secrets = scenario_secrets({a, b});
  std::set<std::string> expected{"s-connect", "s-world"};
  for (const auto& account : mock::default_world().accounts) expected.insert(account.client_secret);
  EXPECT_EQ(std::set<std::string>(secrets.begin(), secrets.end()), expected);
  EXPECT_EQ(secrets.size(), expected.size());  // each once
  EXPECT_TRUE(scenario_secrets({}).empty());
}

}  // namespace
}  // namespace lockstep::harness
