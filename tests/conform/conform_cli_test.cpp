// `lockstep conform` end to end, through the real binary: the reference adapter
// passes; a different reading of a knob fails with the right rule and the
// expectations file accepts it; hostile implementations end as ERROR; bad input
// exits 2. Scenario files are written here so the checks do not move with the
// suite in scenarios/ (which has its own test below).
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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

}  // namespace
}  // namespace lockstep::harness
