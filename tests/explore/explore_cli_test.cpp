// `lockstep explore` as a user runs it: the seed and drawn parameters printed
// first, exit 0 on a clean session, exit 1 with a written minimal scenario and a
// replay command that reproduces it, exit 2 on bad input.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct Outcome {
  int status = -1;
  std::string output;  // stdout and stderr
};

Outcome lockstep(const std::string& args) {
  const std::string cmd = std::string("cd ") + LOCKSTEP_SOURCE_DIR + " && " + LOCKSTEP_BINARY + " " + args + " 2>&1";
  Outcome out;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.output.append(buffer, n);
  const int raw = pclose(pipe);
  out.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return out;
}

class ExploreCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lockstep-explore-cli-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ExploreCli, ACleanSessionPrintsItsSeedAndDrawsAndExitsZero) {
  auto r = lockstep("explore --seed 3 --runs 20 --check-determinism --out " + dir_.string());
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("explore: seed 3, 20 runs, reference engine"));
  // Each run's seed and swarm parameters, before its verdict.
  EXPECT_TRUE(std::regex_search(r.output, std::regex(R"(run 0 seed \d+: P1 \S+ on LK-\S+ \(days_before \d+, margin \d+)")))
      << r.output;
  EXPECT_THAT(r.output, HasSubstr("faults: "));
  EXPECT_THAT(r.output, HasSubstr("explore: 20 runs passed"));
  EXPECT_TRUE(fs::is_empty(dir_));  // nothing written when nothing failed
}

TEST_F(ExploreCli, AFindingIsWrittenAndItsReplayReproducesIt) {
  const std::string sut = "python3 examples/python-sut/sut.py --mutant generation_day_late";
  auto r = lockstep("explore --seed 11 --runs 50 --sut '" + sut + "' --out " + dir_.string());
  ASSERT_EQ(r.status, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("principal rule: T3"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex(R"(replay: lockstep (explore --replay (\S+) --seed \d+ --sut '[^']+'))")))
      << r.output;
  const std::string replay_args = m[1];
  const fs::path written = m[2].str();
  EXPECT_TRUE(fs::exists(written)) << written;
  EXPECT_EQ(written.parent_path(), dir_);

  auto again = lockstep(replay_args);
  EXPECT_EQ(again.status, 1) << again.output;
  EXPECT_THAT(again.output, HasSubstr("FAIL T3: booking"));
  // The same scenario against the unbroken implementation passes.
  const auto unbroken = std::regex_replace(replay_args, std::regex(" --mutant generation_day_late"), "");
  auto fixed = lockstep(unbroken);
  EXPECT_EQ(fixed.status, 0) << fixed.output;
  EXPECT_THAT(fixed.output, HasSubstr("passes"));
}

TEST_F(ExploreCli, BadInputIsExitTwoNamingTheProblem) {
  auto missing = lockstep("explore --replay " + (dir_ / "nope.json").string());
  EXPECT_EQ(missing.status, 2) << missing.output;
  EXPECT_THAT(missing.output, HasSubstr("cannot read"));

  const auto bad = dir_ / "bad.json";
  { std::ofstream(bad) << R"({"name": "x", "rules": ["T1"], "start": "not a time", "bookings": []})"; }
  auto invalid = lockstep("explore --replay " + bad.string());
  EXPECT_EQ(invalid.status, 2) << invalid.output;
  EXPECT_THAT(invalid.output, HasSubstr("start"));

  auto zero_runs = lockstep("explore --runs 0");
  EXPECT_NE(zero_runs.status, 0);
  EXPECT_THAT(zero_runs.output, HasSubstr("--runs"));

  auto bad_sut = lockstep("explore --runs 1 --sut 'definitely-not-a-program-xyz' --out " + dir_.string());
  EXPECT_EQ(bad_sut.status, 2) << bad_sut.output;
}

}  // namespace
