// `lockstep conform` end to end, through the real binary: the reference adapter
// passes; a different reading of a knob fails with the right rule and the
// expectations file accepts it; hostile implementations end as ERROR; bad input
// exits 2. Scenario files are written here so the checks do not move with the
// suite in scenarios/ (which has its own test below).
#include <algorithm>
#include <array>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

#include <sys/wait.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lockstep/harness/profile.hpp"
#include "lockstep/harness/scenario_loader.hpp"
#include "test_support.hpp"

namespace lockstep::harness {
namespace {

using nlohmann::json;
using conform_test::TempDir;

struct Outcome {
  int exit = -1;
  std::string output;
  json report;  // reports/latest/report.json, null when absent
};

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string fmt_command(const std::string& args, const std::string& reports) {
  return std::string(LOCKSTEP_BINARY) + " conform --report-dir " + shell_quote(reports) + " " + args + " 2>&1";
}

Outcome conform(const TempDir& dir, const std::string& args) {
  const auto reports = (dir.path() / "reports").string();
  const std::string command = fmt_command(args, reports);
  Outcome out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return out;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe)) out.output += buf.data();
  const int status = ::pclose(pipe);
  out.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream report(dir.path() / "reports" / "latest" / "report.json");
  if (report) out.report = json::parse(report, nullptr, false);
  return out;
}


std::string reference_sut(const std::string& extra = "") {
  return shell_quote(std::string(LOCKSTEP_BINARY) + " sut --quiet" + extra);
}

// A stay, a probe during it, and an outage the hourly retries ride out.
constexpr const char* scenarios_json = R"([
 {"name": "simple-stay", "rules": ["T3"], "start": "2026-06-01T00:00:00Z",
  "properties": [{"id": "P1", "timezone": "Europe/Paris"}],
  "locks": [{"property": "P1", "lock": "LK-1"}],
  "bookings": [{"id": "B1", "property": "P1", "checkin": "2026-06-10T15:00", "checkout": "2026-06-12T11:00",
                "guest_phone": "+33 6 12 34 56 78"}],
  "probes": [{"at": "2026-06-10T14:00:00Z", "booking": "B1", "expect": "open", "rule": "T2"}]},
 {"name": "outage-retries", "rules": ["T4"], "start": "2026-06-01T00:00:00Z",
  "properties": [{"id": "P1", "timezone": "Europe/Paris"}],
  "locks": [{"property": "P1", "lock": "LK-1"}],
  "bookings": [{"id": "B1", "property": "P1", "checkin": "2026-06-10T15:00", "checkout": "2026-06-12T11:00"}],
  "timeline": [
   {"at": "2026-06-04T00:00:00Z", "do": "fault_on", "id": "down", "fault": {"kind": "bridge_offline", "target": "BR-1"}},
   {"at": "2026-06-05T03:30:00Z", "do": "fault_off", "id": "down"}]}
])";

const char* status_of(const json& report, const std::string& name) {
  for (const auto& s : report["scenarios"])
    if (s["name"] == name) return s["verdict"].get_ref<const std::string&>().c_str();
  return "missing";
}

TEST(ConformCli, TheReferenceAdapterPasses) {
  TempDir dir;
  const auto file = dir.file("s.json", scenarios_json);
  auto out = conform(dir, "--sut " + reference_sut() + " --jobs 2 " + file);
  EXPECT_EQ(out.exit, 0) << out.output;
  ASSERT_TRUE(out.report.is_object()) << out.output;
  EXPECT_EQ(out.report["run"]["tool"], "conform");
  EXPECT_STREQ(status_of(out.report, "simple-stay"), "PASS") << out.output;
  EXPECT_STREQ(status_of(out.report, "outage-retries"), "PASS") << out.output;
  EXPECT_EQ(out.output.find("demo-secret"), std::string::npos);
  EXPECT_FALSE(out.report["run"].contains("rules_not_selected")) << out.report["run"].dump();  // nothing left out
}

// A filtered conform run lists the rules only the left-out scenarios exercise as
// "not selected" (as `run` does), not as rules without a scenario.
TEST(ConformCli, AFilteredRunMarksTheOtherScenariosRulesNotSelected) {
  TempDir dir;
  const auto file = dir.file("s.json", scenarios_json);
  auto out = conform(dir, "--sut " + reference_sut() + " --scenario simple-stay " + file);
  EXPECT_EQ(out.exit, 0) << out.output;
  ASSERT_TRUE(out.report.is_object()) << out.output;
  ASSERT_TRUE(out.report["run"].contains("rules_not_selected")) << out.report["run"].dump();
  EXPECT_EQ(out.report["run"]["rules_not_selected"], json::array({"T4"}));
}

TEST(ConformCli, AnotherRetryIntervalFailsOnT4AndCanBeAccepted) {
  TempDir dir;
  const auto file = dir.file("s.json", scenarios_json);
  const auto profile = dir.file("retry30.json", R"({"retry_interval_minutes": 30})");
  const auto sut = reference_sut(" --profile " + profile);
  auto out = conform(dir, "--sut " + sut + " --filter outage-retries " + file);
  EXPECT_EQ(out.exit, 1) << out.output;
  ASSERT_TRUE(out.report.is_object()) << out.output;
  ASSERT_EQ(out.report["scenarios"].size(), 1u);
  const auto& s = out.report["scenarios"][0];
  EXPECT_EQ(s["verdict"], "FAIL");
  bool t4 = false;
  for (const auto& f : s["failures"]) t4 |= f["rule"] == "T4" && f["booking"] == "B1";
  EXPECT_TRUE(t4) << s.dump(1);
  EXPECT_NE(out.output.find("replay: "), std::string::npos);

  // The replay line, pasted into a shell in another directory, plays exactly
  // that scenario again and fails the same way (it ends with the file's path).
  const auto at = out.output.find("replay: ");
  ASSERT_NE(at, std::string::npos);
  const std::string replay = out.output.substr(at + 8, out.output.find('\n', at) - at - 8);
  const std::string pasted = "cd / && " + replay + " --report-dir " + shell_quote((dir.path() / "replayed").string()) +
                             " > " + shell_quote((dir.path() / "replayed.txt").string()) + " 2>&1";
  const int status = std::system(pasted.c_str());
  std::ifstream replayed_out(dir.path() / "replayed.txt");
  const std::string replayed((std::istreambuf_iterator<char>(replayed_out)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << replay << "\n" << replayed;
  EXPECT_NE(replayed.find("1 scenario: 0 passed, 1 failed"), std::string::npos) << replay << "\n" << replayed;

  // The same reading given to the reference: no divergence left.
  auto same = conform(dir, "--sut " + sut + " --profile " + profile + " --filter outage-retries " + file);
  EXPECT_EQ(same.exit, 0) << same.output;

  // Accepted in the expectations file: PASS, listed as known; a stale entry is
  // reported as disappeared.
  const auto expectations = dir.file("known.json", R"({"accepted": [
    {"scenario": "outage-retries", "rule": "T4", "booking": "B1", "reason": "PLAT-1: we retry every 30 min"},
    {"scenario": "outage-retries", "rule": "C4", "booking": "B1", "reason": "PLAT-2: fixed long ago"}]})");
  auto accepted = conform(dir, "--sut " + sut + " --expectations " + expectations + " --filter outage-retries " + file);
  EXPECT_EQ(accepted.exit, 0) << accepted.output;
  ASSERT_TRUE(accepted.report.is_object());
  const auto& a = accepted.report["scenarios"][0];
  EXPECT_EQ(a["verdict"], "PASS") << a.dump(1);
  EXPECT_NE(accepted.output.find("PLAT-1"), std::string::npos) << accepted.output;
  EXPECT_NE(accepted.output.find("disappeared: [C4] B1"), std::string::npos) << accepted.output;
}

TEST(ConformCli, HostileImplementationsEndAsErrorsNotHangs) {
  TempDir dir;
  const auto file = dir.file("s.json", scenarios_json);
  const auto exits = dir.script("exits.sh", "#!/bin/sh\necho 'cannot reach the database' >&2\nexit 3\n");
  auto out = conform(dir, "--sut " + exits + " --timeout 2000 --filter simple-stay " + file);
  EXPECT_EQ(out.exit, 1) << out.output;
  ASSERT_TRUE(out.report.is_object()) << out.output;
  const auto& s = out.report["scenarios"][0];
  EXPECT_EQ(s["verdict"], "ERROR");
  EXPECT_NE(s["error"].get<std::string>().find("exited with status 3"), std::string::npos) << s.dump(1);
  EXPECT_NE(s["stderr_tail"].get<std::string>().find("cannot reach the database"), std::string::npos) << s.dump(1);

  const auto silent = dir.script("silent.sh", "#!/bin/sh\ntrap '' TERM\nwhile :; do sleep 1; done\n");
  auto hung = conform(dir, "--sut " + silent + " --timeout 300 --filter simple-stay " + file);
  EXPECT_EQ(hung.exit, 1) << hung.output;
  ASSERT_TRUE(hung.report.is_object()) << hung.output;
  EXPECT_NE(hung.report["scenarios"][0]["error"].get<std::string>().find("no reply within 300 ms"), std::string::npos)
      << hung.output;
}

TEST(ConformCli, BadInputExitsTwoWithAClearMessage) {
  TempDir dir;
  const auto file = dir.file("s.json", scenarios_json);
  const auto bad_profile = dir.file("bad.json", R"({"retry_interval_minutes": 0})");
  auto p = conform(dir, "--sut " + reference_sut() + " --profile " + bad_profile + " " + file);
  EXPECT_EQ(p.exit, 2) << p.output;
  EXPECT_NE(p.output.find("'retry_interval_minutes' is 0"), std::string::npos) << p.output;

  const auto bad_expectations = dir.file("bad-known.json", R"({"accepted": [{"scenario": "x", "rule": "T4"}]})");
  auto e = conform(dir, "--sut " + reference_sut() + " --expectations " + bad_expectations + " " + file);
  EXPECT_EQ(e.exit, 2) << e.output;
  EXPECT_NE(e.output.find("'reason' is missing"), std::string::npos) << e.output;

  auto missing = conform(dir, "--sut /nonexistent/adapter " + file);
  EXPECT_EQ(missing.exit, 2) << missing.output;
  EXPECT_NE(missing.output.find("/nonexistent/adapter"), std::string::npos) << missing.output;

  auto quoting = conform(dir, "--sut \"python3 'unterminated\" " + file);
  EXPECT_EQ(quoting.exit, 2) << quoting.output;
  EXPECT_NE(quoting.output.find("unterminated single quote"), std::string::npos) << quoting.output;

  auto no_match = conform(dir, "--sut " + reference_sut() + " --filter nothing-like-this " + file);
  EXPECT_EQ(no_match.exit, 2) << no_match.output;
}

// The default suite: `lockstep sut` must pass every scenario in scenarios/.
TEST(ConformCli, TheReferenceAdapterPassesTheDefaultSuite) {
  TempDir dir;
  auto out = conform(dir, "--sut " + reference_sut() + " --jobs 2 --quiet " + std::string(LOCKSTEP_SOURCE_DIR) + "/scenarios");
  EXPECT_EQ(out.exit, 0) << out.output;
  ASSERT_TRUE(out.report.is_object()) << out.output;
  for (const auto& s : out.report["scenarios"])
    EXPECT_TRUE(s["verdict"] == "PASS" || s["verdict"] == "SKIP") << s["name"] << ": " << s.dump(1).substr(0, 3000);
}

// Issue 13: one loop. With the reference behind the protocol, conform gives
// every scenario of the default suite the verdict `lockstep run` gives it. A
// scenario with its own profile knobs (which lockstep-sut/1 cannot carry) is
// SKIP and says why; given those knobs as --profile (and the adapter the same
// file), it too gets run's verdict.
TEST(ConformCli, RunAndConformAgreeOnEveryScenarioOfTheDefaultSuite) {
  TempDir dir;
  const std::string suite = std::string(LOCKSTEP_SOURCE_DIR) + "/scenarios";
  const auto run_reports = (dir.path() / "run-reports").string();
  const std::string run_command = std::string(LOCKSTEP_BINARY) + " run " + shell_quote(suite) + " --quiet --report-dir " +
                                  shell_quote(run_reports) + " > /dev/null 2>&1";
  ASSERT_GE(std::system(run_command.c_str()), 0);
  std::ifstream run_file(std::filesystem::path(run_reports) / "latest" / "report.json");
  ASSERT_TRUE(run_file) << "lockstep run wrote no report";
  const json run_report = json::parse(run_file, nullptr, false);
  ASSERT_TRUE(run_report.is_object());
  auto out = conform(dir, "--sut " + reference_sut() + " --quiet " + shell_quote(suite));
  ASSERT_TRUE(out.report.is_object()) << out.output;
  ASSERT_EQ(out.report["scenarios"].size(), run_report["scenarios"].size());
  int compared = 0;
  std::vector<std::string> knobbed;  // SKIP: the scenario sets its own knobs
  for (const auto& r : run_report["scenarios"]) {
    const std::string name = r["name"];
    const json* c = nullptr;
    for (const auto& s : out.report["scenarios"])
      if (s["name"] == name) c = &s;
    ASSERT_NE(c, nullptr) << name << " is missing from conform's report";
    if ((*c)["verdict"] == "SKIP" && (*c)["skipped"].dump().find("profile knobs") != std::string::npos) {
      knobbed.push_back(name);
      continue;
    }
    EXPECT_EQ((*c)["verdict"], r["verdict"]) << name << ": conform " << c->dump(1).substr(0, 3000);
    ++compared;
  }
  EXPECT_GT(compared, 50);

  ASSERT_FALSE(knobbed.empty()) << "no scenario of the default suite sets its own knobs any more: drop this part";
  const auto loaded = lockstep::harness::load_scenarios({suite});
  ASSERT_TRUE(loaded) << loaded.error().message;
  for (const auto& name : knobbed) {
    const auto s = std::find_if(loaded->begin(), loaded->end(), [&](const auto& x) { return x.name == name; });
    ASSERT_NE(s, loaded->end()) << name;
    ASSERT_TRUE(s->profile.has_value()) << name;
    const auto knobs = dir.file(name + ".profile.json", lockstep::harness::profile_to_json(*s->profile));
    TempDir again;
    auto with_knobs = conform(again, "--sut " + reference_sut(" --profile " + knobs) + " --profile " + shell_quote(knobs) +
                                         " --quiet " + shell_quote(suite) + " --scenario " + shell_quote(name));
    ASSERT_TRUE(with_knobs.report.is_object()) << with_knobs.output;
    ASSERT_EQ(with_knobs.report["scenarios"].size(), 1u) << with_knobs.output;
    std::string run_verdict;
    for (const auto& r : run_report["scenarios"])
      if (r["name"] == name) run_verdict = r["verdict"];
    EXPECT_EQ(with_knobs.report["scenarios"][0]["verdict"], run_verdict) << name << ": " << with_knobs.output;
  }
}

// Issue 13: the conform report shows both sides. For a plain bridge code each
// booking carries the implementation's lane and the reference's, with the
// attempt that made the code as a success, its creation, window and probes.
TEST(ConformCli, TheReportHasBothLanesWithRealOutcomes) {
  TempDir dir;
  const auto file = dir.file("s.json", scenarios_json);
  auto out = conform(dir, "--sut " + reference_sut() + " --filter simple-stay " + file);
  ASSERT_EQ(out.exit, 0) << out.output;
  ASSERT_TRUE(out.report.is_object()) << out.output;
  EXPECT_EQ(out.report["schema_version"], "lockstep-report/2");
  const auto& scenario = out.report["scenarios"][0];
  ASSERT_EQ(scenario["bookings"].size(), 1u) << scenario.dump(1);
  const auto& b = scenario["bookings"][0];
  ASSERT_TRUE(b["reference"].is_object()) << b.dump(1);
  for (const json* lane : {&b, &b["reference"]}) {
    const auto& l = *lane;
    EXPECT_EQ(l["id"], "B1");
    EXPECT_EQ(l["property"], "P1");
    EXPECT_EQ(l["timezone"], "Europe/Paris");
    EXPECT_EQ(l["checkin"], "2026-06-10T13:00:00Z");
    EXPECT_EQ(l["lock"], "LK-1");
    EXPECT_EQ(l["status"], "revoked");  // read after the stay, as both lanes are
    EXPECT_FALSE(l["valid_from"].is_null());
    EXPECT_FALSE(l["created_at"].is_null()) << l.dump(1);
    ASSERT_EQ(l["attempts"].size(), 1u) << l.dump(1);
    EXPECT_EQ(l["attempts"][0]["ok"], true) << l.dump(1);
    EXPECT_EQ(l["attempts"][0]["detail"], "code created");
    ASSERT_EQ(l["probes"].size(), 1u);
    EXPECT_EQ(l["probes"][0]["opened"], true);
    EXPECT_TRUE(l["reference"].is_null() || &l == &b);
  }
  EXPECT_TRUE(b["reference"]["reference"].is_null());
}

// A command run with its stdout on a pipe we read line by line, and its pid.
struct Spawned {
  pid_t pid = -1;
  FILE* out = nullptr;
  std::string read_until(const std::string& needle) {
    std::string all;
    std::array<char, 4096> buf{};
    while (std::fgets(buf.data(), buf.size(), out)) {
      all += buf.data();
      if (all.find(needle) != std::string::npos) break;
    }
    return all;
  }
  int finish(std::string& rest) {
    std::array<char, 4096> buf{};
    while (std::fgets(buf.data(), buf.size(), out)) rest += buf.data();
    std::fclose(out);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
};

Spawned spawn_piped(const std::string& command) {
  int fds[2];
  Spawned s;
  if (::pipe(fds) != 0) return s;
  s.pid = ::fork();
  if (s.pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  s.out = ::fdopen(fds[0], "r");
  return s;
}

// Issue 13: verdict lines stream through a pipe as scenarios finish, and a
// SIGTERM (a CI timeout) stops conform: no new scenario, the implementation's
// process ended, the report of what finished written and marked interrupted
// with what was left, exit 143.
TEST(ConformCli, VerdictsStreamThroughAPipeAndSigtermLeavesAReport) {
  TempDir dir;
  const auto file = dir.file("s.json", scenarios_json);
  // The first implementation started plays properly; the second writes its pid and never answers.
  const auto sut = dir.script("sut.sh", "#!/bin/sh\n"
                                        "if mkdir " + (dir.path() / "first").string() + " 2>/dev/null; then exec " +
                                            std::string(LOCKSTEP_BINARY) + " sut --quiet; fi\n"
                                        "echo $$ > " + (dir.path() / "hung.pid").string() + "\n"
                                        "exec sleep 600\n");
  const auto reports = (dir.path() / "reports").string();
  auto child = spawn_piped(std::string(LOCKSTEP_BINARY) + " conform --jobs 1 --timeout 600000 --report-dir " +
                           shell_quote(reports) + " --sut " + shell_quote(sut) + " " + shell_quote(file));
  ASSERT_GT(child.pid, 0);
  // The first verdict arrives while conform is still running (blocked on the second).
  const auto first = child.read_until("simple-stay");
  EXPECT_NE(first.find("] PASS simple-stay"), std::string::npos) << first;
  for (int i = 0; i < 200 && !std::filesystem::exists(dir.path() / "hung.pid"); ++i) ::usleep(50'000);
  ASSERT_TRUE(std::filesystem::exists(dir.path() / "hung.pid"));
  ::kill(child.pid, SIGTERM);
  std::string rest;
  const int exit = child.finish(rest);
  EXPECT_EQ(exit, 143) << first << rest;
  EXPECT_NE(rest.find("interrupted"), std::string::npos) << rest;
  pid_t hung = 0;
  std::ifstream(dir.path() / "hung.pid") >> hung;
  ASSERT_GT(hung, 0);
  for (int i = 0; i < 100 && !conform_test::process_gone(hung); ++i) ::usleep(50'000);
  EXPECT_TRUE(conform_test::process_gone(hung)) << "the implementation " << hung << " was left running";
  std::ifstream report_file(std::filesystem::path(reports) / "latest" / "report.json");
  ASSERT_TRUE(report_file) << rest;
  const json report = json::parse(report_file, nullptr, false);
  EXPECT_EQ(report["run"]["interrupted"], true);
  EXPECT_EQ(report["run"]["not_run"], json::array({"outage-retries"}));
  ASSERT_EQ(report["scenarios"].size(), 1u);
  EXPECT_EQ(report["scenarios"][0]["name"], "simple-stay");
}

}  // namespace
}  // namespace lockstep::harness
