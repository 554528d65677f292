// `lockstep run` as a user runs it: exit codes, the replay line, bad input, and
// byte-identical report.json for identical seeds.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_process.hpp"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

using Outcome = lockstep::testing::CommandOutcome;

Outcome lockstep_run(const std::string& args, const std::string& env = "") {
  return lockstep::testing::run_lockstep("run " + args, "CI=true " + env);
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class RunCli : public lockstep::testing::ScratchDirTest {};

TEST_F(RunCli, FailingScenariosExitOneAndPrintTheirReplay) {
  auto r = lockstep_run("tests/harness/data/wrong-expectations.json --report-dir " + dir_.string());
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("FAIL wrong-door"));
  EXPECT_THAT(r.output, HasSubstr("[C4] "));
  EXPECT_THAT(r.output,
              HasSubstr("replay: build/lockstep run tests/harness/data/wrong-expectations.json --filter wrong-door --seed 1"));
  EXPECT_THAT(r.output, HasSubstr("6 scenarios: 1 passed, 5 failed, 0 errors"));
  EXPECT_THAT(r.output, HasSubstr("HTML report: " + dir_.string()));
  EXPECT_TRUE(fs::exists(dir_ / "latest" / "report.html"));
  EXPECT_TRUE(fs::exists(dir_ / "latest" / "junit.xml"));
  EXPECT_TRUE(fs::exists(dir_ / "latest" / "summary.md"));
}

TEST_F(RunCli, FilterSelectsAndPassingRunExitsZero) {
  auto r = lockstep_run("tests/harness/data/wrong-expectations.json --filter right-one --report-dir " + dir_.string());
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("1 scenarios: 1 passed"));
}

// Each scenario's verdict line comes as it finishes, through a pipe too (the
// helper reads the output through one), before the totals.
TEST_F(RunCli, EveryVerdictIsPrintedAsItsScenarioFinishes) {
  auto r = lockstep_run("tests/harness/data/wrong-expectations.json --jobs 1 --report-dir " + dir_.string());
  const auto pass = r.output.find("[6/6] PASS right-one");
  const auto fail = r.output.find("[1/6] FAIL wrong-issued-at");
  const auto totals = r.output.find("6 scenarios:");
  ASSERT_NE(pass, std::string::npos) << r.output;
  ASSERT_NE(fail, std::string::npos) << r.output;
  EXPECT_LT(std::max(pass, fail), totals) << r.output;
  // --quiet keeps only what did not pass.
  auto q = lockstep_run("tests/harness/data/wrong-expectations.json --quiet --report-dir " + dir_.string());
  EXPECT_EQ(q.output.find("PASS right-one"), std::string::npos) << q.output;
  EXPECT_THAT(q.output, HasSubstr("FAIL wrong-door"));
}

TEST_F(RunCli, BadInputExitsTwoNamingFileAndPath) {
  auto r = lockstep_run("tests/harness/data/bad-input.json --report-dir " + dir_.string());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("tests/harness/data/bad-input.json: timeline[0].colour: unknown field"));
  r = lockstep_run("tests/harness/data/wrong-expectations.json --filter no-such-name --report-dir " + dir_.string());
  EXPECT_EQ(r.status, 2) << r.output;
  r = lockstep_run("no/such/dir --report-dir " + dir_.string());
  EXPECT_EQ(r.status, 2) << r.output;
}

TEST_F(RunCli, IdenticalSeedsGiveByteIdenticalJson) {
  const std::string args = "scenarios/codes --seed 11 --report-dir " + dir_.string();
  auto first = lockstep_run(args + " --jobs 1");
  ASSERT_EQ(first.status, 0) << first.output;
  const auto a = slurp(dir_ / "latest" / "report.json");
  auto second = lockstep_run(args + " --jobs 2");
  ASSERT_EQ(second.status, 0) << second.output;
  const auto b = slurp(dir_ / "latest" / "report.json");
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  auto third = lockstep_run("scenarios/codes --seed 12 --report-dir " + dir_.string());
  ASSERT_EQ(third.status, 0) << third.output;
  EXPECT_NE(a, slurp(dir_ / "latest" / "report.json"));
}

TEST_F(RunCli, ShardsFromFlagsOrGtestEnvironment) {
  const std::string file = "tests/harness/data/wrong-expectations.json --report-dir " + dir_.string();
  auto r = lockstep_run(file + " --shard-index 1 --shard-count 4");
  EXPECT_THAT(r.output, HasSubstr("2 scenarios:")) << r.output;  // the 2nd and 6th of six
  r = lockstep_run(file, "GTEST_TOTAL_SHARDS=4 GTEST_SHARD_INDEX=3");
  EXPECT_THAT(r.output, HasSubstr("1 scenarios:")) << r.output;  // the 4th
  EXPECT_THAT(r.output, HasSubstr("FAIL wrong-reply")) << r.output;
  r = lockstep_run(file + " --shard-index 4 --shard-count 4");
  EXPECT_EQ(r.status, 2) << r.output;
}

}  // namespace
