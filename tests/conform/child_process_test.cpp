// ChildProcess: the pipes, the deadline, the ring buffer and the reaping that keep
// a misbehaving implementation from hanging the harness.
#include "lockstep/harness/child_process.hpp"

#include <chrono>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace lockstep::harness {
namespace {

using namespace std::chrono_literals;
using conform_test::process_gone;
using conform_test::TempDir;

auto soon(std::chrono::milliseconds d = 5s) { return std::chrono::steady_clock::now() + d; }

TEST(SplitCommandLine, SplitsLikeAShellWithoutRunningOne) {
  auto words = split_command_line(R"(python3 'my adapter.py' --name "a \"b\" c" x\ y $HOME)");
  ASSERT_TRUE(words) << words.error().message;
  EXPECT_EQ(*words, (std::vector<std::string>{"python3", "my adapter.py", "--name", "a \"b\" c", "x y", "$HOME"}));
}

TEST(SplitCommandLine, AdjacentQuotesJoinOneWord) {
  auto words = split_command_line("  a'b'\"c\"d   ''  ");
  ASSERT_TRUE(words);
  EXPECT_EQ(*words, (std::vector<std::string>{"abcd", ""}));
}

TEST(SplitCommandLine, RefusesBrokenQuotingAndEmptyLines) {
  for (const char* bad : {"run 'unterminated", "run \"unterminated", "run trailing\\", "", "   "}) {
    auto words = split_command_line(bad);
    ASSERT_FALSE(words) << bad;
    EXPECT_EQ(words.error().code, ErrorCode::invalid_argument);
    EXPECT_FALSE(words.error().message.empty());
  }
}

TEST(ChildProcess, EchoesLinesAndIsReapedOnStop) {
  auto child = ChildProcess::spawn({"cat"});
  ASSERT_TRUE(child) << child.error().message;
  const pid_t pid = (*child)->pid();
  ASSERT_TRUE((*child)->write_all("one\ntwo\n", soon()));
  EXPECT_EQ((*child)->read_line(soon()).value_or("?"), "one");
  EXPECT_EQ((*child)->read_line(soon()).value_or("?"), "two");
  auto status = (*child)->stop(2s);  // cat exits on EOF by itself
  EXPECT_TRUE(status.exited);
  EXPECT_EQ(status.code, 0);
  EXPECT_TRUE(process_gone(pid));
}

TEST(ChildProcess, UnknownProgramIsAnErrorNotACrash) {
  auto child = ChildProcess::spawn({"/nonexistent/lockstep-adapter"});
  ASSERT_FALSE(child);
  EXPECT_EQ(child.error().code, ErrorCode::io_error);
  EXPECT_NE(child.error().message.find("/nonexistent/lockstep-adapter"), std::string::npos);
}

TEST(ChildProcess, ReadTimesOutInsteadOfBlocking) {
  auto child = ChildProcess::spawn({"sleep", "30"});
  ASSERT_TRUE(child);
  const pid_t pid = (*child)->pid();
  auto line = (*child)->read_line(soon(100ms));
  ASSERT_FALSE(line);
  EXPECT_EQ(line.error().kind, ReadFailure::timeout);
  (*child)->stop(0ms);
  EXPECT_TRUE(process_gone(pid));
}

TEST(ChildProcess, RefusesALineOverTheLimit) {
  ChildOptions options;
  options.max_line_bytes = 1000;
  auto child = ChildProcess::spawn({"sh", "-c", "head -c 5000 /dev/zero | tr '\\0' a; echo"}, options);
  ASSERT_TRUE(child);
  auto line = (*child)->read_line(soon());
  ASSERT_FALSE(line);
  EXPECT_EQ(line.error().kind, ReadFailure::too_long);
}

TEST(ChildProcess, EndOfOutputIsReported) {
  auto child = ChildProcess::spawn({"sh", "-c", "printf partial; exit 4"});
  ASSERT_TRUE(child);
  auto line = (*child)->read_line(soon());
  ASSERT_FALSE(line);
  EXPECT_EQ(line.error().kind, ReadFailure::eof);
  auto exit = (*child)->wait_exit(soon());
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->describe(), "exited with status 4");
}

TEST(ChildProcess, StderrIsDrainedIntoABoundedTail) {
  ChildOptions options;
  options.stderr_tail_bytes = 4096;
  // 2 MB of log, far more than a pipe holds: the child must not block on it.
  auto child = ChildProcess::spawn(
      {"sh", "-c", "head -c 2000000 /dev/zero | tr '\\0' x >&2; echo THE-END >&2; echo done"}, options);
  ASSERT_TRUE(child);
  EXPECT_EQ((*child)->read_line(soon(20s)).value_or("?"), "done");
  (*child)->stop(2s);
  const auto tail = (*child)->stderr_tail();
  EXPECT_NE(tail.find("THE-END"), std::string::npos);
  EXPECT_NE(tail.find("earlier bytes dropped"), std::string::npos);
  EXPECT_LT(tail.size(), 4096u + 100u);
}

TEST(ChildProcess, IgnoringSigtermDoesNotSaveIt) {
  TempDir dir;
  auto child = ChildProcess::spawn({"sh", "-c", "trap '' TERM; while :; do sleep 1; done"});
  ASSERT_TRUE(child);
  const pid_t pid = (*child)->pid();
  auto status = (*child)->stop(100ms);
  EXPECT_TRUE(status.signaled);
  EXPECT_EQ(status.signal, SIGKILL);
  EXPECT_TRUE(process_gone(pid));
}

TEST(ChildProcess, StoppingTakesItsChildrenToo) {
  TempDir dir;
  const auto pid_file = (dir.path() / "grandchild.pid").string();
  auto child = ChildProcess::spawn({"sh", "-c", "sleep 60 & echo $! > '" + pid_file + "'; echo started; wait"});
  ASSERT_TRUE(child);
  ASSERT_EQ((*child)->read_line(soon()).value_or("?"), "started");
  pid_t grandchild = 0;
  std::ifstream(pid_file) >> grandchild;
  ASSERT_GT(grandchild, 0);
  (*child)->stop(100ms);
  // The grandchild is not ours to reap (init adopts it); wait for it to vanish.
  for (int i = 0; i < 200 && !process_gone(grandchild); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(process_gone(grandchild));
}

TEST(ChildProcess, DestructorReapsARunningChild) {
  pid_t pid = 0;
  {
    auto child = ChildProcess::spawn({"sleep", "30"});
    ASSERT_TRUE(child);
    pid = (*child)->pid();
  }
  EXPECT_TRUE(process_gone(pid));
}

}  // namespace
}  // namespace lockstep::harness
