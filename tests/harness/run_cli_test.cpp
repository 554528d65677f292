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
  // The binary as invoked (absolute: the tests do not run it from PATH), the
  // file by absolute path, the scenario by exact name.
  EXPECT_THAT(r.output, HasSubstr(std::string("replay: ") + LOCKSTEP_BINARY + " run " + LOCKSTEP_SOURCE_DIR +
                                  "/tests/harness/data/wrong-expectations.json --scenario wrong-door --seed 1"));
  EXPECT_THAT(r.output, HasSubstr("6 scenarios: 1 passed, 5 failed, 0 errors, 0 skipped"));
  EXPECT_THAT(r.output, HasSubstr("HTML report: " + dir_.string()));
  EXPECT_TRUE(fs::exists(dir_ / "latest" / "report.html"));
  EXPECT_TRUE(fs::exists(dir_ / "latest" / "junit.xml"));
  EXPECT_TRUE(fs::exists(dir_ / "latest" / "summary.md"));
}

TEST_F(RunCli, FilterSelectsAndPassingRunExitsZero) {
  auto r = lockstep_run("tests/harness/data/wrong-expectations.json --filter right-one --report-dir " + dir_.string());
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("1 scenario: 1 passed"));
}

// Issue 15: a replay printed by a run, pasted into a shell in another directory,
// plays exactly that scenario (not the others whose names contain it) with the
// same verdict.
TEST_F(RunCli, APastedReplayRunsExactlyItsScenarioFromAnywhere) {
  const auto file = dir_ / "names.json";
  {
    // Both fail the same way; "door" is a prefix of the other's name.
    const char* body = R"({"rules": ["C4"], "start": "2026-06-01T00:00:00Z",
      "properties": [{"id": "P1", "timezone": "Europe/Paris"}], "locks": [{"property": "P1", "lock": "LK-1"}],
      "bookings": [{"id": "B1", "property": "P1", "checkin": "2026-06-10T15:00", "checkout": "2026-06-12T11:00"}],
      "probes": [{"at": "2026-06-11T08:00:00Z", "booking": "B1", "expect": "closed", "rule": "C4"}]})";
    std::ofstream(file) << "[" << R"({"name": "door",)" << (body + 1) << "," << R"({"name": "door-again",)"
                        << (body + 1) << "]";
  }
  auto first = lockstep_run(file.string() + " --jobs 1 --report-dir " + (dir_ / "a").string());
  ASSERT_EQ(first.status, 1) << first.output;
  const auto at = first.output.find("replay: ");
  ASSERT_NE(at, std::string::npos) << first.output;
  const auto line_end = first.output.find('\n', at);
  const std::string replay = first.output.substr(at + 8, line_end - at - 8);
  const auto elsewhere = dir_ / "elsewhere";
  fs::create_directories(elsewhere);
  const std::string cmd = "cd " + elsewhere.string() + " && " + replay + " --report-dir out 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  const int raw = ::pclose(pipe);
  EXPECT_EQ(WEXITSTATUS(raw), 1) << cmd << "\n" << out;
  EXPECT_THAT(out, HasSubstr("1 scenario: 0 passed, 1 failed")) << cmd << "\n" << out;
  EXPECT_TRUE(fs::exists(elsewhere / "out" / "latest" / "report.json")) << out;
  // --jobs 1: the first replay printed is the first scenario's, "door".
  const std::string name = "door";
  EXPECT_THAT(replay, HasSubstr("--scenario door ")) << replay;
  EXPECT_THAT(out, HasSubstr("FAIL " + name + " (")) << out;
}

// Issue 15: --list, --rule, --tag, --fail-fast, -v, and selections that match
// nothing are bad input naming what is missing.
TEST_F(RunCli, SelectionListFailFastAndVerbose) {
  const std::string file = "tests/harness/data/wrong-expectations.json --report-dir " + dir_.string();
  auto list = lockstep_run(file + " --list");
  EXPECT_EQ(list.status, 0) << list.output;
  EXPECT_THAT(list.output, HasSubstr("wrong-door"));
  EXPECT_THAT(list.output, HasSubstr("rules C4"));
  EXPECT_THAT(list.output, HasSubstr("6 scenarios"));
  EXPECT_FALSE(fs::exists(dir_ / "latest")) << "--list runs nothing";

  auto t3 = lockstep_run(file + " --rule T3 --list");
  EXPECT_THAT(t3.output, HasSubstr("2 scenarios")) << t3.output;  // wrong-issued-at, right-one
  auto t3_run = lockstep_run(file + " --rule T3 --scenario right-one");
  EXPECT_EQ(t3_run.status, 0) << t3_run.output;
  EXPECT_THAT(t3_run.output, HasSubstr("1 scenario: 1 passed"));

  auto tagged = lockstep_run("scenarios/ --tag dst --list --report-dir " + dir_.string());
  EXPECT_EQ(tagged.status, 0) << tagged.output;
  EXPECT_THAT(tagged.output, HasSubstr("tags ")) << tagged.output;
  EXPECT_THAT(tagged.output, ::testing::Not(HasSubstr("bridge-code-basic"))) << tagged.output;

  for (const std::string bad : {"--scenario wrong-dor", "--rule Z9", "--tag no-such-tag"}) {
    auto r = lockstep_run(file + " " + bad);
    EXPECT_EQ(r.status, 2) << bad << "\n" << r.output;
    EXPECT_THAT(r.output, ::testing::AnyOf(HasSubstr("no scenario is named 'wrong-dor'"),
                                           HasSubstr("no scenario exercises rule 'Z9'"),
                                           HasSubstr("no scenario has tag 'no-such-tag'")))
        << r.output;
  }
  // One value per flag: a path after --scenario NAME is a path (conform's and
  // run's replays end with the file).
  auto path_after = lockstep_run("--scenario right-one " + file + " --scenario wrong-door --list");
  EXPECT_EQ(path_after.status, 0) << path_after.output;
  EXPECT_THAT(path_after.output, HasSubstr("2 scenarios")) << path_after.output;

  auto fast = lockstep_run(file + " --jobs 1 --fail-fast");
  EXPECT_EQ(fast.status, 1) << fast.output;
  EXPECT_THAT(fast.output, HasSubstr("[1/6] FAIL wrong-issued-at"));
  EXPECT_THAT(fast.output, HasSubstr("--fail-fast: stopped after the first failure; 5 scenarios not run"));
  EXPECT_THAT(fast.output, HasSubstr("1 scenario: 0 passed, 1 failed"));
  const auto report = slurp(dir_ / "latest" / "report.json");
  EXPECT_THAT(report, HasSubstr("\"not_run\"")) << report.substr(0, 400);

  auto verbose = lockstep_run(file + " --scenario wrong-door -v");
  EXPECT_THAT(verbose.output, HasSubstr("audit of B1")) << verbose.output;
  EXPECT_THAT(verbose.output, HasSubstr("code_created")) << verbose.output;
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
  EXPECT_THAT(r.output, HasSubstr("1 scenario:")) << r.output;  // the 4th
  EXPECT_THAT(r.output, HasSubstr("FAIL wrong-reply")) << r.output;
  r = lockstep_run(file + " --shard-index 4 --shard-count 4");
  EXPECT_EQ(r.status, 2) << r.output;
}

}  // namespace
