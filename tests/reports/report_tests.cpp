// The four report forms on hand-built models (sample_model.hpp): what each must
// contain, that they are well formed and deterministic, and that no secret
// reaches any of them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "lockstep/harness/report.hpp"
#include "../../harness/src/report_internal.hpp"
#include "sample_model.hpp"
#include "xml_check.hpp"

namespace fs = std::filesystem;
using namespace lockstep;
using namespace lockstep::harness::report;
using lockstep::harness::report::testing::at;
using lockstep::harness::report::testing::kPlantedSecret;
using lockstep::harness::report::testing::kPlantedToken;
using lockstep::harness::report::testing::sample_results;
using lockstep::harness::report::testing::sample_run;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t count(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string_view::npos; p = text.find(what, p + what.size())) ++n;
  return n;
}

// A fresh directory under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            fmt::format("lockstep-report-tests-{}-{}-{}", info->test_suite_name(), info->name(), std::rand());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace

// --- rule ids -----------------------------------------------------------------

TEST(RuleIds, MatchBehaviourMdInOrder) {
  const auto text = read_file(fs::path(LOCKSTEP_SHARED_DIR) / "contracts" / "behaviour.md");
  ASSERT_FALSE(text.empty()) << "behaviour.md not found under " << LOCKSTEP_SHARED_DIR;
  // Rules are written as "- **T1 Local times.**" or "- **S1** `days_before`".
  std::vector<std::string> in_doc;
  const std::regex rule(R"(\n- \*\*([A-Z][0-9]+)[ *])");
  for (std::sregex_iterator it(text.begin(), text.end(), rule), end; it != end; ++it) in_doc.push_back((*it)[1]);
  std::vector<std::string> ours(behaviour_rule_ids().begin(), behaviour_rule_ids().end());
  EXPECT_EQ(ours, in_doc);
}

// --- JSON -----------------------------------------------------------------------

TEST(JsonReport, HasSchemaVersionSeedOptionsTzAndTimelines) {
  const auto json = nlohmann::json::parse(render_json(sample_run(), sample_results()));
  EXPECT_EQ(json["schema_version"], "lockstep-report/2");
  EXPECT_EQ(json["run"]["seed"], 42);
  EXPECT_EQ(json["run"]["options"]["jobs"], "2");
  EXPECT_EQ(json["run"]["tz_database_version"], "2025b");
  EXPECT_EQ(json["summary"]["total"], 4);
  EXPECT_EQ(json["summary"]["failed"], 1);
  const auto& failed = json["scenarios"][1];
  EXPECT_EQ(failed["verdict"], "FAIL");
  EXPECT_EQ(failed["bookings"][0]["id"], "b-17");
  EXPECT_EQ(failed["bookings"][0]["attempts"].size(), 6u);
  EXPECT_EQ(failed["bookings"][0]["audit"][0]["rule"], "T4");
  EXPECT_EQ(failed["failures"][0]["rule"], "T4");
  EXPECT_EQ(failed["outages"][0]["until"], "2026-06-09T00:00:00Z");
  EXPECT_TRUE(failed["bookings"][0]["code"].is_null());
}

TEST(JsonReport, LeavesWallClockOutUnlessAsked) {
  auto results = sample_results();
  results[0].duration_ms = 1234;
  const auto plain = render_json(sample_run(), results);
  EXPECT_THAT(plain, Not(HasSubstr("started_at")));
  EXPECT_THAT(plain, Not(HasSubstr("duration_ms")));
  EXPECT_THAT(plain, Not(HasSubstr(sample_run().run_id)));
  const auto timed = render_json(sample_run(), results, {.include_wall_clock = true});
  EXPECT_THAT(timed, HasSubstr(R"("started_at": "2026-11-25T19:30:00Z")"));
  EXPECT_THAT(timed, HasSubstr(R"("duration_ms": 1234)"));
}

TEST(JsonReport, IdenticalInputGivesIdenticalBytes) {
  auto other_run = sample_run();
  other_run.started_at = at("2030-01-01T00:00:00Z");  // wall clock differs
  other_run.run_id = "another-id";
  auto other_results = sample_results();
  for (auto& r : other_results) r.duration_ms = 99;
  EXPECT_EQ(render_json(sample_run(), sample_results()), render_json(other_run, other_results));
}

TEST(JsonReport, RoundTrips) {
  for (bool wall_clock : {false, true}) {
    ReportOptions options{.include_wall_clock = wall_clock};
    const auto first = render_json(sample_run(), sample_results(), options);
    const auto doc = parse_json_report(first);
    ASSERT_TRUE(doc) << doc.error().message;
    EXPECT_EQ(doc->run.seed, 42u);
    EXPECT_EQ(doc->scenarios.size(), 4u);
    EXPECT_EQ(doc->scenarios[1].failures[0].booking, "b-17");
    EXPECT_EQ(doc->scenarios[0].probes[1].expected_open, false);
    EXPECT_EQ(doc->scenarios[3].known_divergences[1].disappeared, true);
    EXPECT_EQ(render_json(doc->run, doc->scenarios, options), first);
  }
}

TEST(JsonReport, ParseRefusesOtherDocumentsNamingThePath) {
  EXPECT_EQ(parse_json_report("not json").error().code, ErrorCode::invalid_json);
  const auto wrong_version = parse_json_report(R"({"schema_version": "lockstep-report/9"})");
  ASSERT_FALSE(wrong_version);
  EXPECT_THAT(wrong_version.error().message, HasSubstr("schema_version"));
  auto json = nlohmann::json::parse(render_json(sample_run(), sample_results()));
  json["scenarios"][1]["bookings"][0]["attempts"][2]["ok"] = "yes";
  const auto bad = parse_json_report(json.dump());
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, HasSubstr("$.scenarios[1].bookings[0].attempts[2].ok"));
}

// A small JSON Schema checker (type, const, enum, required, properties,
// additionalProperties: false, items, $ref to #/$defs, anyOf) to keep
// docs/report.schema.json and the writer in step.
namespace {
void check_schema(const nlohmann::json& schema, const nlohmann::json& root, const nlohmann::json& value,
                  const std::string& path, std::vector<std::string>& problems) {
  if (schema.contains("$ref")) {
    const std::string ref = schema["$ref"];
    const std::string prefix = "#/$defs/";
    ASSERT_TRUE(ref.starts_with(prefix)) << ref;
    check_schema(root["$defs"][ref.substr(prefix.size())], root, value, path, problems);
    return;
  }
  if (schema.contains("anyOf")) {
    for (const auto& option : schema["anyOf"]) {
      std::vector<std::string> sub;
      check_schema(option, root, value, path, sub);
      if (sub.empty()) return;
    }
    problems.push_back(path + ": matches no anyOf branch");
    return;
  }
  if (schema.contains("type")) {
    std::vector<std::string> types;
    if (schema["type"].is_array())
      for (const auto& t : schema["type"]) types.push_back(t);
    else
      types.push_back(schema["type"]);
    const auto is = [&](const std::string& t) {
      if (t == "object") return value.is_object();
      if (t == "array") return value.is_array();
      if (t == "string") return value.is_string();
      if (t == "integer") return value.is_number_integer();
      if (t == "number") return value.is_number();
      if (t == "boolean") return value.is_boolean();
      if (t == "null") return value.is_null();
      return false;
    };
    if (std::none_of(types.begin(), types.end(), is)) {
      problems.push_back(path + ": wrong type");
      return;
    }
  }
  if (schema.contains("const") && schema["const"] != value) problems.push_back(path + ": not the const");
  if (schema.contains("enum") &&
      std::find(schema["enum"].begin(), schema["enum"].end(), value) == schema["enum"].end())
    problems.push_back(path + ": not in enum");
  if (value.is_object()) {
    if (schema.contains("required"))
      for (const auto& key : schema["required"])
        if (!value.contains(key)) problems.push_back(path + "." + key.get<std::string>() + ": required");
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (schema.contains("properties") && schema["properties"].contains(it.key())) {
        check_schema(schema["properties"][it.key()], root, it.value(), path + "." + it.key(), problems);
      } else if (schema.contains("additionalProperties")) {
        if (schema["additionalProperties"].is_boolean() && !schema["additionalProperties"].get<bool>())
          problems.push_back(path + "." + it.key() + ": not in the schema");
        else if (schema["additionalProperties"].is_object())
          check_schema(schema["additionalProperties"], root, it.value(), path + "." + it.key(), problems);
      }
    }
  }
  if (value.is_array() && schema.contains("items"))
    for (std::size_t i = 0; i < value.size(); ++i)
      check_schema(schema["items"], root, value[i], fmt::format("{}[{}]", path, i), problems);
}
}  // namespace

TEST(JsonReport, MatchesTheDocumentedSchema) {
  const auto schema_text = read_file(fs::path(LOCKSTEP_SOURCE_DIR) / "docs" / "report.schema.json");
  ASSERT_FALSE(schema_text.empty());
  const auto schema = nlohmann::json::parse(schema_text);
  for (bool wall_clock : {false, true}) {
    const auto report = nlohmann::json::parse(
        render_json(sample_run(), sample_results(), {.include_wall_clock = wall_clock}));
    std::vector<std::string> problems;
    check_schema(schema, schema, report, "$", problems);
    EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
  }
  // The checker itself can fail.
  auto broken = nlohmann::json::parse(render_json(sample_run(), sample_results()));
  broken["scenarios"][0]["verdict"] = "MAYBE";
  broken["scenarios"][0]["surprise"] = 1;
  std::vector<std::string> problems;
  check_schema(schema, schema, broken, "$", problems);
  EXPECT_EQ(problems.size(), 2u) << ::testing::PrintToString(problems);
}

// --- JUnit ----------------------------------------------------------------------

TEST(JunitReport, IsWellFormedWithATestcasePerScenario) {
  const auto xml = render_junit(sample_run(), sample_results());
  auto root = lockstep::testing::parse_xml(xml);
  ASSERT_TRUE(root) << root.error().message << "\n" << xml;
  EXPECT_EQ((*root)->name, "testsuites");
  const auto suites = (*root)->all("testsuite");
  ASSERT_EQ(suites.size(), 1u);
  const auto& suite = *suites[0];
  EXPECT_EQ(suite.attributes.at("tests"), "4");
  EXPECT_EQ(suite.attributes.at("failures"), "1");
  EXPECT_EQ(suite.attributes.at("errors"), "1");
  EXPECT_EQ(suite.attributes.at("skipped"), "1");
  const auto cases = suite.all("testcase");
  ASSERT_EQ(cases.size(), 4u);
  EXPECT_EQ(cases[1]->attributes.at("classname"), "scenarios/outages/through-deadline.json");
  EXPECT_EQ(cases[0]->first("failure"), nullptr);

  const auto* failure = cases[1]->first("failure");
  ASSERT_NE(failure, nullptr);
  const auto& message = failure->attributes.at("message");
  EXPECT_THAT(message, HasSubstr("T4"));
  EXPECT_THAT(message, HasSubstr("b-17"));
  EXPECT_THAT(message, HasSubstr("expected 26 attempts, hourly until 2026-06-08T22:00:00Z"));
  EXPECT_THAT(message, HasSubstr("observed 6 attempts"));
  EXPECT_THAT(message, HasSubstr("and 1 more"));
  EXPECT_THAT(failure->text, HasSubstr("retrying <script>alert(1)</script> | pipe"));  // escaped, read back intact
  EXPECT_THAT(failure->text, HasSubstr("replay: lockstep run --seed 42 --filter outage-through-deadline"));

  const auto* error = cases[2]->first("error");
  ASSERT_NE(error, nullptr);
  EXPECT_THAT(error->attributes.at("message"), HasSubstr("status 134"));
  EXPECT_THAT(error->text, HasSubstr("panic: bad state"));
  EXPECT_NE(cases[3]->first("skipped"), nullptr);
  EXPECT_THAT(cases[3]->first("system-out")->text, HasSubstr("disappeared known divergence: C2"));
}

TEST(JunitReport, PassesXmllint) {
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) GTEST_SKIP() << "xmllint not installed";
  TempDir dir;
  const auto file = dir.path() / "junit.xml";
  std::ofstream(file) << render_junit(sample_run(), sample_results());
  EXPECT_EQ(std::system(fmt::format("xmllint --noout '{}'", file.string()).c_str()), 0);
}

TEST(JunitReport, CheckerRejectsBrokenXml) {
  for (std::string_view bad : {"<a><b></a>", "<a x=1/>", "<a>&nope;</a>", "<a>1 < 2</a>", "<a>", "<a/><b/>"})
    EXPECT_FALSE(lockstep::testing::parse_xml(bad)) << bad;
}

// --- Markdown ---------------------------------------------------------------------

TEST(MarkdownReport, ListsFailuresReplayAndUncoveredRules) {
  const auto md = render_markdown(sample_run(), sample_results());
  EXPECT_THAT(md, HasSubstr("| 4 | 1 | 1 | 1 | 1 |"));
  EXPECT_THAT(md, HasSubstr("| outage-through-deadline | T4 | b-17 | attempts | 26 attempts"));
  // A | inside a cell is escaped, so the row keeps its six cells.
  EXPECT_THAT(md, HasSubstr(R"(retrying &lt;script&gt;alert(1)&lt;/script&gt; \| pipe |)"));
  EXPECT_THAT(md, HasSubstr("`lockstep run --seed 42 --filter outage-through-deadline scenarios/`"));
  EXPECT_THAT(md, HasSubstr("| T1 | 1 | 1 | 0 | 0 | 0 |"));
  EXPECT_THAT(md, HasSubstr("| **S1** | **0 — no scenario**"));
  // Rules the sample exercises: T1 T2 T3 T4 C4 C6 L1 M1 (and the failures' T4, C6).
  const std::string uncovered_line = md.substr(md.find("**Rules without a scenario:**"));
  for (std::string_view rule : {"T5", "S1", "S2", "S3", "S4", "L2", "L3", "L4", "C1", "C2", "C3", "C5", "B1", "B2", "B3"})
    EXPECT_THAT(uncovered_line.substr(0, uncovered_line.find('\n')), HasSubstr(std::string(" ") + std::string(rule)))
        << rule;
  for (std::string_view rule : {"T1 ", "T4 ", "L1 ", "M1"})
    EXPECT_THAT(uncovered_line.substr(0, uncovered_line.find('\n')), Not(HasSubstr(rule)));
  EXPECT_THAT(md, HasSubstr("stderr of sut-crash"));
  EXPECT_THAT(md, HasSubstr("**disappeared**"));
}

TEST(MarkdownReport, SaysSoWhenEveryRuleIsCovered) {
  auto results = sample_results();
  for (auto id : behaviour_rule_ids()) results[0].rules.emplace_back(id);
  results[0].rules.emplace_back("Z9");
  const auto md = render_markdown(sample_run(), results);
  EXPECT_THAT(md, HasSubstr("Every rule of behaviour.md has at least one scenario."));
  EXPECT_THAT(md, HasSubstr("| Z9 (not in behaviour.md) |"));
  EXPECT_THAT(md, HasSubstr("**Rule ids cited but not in behaviour.md:** Z9"));
}

// --- HTML ----------------------------------------------------------------------------

TEST(HtmlReport, IsSelfContainedWithATimelinePerScenario) {
  const auto html = render_html(sample_run(), sample_results());
  EXPECT_THAT(html, Not(HasSubstr("http://")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, Not(HasSubstr("<link")));
  EXPECT_THAT(html, Not(HasSubstr("@import")));
  EXPECT_THAT(html, Not(HasSubstr("url(")));
  EXPECT_THAT(html, Not(HasSubstr("<script")));  // the sample's <script> text is escaped
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)"));
  // The two scenarios with bookings get a timeline each.
  EXPECT_EQ(count(html, "<svg class=\"timeline\""), 2u);
  EXPECT_EQ(count(html, "<section class=\"scenario"), 4u);
  // Stays, windows, attempts (6 failed + 2 ok), outages, probes, the wrong door outcome.
  EXPECT_EQ(count(html, "class=\"stay\""), 3u + 1u);  // + the legend
  EXPECT_EQ(count(html, "class=\"window\""), 3u + 1u);  // + the legend
  EXPECT_EQ(count(html, "class=\"att ko\""), 6u + 1u);
  EXPECT_EQ(count(html, "class=\"att ok\""), 2u + 1u);
  EXPECT_EQ(count(html, "class=\"outage\""), 2u + 1u);
  EXPECT_EQ(count(html, "class=\"probe wrong\""), 1u + 1u);
  EXPECT_THAT(html, HasSubstr("WRONG OUTCOME"));
  EXPECT_THAT(html, HasSubstr(R"(<th class="uncovered">S1</th>)"));
  EXPECT_THAT(html, HasSubstr(R"(<th class="">T1</th>)"));
  EXPECT_THAT(html, HasSubstr("Rules without a scenario:</b> T5, S1, S2, S3, S4, L2, L3, L4, C1, C2, C3, C5, B0, B1, B2, B3<"));
}

TEST(HtmlReport, CapsLanesOnLargeScenarios) {
  auto run = sample_run();
  ScenarioResult big;
  big.name = "year-of-200-properties";
  big.verdict = Verdict::fail;
  for (int i = 0; i < 3000; ++i) {
    auto b = lockstep::harness::report::testing::sample_booking(
        fmt::format("bk-{}", i), fmt::format("lock-{}", i % 200),
        format_instant(at("2026-01-01T15:00:00Z") + std::chrono::hours(24 * (i % 360))).c_str(),
        format_instant(at("2026-01-04T10:00:00Z") + std::chrono::hours(24 * (i % 360))).c_str());
    for (int a = 0; a < 3; ++a) b.attempts.push_back({*b.generate_at + std::chrono::hours(a), a == 2, ""});
    b.bridge = fmt::format("BR-{}", i % 200);
    big.probes.push_back({*b.checkin, b.lock, b.id, true, true, ""});
    big.bookings.push_back(std::move(b));
  }
  big.failures.push_back({"T4", "bk-2999", "attempts", "3", "2", "", at("2026-12-26T15:00:00Z")});
  // One outage per bridge: only the bridges of drawn lanes are drawn.
  for (int i = 0; i < 200; ++i)
    big.outages.push_back({"bridge_offline", fmt::format("BR-{}", i), at("2026-05-01T00:00:00Z"),
                           at("2026-05-02T00:00:00Z")});
  big.outages.push_back({"http_503", "*", at("2026-07-01T00:00:00Z"), at("2026-07-01T06:00:00Z")});
  const std::vector<ScenarioResult> results{big};
  const auto html = render_html(run, results, {.max_lanes = 40});
  EXPECT_EQ(count(html, "<g class=\"lane"), 40u);
  EXPECT_THAT(html, HasSubstr("+ 2960 more bookings not drawn"));
  EXPECT_THAT(html, HasSubstr("bk-2999"));  // the failing booking is drawn, though last
  // Lanes bk-0..bk-38 and bk-2999 (bridge BR-199): 40 bridge bands, one whole-service band.
  EXPECT_EQ(count(html, "class=\"outage\""), 40u + 1u + 1u);  // + the legend
  EXPECT_EQ(count(html, "class=\"probe open\""), 40u + 1u);
  EXPECT_LT(html.size(), 400'000u);
}

// --- secrets --------------------------------------------------------------------------

TEST(Secrets, ScrubRemovesCredentialShapes) {
  EXPECT_EQ(scrub_secrets("Authorization: Bearer abc.def.ghi"), "Authorization: [redacted]");
  EXPECT_EQ(scrub_secrets("sent bearer abc123 to api"), "sent bearer [redacted] to api");
  EXPECT_EQ(scrub_secrets(R"({"access_token": "abc", "expires_in": 3600})"),
            R"({"access_token": "[redacted]", "expires_in": 3600})");
  EXPECT_EQ(scrub_secrets("grant_type=client_credentials&client_secret=hunter2&x=1"),
            "grant_type=client_credentials&client_secret=[redacted]&x=1");
  EXPECT_EQ(scrub_secrets("lockstep conform --client-secret hunter2 --seed 1"),
            "lockstep conform --client-secret [redacted] --seed 1");
  EXPECT_EQ(scrub_secrets("password='pa ss'"), "password='[redacted]'");
  EXPECT_EQ(scrub_secrets(R"({"token":"abc"})"), R"({"token":"[redacted]"})");
  EXPECT_EQ(scrub_secrets("GET /cb?token=abc&x=1"), "GET /cb?token=[redacted]&x=1");
  EXPECT_EQ(scrub_secrets("refresh_token: abc"), "refresh_token: [redacted]");
  EXPECT_EQ(scrub_secrets("x-api-key: abc"), "x-api-key: [redacted]");
  EXPECT_EQ(scrub_secrets("the value 1234 is mine", std::vector<std::string>{"1234"}), "the value [redacted] is mine");
}

TEST(Secrets, ScrubLeavesOrdinaryTextAlone) {
  for (std::string_view text : {"the token expired during retries", "outage token_expired from 10:00",
                                "T4 · booking b1 · attempts: expected 5, observed 3", "secretary of state",
                                R"({"kind": "token_expired"})", "even after a new token: needs_reconnect, then",
                                "secret: keep it simple"})
    EXPECT_EQ(scrub_secrets(text), text);
}

TEST(Secrets, NeverReachAnyReport) {
  auto run = sample_run();
  run.options["client_secret"] = kPlantedSecret;
  run.options["token"] = kPlantedToken;
  auto results = sample_results();
  const std::string by_value = "plain-text-sesame-0000";
  results[0].description = "someone pasted " + by_value + " here";
  const ReportOptions options{.include_wall_clock = true, .secrets = {by_value, "a&b<c>secret"}};
  results[1].failures[0].message = "escaped form a&b<c>secret too";
  TempDir dir;
  const auto written = write_report_dir(dir.path(), run, results, options);
  ASSERT_TRUE(written) << written.error().message;
  for (const auto* name : {"report.json", "junit.xml", "summary.md", "report.html"}) {
    const auto text = read_file(*written / name);
    ASSERT_FALSE(text.empty()) << name;
    EXPECT_THAT(text, Not(HasSubstr(kPlantedSecret))) << name;
    EXPECT_THAT(text, Not(HasSubstr(kPlantedToken))) << name;
    EXPECT_THAT(text, Not(HasSubstr(by_value))) << name;
    EXPECT_THAT(text, Not(HasSubstr("secret too"))) << name;  // the escaped value went too
    EXPECT_THAT(text, Not(HasSubstr("a&amp;b&lt;c&gt;secret"))) << name;
    EXPECT_THAT(text, HasSubstr("[redacted]")) << name;
    EXPECT_THAT(text, HasSubstr("client_secret")) << name;  // the option's name stays
  }
}

// --- the report directory ----------------------------------------------------------------

// The directory scrubs its input once for its four files; each file must still
// be what that form's own render function, scrubbing for itself, writes.
TEST(ReportDir, HoldsExactlyWhatEachFormsRenderFunctionWrites) {
  auto run = sample_run();
  run.options["client_secret"] = kPlantedSecret;
  auto results = sample_results();
  results[0].description = "someone pasted plain-text-sesame-0000 and a \x01 control byte here";
  results[1].failures[0].message = "Authorization: Bearer abc.def.ghi and a&b<c>secret";
  const ReportOptions options{.include_wall_clock = true, .secrets = {"plain-text-sesame-0000", "a&b<c>secret"}};
  TempDir dir;
  const auto written = write_report_dir(dir.path(), run, results, options);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(read_file(*written / "report.json"), render_json(run, results, options));
  EXPECT_EQ(read_file(*written / "junit.xml"), render_junit(run, results, options));
  EXPECT_EQ(read_file(*written / "summary.md"), render_markdown(run, results, options));
  EXPECT_EQ(read_file(*written / "report.html"), render_html(run, results, options));
  EXPECT_THAT(read_file(*written / "report.json"), Not(HasSubstr("plain-text-sesame-0000")));
}


TEST(ReportDir, WritesFourFormsAndPointsLatestAtTheRun) {
  TempDir dir;
  auto run = sample_run();
  const auto first = write_report_dir(dir.path(), run, sample_results());
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(*first, dir.path() / run.run_id);
  for (const auto* name : {"report.json", "junit.xml", "summary.md", "report.html"})
    EXPECT_TRUE(fs::is_regular_file(*first / name)) << name;
  EXPECT_TRUE(fs::is_symlink(dir.path() / "latest"));
  EXPECT_EQ(fs::read_symlink(dir.path() / "latest"), fs::path(run.run_id));

  run.run_id = "second-run";
  const auto second = write_report_dir(dir.path(), run, sample_results());
  ASSERT_TRUE(second);
  EXPECT_EQ(fs::read_symlink(dir.path() / "latest"), fs::path("second-run"));
  EXPECT_TRUE(fs::is_regular_file(dir.path() / "latest" / "report.html"));
  EXPECT_TRUE(fs::exists(*first / "report.json"));  // the earlier run stays
  // No staging leftovers.
  std::set<std::string> entries;
  for (const auto& e : fs::directory_iterator(dir.path())) entries.insert(e.path().filename().string());
  EXPECT_EQ(entries, (std::set<std::string>{run.run_id, sample_run().run_id, "latest"}));
}

TEST(ReportDir, RefusesRunIdsThatAreNotPlainNames) {
  TempDir dir;
  for (std::string id : {"", "..", "latest", "a/b", "../escape", "x y"}) {
    auto run = sample_run();
    run.run_id = id;
    const auto written = write_report_dir(dir.path(), run, sample_results());
    ASSERT_FALSE(written) << id;
    EXPECT_EQ(written.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(written.error().field, "run_id");
  }
  EXPECT_TRUE(fs::is_empty(dir.path()));  // nothing half-applied
}

TEST(ReportDir, ReportsAnUnwritableBase) {
  TempDir dir;
  std::ofstream(dir.path() / "file") << "x";
  const auto written = write_report_dir(dir.path() / "file" / "reports", sample_run(), sample_results());
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::io_error);
}

// --- the Reporter interface ------------------------------------------------------------------

TEST(Reporters, StreamTheSameDocumentsAsTheRenderFunctions) {
  const auto run = sample_run();
  const auto results = sample_results();
  std::ostringstream json, junit, md, html;
  JsonReporter j(json);
  JunitReporter x(junit);
  MarkdownReporter m(md);
  HtmlReporter h(html);
  for (Reporter* r : std::initializer_list<Reporter*>{&j, &x, &m, &h}) {
    r->begin(run);
    for (const auto& s : results) r->scenario(s);
    r->end(RunSummary::of(results));
  }
  EXPECT_EQ(json.str(), render_json(run, results));
  EXPECT_EQ(junit.str(), render_junit(run, results));
  EXPECT_EQ(md.str(), render_markdown(run, results));
  EXPECT_EQ(html.str(), render_html(run, results));

  TempDir dir;
  ReportDirReporter d(dir.path());
  d.begin(run);
  for (const auto& s : results) d.scenario(s);
  auto summary = RunSummary::of(results);
  summary.duration_ms = 2500;
  d.end(summary);
  ASSERT_TRUE(d.written().has_value());
  ASSERT_TRUE(*d.written());
  EXPECT_THAT(read_file(**d.written() / "junit.xml"), HasSubstr("time=\"2.500\""));
  EXPECT_EQ(RunSummary::of(results).exit_code(), 1);
}

// --- any text at all ---------------------------------------------------------------------------

RC_GTEST_PROP(ReportProperties, AnyTextKeepsEveryFormReadable, (const std::string& a, const std::string& b)) {
  auto run = sample_run();
  run.command_line = a;
  run.options[b] = a;
  auto results = sample_results();
  results[1].name = a;
  results[1].failures[0].expected = b;
  results[1].failures[0].observed = a + b;
  results[2].stderr_tail = b;
  results[0].bookings[0].audit[0].message = a;

  const auto xml = render_junit(run, results);
  const auto parsed_xml = lockstep::testing::parse_xml(xml);
  RC_ASSERT(parsed_xml.has_value());

  const auto json = render_json(run, results);
  const auto doc = parse_json_report(json);
  RC_ASSERT(doc.has_value());
  RC_ASSERT(render_json(doc->run, doc->scenarios) == json);

  const auto html = render_html(run, results);
  RC_ASSERT(html.find("<script") == std::string::npos);
  RC_ASSERT(count(html, "<svg class=\"timeline\"") == 2u);
}

// scrub() returns most text untouched without running the full scrub (a year's
// report has hundreds of thousands of fields); that shortcut must never change
// what the full scrub would have written. Texts are drawn from pieces that make
// the scrub act: secret names in any case, separators, a secret value, control
// and non-UTF-8 bytes.
RC_GTEST_PROP(ReportProperties, ScrubsShortcutAgreesWithTheFullScrub, ()) {
  const auto pieces = *rc::gen::container<std::vector<std::string>>(rc::gen::oneOf(
      rc::gen::element<std::string>("token", "Bearer ", "BASIC ", "client_secret", "Password", "api-key", "--token",
                                    "Authorization: ", "\"access_token\": ", "=", ":", " ", "\"", "'", "B-0001",
                                    "active", "hunter22", "\r", "\x01", "\xC3\xA9", "\xFF", "\n", "\t"),
      rc::gen::container<std::string>(rc::gen::inRange('a', 'z'))));
  std::string text;
  for (const auto& p : pieces) text += p;
  ReportOptions options;
  options.secrets = {"hunter22"};
  RC_ASSERT(detail::scrub(text, options) == scrub_secrets(detail::clean_text(text), options.secrets));
}

TEST(HtmlReport, OutagesOfUnknownTargetsCoverLanesOnlyWhenTheyMustBeTheirs) {
  ScenarioResult r;
  r.name = "two-locks";
  auto b1 = lockstep::harness::report::testing::sample_booking("b1", "L1", "2026-06-08T14:00:00Z", "2026-06-10T09:00:00Z");
  auto b2 = lockstep::harness::report::testing::sample_booking("b2", "L2", "2026-06-08T14:00:00Z", "2026-06-10T09:00:00Z");
  b1.bridge.clear();
  b2.bridge.clear();
  r.bookings = {b1, b2};
  r.outages = {{"bridge_offline", "BR-9", at("2026-06-07T00:00:00Z"), at("2026-06-07T06:00:00Z")}};
  const auto legend_only = 1u;
  EXPECT_EQ(count(render_html(sample_run(), std::vector{r}), "class=\"outage\""), legend_only);
  EXPECT_EQ(count(render_html(sample_run(), std::vector{r}), "class=\"outageCap\""), 1u);
  r.bookings.pop_back();  // one lock: the bridge can only be its
  EXPECT_EQ(count(render_html(sample_run(), std::vector{r}), "class=\"outage\""), legend_only + 1u);
}

namespace {

// conform's model: a booking with the implementation's lane, the reference's
// under it, door probes on each, lockout spans, and a divergence at its instant.
std::vector<ScenarioResult> conform_results() {
  auto results = sample_results();
  auto& r = results[0];
  auto& b = r.bookings[0];
  BookingTimeline ref = b;
  ref.probes = {{at("2026-03-29T12:00:00Z"), b.lock, b.id, std::nullopt, true, "opened"}};
  b.probes = {{at("2026-03-29T12:00:00Z"), b.lock, b.id, true, false, "unknown_pin"}};
  b.lockouts = {{at("2026-03-29T01:30:00Z"), at("2026-03-29T13:30:00Z"), "not_yet_made"}};
  b.reference = {ref};
  r.verdict = Verdict::fail;
  r.failures.push_back({"T3", b.id, "first attempt", "2026-03-23T23:00:00Z", "2026-03-29T13:30:00Z",
                        "the first attempt came late", at("2026-03-29T13:30:00Z")});
  return results;
}

TEST(ConformReport, BothLanesAndLockoutsRoundTripAndMatchTheSchema) {
  const auto results = conform_results();
  const auto text = render_json(sample_run(), results);
  const auto json = nlohmann::json::parse(text);
  const auto& b = json["scenarios"][0]["bookings"][0];
  EXPECT_EQ(b["lockout_minutes"], 720);
  EXPECT_EQ(b["lockouts"][0]["cause"], "not_yet_made");
  EXPECT_EQ(json["scenarios"][0]["lockout"]["by_cause"]["not_yet_made"], 720);
  EXPECT_EQ(json["summary"]["lockout"]["minutes"], 720);
  ASSERT_TRUE(b["reference"].is_object());
  EXPECT_EQ(b["reference"]["probes"][0]["opened"], true);
  EXPECT_EQ(b["probes"][0]["opened"], false);
  EXPECT_TRUE(b["reference"]["reference"].is_null());
  const auto schema = nlohmann::json::parse(read_file(fs::path(LOCKSTEP_SOURCE_DIR) / "docs" / "report.schema.json"));
  std::vector<std::string> problems;
  check_schema(schema, schema, json, "$", problems);
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
  const auto doc = parse_json_report(text);
  ASSERT_TRUE(doc) << doc.error().message;
  ASSERT_EQ(doc->scenarios[0].bookings[0].reference.size(), 1u);
  EXPECT_EQ(doc->summary.lockout.minutes, 720);
  EXPECT_EQ(render_json(doc->run, doc->scenarios), text);
}

TEST(ConformReport, HtmlDrawsTwoLanesABookingWithTheDivergenceAndTheLockout) {
  const auto html = render_html(sample_run(), conform_results());
  EXPECT_NE(html.find("b1 · reference"), std::string::npos);
  EXPECT_NE(html.find("b1 · implementation"), std::string::npos);
  EXPECT_NE(html.find(R"(class="failRule">T3<)"), std::string::npos);
  EXPECT_NE(html.find("lockout 720 min (not_yet_made)"), std::string::npos);
  EXPECT_NE(html.find("lockout min"), std::string::npos);
}

}  // namespace

