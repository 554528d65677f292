// Issue 14, the handler's findings, each as a regression test: deep nesting in a
// token request, a job's jobData and a journaled 405 (items 1, 2); secrets that
// reached /__admin/requests through a form under another Content-Type, an
// escaped JSON key or the query string (item 4); signed overflow of the admin
// clock (item 5); the journal served in pages (item 9); an instant past 9999
// written by the mock (item 10). And a property test of the one redaction.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "lockstep/mock/redact.hpp"
#include "support.hpp"

namespace lockstep::mock::testing {
namespace {

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// Item 1: one unauthenticated token request nesting 100,000 arrays killed the mock
// (the journal's redaction recursed once per level).
TEST(HostileHandler, ADeeplyNestedTokenBodyIs400AndTheJournalStaysReadable) {
  Mock mock;
  Api api(mock);
  auto req = make_request(http::verb::post, "/oauth2/token", "{\"a\":" + nested_arrays(100'000) + "}");
  auto a = to_answer(mock.handle(req));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.body["error"], "invalid_request");
  EXPECT_NE(a.body["message"].get<std::string>().find("128"), std::string::npos) << a.body.dump();
  auto journal = api.admin(http::verb::get, "/__admin/requests");
  ASSERT_EQ(journal.status, 200);
  ASSERT_EQ(journal.body["requests"].size(), 1u);
  EXPECT_TRUE(journal.body["requests"][0]["body"].is_string());  // described, not kept
}

// Item 2: an authenticated job whose jobData nests 100k deep (the JSON copy
// recursed), and GET /__admin/requests after a journaled 405 nesting 80k deep.
TEST(HostileHandler, DeepJobDataAndADeep405AreAnsweredAndJournaledSafely) {
  Mock mock;
  Api api(mock);
  api.login();
  auto job = api.raw(http::verb::post, "/igloohome/devices/LK-1/jobs/bridges/BR-1",
                     "{\"jobType\":4,\"jobData\":" + nested_arrays(100'000) + "}");
  EXPECT_EQ(job.status, 400);
  EXPECT_EQ(job.body["error"], "invalid_request");
  auto not_allowed = api.raw(http::verb::put, "/igloohome/devices", nested_arrays(80'000));
  EXPECT_EQ(not_allowed.status, 405);
  auto journal = api.admin(http::verb::get, "/__admin/requests");
  ASSERT_EQ(journal.status, 200);
  EXPECT_EQ(journal.body["requests"].size(), 3u);
  // Shallow enough is fine: 100 levels is within the limit.
  auto ok = api.raw(http::verb::post, "/igloohome/devices/LK-1/jobs/bridges/BR-1",
                    "{\"jobType\":1,\"x\":" + nested_arrays(100) + "}");
  EXPECT_EQ(ok.status, 200) << ok.body.dump();
}

TEST(HostileHandler, AnAdminBodyAndAWorldFileNestedTooDeepAreRefused) {
  Mock mock;
  auto req = make_request(http::verb::post, "/__admin/faults", "{\"kind\":" + nested_arrays(50'000) + "}");
  auto deep = to_answer(mock.handle(req));
  EXPECT_EQ(deep.status, 400);
  EXPECT_NE(deep.body["message"].get<std::string>().find("nested deeper"), std::string::npos);
  const std::string path = ::testing::TempDir() + "/lockstep-deep-world.json";
  std::ofstream(path) << "{\"locks\": " << nested_arrays(100'000) << "}";
  auto world = load_world_file(path);
  ASSERT_FALSE(world);
  EXPECT_EQ(world.error().code, ErrorCode::invalid_json);
  EXPECT_NE(world.error().message.find("nested deeper than 128"), std::string::npos) << world.error().message;
  std::remove(path.c_str());
}

// Item 4: a token request whose form body comes as text/plain or with no
// Content-Type was accepted and journaled raw.
TEST(HostileHandler, ATokenFormUnderAnotherContentTypeIs415AndJournaledWithoutItsBody) {
  Mock mock;
  Api api(mock);
  const std::string form = "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret";
  for (const std::string type : {"text/plain", ""}) {
    auto req = make_request(http::verb::post, "/oauth2/token", form, type);
    if (type.empty()) req.erase(http::field::content_type);
    auto a = to_answer(mock.handle(req));
    EXPECT_EQ(a.status, 415) << type;
    EXPECT_EQ(a.body["error"], "unsupported_media_type");
  }
  auto journal = api.admin(http::verb::get, "/__admin/requests");
  ASSERT_EQ(journal.body["requests"].size(), 2u);
  for (const auto& e : journal.body["requests"]) EXPECT_TRUE(e["body"].is_null()) << e.dump();
  EXPECT_EQ(journal.body.dump().find("demo-secret"), std::string::npos);
  // The form as a form, with a charset, is fine.
  auto ok = to_answer(mock.handle(
      make_request(http::verb::post, "/oauth2/token", form, "application/x-www-form-urlencoded; charset=utf-8")));
  EXPECT_EQ(ok.status, 200) << ok.body.dump();
}

// Item 4: a JSON key written with an escape slipped past the raw-text check, and
// the query string was stored unredacted.
TEST(HostileHandler, EscapedKeysAndQueryStringsAreRedactedByWhatTheyParseTo) {
  Mock mock;
  Api api(mock);
  auto json_token = to_answer(mock.handle(make_request(
      http::verb::post, "/oauth2/token",
      R"({"grant_type":"client_credentials","client_id":"demo-client","client\u005fsecret":"demo-secret"})")));
  EXPECT_EQ(json_token.status, 200) << json_token.body.dump();
  api.raw(http::verb::post, "/igloohome/devices", R"({"nested":[{"Access\u005FToken":"tok-secret-1"}]})");
  api.get("/igloohome/devices?client%5Fsecret=query-secret-2&cursor=x&access_token=query-secret-3");
  auto journal = api.admin(http::verb::get, "/__admin/requests");
  const std::string dump = journal.body.dump();
  for (const char* secret : {"demo-secret", "tok-secret-1", "query-secret-2", "query-secret-3"}) {
    EXPECT_EQ(dump.find(secret), std::string::npos) << secret << " in " << dump;
  }
  EXPECT_EQ(journal.body["requests"][2]["query"], "client%5Fsecret=***&cursor=x&access_token=***");
}

// Item 5: {"advance_seconds": 9223372036854775807} answered 200 with a clock of
// year -10428 (signed overflow).
TEST(HostileHandler, AdminClockArithmeticIsChecked) {
  Mock mock;
  Api api(mock);
  for (const json& body : {json{{"advance_seconds", 9223372036854775807LL}},
                           json{{"advance_seconds", -9223372036854775807LL - 1}},
                           json{{"advance_seconds", 18446744073709551615ULL}},
                           json{{"advance_seconds", 300'000'000'000LL}}}) {
    auto a = api.admin(http::verb::post, "/__admin/clock", body);
    EXPECT_EQ(a.status, 400) << body.dump();
    EXPECT_EQ(a.body["message"].get<std::string>().rfind("advance_seconds:", 0), 0u) << a.body.dump();
  }
  EXPECT_EQ(mock.now(), at("2026-01-01T00:00:00Z"));
  auto last = api.admin(http::verb::post, "/__admin/clock", {{"now", "9999-12-31T23:50:00Z"}});
  EXPECT_EQ(last.status, 200);
  EXPECT_EQ(api.admin(http::verb::post, "/__admin/clock", {{"advance_seconds", 599}}).status, 200);
  EXPECT_EQ(api.admin(http::verb::post, "/__admin/clock", {{"advance_seconds", 1}}).status, 400);
}

// Item 10: the mock emitted expiryDate "10000-01-01T00:09:59Z", which it refuses to parse.
TEST(HostileHandler, TheMockNeverWritesAnInstantPast9999) {
  Mock mock;
  Api api(mock);
  mock.set_now(at("9999-12-31T23:55:00Z"));
  api.login();
  auto job = api.post("/igloohome/devices/LK-1/jobs/bridges/BR-1", {{"jobType", 10}});
  ASSERT_EQ(job.status, 200) << job.body.dump();
  auto status = api.get("/igloohome/jobs/" + job.body["jobId"].get<std::string>());
  const std::string expiry = status.body["expiryDate"];
  EXPECT_EQ(expiry, "9999-12-31T23:59:59Z");
  EXPECT_TRUE(parse_instant(expiry));
  auto jobs = api.admin(http::verb::get, "/__admin/jobs");
  const std::string dump = jobs.body.dump();
  EXPECT_EQ(dump.find("10000-"), std::string::npos) << dump;
}

// Item 9 (the journal part): 100k entries answered 104 MB at once. Now pages.
TEST(HostileHandler, TheJournalIsServedInPages) {
  Mock mock;
  Api api(mock);
  api.login();
  for (int i = 0; i < 1'205; ++i) api.get("/igloohome/devices/LK-1");
  auto first = api.admin(http::verb::get, "/__admin/requests");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.body["requests"].size(), 1000u);  // the default limit
  EXPECT_EQ(first.body["total"], 1206);
  EXPECT_EQ(first.body["next_offset"], 1000);
  auto rest = api.admin(http::verb::get, "/__admin/requests?offset=1000&limit=500");
  EXPECT_EQ(rest.body["requests"].size(), 206u);
  EXPECT_TRUE(rest.body["next_offset"].is_null());
  EXPECT_EQ(rest.body["requests"][0]["path"], "/igloohome/devices/LK-1");
  EXPECT_EQ(api.admin(http::verb::get, "/__admin/requests?limit=0").status, 400);
  EXPECT_EQ(api.admin(http::verb::get, "/__admin/requests?offset=-1").status, 400);
  EXPECT_EQ(api.admin(http::verb::get, "/__admin/requests?offset=99999").body["requests"].size(), 0u);
}

// Issue 15 item 7: /__admin/world without the client secret; the request log line.
TEST(HostileHandler, TheWorldIsShownWithoutSecretsAndEachRequestCanBeLogged) {
  Mock mock;
  Api api(mock);
  std::vector<std::string> lines;
  mock.set_request_log([&](const std::string& line) { lines.push_back(line); });
  auto world = api.admin(http::verb::get, "/__admin/world");
  EXPECT_EQ(world.body["accounts"][0]["client_secret"], "***");
  EXPECT_EQ(world.body.dump().find("demo-secret"), std::string::npos);
  api.login();
  api.get("/igloohome/devices?access_token=abc");
  ASSERT_EQ(lines.size(), 2u);  // admin calls are not logged, API calls are
  EXPECT_EQ(lines[1], "2026-01-01T00:00:00Z GET /igloohome/devices?access_token=*** 200 demo-client");
}

// The one redaction, against every secret-bearing shape: secret keys in any case
// and spelling, at any depth (arrays and objects), under escapes in the text, in
// form bodies and query strings (percent-encoded keys). No secret value survives.
RC_GTEST_PROP(Redaction, NoSecretValueSurvivesAnyShape, ()) {
  const auto key = *rc::gen::element<std::string>("client_secret", "CLIENT_SECRET", "Access-Token", "access_token",
                                                  "refresh_token", "Authorization", "password", "id_token",
                                                  "api_key", "token", "Secret");
  const auto depth = *rc::gen::inRange(0, 60);
  const auto secret = "s3cr3t-" + std::to_string(*rc::gen::inRange(0, 1'000'000));
  const auto in_array = *rc::gen::arbitrary<bool>();
  const auto escape = *rc::gen::arbitrary<bool>();

  // JSON text with the key perhaps written with \u escapes, nested `depth` deep.
  std::string written_key;
  for (const char c : key) written_key += escape ? fmt::format("\\u{:04x}", static_cast<unsigned>(c)) : std::string(1, c);
  std::string text = fmt::format(R"({{"{}":"{}","other":1}})", written_key, secret);
  for (int i = 0; i < depth; ++i) text = in_array ? "[" + text + ",2]" : R"({"k":)" + text + "}";
  Mock mock;
  Api api(mock);
  api.raw(http::verb::post, "/igloohome/devices", text);

  // The same as a form body and as a query, the key percent-encoded or not.
  std::string form_key;
  for (const char c : key) form_key += escape ? fmt::format("%{:02X}", static_cast<unsigned>(c)) : std::string(1, c);
  const std::string form = "a=1&" + form_key + "=" + secret + "&b=2";
  mock.handle(make_request(http::verb::post, "/igloohome/devices", form, "application/x-www-form-urlencoded"));
  mock.handle(make_request(http::verb::get, "/igloohome/devices?" + form));

  const std::string dump = api.admin(http::verb::get, "/__admin/requests").body.dump();
  RC_ASSERT(dump.find(secret) == std::string::npos);
  RC_ASSERT(redact_form_text(form).find(secret) == std::string::npos);
  auto value = json::parse(text);
  redact_secrets(value);
  RC_ASSERT(value.dump().find(secret) == std::string::npos);
  RC_ASSERT(value.dump().find("\"other\":1") != std::string::npos);  // only secrets go
}

TEST(Redaction, KeepsWhatIsNotASecretAndRefusesWhatItCannotParse) {
  EXPECT_EQ(redact_form_text("cursor=abc&pageSize=5"), "cursor=abc&pageSize=5");
  EXPECT_EQ(redact_form_text("client_secret=%zz"), "***");  // a malformed escape: nothing shown
  EXPECT_FALSE(is_secret_key("secretary"));
  EXPECT_TRUE(is_secret_key("Client-Secret"));
}

}  // namespace
}  // namespace lockstep::mock::testing
