// Running the real `lockstep` binary from a test, as a user would from a shell:
// its exit status and everything it printed, and a scratch directory of the
// test's own for whatever it writes.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace lockstep::testing {

struct CommandOutcome {
  int status = -1;     // exit status; -1 when it did not exit normally
  std::string output;  // stdout and stderr, interleaved
};

// Runs `lockstep ARGS` from the source tree with `env` (NAME=value ...) before it.
inline CommandOutcome run_lockstep(const std::string& args, const std::string& env = "") {
  const std::string cmd =
      std::string("cd ") + LOCKSTEP_SOURCE_DIR + " && " + env + " " + LOCKSTEP_BINARY + " " + args + " 2>&1";
  CommandOutcome out;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.output.append(buffer, n);
  const int raw = ::pclose(pipe);
  out.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return out;
}

// A fixture whose dir_ is empty at the start of each test and gone after it.
class ScratchDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("lockstep-" + std::string(info->test_suite_name()) + "-" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

}  // namespace lockstep::testing
