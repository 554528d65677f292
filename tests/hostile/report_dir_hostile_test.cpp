// Issue 14, findings 7 and 10: runs sharing one report directory, at once, with
// the same seed, lose nothing; a run killed while it writes leaves nothing the
// next run does not clean up; `--keep` prunes old runs and never `latest`.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli_process.hpp"
#include "lockstep/harness/report.hpp"
#include "lockstep/harness/report_directory.hpp"

namespace lockstep::harness {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using lockstep::testing::run_lockstep;

class HostileReportDir : public lockstep::testing::ScratchDirTest {
 protected:
  std::string small_run() const {
    return "run scenarios/basics.json --filter bridge-code-basic --seed 1 --quiet --report-dir " + (dir_ / "reports").string();
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_ / "reports")) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
};

TEST_F(HostileReportDir, TwentyConcurrentSameSeedRunsLeaveTwentyCompleteReports) {
  std::string script;
  for (int i = 0; i < 20; ++i)
    script += "( " + std::string(LOCKSTEP_BINARY) + " " + small_run() + " >/dev/null 2>&1; echo $? > " +
              (dir_ / ("status." + std::to_string(i))).string() + " ) &\n";
  script += "wait\n";
  std::ofstream(dir_ / "many.sh") << script;
  const std::string all_at_once = "cd " LOCKSTEP_SOURCE_DIR " && sh " + (dir_ / "many.sh").string();
  ASSERT_EQ(std::system(all_at_once.c_str()), 0);

  for (int i = 0; i < 20; ++i) {
    std::ifstream in(dir_ / ("status." + std::to_string(i)));
    int status = -1;
    in >> status;
    EXPECT_EQ(status, 0) << "run " << i;
  }
  std::size_t complete = 0;
  for (const auto& name : entries()) {
    if (name == "latest") continue;
    EXPECT_NE(name.front(), '.') << "stray " << name;
    EXPECT_EQ(name.find(".tmp"), std::string::npos) << "stray " << name;
    // Unique per process whatever the clock says: the pid is in the id.
    EXPECT_TRUE(std::regex_search(name, std::regex(R"(-seed1-p\d+$)"))) << name;
    const auto run = dir_ / "reports" / name;
    std::ifstream json(run / "report.json", std::ios::binary);
    std::string text(fs::file_size(run / "report.json"), '\0');
    json.read(text.data(), static_cast<std::streamsize>(text.size()));
    auto parsed = report::parse_json_report(text);
    ASSERT_TRUE(parsed) << name << ": " << parsed.error().message;
    EXPECT_EQ(parsed->summary.total, 1) << name;  // report.json leaves the run id out (deterministic bytes)
    for (const char* file : {"junit.xml", "summary.md", "report.html"}) EXPECT_TRUE(fs::exists(run / file)) << name;
    ++complete;
  }
  EXPECT_EQ(complete, 20u);
  EXPECT_TRUE(fs::exists(dir_ / "reports" / "latest" / "report.json"));
}

TEST_F(HostileReportDir, AStagingDirectoryLeftByAKilledRunIsRemovedByTheNext) {
  // The pid of a process that is gone: a reaped child.
  const pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::string host_name;
  for (char c : std::string(host)) host_name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  const auto stray = dir_ / "reports" / (".staging-run1-" + host_name + "-" + std::to_string(gone) + "-0");
  fs::create_directories(stray);
  std::ofstream(stray / "report.json") << "{half";
  // One of a writer still alive (this test) stays.
  const auto alive = dir_ / "reports" / (".staging-run2-" + host_name + "-" + std::to_string(::getpid()) + "-0");
  fs::create_directories(alive);

  auto r = run_lockstep(small_run());
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_FALSE(fs::exists(stray));
  EXPECT_TRUE(fs::exists(alive));
}

TEST_F(HostileReportDir, KeepPrunesTheOldestAndNeverLatestOrOtherFiles) {
  fs::create_directories(dir_ / "reports" / "notes");  // not a run: never touched
  for (int i = 0; i < 4; ++i) ASSERT_EQ(run_lockstep(small_run() + " --keep 2").status, 0);
  const auto names = entries();
  EXPECT_EQ(names.size(), 4u) << ::testing::PrintToString(names);  // 2 runs, latest, notes
  const auto latest = fs::read_symlink(dir_ / "reports" / "latest").string();
  EXPECT_NE(std::find(names.begin(), names.end(), latest), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "notes"), names.end());
}

TEST_F(HostileReportDir, PruningKeepsTheRunLatestPointsAtEvenWhenItIsOld) {
  const auto base = dir_ / "reports";
  for (const char* id : {"a", "b", "c"}) {
    fs::create_directories(base / id);
    std::ofstream(base / id / "report.json") << "{}";
  }
  const auto now = fs::file_time_type::clock::now();
  fs::last_write_time(base / "a" / "report.json", now - std::chrono::hours(3));
  fs::last_write_time(base / "b" / "report.json", now - std::chrono::hours(2));
  fs::last_write_time(base / "c" / "report.json", now - std::chrono::hours(1));
  fs::create_directory_symlink("a", base / "latest");
  auto pruned = report::prune_report_dir(base, 1);
  ASSERT_TRUE(pruned) << pruned.error().message;
  EXPECT_EQ(pruned->removed, (std::vector<std::string>{"b"}));
  EXPECT_EQ(entries(), (std::vector<std::string>{"a", "c", "latest"}));
}

}  // namespace
}  // namespace lockstep::harness
