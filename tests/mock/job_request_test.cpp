// A job request's body read in place (plain) and through the DOM give the same
// JobRequest and the same journal text, over hand-written cases and thousands
// of mutations of the client's bodies: create_job answers alike whichever way
// it read a body, errors included.
#include "job_request.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mutate_text.hpp"

#include "lockstep/json_input.hpp"

namespace lockstep::mock::internal {
namespace {

using json = nlohmann::json;

// The DOM path as create_job takes it: json_body's parse, then the fields.
void expect_same(const std::string& text) {
  const auto plain = read_plain_job_request(text);
  auto parsed = json_input::parse(text);
  if (!parsed || !parsed->is_object()) {
    EXPECT_FALSE(plain) << "plain but refused by json_body: " << text;
    return;
  }
  if (!plain) return;
  const JobRequest dom = read_job_request(*parsed);
  EXPECT_EQ(plain->job_type, dom.job_type) << text;
  EXPECT_EQ(plain->job_type_value, dom.job_type_value) << text;
  EXPECT_EQ(plain->no_data, dom.no_data) << text;
  EXPECT_EQ(plain->data_is_object, dom.data_is_object) << text;
  EXPECT_EQ(plain->pin, dom.pin) << text;
  EXPECT_EQ(plain->pin_value, dom.pin_value) << text;
  EXPECT_EQ(plain->pin_type, dom.pin_type) << text;
  EXPECT_EQ(plain->access_name, dom.access_name) << text;
  EXPECT_EQ(plain->access_name_value, dom.access_name_value) << text;
  EXPECT_EQ(plain->start_date, dom.start_date) << text;
  EXPECT_EQ(plain->start_date_value, dom.start_date_value) << text;
  EXPECT_EQ(plain->end_date, dom.end_date) << text;
  EXPECT_EQ(plain->end_date_value, dom.end_date_value) << text;
  EXPECT_EQ(plain->data_text, dom.data_text) << text;
  // What journal_body writes for a body without secrets.
  EXPECT_EQ(plain->body_text, parsed->dump(-1, ' ', false, json::error_handler_t::replace)) << text;
}

const std::vector<std::string> kBodies = {
    R"({"jobType":4,"jobData":{"accessName":"lockstep Guest 12","pin":"482913","pinType":4,"startDate":"2026-01-20T15:30:00+01:00","endDate":"2026-01-23T11:30:00+01:00"}})",
    R"({"jobType":5,"jobData":{"pin":"482913"}})",
    R"({"jobType":1,"jobData":null})",
    R"({"jobType":15})",
    R"({"jobType":"4","jobData":{"pin":482913,"pinType":"4","accessName":7,"startDate":null,"endDate":{}}})",
    R"({"jobData":true,"extra":{"nested":{"deeper":true}}})",
};

TEST(JobRequest, PlainAndDomAgreeOnHandWrittenBodies) {
  for (const auto& body : kBodies) {
    EXPECT_TRUE(read_plain_job_request(body)) << body;
    expect_same(body);
  }
  for (const std::string body : {
           R"({"jobType":4,"jobData":{"pin":"1234","token":"x"}})",  // a secret: the DOM redacts
           R"({"jobType":4,"jobType":5})", R"({"jobType":4.0})", R"({"jobType":4,"jobData":"pin"})",
           R"({"jobType":99999999999})", R"([])", R"({"jobType":4,"jobData":{"accessName":"caf\u00e9"}})",
       }) {
    expect_same(body);
  }
  EXPECT_FALSE(read_plain_job_request(R"({"jobType":4,"jobData":{"pin":"1234","Client-Secret":"x"}})"));
  EXPECT_TRUE(read_plain_job_request(R"({"jobType":4,"jobData":"pin"})"));
}

TEST(JobRequest, PlainAndDomAgreeOnMutatedBodies) {
  std::mt19937 random(16);
  const std::string alphabet = "{}[]\":,\\ -.0149etrufalsnp\x01\xc3";
  int plain_count = 0;
  for (int round = 0; round < 20000; ++round) {
    const std::string text = lockstep::testing::mutate_text(kBodies[random() % kBodies.size()], alphabet, random);
    plain_count += read_plain_job_request(text).has_value();
    expect_same(text);
  }
  EXPECT_GT(plain_count, 1000);
}

}  // namespace
}  // namespace lockstep::mock::internal
