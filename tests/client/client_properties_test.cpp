// Properties of the client over arbitrary answers and arbitrary timelines.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>

#include <nlohmann/json.hpp>

#include "lockstep/igloohome/client.hpp"
#include "scripted_transport.hpp"

namespace lockstep::igloohome {
namespace {

using json = nlohmann::json;
using testing::respond;
using testing::ScriptedTransport;

// C6: whatever a server answers, the client classifies it without throwing, and
// the classes the contract fixes hold for every body.
RC_GTEST_PROP(ClientProperties, C6_EveryAnswerIsClassified, ()) {
  // Statuses that carry a body (1xx, 204 and 304 cannot: Beast refuses to build them).
  const int status = *rc::gen::suchThat(rc::gen::inRange(200, 600), [](int s) { return s != 204 && s != 304; });
  const std::string body = *rc::gen::oneOf(
      rc::gen::arbitrary<std::string>(), rc::gen::just(std::string(R"({"error":"invalid_pin"})")),
      rc::gen::just(std::string(R"({"error":"no_variance_available"})")),
      rc::gen::just(std::string(R"({"message":"unable to contact bridge"})")),
      rc::gen::just(std::string(R"({"jobId":"J","completed":true,"pin":"1234567"})")));
  ScriptedTransport auth;
  ScriptedTransport api;
  testing::issue_tokens(auth);
  SimulatedClock clock;
  Client client(auth, api, clock);
  RC_ASSERT(client.connect({"id", "secret"}).has_value());
  api.fallback = [&](const Request&) { return testing::Outcome{respond(status, body)}; };

  const auto result = client.delete_pin("LK-1", "BR-1", "123456");
  if (status == 401 || status == 403) {
    RC_ASSERT(api.requests.size() == 2u);  // one repeat with a new token
  } else {
    RC_ASSERT(api.requests.size() == 1u);
  }
  if (status >= 200 && status < 300) {
    RC_ASSERT(result.has_value() == (json::parse(body, nullptr, false).contains("jobId")));
    return;
  }
  RC_ASSERT(!result.has_value());
  const FailureKind kind = result.error().kind;
  RC_ASSERT(result.error().http_status == status);
  if (status == 401 || status == 403) {
    RC_ASSERT(kind == FailureKind::needs_reconnect);
  } else if (status >= 500 || status == 429 || status == 406 || status == 408 ||
             body.find("unable to contact bridge") != std::string::npos) {
    RC_ASSERT(kind == FailureKind::retryable);
  } else if (status == 404) {
    RC_ASSERT(kind == FailureKind::lock_missing);
  } else if (status == 400) {
    RC_ASSERT(kind == FailureKind::invalid_request || kind == FailureKind::rejected_value ||
              kind == FailureKind::limit_reached);
  }
}

// L1 on any timeline: every API request carries a token obtained at most
// (lifetime - margin) before it, and a new token is asked for only when needed.
RC_GTEST_PROP(ClientProperties, L1_TokensAreFreshAndNotWasted, ()) {
  const long long lifetime = *rc::gen::inRange<long long>(60, 200000);
  const long long margin = *rc::gen::inRange<long long>(0, 1000);
  const auto steps = *rc::gen::container<std::vector<long long>>(rc::gen::inRange<long long>(0, 100000));

  ScriptedTransport auth;
  ScriptedTransport api;
  std::map<std::string, Instant> issued_at;
  SimulatedClock clock;
  int counter = 0;
  auth.fallback = [&](const Request&) {
    const std::string token = "tok-" + std::to_string(++counter);
    issued_at[token] = clock.now();
    return testing::Outcome{respond(200, json{{"access_token", token}, {"expires_in", lifetime}})};
  };
  api.fallback = [](const Request&) { return testing::Outcome{respond(200, json{{"completed", true}})}; };
  ClientOptions options;
  options.refresh_before_expiry = Seconds{margin};
  Client client(auth, api, clock, options);
  RC_ASSERT(client.connect({"id", "secret"}).has_value());

  const long long usable = lifetime - std::min(margin, lifetime / 2);
  std::string previous = "tok-1";
  for (const long long step : steps) {
    clock.advance_to(clock.now() + Seconds{step});
    RC_ASSERT(client.job_status("J").has_value());
    const std::string bearer(api.requests.back().base()[http::field::authorization]);
    const std::string token = bearer.substr(std::string("Bearer ").size());
    const auto age = (clock.now() - issued_at.at(token)).count();
    RC_ASSERT(age < usable);
    if (token != previous) {
      // Replaced only because the previous one had become too old.
      RC_ASSERT((clock.now() - issued_at.at(previous)).count() >= usable);
      RC_ASSERT(age == 0);
    }
    previous = token;
  }
}

}  // namespace
}  // namespace lockstep::igloohome
