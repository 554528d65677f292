// Helpers for the mock's tests: building requests, reading JSON answers, and a
// token for the default world.
#pragma once

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lockstep/mock/mock.hpp"

namespace lockstep::mock::testing {

using json = nlohmann::json;
namespace http = net::http;

inline net::Request make_request(http::verb verb, std::string target, std::string body = {},
                                       std::string content_type = "application/json") {
  net::Request req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!body.empty()) req.set(http::field::content_type, content_type);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

struct Answer {
  int status = 0;
  json body;
  net::Response response;
  Reply::Transport transport = Reply::Transport::normal;
};

inline Answer to_answer(Reply reply) {
  Answer a;
  a.status = static_cast<int>(reply.response.result_int());
  a.body = json::parse(reply.response.body(), nullptr, false);
  a.transport = reply.transport;
  a.response = std::move(reply.response);
  return a;
}

// Talks to a Mock in-process, remembering a bearer token once it has one.
class Api {
 public:
  explicit Api(Mock& mock) : mock_(mock) {}

  Answer token_form(const std::string& form, const std::string& basic = {}) {
    auto req = make_request(http::verb::post, "/oauth2/token", form, "application/x-www-form-urlencoded");
    if (!basic.empty()) req.set(http::field::authorization, "Basic " + basic);
    return to_answer(mock_.handle(req));
  }
  // demo-client / demo-secret in the body; keeps the token.
  std::string login(const std::string& scope = {}) {
    std::string form = "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret";
    if (!scope.empty()) form += "&scope=" + scope;
    auto a = token_form(form);
    EXPECT_EQ(a.status, 200) << a.body.dump();
    token_ = a.body.value("access_token", "");
    return token_;
  }
  void set_token(std::string t) { token_ = std::move(t); }

  Answer call(http::verb verb, const std::string& target, const json& body = nullptr) {
    auto req = make_request(verb, target, body.is_null() ? std::string() : body.dump());
    if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
    return to_answer(mock_.handle(req));
  }
  Answer raw(http::verb verb, const std::string& target, const std::string& body) {
    auto req = make_request(verb, target, body);
    if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
    return to_answer(mock_.handle(req));
  }
  Answer get(const std::string& target) { return call(http::verb::get, target); }
  Answer post(const std::string& target, const json& body) { return call(http::verb::post, target, body); }

  Answer create_pin(const std::string& pin, const std::string& start, const std::string& end,
                    const std::string& lock = "LK-1", const std::string& bridge = "BR-1") {
    return post("/igloohome/devices/" + lock + "/jobs/bridges/" + bridge,
                {{"jobType", 4},
                 {"jobData",
                  {{"accessName", "Guest"}, {"pin", pin}, {"pinType", 4}, {"startDate", start}, {"endDate", end}}}});
  }
  Answer delete_pin(const std::string& pin, const std::string& lock = "LK-1", const std::string& bridge = "BR-1") {
    return post("/igloohome/devices/" + lock + "/jobs/bridges/" + bridge, {{"jobType", 5}, {"jobData", {{"pin", pin}}}});
  }
  Answer algopin(const std::string& type, const json& body, const std::string& lock = "LK-ALGO") {
    return post("/igloohome/devices/" + lock + "/algopin/" + type, body);
  }
  Answer admin(http::verb verb, const std::string& target, const json& body = nullptr) {
    auto req = make_request(verb, target, body.is_null() ? std::string() : body.dump());
    return to_answer(mock_.handle(req));
  }

 private:
  Mock& mock_;
  std::string token_;
};

inline Instant at(const char* text) { return *parse_instant(text); }

}  // namespace lockstep::mock::testing
