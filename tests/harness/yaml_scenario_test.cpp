// YAML scenario files: the same document as a JSON twin, the same checks and
// messages with line numbers, and a clear refusal of what YAML says and JSON
// cannot (issue 15 item 5).
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lockstep/harness/scenario_loader.hpp"
#include "lockstep/harness/yaml_input.hpp"
#include "lockstep/json_input.hpp"

namespace lockstep::harness {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const fs::path kData = fs::path(LOCKSTEP_SOURCE_DIR) / "tests/harness/data/yaml";

TEST(YamlScenario, IsTheSameDocumentAsItsJsonTwin) {
  auto yaml = yaml_input::parse(read(kData / "twin.yaml"));
  ASSERT_TRUE(yaml) << yaml.error().with_excerpt();
  auto json = json_input::parse(read(kData / "twin.json"));
  ASSERT_TRUE(json) << json.error().with_excerpt();
  EXPECT_EQ(yaml->value, *json) << yaml->value.dump(1);
  // Types survive: an integer stays an integer, a float a float.
  EXPECT_TRUE(yaml->value[1]["seed"].is_number_unsigned() || yaml->value[1]["seed"].is_number_integer());
  EXPECT_TRUE(yaml->value[1]["calls"][0]["body_contains"]["nested"][1].is_number_float());
}

TEST(YamlScenario, LoadsIntoTheSameScenarios) {
  auto from_yaml = load_scenario_file(kData / "twin.yaml");
  ASSERT_TRUE(from_yaml) << from_yaml.error().message;
  auto from_json = load_scenario_file(kData / "twin.json");
  ASSERT_TRUE(from_json) << from_json.error().message;
  ASSERT_EQ(from_yaml->size(), from_json->size());
  for (std::size_t i = 0; i < from_json->size(); ++i) {
    const auto &y = (*from_yaml)[i], &j = (*from_json)[i];
    SCOPED_TRACE(j.name);
    EXPECT_EQ(y.name, j.name);
    EXPECT_EQ(y.description, j.description);
    EXPECT_EQ(y.tags, j.tags);
    EXPECT_EQ(y.rules, j.rules);
    EXPECT_EQ(y.start, j.start);
    EXPECT_EQ(y.seed, j.seed);
    ASSERT_EQ(y.timeline.size(), j.timeline.size());
    for (std::size_t k = 0; k < j.timeline.size(); ++k) {
      EXPECT_EQ(y.timeline[k].kind, j.timeline[k].kind);
      EXPECT_EQ(y.timeline[k].at, j.timeline[k].at);
      EXPECT_EQ(y.timeline[k].json_path, j.timeline[k].json_path);
      EXPECT_EQ(y.timeline[k].booking.guest_phone, j.timeline[k].booking.guest_phone);
      EXPECT_EQ(y.timeline[k].config.days_before, j.timeline[k].config.days_before);
      EXPECT_EQ(y.timeline[k].fault, j.timeline[k].fault);
    }
    ASSERT_EQ(y.expectations.size(), j.expectations.size());
    for (std::size_t k = 0; k < j.expectations.size(); ++k) {
      EXPECT_EQ(y.expectations[k].code, j.expectations[k].code);
      EXPECT_EQ(y.expectations[k].attempts, j.expectations[k].attempts);
    }
    ASSERT_EQ(y.calls.size(), j.calls.size());
    for (std::size_t k = 0; k < j.calls.size(); ++k) EXPECT_EQ(y.calls[k].body_contains, j.calls[k].body_contains);
  }
}

TEST(YamlScenario, AnErrorNamesFileLineAndJsonPath) {
  const std::string text =
      "name: y\n"                        // 1
      "rules: [T3]\n"                    // 2
      "start: 2026-06-01T00:00:00Z\n"    // 3
      "properties:\n"                    // 4
      "  - id: P1\n"                     // 5
      "    timezone: Europe/Pariss\n"    // 6
      "timeline:\n"                      // 7
      "  - do: tick\n"                   // 8
      "    at: 2026-06-02 00:00\n"       // 9
      "  - do: tick\n"                   // 10
      "    at: 2026-06-03T00:00:00Z\n"   // 11
      "    colour: blue\n";              // 12
  auto r = parse_scenarios_text(text, "dir/s.yaml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  // In the order of the file, each with its line.
  EXPECT_EQ(r.error().message,
            "dir/s.yaml:6: properties[0].timezone: unknown time zone \"Europe/Pariss\" (an IANA name such as "
            "\"Europe/Paris\"; to send it on purpose, use a timeline event with \"expect_error\")\n"
            "dir/s.yaml:9: timeline[0].at: not an RFC 3339 instant: \"2026-06-02 00:00\"\n"
            "dir/s.yaml:12: timeline[1].colour: unknown field (allowed here: at, do, expect_error, rule)\n"
            "dir/s.yaml: 3 problems");
  EXPECT_EQ(r.error().field, "properties[0].timezone");
}

TEST(YamlScenario, AMissingFieldPointsAtItsParent) {
  auto r = parse_scenarios_text("- name: a\n  rules: [T3]\n  start: 2026-06-01T00:00:00Z\n"
                                "- name: b\n  start: 2026-06-01T00:00:00Z\n",
                                "s.yml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "s.yml:4: [1].rules: required field missing");
}

TEST(YamlScenario, SyntaxErrorsShowLineColumnAndCaret) {
  auto r = parse_scenarios_text("name: y\nrules: [T3\nstart: x\n", "bad.yaml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid_json);
  EXPECT_THAT(r.error().message, HasSubstr("bad.yaml:"));
  EXPECT_THAT(r.error().message, HasSubstr("\n  "));
  EXPECT_THAT(r.error().message, HasSubstr("^"));
}

struct Refusal {
  std::string text;
  std::size_t line;
  std::string says;
};

TEST(YamlInput, WhatJsonCannotSayIsRefusedWithItsLine) {
  const std::vector<Refusal> cases = {
      {"a: &x 1\nb: *x\n", 1, "anchors (&name) are not supported"},
      {"a: [1]\nb: *x\n", 2, "the referenced anchor is not defined"},  // yaml-cpp says so before any alias event
      {"base: &b {k: 1}\nc:\n  <<: *b\n", 1, "anchors"},
      {"a: 1\nb: 2\na: 3\n", 3, "key \"a\" is written twice in this mapping (also on line 1)"},
      {"? [a, b]\n: 1\n", 1, "a key must be a plain value"},
      {"~: 1\n", 1, "an empty (null) key"},
      {"a: !custom 1\n", 1, "the tag !custom is not supported"},
      {"a: !!binary aGVsbG8=\n", 1, "the tag !!binary is not supported"},
      {"a: !!int twelve\n", 1, "\"twelve\" is not an integer"},
      {"a: .inf\n", 1, "is not a JSON number"},
      {"a: 1\n---\nb: 2\n", 2, "a second YAML document"},
      {"a: 99999999999999999999999\n", 1, "a number is too large"},
      {"", 1, "no YAML document"},
      {"# only a comment\n", 1, "no YAML document"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto r = yaml_input::parse(c.text);
    ASSERT_FALSE(r) << r->value.dump();
    EXPECT_EQ(r.error().line, c.line) << r.error().message;
    EXPECT_THAT(r.error().message, HasSubstr(c.says));
  }
}

TEST(YamlInput, PlainScalarsFollowTheCoreSchema) {
  auto r = yaml_input::parse(
      "yes_is_text: yes\non_is_text: on\nt: true\nf: FALSE\nn1: null\nn2: ~\nn3:\ni: -12\nhex: 0x1F\noct: 0o17\n"
      "dec0: 017\nf1: 2.5\nf2: 1e3\nlocal: 2026-06-10T15:00\ninstant: 2026-06-10T15:00:00Z\nclock: 15:00\n"
      "quoted: \"true\"\nsingle: '12'\nforced: !!str 12\nfloat_of_int: !!float 3\nversion: 1.2.3\n1: numeric key\n");
  ASSERT_TRUE(r) << r.error().with_excerpt();
  const auto& v = r->value;
  EXPECT_EQ(v["yes_is_text"], "yes");
  EXPECT_EQ(v["on_is_text"], "on");
  EXPECT_EQ(v["t"], true);
  EXPECT_EQ(v["f"], false);
  EXPECT_TRUE(v["n1"].is_null() && v["n2"].is_null() && v["n3"].is_null());
  EXPECT_EQ(v["i"], -12);
  EXPECT_EQ(v["hex"], 31);
  EXPECT_EQ(v["oct"], 15);
  EXPECT_EQ(v["dec0"], 17);
  EXPECT_EQ(v["f1"], 2.5);
  EXPECT_EQ(v["f2"], 1000.0);
  EXPECT_EQ(v["local"], "2026-06-10T15:00");
  EXPECT_EQ(v["instant"], "2026-06-10T15:00:00Z");
  EXPECT_EQ(v["clock"], "15:00");
  EXPECT_EQ(v["quoted"], "true");
  EXPECT_EQ(v["single"], "12");
  EXPECT_EQ(v["forced"], "12");
  EXPECT_TRUE(v["float_of_int"].is_number_float());
  EXPECT_EQ(v["version"], "1.2.3");
  EXPECT_EQ(v["1"], "numeric key");
}

TEST(YamlInput, LinesAreKeptByJsonPath) {
  auto r = yaml_input::parse("a:\n  b:\n    - x\n    - {c: 1,\n       d: 2}\n");
  ASSERT_TRUE(r) << r.error().with_excerpt();
  EXPECT_EQ(r->line_of("a"), 1u);
  EXPECT_EQ(r->line_of("a.b"), 2u);
  EXPECT_EQ(r->line_of("a.b[0]"), 3u);
  EXPECT_EQ(r->line_of("a.b[1]"), 4u);
  EXPECT_EQ(r->line_of("a.b[1].d"), 5u);
  EXPECT_EQ(r->line_of("a.b[1].missing"), 4u);  // the nearest ancestor
  EXPECT_EQ(r->line_of("zzz"), 1u);             // the document
}

TEST(YamlInput, A100kDeepDocumentIsRefusedNotRecursedInto) {
  const std::string brackets = std::string(100'000, '[') + std::string(100'000, ']');
  for (const std::string& text : {brackets,
                                  [] {
                                    std::string s = "a: ";
                                    for (int i = 0; i < 100'000; ++i) s += "{a: ";
                                    return s;
                                  }(),
                                  [] {
                                    std::string s;
                                    for (int i = 0; i < 2000; ++i) s += std::string(static_cast<std::size_t>(i), ' ') + "- \n";
                                    return s;
                                  }()}) {
    auto r = yaml_input::parse(text);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, json_input::ParseErrorKind::too_deep) << r.error().message;
    EXPECT_THAT(r.error().message, HasSubstr("nested deeper than 128 levels"));
  }
  auto r = parse_scenarios_text("name: " + brackets, "deep.yaml");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("deep.yaml:1:"));
  EXPECT_THAT(r.error().message, HasSubstr("nested deeper than 128 levels"));
}

TEST(YamlInput, FileNamesAreRecognisedByExtension) {
  EXPECT_TRUE(yaml_input::is_yaml_file("a/b.yaml"));
  EXPECT_TRUE(yaml_input::is_yaml_file("b.YML"));
  EXPECT_FALSE(yaml_input::is_yaml_file("b.json"));
  EXPECT_FALSE(yaml_input::is_yaml_file("yaml"));
  EXPECT_TRUE(is_scenario_file("x/y.json"));
  EXPECT_TRUE(is_scenario_file("x/y.yml"));
  EXPECT_FALSE(is_scenario_file("x/y.txt"));
  EXPECT_FALSE(is_scenario_file("x/y.json.bak"));
}

TEST(YamlScenario, DirectoriesWalkJsonAndYamlInSortedOrder) {
  const auto dir = fs::temp_directory_path() /
                   ("lockstep-yaml-walk-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  auto scenario_json = [](const std::string& name) {
    return R"({"name": ")" + name + R"(", "rules": ["T3"], "start": "2026-06-01T00:00:00Z"})";
  };
  auto scenario_yaml = [](const std::string& name) {
    return "# a comment\nname: " + name + "\nrules: [T3]\nstart: 2026-06-01T00:00:00Z\n";
  };
  std::ofstream(dir / "c.yml") << scenario_yaml("c");
  std::ofstream(dir / "a.json") << scenario_json("a");
  std::ofstream(dir / "b.yaml") << scenario_yaml("b");
  std::ofstream(dir / "sub" / "d.json") << scenario_json("d");
  std::ofstream(dir / "notes.txt") << "not a scenario";
  std::ofstream(dir / "e.yaml.orig") << "not: [a scenario";
  auto r = load_scenarios({dir});
  fs::remove_all(dir);
  ASSERT_TRUE(r) << r.error().message;
  std::vector<std::string> names;
  for (const auto& s : *r) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c", "d"}));
}

}  // namespace
}  // namespace lockstep::harness
