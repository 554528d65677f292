// The runner: deliberately wrong expectations are reported with the right rule
// id; runs are deterministic for a seed; in-process and HTTP agree; the default
// suite passes.
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lockstep/harness/expectations.hpp"
#include "lockstep/harness/runner.hpp"
#include "lockstep/harness/scenario_loader.hpp"

namespace lockstep::harness {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::vector<Scenario> load(const fs::path& rel) {
  auto r = load_scenarios({fs::path(LOCKSTEP_SOURCE_DIR) / rel});
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : std::vector<Scenario>{};
}

const report::ScenarioResult& by_name(const std::vector<report::ScenarioResult>& results, const std::string& name) {
  for (const auto& r : results)
    if (r.name == name) return r;
  throw std::runtime_error("no result " + name);
}

std::multiset<std::string> rules_of(const report::ScenarioResult& r) {
  std::multiset<std::string> out;
  for (const auto& f : r.failures) out.insert(f.rule + ":" + f.what);
  return out;
}

std::string describe(const report::ScenarioResult& r) {
  std::string s = r.name + " " + std::string(report::to_string(r.verdict)) + " " + r.error;
  for (const auto& f : r.failures) s += "\n  [" + f.rule + "] " + f.message;
  return s;
}

TEST(Runner, WrongExpectationsFailWithTheirRuleIds) {
  const auto scenarios = load("tests/harness/data/wrong-expectations.json");
  ASSERT_EQ(scenarios.size(), 6u);
  RunOptions options;
  options.jobs = 2;
  const auto results = run_scenarios(scenarios, options);

  const auto& issued = by_name(results, "wrong-issued-at");
  EXPECT_EQ(issued.verdict, report::Verdict::fail) << describe(issued);
  EXPECT_EQ(rules_of(issued), (std::multiset<std::string>{"T3:issued_at"})) << describe(issued);
  ASSERT_EQ(issued.failures.size(), 1u);
  EXPECT_EQ(issued.failures[0].booking, "B1");
  EXPECT_EQ(issued.failures[0].expected, "2026-06-04T23:00:00Z");
  EXPECT_EQ(issued.failures[0].observed, "2026-06-04T22:00:00Z");
  EXPECT_THAT(issued.replay, HasSubstr("--scenario wrong-issued-at --seed 1"));

  const auto& door = by_name(results, "wrong-door");
  EXPECT_EQ(rules_of(door), (std::multiset<std::string>{"C4:door"})) << describe(door);

  const auto& calls = by_name(results, "wrong-calls");
  EXPECT_EQ(rules_of(calls), (std::multiset<std::string>{"L4:calls"})) << describe(calls);
  ASSERT_EQ(calls.failures.size(), 1u);
  EXPECT_EQ(calls.failures[0].observed, "1 calls");

  const auto& reply = by_name(results, "wrong-reply");
  EXPECT_EQ(rules_of(reply), (std::multiset<std::string>{"S4:reply to configure_lock", "S2:reply to configure_lock"}))
      << describe(reply);

  const auto& attempts = by_name(results, "wrong-attempts");
  EXPECT_EQ(rules_of(attempts), (std::multiset<std::string>{"T4:attempts", "T4:status"})) << describe(attempts);

  const auto& right = by_name(results, "right-one");
  EXPECT_EQ(right.verdict, report::Verdict::pass) << describe(right);
}

TEST(Runner, SameSeedSameReportWhateverTheJobs) {
  auto scenarios = load("scenarios/codes/phone.json");
  auto more = load("scenarios/retries.json");
  scenarios.insert(scenarios.end(), more.begin(), more.end());
  RunOptions one, two, other;
  one.seed = two.seed = 7;
  one.jobs = 1;
  two.jobs = 2;
  other.seed = 8;
  report::RunInfo info;
  info.tool = "run";
  info.seed = 7;
  const auto a = report::render_json(info, run_scenarios(scenarios, one));
  const auto b = report::render_json(info, run_scenarios(scenarios, two));
  EXPECT_EQ(a, b);
  const auto c = report::render_json(info, run_scenarios(scenarios, other));
  EXPECT_NE(a, c) << "the seed must reach the random PINs";
}

TEST(Runner, InProcessAndHttpAgree) {
  std::vector<Scenario> picked;
  for (const auto& file : {"scenarios/basics.json", "scenarios/retries.json", "scenarios/codes/algopin.json",
                           "scenarios/locks.json"})
    for (auto& s : load(file))
      if (s.name == "bridge-code-basic" || s.name == "storm-of-429" || s.name == "token-expiring-during-retries" ||
          s.name == "algopin-date-change" || s.name == "disconnect-guests-in-stay" || s.name == "connection-reset-then-recovery")
        picked.push_back(s);
  ASSERT_EQ(picked.size(), 6u);
  RunOptions in_process, http;
  http.transport = TransportKind::http;
  const auto a = run_scenarios(picked, in_process);
  const auto b = run_scenarios(picked, http);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(a[i].name);
    EXPECT_EQ(a[i].verdict, b[i].verdict) << describe(a[i]) << "\n" << describe(b[i]);
    EXPECT_EQ(a[i].verdict, report::Verdict::pass) << describe(a[i]);
    ASSERT_EQ(a[i].bookings.size(), b[i].bookings.size());
    for (std::size_t k = 0; k < a[i].bookings.size(); ++k) {
      EXPECT_EQ(a[i].bookings[k].code, b[i].bookings[k].code);
      EXPECT_EQ(a[i].bookings[k].status, b[i].bookings[k].status);
      EXPECT_EQ(a[i].bookings[k].attempts.size(), b[i].bookings[k].attempts.size());
      EXPECT_EQ(a[i].bookings[k].created_at, b[i].bookings[k].created_at);
    }
    ASSERT_EQ(a[i].probes.size(), b[i].probes.size());
    for (std::size_t k = 0; k < a[i].probes.size(); ++k) EXPECT_EQ(a[i].probes[k].opened, b[i].probes[k].opened);
  }
}

TEST(Runner, FilterAndShards) {
  EXPECT_TRUE(name_matches("", "anything"));
  EXPECT_TRUE(name_matches("dst", "dst-gap-paris"));
  EXPECT_FALSE(name_matches("dst", "outage"));
  EXPECT_TRUE(name_matches("dst-*-paris", "dst-gap-paris"));
  EXPECT_FALSE(name_matches("dst-*-paris", "dst-gap-parisian"));
  EXPECT_TRUE(name_matches("phone-fallback-???????", "phone-fallback-letters"));

  const auto all = load("scenarios");
  std::multiset<std::string> seen;
  for (int index = 0; index < 3; ++index)
    for (const auto& s : select_scenarios(all, "", index, 3)) seen.insert(s.name);
  EXPECT_EQ(seen.size(), all.size());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), all.size()) << "shards overlap";
  EXPECT_EQ(select_scenarios(all, "phone-fallback-*", 0, 1).size(), 7u);
}

TEST(Runner, GlobAndJsonSubset) {
  EXPECT_TRUE(glob_match("/igloohome/devices/*/jobs/bridges/*", "/igloohome/devices/LK-1/jobs/bridges/BR-1"));
  EXPECT_FALSE(glob_match("/igloohome/devices/*/jobs/bridges/*", "/igloohome/jobs/1"));
  EXPECT_TRUE(glob_match("*", ""));
  const auto body = nlohmann::json::parse(R"({"jobType": 4, "jobData": {"pin": "1", "x": [1]}})");
  EXPECT_TRUE(json_contains(body, nlohmann::json::parse(R"({"jobData": {"pin": "1"}})")));
  EXPECT_FALSE(json_contains(body, nlohmann::json::parse(R"({"jobData": {"pin": "2"}})")));
  EXPECT_FALSE(json_contains(body, nlohmann::json::parse(R"({"jobType": 5})")));
}

// The whole default suite passes against the reference engine (what the README's
// main command runs).
TEST(DefaultSuite, EveryScenarioPasses) {
  const auto scenarios = load("scenarios");
  RunOptions options;
  options.jobs = 2;
  const auto results = run_scenarios(scenarios, options);
  int passed = 0;
  for (const auto& r : results) {
    EXPECT_EQ(r.verdict, report::Verdict::pass) << describe(r) << "\n  replay: " << r.replay;
    passed += r.verdict == report::Verdict::pass;
  }
  EXPECT_EQ(passed, static_cast<int>(scenarios.size()));
  // Issue 12: the reference locks no guest out on the default suite except where a
  // scenario provokes it on purpose, and each such scenario says so (its
  // expect_lockout, which run_scenario then holds it to).
  for (std::size_t i = 0; i < results.size(); ++i) {
    std::int64_t minutes = 0;
    for (const auto& b : results[i].bookings)
      for (const auto& span : b.lockouts) minutes += span.minutes();
    if (minutes > 0) {
      EXPECT_TRUE(scenarios[i].expect_lockout.has_value())
          << scenarios[i].name << ": " << minutes << " lockout minutes, and no expect_lockout says they are on purpose";
    }
  }
}

report::BookingTimeline locked_out(const std::string& id, const std::string& cause, int minutes) {
  report::BookingTimeline b;
  b.id = id;
  const Instant from = parse_instant("2026-06-10T15:00:00Z").value();
  b.lockouts.push_back({from, from + std::chrono::minutes{minutes}, cause});
  return b;
}

TEST(ExpectLockout, TheCausesMustBeExactlyTheDeclaredOnes) {
  const std::vector<report::BookingTimeline> bookings{locked_out("B1", "outage", 60), locked_out("B2", "outage", 30),
                                                      locked_out("B3", "not_yet_made", 0)};
  EXPECT_TRUE(lockout_failures({"outage"}, bookings).empty());
  // Undeclared: B1 named, minutes summed; a zero-minute span is no lockout.
  const auto surprise = lockout_failures({}, bookings);
  ASSERT_EQ(surprise.size(), 1u);
  EXPECT_EQ(surprise[0].rule, "B1");
  EXPECT_EQ(surprise[0].booking, "B1");
  EXPECT_EQ(surprise[0].observed, "90 min of outage");
  // Declared but absent.
  const auto missing = lockout_failures({"outage", "failed_code"}, bookings);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_NE(missing[0].message.find("failed_code"), std::string::npos) << missing[0].message;
}

TEST(ExpectLockout, ARunFailsAScenarioWhoseLockoutItDoesNotDeclare) {
  auto scenarios = load("scenarios/retries.json");
  const auto it = std::find_if(scenarios.begin(), scenarios.end(),
                               [](const Scenario& s) { return s.name == "outage-through-retry-deadline"; });
  ASSERT_NE(it, scenarios.end());
  Scenario s = *it;
  ASSERT_EQ(s.expect_lockout, std::vector<std::string>{"outage"});
  EXPECT_EQ(run_scenario(s, RunOptions{}).verdict, report::Verdict::pass);
  s.expect_lockout = std::vector<std::string>{};
  const auto r = run_scenario(s, RunOptions{});
  EXPECT_EQ(r.verdict, report::Verdict::fail);
  ASSERT_FALSE(r.failures.empty());
  EXPECT_EQ(r.failures.back().what, "lockout");
  s.expect_lockout.reset();  // not declared: not judged
  EXPECT_EQ(run_scenario(s, RunOptions{}).verdict, report::Verdict::pass);
}

}  // namespace
}  // namespace lockstep::harness

#include <atomic>
#include <mutex>
#include <thread>

#include "lockstep/harness/worker_pool.hpp"

namespace lockstep::harness {
namespace {

// The one worker pool of run and conform: every index once, on the caller's
// thread when jobs is 1 (and then in order), nothing started after a stop.
TEST(WorkerPool, EveryIndexOnceInOrderAloneAndNothingAfterAStop) {
  std::vector<std::size_t> alone;
  const auto caller = std::this_thread::get_id();
  bool elsewhere = false;
  for_each_in_pool(5, 1, {}, [&](std::size_t i) {
    alone.push_back(i);
    elsewhere |= std::this_thread::get_id() != caller;
  });
  EXPECT_EQ(alone, (std::vector<std::size_t>{0, 1, 2, 3, 4}));
  EXPECT_FALSE(elsewhere);

  std::mutex m;
  std::multiset<std::size_t> seen;
  for_each_in_pool(100, 4, {}, [&](std::size_t i) {
    std::lock_guard lock(m);
    seen.insert(i);
  });
  ASSERT_EQ(seen.size(), 100u);
  for (std::size_t i = 0; i < 100; ++i) EXPECT_EQ(seen.count(i), 1u) << i;

  std::atomic<int> started{0};
  for_each_in_pool(50, 1, [&] { return started.load() >= 3; }, [&](std::size_t) { ++started; });
  EXPECT_EQ(started.load(), 3);
  for_each_in_pool(0, 4, {}, [&](std::size_t) { ADD_FAILURE() << "no index in an empty pool"; });
}

}  // namespace
}  // namespace lockstep::harness
