// Issue 14, finding 6: an implementation under test whose descendant leaves the
// process group (setsid) and keeps writing must not hold the harness, and must
// not outlive the run.
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "cli_process.hpp"
#include "lockstep/harness/child_process.hpp"
#include "test_support.hpp"

namespace lockstep::harness {
namespace {

using namespace std::chrono_literals;
using conform_test::TempDir;

// Dead: gone, or a zombie nobody has reaped yet (init in a container may not).
bool dead(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::string pid_field, comm, state;
  stat >> pid_field >> comm >> state;
  return state == "Z" || state == "X";
}

// Waits (without asserting on time) until `path` holds a pid.
pid_t wait_for_pid_file(const std::string& path) {
  for (int i = 0; i < 500; ++i) {
    std::ifstream in(path);
    pid_t pid = 0;
    if (in >> pid && pid > 0) return pid;
    std::this_thread::sleep_for(10ms);
  }
  return 0;
}

// A script whose grandchild calls setsid, ignores SIGPIPE (so closing the pipe
// does not end it either) and writes to stderr (and stdout) without pause.
std::string escaping_writer(const TempDir& dir, const std::string& pid_file) {
  return dir.script("escape.sh", "#!/bin/sh\n"
                                 "setsid sh -c 'trap \"\" PIPE; echo $$ > " + pid_file +
                                     "; while :; do echo noise >&2; echo noise; done' &\n"
                                 "exec sleep 30\n");
}

TEST(HostileChild, SetsidDescendantWritingStderrCannotHoldStopAndIsEnded) {
  TempDir dir;
  const std::string pid_file = (dir.path() / "grandchild.pid").string();
  auto child = ChildProcess::spawn({escaping_writer(dir, pid_file)});
  ASSERT_TRUE(child) << child.error().message;
  const pid_t grandchild = wait_for_pid_file(pid_file);
  ASSERT_GT(grandchild, 0);

  const auto status = (*child)->stop(0ms);  // before the fix: never returned
  EXPECT_TRUE(status.signaled);
  EXPECT_NE((*child)->stderr_tail().find("noise"), std::string::npos);
  bool ended = false;
  for (int i = 0; i < 500 && !ended; ++i, std::this_thread::sleep_for(10ms)) ended = dead(grandchild);
  EXPECT_TRUE(ended) << "the setsid grandchild " << grandchild << " outlived the run";
  if (!ended) ::kill(grandchild, SIGKILL);
}

TEST(HostileChild, ReadLineAgainstAFloodEndsAtItsDeadlineOrLimit) {
  TempDir dir;
  const std::string pid_file = (dir.path() / "grandchild.pid").string();
  auto child = ChildProcess::spawn({escaping_writer(dir, pid_file)});
  ASSERT_TRUE(child) << child.error().message;
  ASSERT_GT(wait_for_pid_file(pid_file), 0);
  // The flood is lines of noise: each read returns one, never blocks past the deadline.
  auto line = (*child)->read_line(std::chrono::steady_clock::now() + 2s);
  ASSERT_TRUE(line);
  EXPECT_EQ(*line, "noise");
  (*child)->stop(0ms);
}

// The same through `lockstep conform`: the run ends with a report, exit 1.
class HostileConform : public lockstep::testing::ScratchDirTest {};

TEST_F(HostileConform, ASetsidStderrWriterCannotHoldTheRun) {
  TempDir scripts;
  const std::string pid_file = (scripts.path() / "grandchild.pid").string();
  const std::string sut = scripts.script("sut.sh", "#!/bin/sh\n"
                                                   "setsid sh -c 'trap \"\" PIPE; echo $$ > " + pid_file +
                                                       "; while :; do echo noise >&2; done' &\n"
                                                       "exec sleep 30\n");
  auto r = lockstep::testing::run_lockstep("conform --sut '" + sut +
                                           "' --timeout 500 --filter bridge-code-basic --report-dir " +
                                           dir_.string() + " scenarios/basics.json");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "latest" / "report.json")) << r.output;
  if (const pid_t grandchild = wait_for_pid_file(pid_file); grandchild > 0) {
    bool ended = false;
    for (int i = 0; i < 500 && !ended; ++i, std::this_thread::sleep_for(10ms)) ended = dead(grandchild);
    EXPECT_TRUE(ended) << "the setsid grandchild outlived the run";
    if (!ended) ::kill(grandchild, SIGKILL);
  }
}

}  // namespace
}  // namespace lockstep::harness
