// cli/common.cpp and the entry point: the helpers every subcommand uses for its
// summary line, its run id and its replay commands, and what `lockstep` alone
// and `--help` say.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_process.hpp"
#include "command.hpp"

namespace lockstep::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using lockstep::testing::run_lockstep;

TEST(CountOf, SingularForOneAndPluralOtherwise) {
  EXPECT_EQ(count_of(1, "scenario"), "1 scenario");
  EXPECT_EQ(count_of(2, "scenario"), "2 scenarios");
  EXPECT_EQ(count_of(0, "error"), "0 errors");
  EXPECT_EQ(count_of(1, "error"), "1 error");
  EXPECT_EQ(count_of(3, "property", "properties"), "3 properties");
  EXPECT_EQ(count_of(1, "property", "properties"), "1 property");
}

TEST(RunIdNow, HasMillisecondsSeedAndPidAndIsUniqueWithinAProcess) {
  const auto first = run_id_now(7, "conform");
  const std::regex format(R"(conform-\d{8}-\d{6}-\d{3}-seed7-p(\d+)(-\d+)?)");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(first, m, format)) << first;
  EXPECT_EQ(m[1].str(), std::to_string(::getpid()));
  std::set<std::string> ids{first};
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(ids.insert(run_id_now(7, "conform")).second);
  EXPECT_TRUE(std::regex_match(run_id_now(1), std::regex(R"(\d{8}-\d{6}-\d{3}-seed1-p\d+-\d+)")));
}

class ReplayBinary : public lockstep::testing::ScratchDirTest {};

TEST_F(ReplayBinary, APathIsMadeAbsoluteAndABareNameStaysWhenPathFindsThisBinary) {
  const fs::path self = fs::read_symlink("/proc/self/exe");
  // Invoked by a path relative to here: absolute, so it works pasted elsewhere.
  const auto cwd = fs::current_path();
  fs::current_path(self.parent_path());
  EXPECT_EQ(replay_binary_name("./" + self.filename().string(), "/usr/bin"), self.string());
  fs::current_path(cwd);
  EXPECT_EQ(replay_binary_name(self.string(), "/usr/bin"), self.string());

  // Found on PATH as this very binary (a link to it): the bare name.
  fs::create_symlink(self, dir_ / "lockstep");
  EXPECT_EQ(replay_binary_name("lockstep", "/nonexistent:" + dir_.string()), "lockstep");
  // A bare name PATH does not resolve to this binary: the absolute path.
  EXPECT_EQ(replay_binary_name("lockstep", "/nonexistent"), self.string());
  std::ofstream(dir_ / "other") << "#!/bin/sh\n";
  fs::permissions(dir_ / "other", fs::perms::owner_all);
  EXPECT_EQ(replay_binary_name("other", dir_.string()), self.string());
}

// `lockstep ARGS` with only what it wrote on stderr, and its exit status.
lockstep::testing::CommandOutcome stderr_of(const std::string& args) {
  const std::string cmd = std::string(LOCKSTEP_BINARY) + " " + args + " 2>&1 1>/dev/null";
  lockstep::testing::CommandOutcome out;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.output.append(buffer, n);
  const int raw = ::pclose(pipe);
  out.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return out;
}

TEST(EntryPoint, NoSubcommandIsUsageOnStderrAndExit2) {
  auto r = stderr_of("");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, HasSubstr("Usage"));
  EXPECT_THAT(r.output, HasSubstr("conform"));
  EXPECT_EQ(stderr_of("--version").status, 0);
}

TEST(EntryPoint, EachSubcommandsHelpListsItsExitCodes) {
  for (const char* sub : {"run", "conform", "explore", "plan", "mock", "sut"}) {
    auto r = run_lockstep(std::string(sub) + " --help");
    EXPECT_EQ(r.status, 0) << sub;
    EXPECT_THAT(r.output, HasSubstr("Exit status:")) << sub;
    EXPECT_THAT(r.output, HasSubstr("  2  bad input")) << sub;
  }
  EXPECT_THAT(run_lockstep("run --help").output, HasSubstr("  1  some scenario failed"));
  EXPECT_THAT(run_lockstep("mock --help").output, HasSubstr("port is in use"));
  EXPECT_THAT(run_lockstep("run --help").output, HasSubstr("--keep"));
}

}  // namespace
}  // namespace lockstep::cli
