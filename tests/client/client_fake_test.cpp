// The igloohome client against a scripted transport: every request it sends
// (paths, headers, bodies, dates) and every classification of an answer (rule C6),
// token handling (L1) on a virtual clock.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "lockstep/igloohome/client.hpp"
#include "scripted_transport.hpp"

namespace lockstep::igloohome {
namespace {

using json = nlohmann::json;
using testing::respond;
using testing::ScriptedTransport;
using Kind = TransportFailure::Kind;

Instant at(std::string_view rfc3339) { return parse_instant(rfc3339).value(); }

std::string header(const Request& r, http::field f) { return std::string(r.base()[f]); }

struct ClientTest : ::testing::Test {
  ScriptedTransport auth;
  ScriptedTransport api;
  SimulatedClock clock{at("2026-03-01T00:00:00Z")};
  Credentials creds{"demo-client", "demo-secret"};

  ClientTest() { testing::issue_tokens(auth); }

  Client make(ClientOptions options = {}) { return Client(auth, api, clock, std::move(options)); }

  Client connected(ClientOptions options = {}) {
    Client c = make(std::move(options));
    EXPECT_TRUE(c.connect(creds).has_value());
    return c;
  }
};

// ---- L1: connecting and tokens ------------------------------------------------

TEST_F(ClientTest, L1_ConnectAsksForATokenWithBasicAuthAndAForm) {
  Client c = make();
  auto account = c.connect(creds);
  ASSERT_TRUE(account.has_value()) << account.error().message;
  ASSERT_EQ(auth.requests.size(), 1u);
  const Request& r = auth.requests[0];
  EXPECT_EQ(r.method(), http::verb::post);
  EXPECT_EQ(r.target(), "/oauth2/token");
  // base64("demo-client:demo-secret")
  EXPECT_EQ(header(r, http::field::authorization), "Basic ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ=");
  EXPECT_EQ(header(r, http::field::content_type), "application/x-www-form-urlencoded");
  EXPECT_EQ(r.body(), "grant_type=client_credentials");
  EXPECT_TRUE(c.connected());
  EXPECT_EQ(c.tokens_issued(), 1);
  EXPECT_EQ(c.token_expiry(), at("2026-03-02T00:00:00Z"));  // expires_in 86400 on the virtual clock
  EXPECT_TRUE(api.requests.empty());
}

TEST_F(ClientTest, L1_ScopesAreSentSpaceSeparatedWithTheirPrefix) {
  ClientOptions options;
  options.scopes = {"get-devices", "igloohomeapi/get-job-status"};
  Client c = connected(options);
  EXPECT_EQ(auth.requests.at(0).body(),
            "grant_type=client_credentials&scope=igloohomeapi%2Fget-devices%20igloohomeapi%2Fget-job-status");
}

TEST_F(ClientTest, L1_AccountNameComesFromTheTokenAnswerOrItsJwtOrTheClientId) {
  auth.then(200, json{{"access_token", "t"}, {"expires_in", 3600}, {"account_name", "Demo Host"}});
  EXPECT_EQ(make().connect(creds).value().name, "Demo Host");

  // header {"alg":"none"} . payload {"name":"Jwt Host","exp":1} . (no signature)
  auth.then(200, json{{"access_token", "eyJhbGciOiJub25lIn0.eyJuYW1lIjoiSnd0IEhvc3QiLCJleHAiOjF9."},
                      {"expires_in", 3600}});
  EXPECT_EQ(make().connect(creds).value().name, "Jwt Host");

  auth.then(200, json{{"access_token", "opaque"}, {"expires_in", 3600}});
  EXPECT_EQ(make().connect(creds).value().name, "demo-client");
}

TEST_F(ClientTest, L1_BadCredentialsAreNeedsReconnectWithStatusAndInvalidClient) {
  for (const int status : {400, 401}) {
    auth.then(status, json{{"error", "invalid_client"}});
    Client c = make();
    auto result = c.connect(creds);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().kind, FailureKind::needs_reconnect);
    EXPECT_EQ(result.error().http_status, status);
    EXPECT_EQ(result.error().message, "invalid_client");
    EXPECT_FALSE(c.connected());
    // Nothing stored: a call afterwards sends nothing.
    auto lock = c.describe_lock("LK-1");
    ASSERT_FALSE(lock.has_value());
    EXPECT_EQ(lock.error().kind, FailureKind::needs_reconnect);
    EXPECT_TRUE(api.requests.empty());
  }
}

TEST_F(ClientTest, L1_AFailedConnectKeepsThePreviousConnection) {
  Client c = connected();
  auth.then(401, json{{"error", "invalid_client"}});
  EXPECT_FALSE(c.connect({"other", "wrong"}).has_value());
  EXPECT_TRUE(c.connected());
  api.then(200, json{{"jobId", "J1"}});
  EXPECT_TRUE(c.delete_pin("LK-1", "BR-1", "123456").has_value());
  EXPECT_EQ(header(api.requests.at(0), http::field::authorization), "Bearer tok-1");
}

TEST_F(ClientTest, L1_ConnectFailuresOtherThanCredentialsAreClassified) {
  auth.then_fail(Kind::connect_failed);
  auto down = make().connect(creds);
  ASSERT_FALSE(down.has_value());
  EXPECT_EQ(down.error().kind, FailureKind::retryable);
  EXPECT_EQ(down.error().http_status, 0);

  auth.then(400, json{{"error", "invalid_request"}, {"message", "scope not owned"}});
  auto scope = make().connect(creds);
  ASSERT_FALSE(scope.has_value());
  EXPECT_EQ(scope.error().kind, FailureKind::invalid_request);

  auth.then(503, json{{"error", "unavailable"}});
  EXPECT_EQ(make().connect(creds).error().kind, FailureKind::retryable);

  auth.then(200, json{{"token_type", "Bearer"}});  // no access_token
  EXPECT_EQ(make().connect(creds).error().kind, FailureKind::retryable);

  auth.then(testing::Outcome{respond(200, std::string("{not json"))});
  EXPECT_EQ(make().connect(creds).error().kind, FailureKind::retryable);
}

TEST_F(ClientTest, L1_TheTokenIsReusedUntilShortlyBeforeItExpires) {
  Client c = connected();  // token valid until 2026-03-02T00:00Z, refreshed from 23:55Z
  api.fallback = [](const Request&) { return testing::Outcome{respond(200, json{{"jobId", "J"}})}; };
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.job_status("J").has_value());
  EXPECT_EQ(c.tokens_issued(), 1);

  clock.advance_to(at("2026-03-01T23:54:59Z"));
  ASSERT_TRUE(c.job_status("J").has_value());
  EXPECT_EQ(c.tokens_issued(), 1);
  EXPECT_EQ(header(api.requests.back(), http::field::authorization), "Bearer tok-1");

  clock.advance_to(at("2026-03-01T23:55:00Z"));  // refresh_before_expiry = 300 s
  ASSERT_TRUE(c.job_status("J").has_value());
  EXPECT_EQ(c.tokens_issued(), 2);
  EXPECT_EQ(header(api.requests.back(), http::field::authorization), "Bearer tok-2");
  EXPECT_EQ(c.token_expiry(), at("2026-03-02T23:55:00Z"));
  EXPECT_EQ(auth.requests.size(), 2u);
}

TEST_F(ClientTest, L1_RefreshMarginIsConfigurableAndShortTokensAreHalvedNotWasted) {
  ClientOptions options;
  options.refresh_before_expiry = Seconds{60};
  Client c = connected(options);
  api.fallback = [](const Request&) { return testing::Outcome{respond(200, json{{"jobId", "J"}})}; };
  clock.advance_to(at("2026-03-01T23:58:59Z"));
  ASSERT_TRUE(c.job_status("J").has_value());
  EXPECT_EQ(c.tokens_issued(), 1);
  clock.advance_to(at("2026-03-01T23:59:00Z"));
  ASSERT_TRUE(c.job_status("J").has_value());
  EXPECT_EQ(c.tokens_issued(), 2);

  // A 400 s token with the default 300 s margin is used for its first 200 s.
  testing::issue_tokens(auth, 400);
  Client s = connected();
  const Instant t0 = clock.now();
  clock.advance_to(t0 + Seconds{199});
  ASSERT_TRUE(s.job_status("J").has_value());
  EXPECT_EQ(s.tokens_issued(), 1);
  clock.advance_to(t0 + Seconds{200});
  ASSERT_TRUE(s.job_status("J").has_value());
  EXPECT_EQ(s.tokens_issued(), 2);
}

TEST_F(ClientTest, L1_A401GetsExactlyOneNewTokenAndOneRepeat) {
  Client c = connected();
  api.then(401, json{{"error", "unauthorized"}});
  api.then(200, json{{"jobId", "J7"}, {"completed", true}});
  auto status = c.job_status("J7");
  ASSERT_TRUE(status.has_value()) << status.error().message;
  EXPECT_EQ(status->state, JobState::completed);
  ASSERT_EQ(api.requests.size(), 2u);
  EXPECT_EQ(header(api.requests[0], http::field::authorization), "Bearer tok-1");
  EXPECT_EQ(header(api.requests[1], http::field::authorization), "Bearer tok-2");
  EXPECT_EQ(api.requests[0].target(), api.requests[1].target());
  EXPECT_EQ(auth.requests.size(), 2u);
  // The new token is then reused.
  api.then(200, json{{"completed", true}});
  ASSERT_TRUE(c.job_status("J7").has_value());
  EXPECT_EQ(header(api.requests[2], http::field::authorization), "Bearer tok-2");
  EXPECT_EQ(auth.requests.size(), 2u);
}

TEST_F(ClientTest, L1_RepeatedPostCarriesTheSameBody) {
  Client c = connected();
  api.then(401, json{{"error", "unauthorized"}});
  api.then(200, json{{"jobId", "J1"}});
  ASSERT_TRUE(c.delete_pin("LK-1", "BR-1", "424242").has_value());
  ASSERT_EQ(api.requests.size(), 2u);
  EXPECT_EQ(api.requests[0].body(), api.requests[1].body());
  EXPECT_EQ(api.requests[1].method(), http::verb::post);
}

TEST_F(ClientTest, C6_Still401AfterANewTokenIsNeedsReconnect) {
  Client c = connected();
  api.then(401, json{{"error", "unauthorized"}});
  api.then(401, json{{"error", "unauthorized"}});
  auto result = c.describe_lock("LK-1");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, FailureKind::needs_reconnect);
  EXPECT_EQ(result.error().http_status, 401);
  EXPECT_EQ(api.requests.size(), 2u);   // one call, one repeat, no more
  EXPECT_EQ(auth.requests.size(), 2u);  // connect + one refresh
}

TEST_F(ClientTest, C6_403GetsOneNewTokenAndOneRepeatThenNeedsReconnect) {
  Client c = connected();
  api.then(403, json{{"error", "forbidden"}, {"message", "scope not granted"}});
  api.then(403, json{{"error", "forbidden"}, {"message", "scope not granted"}});
  auto result = c.create_algopin({"LK-ALGO", {}, 1, "b1"});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, FailureKind::needs_reconnect);
  EXPECT_EQ(result.error().http_status, 403);
  EXPECT_EQ(api.requests.size(), 2u);   // L1 (amended): as a 401, one repeat
  EXPECT_EQ(auth.requests.size(), 2u);  // connect + one new token
}

TEST_F(ClientTest, C6_408IsRetryable) {
  Client c = connected();
  api.then(408, json{{"error", "request_timeout"}});
  auto result = c.delete_pin("LK-1", "BR-1", "123456");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, FailureKind::retryable);
  EXPECT_EQ(result.error().http_status, 408);
}

TEST_F(ClientTest, C6_TheRefreshItselfFailingIsReportedAsSuch) {
  Client c = connected();
  api.then(401, json{{"error", "unauthorized"}});
  auth.then(401, json{{"error", "invalid_client"}});  // credentials revoked meanwhile
  auto revoked = c.job_status("J");
  ASSERT_FALSE(revoked.has_value());
  EXPECT_EQ(revoked.error().kind, FailureKind::needs_reconnect);

  api.then(401, json{{"error", "unauthorized"}});
  auth.then_fail(Kind::timeout);  // token host unreachable: try again later
  auto later = c.job_status("J");
  ASSERT_FALSE(later.has_value());
  EXPECT_EQ(later.error().kind, FailureKind::retryable);
}

TEST_F(ClientTest, L4_AfterDisconnectNoCallIsMade) {
  Client c = connected();
  c.disconnect();
  EXPECT_FALSE(c.connected());
  EXPECT_FALSE(c.token_expiry().has_value());
  const auto before = auth.requests.size();
  EXPECT_EQ(c.describe_lock("LK-1").error().kind, FailureKind::needs_reconnect);
  EXPECT_EQ(c.create_pin({"LK-1", "BR-1", "123456", "b", {}, {}, {}, {}}).error().kind,
            FailureKind::needs_reconnect);
  EXPECT_EQ(c.delete_pin("LK-1", "BR-1", "123456").error().kind, FailureKind::needs_reconnect);
  EXPECT_EQ(c.job_status("J").error().kind, FailureKind::needs_reconnect);
  EXPECT_EQ(c.create_algopin({"LK-ALGO", {}, 1, "b"}).error().kind, FailureKind::needs_reconnect);
  EXPECT_TRUE(api.requests.empty());
  EXPECT_EQ(auth.requests.size(), before);
}

// ---- C6: classification of every answer ------------------------------------

struct MappingCase {
  const char* name;
  int status;  // 0: a transport failure instead
  std::string body;
  FailureKind expected;
  Kind transport = Kind::connect_failed;
};

void PrintTo(const MappingCase& c, std::ostream* os) { *os << c.name; }

struct C6Mapping : ClientTest, ::testing::WithParamInterface<MappingCase> {};

TEST_P(C6Mapping, EveryCallClassifiesTheSameWay) {
  const MappingCase& m = GetParam();
  Client c = connected();
  auto script = [&] {
    if (m.status == 0) {
      api.then_fail(m.transport);
    } else {
      api.then(testing::Outcome{respond(m.status, m.body)});
      // C6/L1: a 403 gets one new token and one repeat; the repeat's 403 is terminal.
      if (m.status == 403) api.then(testing::Outcome{respond(m.status, m.body)});
    }
  };
  auto check = [&](const auto& result, const char* call) {
    ASSERT_FALSE(result.has_value()) << call;
    EXPECT_EQ(result.error().kind, m.expected) << call << ": got " << to_string(result.error().kind);
    EXPECT_EQ(result.error().http_status, m.status) << call;
    EXPECT_FALSE(result.error().message.empty()) << call;
  };
  script();
  check(c.create_pin({"LK-1", "BR-1", "123456", "b1", at("2026-03-05T14:30:00Z"),
                      at("2026-03-08T10:30:00Z"), Seconds{3600}, Seconds{3600}}),
        "create_pin");
  script();
  check(c.delete_pin("LK-1", "BR-1", "123456"), "delete_pin");
  script();
  check(c.create_algopin({"LK-ALGO",
                          {AlgoPinType::hourly, at("2026-03-05T14:00:00Z"), at("2026-03-08T11:00:00Z"),
                           Seconds{3600}, Seconds{3600}},
                          1, "b1"}),
        "create_algopin");
  if (m.status != 404) {  // an unknown job is a failed job, and devices 404 is lock_missing as well
    script();
    check(c.job_status("J1"), "job_status");
  }
  script();
  check(c.describe_lock("LK-1"), "describe_lock");
}

INSTANTIATE_TEST_SUITE_P(
    C6, C6Mapping,
    ::testing::Values(
        MappingCase{"connect_failed", 0, "", FailureKind::retryable, Kind::connect_failed},
        MappingCase{"timeout", 0, "", FailureKind::retryable, Kind::timeout},
        MappingCase{"reset", 0, "", FailureKind::retryable, Kind::reset},
        MappingCase{"empty", 0, "", FailureKind::retryable, Kind::empty_response},
        MappingCase{"malformed_http", 0, "", FailureKind::retryable, Kind::malformed},
        MappingCase{"malformed_body_200", 200, "{\"jobId\": ", FailureKind::retryable},
        MappingCase{"empty_body_200", 200, "", FailureKind::retryable},
        MappingCase{"http500", 500, R"({"error":"internal"})", FailureKind::retryable},
        MappingCase{"http502_html", 502, "<html>bad gateway</html>", FailureKind::retryable},
        MappingCase{"http503", 503, "", FailureKind::retryable},
        MappingCase{"http429", 429, R"({"error":"rate_limited"})", FailureKind::retryable},
        MappingCase{"http406", 406, R"({"error":"bridge_offline","message":"unable to contact bridge"})",
                    FailureKind::retryable},
        MappingCase{"http400_bridge_text", 400, R"({"error":"bad_request","message":"Unable to contact bridge BR-1"})",
                    FailureKind::retryable},
        MappingCase{"http409_bridge_text", 409, "unable to contact bridge", FailureKind::retryable},
        MappingCase{"invalid_pin", 400, R"({"error":"invalid_pin","message":"PIN refused"})",
                    FailureKind::rejected_value},
        MappingCase{"no_variance", 400, R"({"error":"no_variance_available"})", FailureKind::limit_reached},
        MappingCase{"pin_limit", 400, R"({"error":"pin_limit_reached"})", FailureKind::limit_reached},
        MappingCase{"other_400", 400, R"({"error":"invalid_request","message":"startDate: not on the hour"})",
                    FailureKind::invalid_request},
        MappingCase{"bare_400", 400, "", FailureKind::invalid_request},
        MappingCase{"http422", 422, R"({"error":"unprocessable"})", FailureKind::invalid_request},
        MappingCase{"http404", 404, R"({"error":"not_found","message":"no device LK-1"})",
                    FailureKind::lock_missing},
        MappingCase{"http403", 403, R"({"error":"forbidden"})", FailureKind::needs_reconnect}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST_F(ClientTest, C6_TheServerMessageIsKeptForTheAuditTrail) {
  Client c = connected();
  api.then(406, json{{"error", "bridge_offline"}, {"message", "unable to contact bridge"}});
  auto result = c.delete_pin("LK-1", "BR-1", "123456");
  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().message.find("unable to contact bridge"), std::string::npos);
  EXPECT_EQ(result.error().http_status, 406);
}

// ---- describe_lock -----------------------------------------------------------

json device(std::string id, std::string type, json linked = json::array()) {
  return json{{"id", "i-" + id},     {"type", type},     {"deviceId", id}, {"deviceName", id + " name"},
              {"pairedAt", "2025-01-01T00:00:00Z"},     {"homeId", json::array()},
              {"linkedDevices", std::move(linked)},     {"batteryLevel", 80}};
}

TEST_F(ClientTest, DescribeLockFollowsCursorsAndFindsTheBridgeThatListsTheLock) {
  Client c = connected();
  api.then(200, json{{"nextCursor", "c/2 x"},
                     {"payload", {device("BR-1", "Bridge", {{{"type", "Lock"}, {"deviceId", "LK-1"}},
                                                            {{"type", "Lock"}, {"deviceId", "LK-2"}}})}}});
  api.then(200, json{{"nextCursor", "c3"}, {"payload", {device("LK-ALGO", "Lock")}}});
  api.then(200, json{{"nextCursor", nullptr}, {"payload", {device("LK-2", "Lock")}}});
  auto lock = c.describe_lock("LK-2");
  ASSERT_TRUE(lock.has_value()) << lock.error().message;
  EXPECT_EQ(lock->lock_id, "LK-2");
  EXPECT_EQ(lock->bridge_id, "BR-1");
  EXPECT_EQ(lock->kind(), LockKind::bridge);
  ASSERT_EQ(api.requests.size(), 3u);
  EXPECT_EQ(api.requests[0].target(), "/igloohome/devices");
  EXPECT_EQ(api.requests[1].target(), "/igloohome/devices?cursor=c%2F2%20x");
  EXPECT_EQ(api.requests[2].target(), "/igloohome/devices?cursor=c3");
  for (const auto& r : api.requests) {
    EXPECT_EQ(r.method(), http::verb::get);
    EXPECT_EQ(header(r, http::field::authorization), "Bearer tok-1");
  }
}

TEST_F(ClientTest, DescribeLockWithoutABridgeIsAnAlgoPinLock) {
  Client c = connected();
  api.then(200, json{{"nextCursor", nullptr},
                     {"payload", {device("BR-1", "Bridge", {{{"type", "Lock"}, {"deviceId", "LK-1"}}}),
                                  device("LK-1", "Lock"), device("LK-ALGO", "Lock")}}});
  auto lock = c.describe_lock("LK-ALGO");
  ASSERT_TRUE(lock.has_value());
  EXPECT_FALSE(lock->bridge_id.has_value());
  EXPECT_EQ(lock->kind(), LockKind::algopin);
}

TEST_F(ClientTest, DescribeLockAcceptsABridgeLinkedOnTheLockItself) {
  Client c = connected();
  api.then(200, json{{"payload", {device("LK-9", "Lock", {{{"type", "Bridge"}, {"deviceId", "BR-9"}}})}}});
  auto lock = c.describe_lock("LK-9");
  ASSERT_TRUE(lock.has_value());
  EXPECT_EQ(lock->bridge_id, "BR-9");
}

TEST_F(ClientTest, DescribeLockOfAnAbsentDeviceOrANonLockIsLockMissing) {
  Client c = connected();
  const json page{{"nextCursor", nullptr},
                  {"payload", {device("BR-1", "Bridge", {{{"type", "Lock"}, {"deviceId", "LK-1"}}}),
                               device("LK-1", "Lock"), device("KP-1", "Keypad")}}};
  for (const char* id : {"LK-404", "BR-1", "KP-1"}) {
    api.then(200, page);
    auto lock = c.describe_lock(id);
    ASSERT_FALSE(lock.has_value()) << id;
    EXPECT_EQ(lock.error().kind, FailureKind::lock_missing) << id;
    EXPECT_NE(lock.error().message.find(id), std::string::npos) << lock.error().message;
  }
}

TEST_F(ClientTest, DescribeLockRefusesAListWhoseCursorRepeats) {
  Client c = connected();
  api.then(200, json{{"nextCursor", "same"}, {"payload", json::array()}});
  api.then(200, json{{"nextCursor", "same"}, {"payload", json::array()}});
  auto lock = c.describe_lock("LK-1");
  ASSERT_FALSE(lock.has_value());
  EXPECT_EQ(lock.error().kind, FailureKind::retryable);
  EXPECT_EQ(api.requests.size(), 2u);
}

TEST_F(ClientTest, DescribeLockRefusesAPageWithoutPayload) {
  Client c = connected();
  api.then(200, json{{"devices", json::array()}});
  EXPECT_EQ(c.describe_lock("LK-1").error().kind, FailureKind::retryable);
}

// ---- bridge jobs -------------------------------------------------------------

TEST_F(ClientTest, C4_CreatePinPostsJobType4WithDatesInThePropertysOffsets) {
  Client c = connected();
  api.then(200, json{{"jobId", "job-1"}});
  // Europe/Paris: valid_from before the spring-forward (+01:00), valid_until after (+02:00).
  const PinJob job{"LK-1", "BR-1", "012345", "b1", at("2026-03-28T14:30:00Z"), at("2026-03-30T09:30:00Z"),
                   Seconds{3600}, Seconds{7200}};
  auto id = c.create_pin(job);
  ASSERT_TRUE(id.has_value()) << id.error().message;
  EXPECT_EQ(*id, "job-1");
  ASSERT_EQ(api.requests.size(), 1u);
  const Request& r = api.requests[0];
  EXPECT_EQ(r.method(), http::verb::post);
  EXPECT_EQ(r.target(), "/igloohome/devices/LK-1/jobs/bridges/BR-1");
  EXPECT_EQ(header(r, http::field::content_type), "application/json");
  EXPECT_EQ(header(r, http::field::authorization), "Bearer tok-1");
  EXPECT_EQ(json::parse(r.body()),
            (json{{"jobType", 4},
                  {"jobData",
                   {{"accessName", "lockstep b1"},
                    {"pin", "012345"},
                    {"pinType", 4},
                    {"startDate", "2026-03-28T15:30:00+01:00"},
                    {"endDate", "2026-03-30T11:30:00+02:00"}}}}));
  // Field order as the contract writes it.
  EXPECT_EQ(r.body(),
            R"({"jobType":4,"jobData":{"accessName":"lockstep b1","pin":"012345","pinType":4,)"
            R"("startDate":"2026-03-28T15:30:00+01:00","endDate":"2026-03-30T11:30:00+02:00"}})");
}

TEST_F(ClientTest, C4_NegativeAndHalfHourOffsetsAreWrittenExactly) {
  Client c = connected();
  api.then(201, json{{"jobId", 77}});  // 201 and a numeric id are accepted too
  auto id = c.create_pin({"LK-1", "BR-1", "555123", "", at("2026-07-01T20:00:00Z"),
                          at("2026-07-05T02:00:00Z"), Seconds{-(3 * 3600 + 1800)}, Seconds{5 * 3600 + 2700}});
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(*id, "77");
  const json body = json::parse(api.requests.at(0).body());
  EXPECT_EQ(body["jobData"]["startDate"], "2026-07-01T16:30:00-03:30");
  EXPECT_EQ(body["jobData"]["endDate"], "2026-07-05T07:45:00+05:45");
  EXPECT_EQ(body["jobData"]["accessName"], "lockstep");
}

TEST_F(ClientTest, AccessNamePrefixCanBeDropped) {
  ClientOptions options;
  options.access_name_prefix = "";
  Client c = connected(options);
  api.then(200, json{{"jobId", "j"}});
  ASSERT_TRUE(c.create_pin({"LK-1", "BR-1", "555123", "booking 9", {}, {}, {}, {}}).has_value());
  EXPECT_EQ(json::parse(api.requests.at(0).body())["jobData"]["accessName"], "booking 9");
}

TEST_F(ClientTest, C4_DeletePinPostsJobType5WithThePin) {
  Client c = connected();
  api.then(200, json{{"jobId", "job-2"}});
  auto id = c.delete_pin("LK-2", "BR-1", "987650");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(*id, "job-2");
  const Request& r = api.requests.at(0);
  EXPECT_EQ(r.target(), "/igloohome/devices/LK-2/jobs/bridges/BR-1");
  EXPECT_EQ(r.body(), R"({"jobType":5,"jobData":{"pin":"987650"}})");
}

TEST_F(ClientTest, JobIdsAndLockIdsArePercentEncodedInPaths) {
  Client c = connected();
  api.then(200, json{{"jobId", "j"}});
  ASSERT_TRUE(c.delete_pin("LK 1/x", "BR?1", "123456").has_value());
  EXPECT_EQ(api.requests.at(0).target(), "/igloohome/devices/LK%201%2Fx/jobs/bridges/BR%3F1");
  api.then(200, json{{"completed", true}});
  ASSERT_TRUE(c.job_status("a/b").has_value());
  EXPECT_EQ(api.requests.at(1).target(), "/igloohome/jobs/a%2Fb");
}

TEST_F(ClientTest, CreatePinWithoutAJobIdInTheAnswerIsRetryable) {
  Client c = connected();
  api.then(200, json{{"job", "x"}});
  auto id = c.create_pin({"LK-1", "BR-1", "123456", "b", {}, {}, {}, {}});
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().kind, FailureKind::retryable);
  EXPECT_EQ(id.error().http_status, 200);
}

TEST_F(ClientTest, C6_JobStatusReadsCompletedAndJobStatusAsProductionPollersDo) {
  // igloohome-api.md: done when `completed === true || jobResponse.jobStatus === 0`,
  // failed when `jobResponse.jobStatus === 2`, anything else pending. A textual
  // `status` is not an igloohome field and decides nothing.
  Client c = connected();
  struct Case {
    json answer;
    JobState expected;
  };
  const std::vector<Case> cases{
      {{{"jobId", "J"}, {"completed", true}, {"jobType", "4"}, {"jobResponse", json::object()}}, JobState::completed},
      {{{"jobId", "J"}, {"completed", true}, {"jobResponse", {{"jobStatus", 2}}}}, JobState::completed},
      {{{"jobId", "J"}, {"completed", false}, {"jobResponse", {{"jobStatus", 0}}}}, JobState::completed},
      {{{"jobId", "J"}, {"completed", false}, {"jobResponse", {{"jobStatus", 2}, {"message", "lock busy"}}}},
       JobState::failed},
      {{{"jobId", "J"}, {"completed", false}, {"jobResponse", {{"jobStatus", 1}}}}, JobState::pending},
      {{{"jobId", "J"}, {"completed", false}, {"jobResponse", {{"jobStatus", "2"}}}}, JobState::pending},
      {{{"jobId", "J"}, {"completed", false}, {"jobResponse", {{"status", "failed"}}}}, JobState::pending},
      {{{"jobId", "J"}, {"completed", false}, {"jobResponse", {{"status", "expired"}}}}, JobState::pending},
      {{{"jobId", "J"}, {"completed", false}}, JobState::pending},
      {{{"jobId", "J"}, {"completed", "yes"}}, JobState::pending},
  };
  for (const auto& k : cases) {
    api.then(200, k.answer);
    auto status = c.job_status("J");
    ASSERT_TRUE(status.has_value()) << k.answer.dump();
    EXPECT_EQ(status->state, k.expected) << k.answer.dump();
  }
  api.then(200, json{{"jobResponse", {{"jobStatus", 2}, {"message", "lock busy"}}}});
  EXPECT_EQ(c.job_status("J")->detail, "lock busy");
  EXPECT_EQ(api.requests.back().target(), "/igloohome/jobs/J");
  EXPECT_EQ(api.requests.back().method(), http::verb::get);
}

TEST_F(ClientTest, JobStatusOfAnUnknownJobIsAFailedJobNotAMissingLock) {
  Client c = connected();
  api.then(404, json{{"error", "not_found"}});
  auto status = c.job_status("J-gone");
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->state, JobState::failed);
  EXPECT_NE(status->detail.find("J-gone"), std::string::npos);
}

// ---- algoPIN -----------------------------------------------------------------

TEST_F(ClientTest, C5_HourlyAlgoPinSendsVarianceDatesAndAccessName) {
  Client c = connected();
  api.then(200, json{{"pin", "123456789"}, {"pinId", "p-1"}});
  const AlgoPinRequest request{"LK-ALGO",
                               {AlgoPinType::hourly, at("2026-03-28T14:00:00Z"), at("2026-03-30T10:00:00Z"),
                                Seconds{3600}, Seconds{7200}},
                               2,
                               "b7"};
  auto pin = c.create_algopin(request);
  ASSERT_TRUE(pin.has_value()) << pin.error().message;
  EXPECT_EQ(pin->pin, "123456789");
  EXPECT_EQ(pin->pin_id, "p-1");
  const Request& r = api.requests.at(0);
  EXPECT_EQ(r.method(), http::verb::post);
  EXPECT_EQ(r.target(), "/igloohome/devices/LK-ALGO/algopin/hourly");
  EXPECT_EQ(r.body(), R"({"variance":2,"startDate":"2026-03-28T15:00:00+01:00",)"
                      R"("endDate":"2026-03-30T12:00:00+02:00","accessName":"lockstep b7"})");
}

TEST_F(ClientTest, C5_DailyHasAnEndDateOnetimeAndPermanentDoNot) {
  Client c = connected();
  api.fallback = [](const Request&) { return testing::Outcome{respond(200, json{{"pin", "0012345"}, {"pinId", 9}})}; };
  const Instant start = at("2026-05-01T13:00:00Z");
  const Instant end = at("2026-06-05T13:00:00Z");
  for (const auto type : {AlgoPinType::daily, AlgoPinType::onetime, AlgoPinType::permanent}) {
    auto pin = c.create_algopin({"LK-ALGO", {type, start, end, Seconds{0}, Seconds{0}}, 1, "b"});
    ASSERT_TRUE(pin.has_value());
    EXPECT_EQ(pin->pin, "0012345");  // leading zeros kept: the PIN is a string
    EXPECT_EQ(pin->pin_id, "9");
    const json body = json::parse(api.requests.back().body());
    EXPECT_EQ(api.requests.back().target(), "/igloohome/devices/LK-ALGO/algopin/" + std::string(to_string(type)));
    EXPECT_EQ(body["startDate"], "2026-05-01T13:00:00+00:00");
    EXPECT_EQ(body.contains("endDate"), type == AlgoPinType::daily) << to_string(type);
  }
}

TEST_F(ClientTest, C5_AlgoPinAnswerWithoutAPinIsRetryable) {
  Client c = connected();
  api.then(200, json{{"pin", 12345678}, {"pinId", "p"}});  // a number would lose leading zeros
  EXPECT_EQ(c.create_algopin({"LK-ALGO", {}, 1, "b"}).error().kind, FailureKind::retryable);
}

// ---- options -------------------------------------------------------------------

TEST_F(ClientTest, PrefixesComeFromTheOptions) {
  ClientOptions options;
  options.token_path = "/auth/oauth2/token";
  options.api_prefix = "";
  Client c = connected(options);
  EXPECT_EQ(auth.requests.at(0).target(), "/auth/oauth2/token");
  api.then(200, json{{"completed", true}});
  ASSERT_TRUE(c.job_status("J").has_value());
  EXPECT_EQ(api.requests.at(0).target(), "/jobs/J");
}

}  // namespace
}  // namespace lockstep::igloohome
