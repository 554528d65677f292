// `lockstep explore` as a user runs it: the seed and drawn parameters printed
// first, exit 0 on a clean session, exit 1 with a written minimal scenario and a
// replay command that reproduces it, exit 2 on bad input.
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_process.hpp"
#include "lockstep/harness/explore.hpp"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

using lockstep::testing::run_lockstep;
using lockstep::harness::generate_scenario;
using lockstep::harness::run_seed;

class ExploreCli : public lockstep::testing::ScratchDirTest {};

TEST_F(ExploreCli, ACleanSessionPrintsItsSeedAndDrawsAndExitsZero) {
  const auto reports = dir_ / "reports";
  auto r = run_lockstep("explore --seed 3 --runs 20 --check-determinism --out " + (dir_ / "found").string() +
                        " --report-dir " + reports.string());
  EXPECT_EQ(r.status, 0) << r.output;
  // The session's report: one scenario a run, all passed (docs/reports.md).
  std::ifstream json_file(reports / "latest" / "report.json");
  const auto report = nlohmann::json::parse(json_file, nullptr, false);
  ASSERT_TRUE(report.is_object()) << r.output;
  EXPECT_EQ(report["run"]["tool"], "explore");
  EXPECT_EQ(report["run"]["seed"], 3);
  EXPECT_EQ(report["summary"]["total"], 20);
  EXPECT_EQ(report["summary"]["passed"], 20);
  EXPECT_TRUE(fs::exists(reports / "latest" / "junit.xml"));
  EXPECT_THAT(r.output, HasSubstr("explore: seed 3, 20 runs, reference engine"));
  // Each run's seed and swarm parameters, before its verdict.
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(run 0 seed \d+: P1 \S+ on LK-\S+ \(days_before \d+, margin \d+)")))
      << r.output;
  EXPECT_THAT(r.output, HasSubstr("faults: "));
  EXPECT_THAT(r.output, HasSubstr("explore: 20 runs passed"));
  EXPECT_FALSE(fs::exists(dir_ / "found"));  // no scenario written when nothing failed
}

// Each run's verdict streams through a pipe as it ends; SIGINT stops the
// session: no new run, the report of the runs played marked interrupted, exit 130.
TEST_F(ExploreCli, VerdictsStreamAndSigintStopsTheSessionWithAReport) {
  const auto reports = dir_ / "reports";
  const std::string command = std::string(LOCKSTEP_BINARY) + " explore --seed 3 --runs 100000 --no-platform-traffic --out " +
                              (dir_ / "found").string() + " --report-dir " + reports.string();
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  FILE* out = ::fdopen(fds[0], "r");
  std::string seen;
  char line[8192];
  while (std::fgets(line, sizeof line, out)) {
    seen += line;
    if (seen.find("PASS run 1 ") != std::string::npos) break;  // two verdicts while it runs on
  }
  ASSERT_NE(seen.find("PASS run 0 "), std::string::npos) << seen;
  ::kill(pid, SIGINT);
  while (std::fgets(line, sizeof line, out)) seen += line;
  std::fclose(out);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << seen;
  EXPECT_EQ(WEXITSTATUS(status), 130) << seen;
  EXPECT_THAT(seen, HasSubstr("explore: interrupted after"));
  std::ifstream json_file(reports / "latest" / "report.json");
  const auto report = nlohmann::json::parse(json_file, nullptr, false);
  ASSERT_TRUE(report.is_object()) << seen;
  EXPECT_EQ(report["run"]["interrupted"], true);
  const auto played = report["summary"]["total"].get<int>();
  EXPECT_GE(played, 2);
  EXPECT_EQ(report["run"]["not_run"].size(), static_cast<std::size_t>(100000 - played));
}

TEST_F(ExploreCli, AFindingIsWrittenAndItsReplayReproducesIt) {
  const std::string sut = std::string(LOCKSTEP_PYTHON) + " examples/python-sut/sut.py --mutant generation_day_late";
  auto r = run_lockstep("explore --seed 11 --runs 50 --sut '" + sut + "' --out " + dir_.string() +
                        " --report-dir " + (dir_ / "reports").string());
  ASSERT_EQ(r.status, 1) << r.output;
  std::ifstream json_file(dir_ / "reports" / "latest" / "report.json");
  const auto report = nlohmann::json::parse(json_file, nullptr, false);
  ASSERT_TRUE(report.is_object()) << r.output;
  EXPECT_EQ(report["summary"]["failed"], 1);
  const auto& failing = report["scenarios"].back();
  EXPECT_EQ(failing["verdict"], "FAIL");
  ASSERT_FALSE(failing["failures"].empty());
  EXPECT_EQ(failing["failures"][0]["rule"], "T3");
  EXPECT_EQ(failing["failures"][0]["booking"].get<std::string>().substr(0, 1), "B");
  EXPECT_THAT(r.output, HasSubstr("principal rule: T3"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex(R"(replay: (\S+) (explore --replay (\S+) --seed \d+ --sut '[^']+'))")))
      << r.output;
  // The binary as invoked (absolute, not on PATH here), the scenario file absolute.
  EXPECT_EQ(m[1].str(), LOCKSTEP_BINARY);
  const std::string replay_args = m[2];
  const fs::path written = m[3].str();
  EXPECT_TRUE(written.is_absolute()) << written;
  EXPECT_TRUE(fs::exists(written)) << written;
  EXPECT_EQ(written.parent_path(), dir_);
  EXPECT_EQ(failing["replay"].get<std::string>(), m[1].str() + " " + m[2].str());

  auto again = run_lockstep(replay_args);
  EXPECT_EQ(again.status, 1) << again.output;
  EXPECT_THAT(again.output, HasSubstr("FAIL T3: booking"));
  // The same scenario against the unbroken implementation passes.
  const auto unbroken = std::regex_replace(replay_args, std::regex(" --mutant generation_day_late"), "");
  auto fixed = run_lockstep(unbroken);
  EXPECT_EQ(fixed.status, 0) << fixed.output;
  EXPECT_THAT(fixed.output, HasSubstr("passes"));
}

// --write-run N: any run of a session as drawn, to open with `lockstep run`
// (a run that passed with many lockout minutes is read booking by booking).
TEST_F(ExploreCli, AnyRunCanBeWrittenAndPlayedWithRun) {
  auto r = run_lockstep("explore --seed 11 --write-run 7 --out " + (dir_ / "runs").string());
  ASSERT_EQ(r.status, 0) << r.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex(R"(play it: (\S+) (run (\S+) --seed (\d+)))"))) << r.output;
  const fs::path file = m[3].str();
  EXPECT_TRUE(file.is_absolute()) << file;
  ASSERT_TRUE(fs::exists(file)) << file;
  std::ifstream in(file);
  const auto scenario = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(scenario.is_object());
  // The very scenario run 7 plays: generated from that run's seed.
  EXPECT_EQ(scenario, generate_scenario(run_seed(11, 7)));
  EXPECT_EQ(std::stoull(m[4].str()), run_seed(11, 7));
  auto played = run_lockstep(m[2].str() + " --report-dir " + (dir_ / "reports").string());
  EXPECT_EQ(played.status, 0) << played.output;
  EXPECT_THAT(played.output, HasSubstr("1 scenario: 1 passed"));
}

TEST_F(ExploreCli, BadInputIsExitTwoNamingTheProblem) {
  auto missing = run_lockstep("explore --replay " + (dir_ / "nope.json").string());
  EXPECT_EQ(missing.status, 2) << missing.output;
  EXPECT_THAT(missing.output, HasSubstr("cannot read"));

  const auto bad = dir_ / "bad.json";
  { std::ofstream(bad) << R"({"name": "x", "rules": ["T1"], "start": "not a time", "bookings": []})"; }
  auto invalid = run_lockstep("explore --replay " + bad.string());
  EXPECT_EQ(invalid.status, 2) << invalid.output;
  EXPECT_THAT(invalid.output, HasSubstr("start"));

  auto zero_runs = run_lockstep("explore --runs 0");
  EXPECT_NE(zero_runs.status, 0);
  EXPECT_THAT(zero_runs.output, HasSubstr("--runs"));

  auto bad_sut = run_lockstep("explore --runs 1 --sut 'definitely-not-a-program-xyz' --out " + dir_.string());
  EXPECT_EQ(bad_sut.status, 2) << bad_sut.output;
}

}  // namespace
