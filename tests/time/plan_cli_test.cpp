// The real `lockstep plan` binary: it streams (answers a line before its input
// ends), keeps going after bad lines, and exits 1 when any line was bad.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

class PlanProcess {
 public:
  PlanProcess() {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      close(in[1]);
      close(out[0]);
      execl(LOCKSTEP_BINARY, LOCKSTEP_BINARY, "plan", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    to_child_ = in[1];
    from_child_ = out[0];
  }
  ~PlanProcess() {
    close_input();
    if (from_child_ >= 0) close(from_child_);
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  void write_line(const std::string& line) {
    const std::string data = line + "\n";
    ASSERT_EQ(write(to_child_, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  }
  void write_raw(const std::string& data) {
    ASSERT_EQ(write(to_child_, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  }
  void close_input() {
    if (to_child_ >= 0) close(to_child_);
    to_child_ = -1;
  }
  // One line of output, or "" after 10 s without one.
  std::string read_line() {
    while (true) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      pollfd p{from_child_, POLLIN, 0};
      if (poll(&p, 1, 10'000) <= 0) return "";
      char chunk[4096];
      const ssize_t n = read(from_child_, chunk, sizeof chunk);
      if (n <= 0) return "";
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  int wait_exit() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string buffer_;
};

const char* kGood =
    R"({"id":"b1","timezone":"Europe/Paris","checkin":"2026-03-29T02:30","checkout":"2026-04-02T11:00"})";

TEST(PlanCli, AnswersEachLineBeforeInputEnds) {
  PlanProcess plan;
  plan.write_line(kGood);
  const auto first = nlohmann::json::parse(plan.read_line());
  EXPECT_EQ(first["id"], "b1");
  EXPECT_EQ(first["valid_from"], "2026-03-29T01:00:00Z");
  plan.write_line(R"({"id":"b2","timezone":"Mars/Olympus","checkin":"2026-05-01T15:00","checkout":"2026-05-03T11:00"})");
  const auto second = nlohmann::json::parse(plan.read_line());
  EXPECT_EQ(second["error"]["code"], "invalid_timezone");
  plan.close_input();
  EXPECT_EQ(plan.wait_exit(), 1) << "a bad line makes the exit status 1";
}

TEST(PlanCli, KeepsOrderAndExitsZeroWhenAllLinesAreGood) {
  PlanProcess plan;
  for (int i = 0; i < 50; ++i) {
    nlohmann::json line = nlohmann::json::parse(kGood);
    line["id"] = i;
    plan.write_line(line.dump());
  }
  plan.write_line("");  // blank lines carry no booking and get no answer
  plan.close_input();
  for (int i = 0; i < 50; ++i) {
    const std::string line = plan.read_line();
    ASSERT_FALSE(line.empty()) << "missing answer " << i;
    EXPECT_EQ(nlohmann::json::parse(line)["id"], i);
  }
  EXPECT_EQ(plan.read_line(), "");
  EXPECT_EQ(plan.wait_exit(), 0);
}

TEST(PlanCli, SurvivesHostileInput) {
  PlanProcess plan;
  plan.write_line(std::string(200'000, '{'));
  plan.write_line("\x01\x02\x03");
  plan.write_line(R"({"id":{"nested":[1,2,{"deep":null}]},"timezone":null})");
  plan.write_line(kGood);
  plan.close_input();
  EXPECT_EQ(nlohmann::json::parse(plan.read_line())["error"]["code"], "invalid_json");
  EXPECT_EQ(nlohmann::json::parse(plan.read_line())["error"]["code"], "invalid_json");
  EXPECT_EQ(nlohmann::json::parse(plan.read_line())["error"]["code"], "invalid_timezone");
  EXPECT_EQ(nlohmann::json::parse(plan.read_line())["id"], "b1");
  EXPECT_EQ(plan.wait_exit(), 1);
}


// plan-cli.md: a blank line gets no answer but is counted, so an error for a
// line without a usable id names the line where it is in the input; CRLF is read
// like LF.
TEST(PlanCli, SkipsBlankLinesAndNamesIdlessLinesByNumber) {
  PlanProcess plan;
  plan.write_line(kGood);           // line 1
  plan.write_line("");              // line 2: no answer
  plan.write_line(" \t\r");         // line 3: no answer
  plan.write_line("not json");      // line 4
  plan.write_line(std::string(kGood) + "\r");  // line 5, CRLF
  plan.write_line(R"({"timezone":"UTC"})");     // line 6, no id
  plan.close_input();
  EXPECT_EQ(nlohmann::json::parse(plan.read_line())["id"], "b1");
  const auto four = nlohmann::json::parse(plan.read_line());
  EXPECT_EQ(four["error"]["code"], "invalid_json");
  EXPECT_EQ(four["error"]["message"].get<std::string>().rfind("line 4: ", 0), 0u) << four.dump();
  const auto five = nlohmann::json::parse(plan.read_line());
  EXPECT_EQ(five["id"], "b1");
  EXPECT_EQ(five["valid_from"], "2026-03-29T01:00:00Z");
  const auto six = nlohmann::json::parse(plan.read_line());
  EXPECT_EQ(six["error"]["code"], "invalid_booking");  // no checkin
  EXPECT_EQ(six["error"]["message"].get<std::string>().rfind("line 6: ", 0), 0u) << six.dump();
  EXPECT_EQ(plan.read_line(), "");
  EXPECT_EQ(plan.wait_exit(), 1);
}

TEST(PlanCli, AnswersALastLineWithoutNewline) {
  PlanProcess plan;
  plan.write_raw(kGood);
  plan.close_input();
  EXPECT_EQ(nlohmann::json::parse(plan.read_line())["id"], "b1");
  EXPECT_EQ(plan.wait_exit(), 0);
}

}  // namespace
