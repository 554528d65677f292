// `lockstep plan` line by line (plan-cli.md): the shared vectors, then bad input.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lockstep/harness/plan_line.hpp"

namespace lockstep::harness {
namespace {

using nlohmann::json;

json answer(const json& input) {
  auto result = plan_line(input.dump(), 1);
  json out = json::parse(result.json);
  EXPECT_EQ(result.ok, !out.contains("error")) << result.json;
  return out;
}

TEST(PlanVectors, EverySharedVectorAgrees) {
  std::ifstream in(std::string(LOCKSTEP_SHARED_DIR) + "/vectors/plan.jsonl");
  ASSERT_TRUE(in) << "cannot open " << LOCKSTEP_SHARED_DIR << "/vectors/plan.jsonl";
  std::string line;
  int count = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const json vector = json::parse(line);
    const json& expected = vector["expected"];
    const json got = answer(vector["input"]);
    SCOPED_TRACE(vector["input"]["id"].dump());
    if (expected.contains("error")) {
      ASSERT_TRUE(got.contains("error")) << got.dump();
      EXPECT_EQ(got["error"]["code"], expected["error"]["code"]);
      EXPECT_FALSE(got["error"]["message"].get<std::string>().empty());
    } else {
      for (const auto& [key, value] : expected.items()) EXPECT_EQ(got[key], value) << key;
    }
    ++count;
  }
  EXPECT_GE(count, 14);
}

TEST(PlanLine, DefaultsAreFiveDaysThirtyMinutesBridge) {
  const json got = answer({{"id", "d"}, {"timezone", "UTC"}, {"checkin", "2026-05-10T15:00"},
                           {"checkout", "2026-05-12T11:00"}});
  EXPECT_EQ(got["valid_from"], "2026-05-10T14:30:00Z");
  EXPECT_EQ(got["valid_until"], "2026-05-12T11:30:00Z");
  EXPECT_EQ(got["generate_at"], "2026-05-05T00:00:00Z");
  EXPECT_EQ(got["retry_deadline"], "2026-05-11T00:00:00Z");
  EXPECT_TRUE(got["algopin"].is_null());
}

TEST(PlanLine, BookedAtEarlierThanGenerationDoesNotMoveIt) {
  const json got = answer({{"id", 7}, {"timezone", "UTC"}, {"checkin", "2026-05-10T15:00"},
                           {"checkout", "2026-05-12T11:00"}, {"booked_at", "2026-01-01T00:00:00Z"}});
  EXPECT_EQ(got["id"], 7) << "the id is echoed as given, numbers included";
  EXPECT_EQ(got["generate_at"], "2026-05-05T00:00:00Z");
}

struct BadLine {
  json input;
  const char* code;
};

TEST(PlanLine, BadLinesGetTheirCode) {
  const json base = {{"id", "x"}, {"timezone", "Europe/Paris"}, {"checkin", "2026-05-10T15:00"},
                     {"checkout", "2026-05-12T11:00"}};
  auto with = [&](const char* key, json value) {
    json j = base;
    if (value.is_discarded()) j.erase(key); else j[key] = value;
    return j;
  };
  const json removed = json(json::value_t::discarded);
  const std::vector<BadLine> cases = {
      {with("timezone", "Mars/Olympus"), "invalid_timezone"},
      {with("timezone", 3), "invalid_timezone"},
      {with("timezone", removed), "invalid_timezone"},
      {with("checkin", removed), "invalid_booking"},
      {with("checkin", "2026-05-10"), "invalid_booking"},
      {with("checkin", "2026-05-10T15:00Z"), "invalid_booking"},
      {with("checkout", "2026-05-09T11:00"), "invalid_booking"},
      {with("booked_at", "tomorrow"), "invalid_booking"},
      {with("days_before", 0), "invalid_setting"},
      {with("days_before", "5"), "invalid_setting"},
      {with("days_before", 2.5), "invalid_setting"},
      {with("margin_minutes", 241), "invalid_setting"},
      {with("margin_minutes", -5), "invalid_setting"},
      {with("lock", "nuki"), "invalid_setting"},
      {with("margin", 10), "invalid_json"},
  };
  for (const auto& c : cases) {
    const json got = answer(c.input);
    ASSERT_TRUE(got.contains("error")) << c.input.dump();
    EXPECT_EQ(got["error"]["code"], c.code) << c.input.dump();
    EXPECT_EQ(got["id"], "x") << "a bad line still names its id";
    EXPECT_FALSE(got["error"]["message"].get<std::string>().empty());
  }
}

TEST(PlanLine, GarbageIsInvalidJsonWithNullId) {
  for (const char* text : {"{", "not json", "[1,2]", "\"text\"", "{\"id\":\"a\",}", "\xff\xfe"}) {
    auto result = plan_line(text, 1);
    EXPECT_FALSE(result.ok);
    const json got = json::parse(result.json);
    EXPECT_EQ(got["error"]["code"], "invalid_json") << text;
    EXPECT_TRUE(got["id"].is_null());
  }
}

TEST(PlanLine, NonAsciiIdsAreEchoedSafely) {
  auto result = plan_line(R"({"id":"réservation-ü","timezone":"Mars"})", 1);
  const json got = json::parse(result.json);
  EXPECT_EQ(got["id"], "réservation-ü");
  EXPECT_EQ(got["error"]["code"], "invalid_timezone");
}


TEST(PlanLine, AnErrorWithoutAUsableIdNamesItsLineNumber) {
  for (const char* text : {"{", "[1]", R"({"timezone":"UTC"})", R"({"id":null,"timezone":"Mars/Olympus"})"}) {
    const json got = json::parse(plan_line(text, 42).json);
    EXPECT_TRUE(got["id"].is_null()) << text;
    EXPECT_EQ(got["error"]["message"].get<std::string>().rfind("line 42: ", 0), 0u) << got.dump();
  }
  const json named = json::parse(plan_line(R"({"id":"b9","timezone":"Mars/Olympus"})", 42).json);
  EXPECT_EQ(named["error"]["code"], "invalid_timezone");
  EXPECT_EQ(named["error"]["message"].get<std::string>().find("line 42"), std::string::npos)
      << "a line with an id is named by it";
}

// Nesting past json_input::kMaxDepth (128) is refused as invalid_json, saying so;
// at the limit the id is echoed as given.
TEST(PlanLine, NestingIsBounded) {
  auto nested_id = [](int levels) {  // the object itself is level 1
    return R"({"id":)" + std::string(levels - 1, '[') + std::string(levels - 1, ']') +
           R"(,"timezone":"UTC","checkin":"2026-05-10T15:00","checkout":"2026-05-12T11:00"})";
  };
  const auto at_limit = plan_line(nested_id(128), 3);
  EXPECT_TRUE(at_limit.ok) << at_limit.json;
  EXPECT_EQ(json::parse(at_limit.json)["id"], json::parse(nested_id(128))["id"]);
  const auto past = plan_line(nested_id(129), 3);
  EXPECT_FALSE(past.ok);
  const json got = json::parse(past.json);
  EXPECT_EQ(got["error"]["code"], "invalid_json");
  EXPECT_TRUE(got["id"].is_null());
  EXPECT_EQ(got["error"]["message"], "line 3: nested deeper than 128 levels");
  // 200,000 levels deep and valid: refused the same way, and nothing overflows.
  const std::string deep = R"({"x":)" + std::string(200'000, '[') + std::string(200'000, ']') + "}";
  EXPECT_EQ(json::parse(plan_line(deep, 1).json)["error"]["message"], "line 1: nested deeper than 128 levels");
}

TEST(PlanLine, ANulByteIsNotJson) {
  const std::string good = R"({"id":"n","timezone":"UTC","checkin":"2026-05-10T15:00","checkout":"2026-05-12T11:00"})";
  for (const std::string& text : {good + std::string(1, '\0') + "junk", good + std::string(1, '\0')}) {
    const json got = json::parse(plan_line(text, 2).json);
    EXPECT_EQ(got["error"]["code"], "invalid_json") << got.dump();
  }
}

TEST(PlanLine, OutOfRangeUnsignedSettingIsNotWrapped) {
  const json got = json::parse(plan_line(R"({"id":"u","timezone":"UTC","checkin":"2026-05-10T15:00",)"
                                         R"("checkout":"2026-05-12T11:00","days_before":18446744073709551615})",
                                         1)
                                   .json);
  EXPECT_EQ(got["error"]["code"], "invalid_setting");
  EXPECT_NE(got["error"]["message"].get<std::string>().find("18446744073709551615"), std::string::npos)
      << got.dump();
}

}  // namespace
}  // namespace lockstep::harness
