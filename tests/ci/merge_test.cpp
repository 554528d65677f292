// Sharded runs and `lockstep report merge`: a CI matrix of N shards must read as
// one run. Unit tests on hand-built reports (what merge refuses and why), then the
// CI flow itself through the real binary: 3 shards + merge against one unsharded
// run of the same suite, byte for byte.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_process.hpp"
#include "lockstep/harness/report.hpp"

namespace lockstep::harness::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

ScenarioResult scenario(std::string name, std::vector<std::string> rules, Verdict v = Verdict::pass) {
  ScenarioResult s;
  s.name = std::move(name);
  s.file = "suite.json";
  s.rules = std::move(rules);
  s.verdict = v;
  if (v == Verdict::fail) s.failures.push_back({.rule = s.rules.front(), .message = "x"});
  return s;
}

// Shard `index` of `count` of a run over `all`, dealt round-robin as the runner does.
ReportDocument shard_of(const std::vector<ScenarioResult>& all, int index, int count) {
  ReportDocument d;
  d.run.tool = "run";
  d.run.seed = 7;
  d.run.subject = "reference engine";
  d.run.options = {{"paths", "scenarios/"}, {"shard", fmt::format("{}/{}", index, count)}};
  d.run.command_line = fmt::format("lockstep run scenarios/ --seed 7 --shard-index {} --shard-count {}", index, count);
  d.run.shard_index = index;
  d.run.shard_count = count;
  for (std::size_t k = 0; k < all.size(); ++k)
    if (static_cast<int>(k % static_cast<std::size_t>(count)) == index) d.scenarios.push_back(all[k]);
  d.summary = RunSummary::of(d.scenarios);
  return d;
}

std::vector<ScenarioResult> suite() {
  return {scenario("a", {"T1"}), scenario("b", {"T2"}, Verdict::fail), scenario("c", {"T3"}),
          scenario("d", {"C4"}), scenario("e", {"B0"}),              scenario("f", {"T1", "M1"})};
}

TEST(MergeShards, RestoresSuiteOrderAndTotalsInAnyArgumentOrder) {
  auto merged = merge_shard_reports({shard_of(suite(), 2, 3), shard_of(suite(), 0, 3), shard_of(suite(), 1, 3)});
  ASSERT_TRUE(merged) << merged.error().message;
  std::vector<std::string> names;
  for (const auto& s : merged->scenarios) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c", "d", "e", "f"}));
  EXPECT_EQ(merged->summary.total, 6);
  EXPECT_EQ(merged->summary.failed, 1);
  EXPECT_EQ(merged->run.shard_count, 1);
  EXPECT_FALSE(merged->run.options.contains("shard"));
  EXPECT_EQ(merged->run.command_line, "lockstep run scenarios/ --seed 7");
}

TEST(MergeShards, RefusesShardsOfDifferentRunsNamingTheDifference) {
  auto other = shard_of(suite(), 1, 3);
  other.run.seed = 8;
  auto r = merge_shard_reports({shard_of(suite(), 0, 3), other, shard_of(suite(), 2, 3)});
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("seed (7 vs 8)"));

  auto paths = shard_of(suite(), 1, 3);
  paths.run.options["paths"] = "other/";
  r = merge_shard_reports({shard_of(suite(), 0, 3), paths, shard_of(suite(), 2, 3)});
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("option paths"));
}

TEST(MergeShards, RefusesAMissingOrRepeatedShard) {
  auto r = merge_shard_reports({shard_of(suite(), 0, 3), shard_of(suite(), 2, 3)});
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("shard is 2 of 3 missing"));
  r = merge_shard_reports({shard_of(suite(), 0, 2), shard_of(suite(), 0, 2)});
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("shard 1 of 2 is given twice"));
}

TEST(ShardCoverage, RulesOfOtherShardsAreNotShownAsUncovered) {
  auto shard = shard_of(suite(), 0, 3);  // a, d: T1, C4
  shard.run.rules_in_other_shards = {"T2", "T3", "B0", "M1"};
  shard.run.rules_not_selected = {"L4"};
  const auto md = render_markdown(shard.run, shard.scenarios);
  EXPECT_THAT(md, HasSubstr("shard 1 of 3"));
  EXPECT_THAT(md, HasSubstr("| T2 | 0 here — in other shards |"));
  EXPECT_THAT(md, HasSubstr("| L4 | 0 here — not selected |"));
  EXPECT_THAT(md, HasSubstr("**Rules without a scenario:**"));  // S1.. are still uncovered
  EXPECT_THAT(md, Not(HasSubstr("**T2** | **0 — no scenario**")));
  const auto json = nlohmann::json::parse(render_json(shard.run, shard.scenarios));
  EXPECT_EQ(json["run"]["shard"]["index"], 0);
  EXPECT_EQ(json["run"]["shard"]["count"], 3);
  bool found = false;
  for (const auto& row : json["rule_coverage"])
    if (row["rule"] == "T2") found = row["elsewhere"] == "in other shards";
  EXPECT_TRUE(found);
  auto back = parse_json_report(render_json(shard.run, shard.scenarios));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->run.rules_in_other_shards, shard.run.rules_in_other_shards);
  EXPECT_EQ(back->run.rules_not_selected, shard.run.rules_not_selected);
  EXPECT_EQ(back->run.shard_count, 3);
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class ShardedCiFlow : public lockstep::testing::ScratchDirTest {};

// What examples/ci/ does on a CI matrix, here on one machine: three shards, each
// with its own report dir, merged; compared with one unsharded run.
TEST_F(ShardedCiFlow, ThreeShardsMergedEqualOneUnshardedRun) {
  const std::string suite_paths = "scenarios/bookings.json scenarios/locks.json";
  const auto whole = lockstep::testing::run_lockstep(
      fmt::format("run {} --seed 3 -q --report-dir {}", suite_paths, (dir_ / "whole").string()));
  ASSERT_EQ(whole.status, 0) << whole.output;
  std::string shard_dirs;
  for (int i = 0; i < 3; ++i) {
    const auto dir = dir_ / fmt::format("shard-{}", i);
    const auto out = lockstep::testing::run_lockstep(fmt::format(
        "run {} --seed 3 -q --shard-index {} --shard-count 3 --report-dir {}", suite_paths, i, dir.string()));
    ASSERT_EQ(out.status, 0) << out.output;
    const auto md = slurp(dir / "latest" / "summary.md");
    EXPECT_THAT(md, HasSubstr(fmt::format("shard {} of 3", i + 1)));
    EXPECT_THAT(md, Not(HasSubstr("| **B1** | **0 — no scenario**")));
    shard_dirs += " " + dir.string();
  }
  const auto merged = lockstep::testing::run_lockstep(
      fmt::format("report merge{} --report-dir {} --run-id merged", shard_dirs, (dir_ / "merged").string()));
  ASSERT_EQ(merged.status, 0) << merged.output;
  EXPECT_THAT(merged.output, HasSubstr("merged 3 shards"));
  // report.json leaves wall clock out, so the two are equal byte for byte; the
  // other forms show the wall-clock duration, so their verdict lines are compared.
  EXPECT_EQ(slurp(dir_ / "merged" / "merged" / "report.json"), slurp(dir_ / "whole" / "latest" / "report.json"));
  const auto totals = [](const std::string& md) { return md.substr(0, md.find("Seed `")); };
  EXPECT_EQ(totals(slurp(dir_ / "merged" / "merged" / "summary.md")), totals(slurp(dir_ / "whole" / "latest" / "summary.md")));
}

TEST_F(ShardedCiFlow, MergeRefusesShardsOfTwoRuns) {
  for (int i = 0; i < 2; ++i) {
    const auto out = lockstep::testing::run_lockstep(
        fmt::format("run scenarios/bookings.json --seed {} -q --shard-index {} --shard-count 2 --report-dir {}",
                    i + 1, i, (dir_ / fmt::format("s{}", i)).string()));
    ASSERT_EQ(out.status, 0) << out.output;
  }
  const auto merged = lockstep::testing::run_lockstep(fmt::format(
      "report merge {} {} --report-dir {}", (dir_ / "s0").string(), (dir_ / "s1").string(), (dir_ / "m").string()));
  EXPECT_EQ(merged.status, 2) << merged.output;
  EXPECT_THAT(merged.output, HasSubstr("differ in seed (1 vs 2)"));
  EXPECT_FALSE(fs::exists(dir_ / "m"));
}

// Issue 15: explore splits its seed space over shards; merged, the shards read
// as one session: every run once, in order, the lockout totals added up.
TEST_F(ShardedCiFlow, ExploreShardsMergeIntoTheWholeSession) {
  const std::string session = "explore --seed 5 --runs 6 --no-shrink --out " + (dir_ / "findings").string();
  const auto whole = lockstep::testing::run_lockstep(fmt::format("{} --report-dir {}", session, (dir_ / "whole").string()));
  ASSERT_EQ(whole.status, 0) << whole.output;
  std::string shard_dirs;
  for (int i = 0; i < 2; ++i) {
    const auto dir = dir_ / fmt::format("x{}", i);
    const auto out = lockstep::testing::run_lockstep(
        fmt::format("{} --shard-index {} --shard-count 2 --report-dir {}", session, i, dir.string()));
    ASSERT_EQ(out.status, 0) << out.output;
    EXPECT_THAT(out.output, HasSubstr(fmt::format("(shard {} of 2)", i + 1)));
    // Shard i plays runs i, i+2, i+4 and no other.
    for (int run = 0; run < 6; ++run)
      EXPECT_EQ(out.output.find(fmt::format("PASS run {} ", run)) != std::string::npos, run % 2 == i)
          << "run " << run << " in shard " << i << ":\n" << out.output;
    shard_dirs += " " + dir.string();
  }
  const auto merged = lockstep::testing::run_lockstep(
      fmt::format("report merge{} --report-dir {} --run-id merged", shard_dirs, (dir_ / "merged").string()));
  ASSERT_EQ(merged.status, 0) << merged.output;
  const auto a = nlohmann::json::parse(slurp(dir_ / "merged" / "merged" / "report.json"));
  const auto b = nlohmann::json::parse(slurp(dir_ / "whole" / "latest" / "report.json"));
  ASSERT_EQ(a["scenarios"].size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(a["scenarios"][i]["name"], b["scenarios"][i]["name"]);
    EXPECT_EQ(a["scenarios"][i]["verdict"], b["scenarios"][i]["verdict"]);
  }
  EXPECT_EQ(a["summary"], b["summary"]);
}

}  // namespace
}  // namespace lockstep::harness::report
