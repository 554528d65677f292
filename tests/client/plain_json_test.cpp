// plain_json: whatever it reads means what nlohmann's DOM makes of the same text
// (differentially, over hand-written cases and thousands of mutations of the
// bodies the client and the mock trade), and what it refuses is left to the DOM.
#include "lockstep/plain_json.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mutate_text.hpp"

namespace lockstep::plain_json {
namespace {

using json = nlohmann::json;

// The DOM a plain object stands for.
json to_dom(const Object& object, int depth) {
  json out = json::object();
  for (const Member& m : object) {
    const std::string key(m.key);
    switch (m.kind) {
      case Kind::string: out[key] = std::string(m.text); break;
      case Kind::integer: out[key] = m.integer; break;
      case Kind::boolean: out[key] = m.boolean; break;
      case Kind::null: out[key] = nullptr; break;
      case Kind::object: {
        const auto inner = read_object(m.text, depth + 1);
        EXPECT_TRUE(inner) << m.text;
        out[key] = inner ? to_dom(*inner, depth + 1) : json();
        break;
      }
    }
  }
  return out;
}

// The property: plain text is valid JSON, reads to the same DOM, and dumps to
// the same bytes.
void expect_agrees(const std::string& text) {
  const auto plain = read_object(text);
  if (!plain) return;
  const json dom = json::parse(text, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(dom.is_discarded()) << "plain but not JSON: " << text;
  EXPECT_EQ(to_dom(*plain, 0), dom) << text;
  std::string dumped;
  plain->dump_sorted(dumped);
  EXPECT_EQ(dumped, dom.dump()) << text;
}

const std::vector<std::string> kSeeds = {
    R"({"jobType":4,"jobData":{"accessName":"lockstep Guest 12","pin":"482913","pinType":4,"startDate":"2026-01-20T15:30:00+01:00","endDate":"2026-01-23T11:30:00+01:00"}})",
    R"({"jobType":5,"jobData":{"pin":"482913"}})",
    R"({"jobId":"job-12"})",
    R"({"completed":false,"expiryDate":"2026-01-21T15:30:00Z","jobId":"job-3","jobResponse":{"jobStatus":1,"message":"waiting for the bridge","status":"pending"},"jobType":4})",
    R"({"error":"bridge_offline","message":"unable to contact bridge"})",
    R"({ "a" : -12 , "b" : { "c" : { } , "d" : true } , "e" : null })",
};

TEST(PlainJson, ReadsTheBodiesTradedOnEveryCall) {
  for (const auto& seed : kSeeds) {
    EXPECT_TRUE(read_object(seed)) << seed;
    expect_agrees(seed);
  }
  const auto reply = read_object(kSeeds[3]);
  ASSERT_TRUE(reply);
  const Member* response = reply->find("jobResponse");
  ASSERT_NE(response, nullptr);
  ASSERT_EQ(response->kind, Kind::object);
  const auto inner = read_object(response->text, 1);
  ASSERT_TRUE(inner);
  EXPECT_EQ(inner->find("jobStatus")->integer, 1);
  EXPECT_EQ(inner->find("message")->text, "waiting for the bridge");
}

TEST(PlainJson, RefusesWhatItCannotReadWithoutInterpreting) {
  for (const std::string text : {
           R"({"a":"\u0041"})",        // an escape
           R"({"a":"é"})",             // not ASCII
           R"({"a":1,"a":2})",         // a key twice: the DOM keeps the last
           R"({"a":-0})",              // the DOM prints 0
           R"({"a":1.0})", R"({"a":1e2})", R"({"a":0123})", R"({"a":1234567890})",
           R"({"a":[1]})", R"([1])", R"("a")", R"({"a":1,})", R"({,})", R"({"a"})", R"({"a":})",
           R"({"a":tru})", R"({"a":nul})", R"({"a":1} x)", R"({"a":1}})", "", "{", "\xEF\xBB\xBF{}",
           R"({"a":{"b":{"c":{"d":{}}}}})",  // deeper than kMaxPlainDepth
       }) {
    EXPECT_FALSE(read_object(text)) << text;
  }
  EXPECT_TRUE(read_object(R"({"a":{"b":{"c":{}}}})"));
  EXPECT_TRUE(read_object(" {}\n"));
  EXPECT_TRUE(read_object(R"({"a":123456789,"b":-123456789})"));
}

TEST(PlainJson, AgreesWithTheDomOnMutatedBodies) {
  std::mt19937 random(16);
  const std::string alphabet = "{}[]\":,\\ -+.0129eEtrufalsn\x01\x7f\xc3";
  int plain_count = 0;
  for (int round = 0; round < 20000; ++round) {
    const std::string text = lockstep::testing::mutate_text(kSeeds[random() % kSeeds.size()], alphabet, random);
    plain_count += read_object(text).has_value();
    expect_agrees(text);
  }
  EXPECT_GT(plain_count, 1000);  // the mutations reach the reader's yes as well as its no
}

TEST(PlainJson, PlainStringsAreThoseDumpWritesAsTheyAre) {
  EXPECT_TRUE(is_plain_string("lockstep Guest 12 (O'Neil) #3"));
  EXPECT_TRUE(is_plain_string(""));
  for (const std::string text : {"a\"b", "a\\b", "tab\t", "caf\xc3\xa9", "\x7f"}) {
    EXPECT_FALSE(is_plain_string(text)) << text;
  }
  for (char c = 0x20; c < 0x7f; ++c) {
    const std::string one(1, c);
    if (is_plain_string(one)) {
      EXPECT_EQ(json(one).dump(), "\"" + one + "\"");
    }
  }
}

}  // namespace
}  // namespace lockstep::plain_json
