// The mock's handler in-process: token endpoint, devices, bridge jobs, the lock
// simulator for custom PINs, the admin API and the journal.
#include <optional>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "lockstep/mock/in_process_transport.hpp"
#include "support.hpp"

namespace lockstep::mock::testing {
namespace {

const char* kStart = "2026-01-10T15:00:00+01:00";  // 14:00Z
const char* kEnd = "2026-01-12T11:00:00+01:00";    // 10:00Z

std::string basic(const std::string& id, const std::string& secret) {
  // base64 of "demo-client:demo-secret" and friends, computed by hand-rolled table
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string in = id + ":" + secret;
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += alphabet[(n >> s) & 63];
  }
  if (i < in.size()) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += (i + 1 < in.size()) ? alphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

json jwt_payload(const std::string& token) {
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  std::string part = token.substr(first + 1, second - first - 1);
  for (auto& c : part) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (part.size() % 4) part += '=';
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : part) {
    if (c == '=') break;
    buffer = (buffer << 6) | static_cast<unsigned>(alphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return json::parse(out);
}

// --- token -------------------------------------------------------------------

TEST(MockToken, BasicCredentialsGiveAJwtShapedTokenWithExpAndScope) {
  Mock mock;
  Api api(mock);
  // igloohome-api.md "Tokens and time": exp is on the wall clock (a client checks
  // it against its own), here fixed at 2030-05-05.
  mock.set_wall_clock([] { return at("2030-05-05T12:00:00Z"); });
  auto a = api.token_form("grant_type=client_credentials", basic("demo-client", "demo-secret"));
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(a.body["token_type"], "Bearer");
  EXPECT_EQ(a.body["expires_in"], 86400);
  EXPECT_EQ(a.body["account_name"], "Demo Host");
  const std::string token = a.body["access_token"];
  EXPECT_EQ(std::count(token.begin(), token.end(), '.'), 2);
  const json claims = jwt_payload(token);
  EXPECT_EQ(claims["sub"], "demo-client");
  EXPECT_EQ(claims["exp"].get<long long>(), at("2030-05-06T12:00:00Z").time_since_epoch().count());
  EXPECT_EQ(claims["iat"].get<long long>(), at("2030-05-05T12:00:00Z").time_since_epoch().count());
  EXPECT_NE(claims["scope"].get<std::string>().find("igloohomeapi/get-devices"), std::string::npos);
}

TEST(MockToken, AWorldSettingPutsExpOnTheVirtualClock) {
  World w = default_world();
  w.api.token_exp_on_virtual_clock = true;
  Mock mock(w);
  mock.set_wall_clock([] { return at("2030-05-05T12:00:00Z"); });
  Api api(mock);
  const json claims = jwt_payload(api.login());
  EXPECT_EQ(claims["exp"].get<long long>(), at("2026-01-02T00:00:00Z").time_since_epoch().count());
}

// The public client's default scope includes get-properties: the default client
// owns every documented scope, and asking for all of them at once works.
TEST(MockToken, EveryDocumentedScopeIsGrantedAndAnUnknownOneRefused) {
  Mock mock;
  Api api(mock);
  std::string scope;
  for (const auto& s : all_scopes()) scope += (scope.empty() ? "" : "+") + s;
  auto all = api.token_form("grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret&scope=" + scope);
  ASSERT_EQ(all.status, 200) << all.body.dump();
  EXPECT_NE(all.body["scope"].get<std::string>().find("igloohomeapi/get-properties"), std::string::npos);
  auto unknown = api.token_form(
      "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret&scope=igloohomeapi/get-properties+"
      "igloohomeapi/get-everything");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.body["error"], "invalid_request");
}

TEST(MockToken, BodyCredentialsWorkToo) {
  Mock mock;
  Api api(mock);
  auto a = api.token_form("grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret");
  EXPECT_EQ(a.status, 200) << a.body.dump();
}

TEST(MockToken, BadCredentialsAre401InvalidClient) {
  Mock mock;
  Api api(mock);
  for (const auto& form : {std::string("grant_type=client_credentials&client_id=demo-client&client_secret=nope"),
                           std::string("grant_type=client_credentials&client_id=nobody&client_secret=demo-secret"),
                           std::string("grant_type=client_credentials")}) {
    auto a = api.token_form(form);
    EXPECT_EQ(a.status, 401) << form;
    EXPECT_EQ(a.body["error"], "invalid_client") << form;
  }
  auto a = api.token_form("grant_type=client_credentials", basic("demo-client", "wrong"));
  EXPECT_EQ(a.status, 401);
  EXPECT_EQ(a.body["error"], "invalid_client");
}

TEST(MockToken, AScopeTheClientDoesNotOwnFailsTheWholeRequest) {
  World w = default_world();
  w.accounts[0].scopes = {"igloohomeapi/get-devices"};
  Mock mock(w);
  Api api(mock);
  auto a = api.token_form(
      "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret&scope=igloohomeapi%2Fget-devices+"
      "igloohomeapi%2Falgopin-hourly");
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(a.body["error"], "invalid_request");
  EXPECT_NE(a.body["message"].get<std::string>().find("algopin-hourly"), std::string::npos);
}

TEST(MockToken, GrantTypeIsChecked) {
  Mock mock;
  Api api(mock);
  auto missing = api.token_form("client_id=demo-client&client_secret=demo-secret");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.body["error"], "invalid_request");
  auto other = api.token_form("grant_type=password&client_id=demo-client&client_secret=demo-secret");
  EXPECT_EQ(other.status, 400);
  EXPECT_EQ(other.body["error"], "unsupported_grant_type");
}

TEST(MockToken, ExpiryIsEnforcedOnTheVirtualClock) {
  Mock mock;
  Api api(mock);
  mock.set_wall_clock([] { return at("2030-05-05T12:00:00Z"); });  // exp says 2030: not what counts
  api.login();
  EXPECT_EQ(api.get("/igloohome/devices").status, 200);
  mock.set_now(at("2026-01-01T23:59:59Z"));
  EXPECT_EQ(api.get("/igloohome/devices").status, 200);
  mock.set_now(at("2026-01-02T00:00:00Z"));
  auto a = api.get("/igloohome/devices");
  EXPECT_EQ(a.status, 401);
  EXPECT_EQ(a.body["error"], "unauthorized");
}

TEST(MockToken, MissingUnknownOrForgedTokensAre401) {
  Mock mock;
  Api api(mock);
  EXPECT_EQ(api.get("/igloohome/devices").body["error"], "unauthorized");
  api.set_token("abc.def.ghi");
  EXPECT_EQ(api.get("/igloohome/devices").status, 401);
  std::string token = api.login();
  token.back() = token.back() == 'A' ? 'B' : 'A';  // break the signature
  api.set_token(token);
  EXPECT_EQ(api.get("/igloohome/devices").status, 401);
}

TEST(MockToken, AMissingScopeIs403) {
  Mock mock;
  Api api(mock);
  api.login("igloohomeapi/get-devices");
  EXPECT_EQ(api.get("/igloohome/devices").status, 200);
  auto a = api.create_pin("482913", kStart, kEnd);
  EXPECT_EQ(a.status, 403);
  EXPECT_EQ(a.body["error"], "forbidden");
  auto b = api.algopin("hourly", {{"variance", 1}, {"startDate", kStart}, {"endDate", kEnd}});
  EXPECT_EQ(b.status, 403);
  EXPECT_EQ(api.get("/igloohome/jobs/job-1").status, 403);
}

// --- devices -----------------------------------------------------------------

TEST(MockDevices, ListsTheDefaultWorld) {
  Mock mock;
  Api api(mock);
  api.login();
  auto a = api.get("/igloohome/devices");
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.body["nextCursor"], "");  // always a string: "" on the last page
  ASSERT_EQ(a.body["payload"].size(), 4u);
  const json& bridge = a.body["payload"][0];
  EXPECT_EQ(bridge["deviceId"], "BR-1");
  EXPECT_EQ(bridge["type"], "Bridge");
  ASSERT_EQ(bridge["linkedDevices"].size(), 2u);
  EXPECT_EQ(bridge["linkedDevices"][0]["deviceId"], "LK-1");
  const json& algo = a.body["payload"][3];
  EXPECT_EQ(algo["deviceId"], "LK-ALGO");
  EXPECT_EQ(algo["type"], "Lock");
  EXPECT_TRUE(algo["linkedDevices"].empty());
  for (const char* key : {"id", "deviceName", "pairedAt", "homeId", "batteryLevel"}) EXPECT_TRUE(algo.contains(key)) << key;
  // igloohome-api.md "Devices": an internal id beside the serial-like deviceId,
  // pairedAt with a numeric offset, no battery level for a bridge.
  std::set<std::string> ids;
  for (const auto& d : a.body["payload"]) {
    EXPECT_NE(d["id"], d["deviceId"]) << d.dump();
    EXPECT_EQ(d["id"].get<std::string>().find_first_not_of("0123456789"), std::string::npos) << d.dump();
    ids.insert(d["id"].get<std::string>());
    EXPECT_TRUE(d["pairedAt"].get<std::string>().ends_with("+00:00")) << d.dump();
  }
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_TRUE(bridge["batteryLevel"].is_null());
  EXPECT_TRUE(algo["batteryLevel"].is_number_integer());
}

TEST(MockDevices, CursorPagingWalksEveryDeviceOnce) {
  World w = default_world();
  w.limits.page_size = 3;
  for (int i = 0; i < 6; ++i) w.locks.push_back(Lock{"X-" + std::to_string(i), "x", std::nullopt, "s", true, 50});
  Mock mock(w);
  Api api(mock);
  api.login();
  std::vector<std::string> seen;
  std::string target = "/igloohome/devices";
  int pages = 0;
  while (true) {
    auto a = api.get(target);
    ASSERT_EQ(a.status, 200) << a.body.dump();
    ++pages;
    EXPECT_LE(a.body["payload"].size(), 3u);
    for (const auto& d : a.body["payload"]) seen.push_back(d["deviceId"]);
    ASSERT_TRUE(a.body["nextCursor"].is_string());
    if (a.body["nextCursor"] == "") break;
    target = "/igloohome/devices?cursor=" + a.body["nextCursor"].get<std::string>();
  }
  EXPECT_EQ(pages, 4);
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 10u);
  EXPECT_EQ(api.get("/igloohome/devices?cursor=garbage").status, 400);
}

TEST(MockDevices, OneDeviceAnd404) {
  Mock mock;
  Api api(mock);
  api.login();
  auto a = api.get("/igloohome/devices/LK-1");
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.body["linkedDevices"][0]["deviceId"], "BR-1");
  auto missing = api.get("/igloohome/devices/LK-404");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body["error"], "not_found");
}

// igloohome-api.md "Activity": the lock's keypad log, newest first, in pages.
TEST(MockDevices, ActivityIsTheKeypadLogNewestFirstInPages) {
  Mock mock;
  Api api(mock);
  api.login();
  mock.enter("LK-1", "1111", at("2026-01-01T00:00:00Z"));
  mock.enter("LK-1", "2222", at("2026-01-01T00:00:00Z"));
  mock.enter("LK-1", "3333", at("2026-01-02T00:00:00Z"));  // not yet: the virtual now is 2026-01-01
  mock.enter("LK-2", "4444", at("2026-01-01T00:00:00Z"));
  auto first = api.get("/igloohome/devices/LK-1/activity?pageSize=1");
  ASSERT_EQ(first.status, 200) << first.body.dump();
  ASSERT_EQ(first.body["payload"].size(), 1u);
  EXPECT_EQ(first.body["payload"][0]["id"], "act-2");  // same instant: the later attempt first
  EXPECT_EQ(first.body["payload"][0]["time"], "2026-01-01T00:00:00+00:00");
  EXPECT_EQ(first.body["payload"][0]["opened"], false);
  ASSERT_TRUE(first.body["nextCursor"].is_string());
  auto second = api.get("/igloohome/devices/LK-1/activity?pageSize=1&cursor=" + first.body["nextCursor"].get<std::string>());
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.body["payload"][0]["id"], "act-1");
  EXPECT_EQ(second.body["nextCursor"], "");
  mock.set_now(at("2026-01-02T00:00:00Z"));
  api.login();
  auto all = api.get("/igloohome/devices/LK-1/activity");
  ASSERT_EQ(all.body["payload"].size(), 3u);
  EXPECT_EQ(all.body["payload"][0]["id"], "act-3");
  EXPECT_EQ(api.get("/igloohome/devices/LK-1/activity?pageSize=0").status, 400);
  EXPECT_EQ(api.get("/igloohome/devices/LK-1/activity?cursor=junk").status, 400);
  EXPECT_EQ(api.get("/igloohome/devices/LK-404/activity").status, 404);
  EXPECT_EQ(api.get("/igloohome/devices/BR-1/activity").status, 400);
}

TEST(MockDevices, AnAccountSeesOnlyItsDevices) {
  World w = default_world();
  w.accounts.push_back(Account{"other", "pw", "Other", all_scopes(), {"LK-ALGO"}});
  Mock mock(w);
  Api api(mock);
  auto t = api.token_form("grant_type=client_credentials&client_id=other&client_secret=pw");
  api.set_token(t.body["access_token"]);
  auto a = api.get("/igloohome/devices");
  ASSERT_EQ(a.body["payload"].size(), 1u);
  EXPECT_EQ(api.get("/igloohome/devices/LK-1").status, 404);
}

// --- bridge jobs and the lock simulator ---------------------------------------

TEST(MockJobs, CreatePinRunsAtOnceAndOpensOnlyInItsWindow) {
  Mock mock;
  Api api(mock);
  api.login();
  auto a = api.create_pin("482913", kStart, kEnd);
  ASSERT_EQ(a.status, 200) << a.body.dump();
  const std::string job = a.body["jobId"];
  auto status = api.get("/igloohome/jobs/" + job);
  ASSERT_EQ(status.status, 200);
  EXPECT_EQ(status.body["completed"], true);
  EXPECT_EQ(status.body["jobType"], "4");  // a string, as the public client types it
  EXPECT_EQ(status.body["jobResponse"]["jobStatus"], 0);
  EXPECT_EQ(status.body["jobResponse"]["status"], "success");
  EXPECT_EQ(status.body["expiryDate"], "2026-01-01T00:10:00Z");
  // A poll is written as text, not dumped (jobs.cpp): it must be what dump() writes.
  EXPECT_EQ(status.response.body(), status.body.dump());

  EXPECT_EQ(mock.enter("LK-1", "482913", at("2026-01-10T13:59:59Z")).reason, "not_yet_valid");
  EXPECT_TRUE(mock.enter("LK-1", "482913", at("2026-01-10T14:00:00Z")).opens);
  EXPECT_TRUE(mock.enter("LK-1", "482913", at("2026-01-12T09:59:59Z")).opens);
  EXPECT_EQ(mock.enter("LK-1", "482913", at("2026-01-12T10:00:00Z")).reason, "expired");
  EXPECT_EQ(mock.enter("LK-2", "482913", at("2026-01-11T00:00:00Z")).reason, "unknown_pin");
  EXPECT_EQ(mock.enter("LK-1", "000000", at("2026-01-11T00:00:00Z")).reason, "unknown_pin");
  EXPECT_EQ(mock.enter("LK-9", "482913", at("2026-01-11T00:00:00Z")).reason, "unknown_lock");
}

TEST(MockJobs, DeletedPinNeverOpensAfterTheDeletion) {
  Mock mock;
  Api api(mock);
  api.login();
  ASSERT_EQ(api.create_pin("482913", kStart, kEnd).status, 200);
  mock.set_now(at("2026-01-11T00:00:00Z"));
  api.login();  // the first token has expired by now
  auto d = api.delete_pin("482913");
  ASSERT_EQ(d.status, 200) << d.body.dump();
  EXPECT_EQ(api.get("/igloohome/jobs/" + d.body["jobId"].get<std::string>()).body["jobResponse"]["status"], "success");
  EXPECT_TRUE(mock.enter("LK-1", "482913", at("2026-01-10T20:00:00Z")).opens);  // before the deletion
  auto later = mock.enter("LK-1", "482913", at("2026-01-11T00:00:00Z"));
  EXPECT_FALSE(later.opens);
  EXPECT_EQ(later.reason, "deleted");
}

TEST(MockJobs, PinValuesAreFourToSixDigits) {
  Mock mock;
  Api api(mock);
  api.login();
  for (const char* bad : {"123", "1234567", "12a456", "", " 1234"}) {
    auto a = api.create_pin(bad, kStart, kEnd);
    EXPECT_EQ(a.status, 400) << bad;
    EXPECT_EQ(a.body["error"], "invalid_pin") << bad;
    EXPECT_NE(a.body["message"].get<std::string>().find("pin"), std::string::npos);
  }
  for (const char* good : {"0000", "01234", "999999"}) EXPECT_EQ(api.create_pin(good, kStart, kEnd).status, 200) << good;
}

TEST(MockJobs, MissingOrBadFieldsAreNamed) {
  Mock mock;
  Api api(mock);
  api.login();
  struct Case {
    json body;
    std::string field;
  };
  const std::vector<Case> cases = {
      {{{"jobData", {{"pin", "1234"}}}}, "jobType"},
      {{{"jobType", "4"}}, "jobType"},
      {{{"jobType", 77}}, "jobType"},
      {{{"jobType", 4}, {"jobData", {{"startDate", kStart}, {"endDate", kEnd}}}}, "jobData.pin"},
      {{{"jobType", 4}, {"jobData", {{"pin", 1234}, {"startDate", kStart}, {"endDate", kEnd}}}}, "jobData.pin"},
      {{{"jobType", 4}, {"jobData", {{"pin", "1234"}, {"endDate", kEnd}}}}, "jobData.startDate"},
      {{{"jobType", 4}, {"jobData", {{"pin", "1234"}, {"startDate", "2026-01-10T15:00:00"}, {"endDate", kEnd}}}},
       "jobData.startDate"},
      {{{"jobType", 4}, {"jobData", {{"pin", "1234"}, {"startDate", kStart}, {"endDate", "tomorrow"}}}}, "jobData.endDate"},
      {{{"jobType", 4}, {"jobData", {{"pin", "1234"}, {"startDate", kEnd}, {"endDate", kStart}}}}, "jobData.endDate"},
      {{{"jobType", 4}, {"jobData", "x"}}, "jobData"},
  };
  for (const auto& c : cases) {
    auto a = api.post("/igloohome/devices/LK-1/jobs/bridges/BR-1", c.body);
    EXPECT_EQ(a.status, 400) << c.body.dump();
    EXPECT_EQ(a.body["error"], "invalid_request") << c.body.dump();
    EXPECT_EQ(a.body["message"].get<std::string>().rfind(c.field + ":", 0), 0u) << a.body.dump();
  }
  auto not_json = api.raw(http::verb::post, "/igloohome/devices/LK-1/jobs/bridges/BR-1", "{jobType: 4");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(not_json.body["error"], "invalid_request");
  EXPECT_TRUE(mock.journal().size() > 0);
  EXPECT_TRUE(mock.pins("LK-1")->empty());  // nothing half-applied
}

TEST(MockJobs, DevicesMustExistAndBeLinked) {
  Mock mock;
  Api api(mock);
  api.login();
  EXPECT_EQ(api.create_pin("1234", kStart, kEnd, "LK-404", "BR-1").status, 404);
  EXPECT_EQ(api.create_pin("1234", kStart, kEnd, "LK-1", "BR-404").status, 404);
  auto unlinked = api.create_pin("1234", kStart, kEnd, "LK-ALGO", "BR-1");
  EXPECT_EQ(unlinked.status, 400);
  EXPECT_EQ(unlinked.body["message"].get<std::string>().rfind("bridgeId:", 0), 0u);
  EXPECT_EQ(api.get("/igloohome/jobs/job-999").status, 404);
}

// igloohome-api.md "Bridge jobs": types 1, 2, 9, 10, 15 with jobData absent or
// null, answered from the lock simulator.
TEST(MockJobs, LockUnlockBatteryStatusAndLogJobsAreAnsweredForReal) {
  Mock mock;
  Api api(mock);
  api.login();
  auto run = [&](int type, std::optional<json> data) {
    json body = {{"jobType", type}};
    if (data) body["jobData"] = *data;
    auto a = api.post("/igloohome/devices/LK-1/jobs/bridges/BR-1", body);
    EXPECT_EQ(a.status, 200) << body.dump() << a.body.dump();
    auto s = api.get("/igloohome/jobs/" + a.body.value("jobId", std::string{}));
    EXPECT_EQ(s.body["completed"], true) << s.body.dump();
    EXPECT_EQ(s.body["jobType"], std::to_string(type));
    EXPECT_EQ(s.body["jobResponse"]["jobStatus"], 0);
    return s.body["jobResponse"];
  };
  auto status = run(10, std::nullopt);
  EXPECT_EQ(status["opResult"]["locked"], true);  // a lock starts locked
  run(2, json(nullptr));                          // the public client sends "jobData": null
  EXPECT_EQ(run(10, json(nullptr))["opResult"]["locked"], false);
  run(1, json::object());
  EXPECT_EQ(run(10, std::nullopt)["opResult"]["locked"], true);
  EXPECT_EQ(run(9, std::nullopt)["opResult"]["batteryLevel"], 90);  // LK-1's battery in the default world

  mock.enter("LK-1", "0000", at("2026-01-01T00:00:00Z"));
  const auto logs = run(15, std::nullopt);
  EXPECT_EQ(logs["opResult"]["result"], 0);
  ASSERT_EQ(logs["opResult"]["logs"].size(), 1u) << logs.dump();
  EXPECT_EQ(logs["opResult"]["logs"][0]["opened"], false);

  // A create or delete still needs its jobData.
  auto missing = api.post("/igloohome/devices/LK-1/jobs/bridges/BR-1", {{"jobType", 4}, {"jobData", nullptr}});
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.body["message"].get<std::string>().rfind("jobData", 0), 0u) << missing.body.dump();
}

TEST(MockJobs, AWorldSettingAnswersJobTypeAsANumber) {
  World w = default_world();
  w.api.job_type_as_number = true;
  Mock mock(w);
  Api api(mock);
  api.login();
  const std::string job = api.create_pin("482913", kStart, kEnd).body["jobId"];
  EXPECT_EQ(api.get("/igloohome/jobs/" + job).body["jobType"], 4);
}

TEST(MockJobs, BridgeOfflineIs406AtCreationAndNothingIsQueued) {
  Mock mock;
  Api api(mock);
  api.login();
  ASSERT_TRUE(mock.add_fault({{"kind", "bridge_offline"}, {"target", "BR-1"},
                              {"from", "2026-01-01T00:00:00Z"}, {"until", "2026-01-01T02:00:00Z"}}));
  auto a = api.create_pin("482913", kStart, kEnd);
  EXPECT_EQ(a.status, 406);
  EXPECT_EQ(a.body["error"], "bridge_offline");
  EXPECT_EQ(a.body["message"], "unable to contact bridge");
  EXPECT_TRUE(mock.pins("LK-1")->empty());
  mock.set_now(at("2026-01-01T02:00:00Z"));  // until is excluded
  EXPECT_EQ(api.create_pin("482913", kStart, kEnd).status, 200);
  EXPECT_TRUE(mock.enter("LK-1", "482913", at("2026-01-11T00:00:00Z")).opens);
}

TEST(MockJobs, PendingJobsRunAfterTheirDelayIfTheBridgeIsOnline) {
  Mock mock;
  Api api(mock);
  api.login();
  ASSERT_TRUE(mock.add_fault({{"kind", "job_pending"}, {"target", "BR-1"}, {"minutes", 5}}));
  const std::string job = api.create_pin("482913", kStart, kEnd).body["jobId"];
  auto pending = api.get("/igloohome/jobs/" + job);
  EXPECT_EQ(pending.body["completed"], false);
  EXPECT_EQ(pending.body["jobResponse"]["status"], "pending");
  EXPECT_EQ(pending.body["jobResponse"]["jobStatus"], 1);
  EXPECT_EQ(pending.response.body(), pending.body.dump());  // written as text, as dump() writes it
  EXPECT_EQ(mock.enter("LK-1", "482913", at("2026-01-11T00:00:00Z")).reason, "not_installed");
  mock.set_now(at("2026-01-01T00:05:00Z"));
  EXPECT_EQ(api.get("/igloohome/jobs/" + job).body["jobResponse"]["status"], "success");
  EXPECT_TRUE(mock.enter("LK-1", "482913", at("2026-01-11T00:00:00Z")).opens);
  const auto pins = *mock.pins("LK-1");
  ASSERT_EQ(pins.size(), 1u);
  EXPECT_EQ(pins[0].installed_at, at("2026-01-01T00:05:00Z"));
}

TEST(MockJobs, PendingJobsFailIfTheBridgeWentOffline) {
  Mock mock;
  Api api(mock);
  api.login();
  ASSERT_TRUE(mock.add_fault({{"kind", "job_pending"}, {"minutes", 5}}));
  ASSERT_TRUE(mock.add_fault({{"kind", "bridge_offline"}, {"from", "2026-01-01T00:03:00Z"}}));
  const std::string job = api.create_pin("482913", kStart, kEnd).body["jobId"];
  mock.set_now(at("2026-01-01T01:00:00Z"));
  auto s = api.get("/igloohome/jobs/" + job);
  EXPECT_EQ(s.body["completed"], false);
  EXPECT_EQ(s.body["jobResponse"]["status"], "failed");
  EXPECT_EQ(s.body["jobResponse"]["jobStatus"], 2);
  EXPECT_EQ(s.body["jobResponse"]["message"], "unable to contact bridge");
  EXPECT_EQ(mock.enter("LK-1", "482913", at("2026-01-11T00:00:00Z")).reason, "unknown_pin");
}

TEST(MockJobs, JobsPendingPastTheirExpiryExpire) {
  Mock mock;
  Api api(mock);
  api.login();
  ASSERT_TRUE(mock.add_fault({{"kind", "job_expire"}, {"target", "BR-1"}}));
  const std::string job = api.create_pin("482913", kStart, kEnd).body["jobId"];
  mock.set_now(at("2026-01-01T00:09:59Z"));
  EXPECT_EQ(api.get("/igloohome/jobs/" + job).body["jobResponse"]["status"], "pending");
  mock.set_now(at("2026-01-01T00:10:00Z"));
  const auto expired = api.get("/igloohome/jobs/" + job);
  EXPECT_EQ(expired.body["jobResponse"]["status"], "expired");
  EXPECT_EQ(expired.body["jobResponse"]["jobStatus"], 2);  // production pollers read it as failed
  EXPECT_EQ(expired.body["completed"], false);

  // A pending delay longer than the expiry also expires.
  Mock other;
  Api api2(other);
  api2.login();
  ASSERT_TRUE(other.add_fault({{"kind", "job_pending"}, {"minutes", 15}}));
  const std::string job2 = api2.create_pin("482913", kStart, kEnd).body["jobId"];
  other.set_now(at("2026-01-01T00:20:00Z"));
  EXPECT_EQ(api2.get("/igloohome/jobs/" + job2).body["jobResponse"]["status"], "expired");
  EXPECT_EQ(other.enter("LK-1", "482913", at("2026-01-11T00:00:00Z")).reason, "unknown_pin");
}

TEST(MockJobs, TwentyPendingJobsOnABridgeAreTheLimit) {
  Mock mock;
  Api api(mock);
  api.login();
  ASSERT_TRUE(mock.add_fault({{"kind", "job_pending"}, {"minutes", 5}}));
  for (int i = 0; i < 20; ++i) ASSERT_EQ(api.create_pin(fmt::format("{:04}", 1000 + i), kStart, kEnd).status, 200);
  auto refused = api.create_pin("5555", kStart, kEnd);
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.body["error"], "too_many_pending_jobs");
  EXPECT_TRUE(refused.response.count(http::field::retry_after));
  mock.set_now(at("2026-01-01T00:05:00Z"));  // they run; the queue empties
  EXPECT_EQ(api.create_pin("5555", kStart, kEnd).status, 200);

  ASSERT_TRUE(mock.add_fault({{"kind", "pending_job_limit"}, {"limit", 1}}));
  mock.set_now(at("2026-01-01T00:10:00Z"));  // 5555 runs
  EXPECT_EQ(api.create_pin("5556", kStart, kEnd).status, 200);
  EXPECT_EQ(api.create_pin("5557", kStart, kEnd).body["error"], "too_many_pending_jobs");
}

TEST(MockJobs, PinRejectedFaultRefusesListedAndPatternValues) {
  Mock mock;
  Api api(mock);
  api.login();
  ASSERT_TRUE(mock.add_fault({{"kind", "pin_rejected"}, {"target", "LK-1"}, {"pins", {"111111"}}, {"pattern", "^9.*"}}));
  for (const char* pin : {"111111", "987123"}) {
    auto a = api.create_pin(pin, kStart, kEnd);
    EXPECT_EQ(a.status, 400) << pin;
    EXPECT_EQ(a.body["error"], "invalid_pin") << pin;
  }
  EXPECT_EQ(api.create_pin("123987", kStart, kEnd).status, 200);
  EXPECT_EQ(api.create_pin("111111", kStart, kEnd, "LK-2").status, 200);  // other lock
}

TEST(MockJobs, PinLimitPerLockCountsOnlineAndOffline) {
  World w = default_world();
  w.limits.pins_per_lock = 3;
  w.locks[0].algopin = true;
  Mock mock(w);
  Api api(mock);
  api.login();
  EXPECT_EQ(api.create_pin("1001", kStart, kEnd).status, 200);
  EXPECT_EQ(api.create_pin("1002", kStart, kEnd).status, 200);
  EXPECT_EQ(api.algopin("hourly", {{"startDate", "2026-01-10T15:00:00+01:00"}, {"endDate", "2026-01-10T18:00:00+01:00"}},
                        "LK-1")
                .status,
            200);
  auto full = api.create_pin("1003", kStart, kEnd);
  EXPECT_EQ(full.status, 400);
  EXPECT_EQ(full.body["error"], "pin_limit_reached");
  EXPECT_EQ(api.delete_pin("1001").status, 200);
  EXPECT_EQ(api.create_pin("1003", kStart, kEnd).status, 200);
}

// --- admin API ------------------------------------------------------------------

TEST(MockAdmin, ClockGetAndSetBothWays) {
  Mock mock;
  Api api(mock);
  EXPECT_EQ(api.admin(http::verb::get, "/__admin/clock").body["now"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(api.admin(http::verb::post, "/__admin/clock", {{"now", "2026-03-01T12:00:00Z"}}).body["now"],
            "2026-03-01T12:00:00Z");
  EXPECT_EQ(mock.now(), at("2026-03-01T12:00:00Z"));
  EXPECT_EQ(api.admin(http::verb::post, "/__admin/clock", {{"now", "2025-12-31T00:00:00+01:00"}}).body["now"],
            "2025-12-30T23:00:00Z");
  EXPECT_EQ(api.admin(http::verb::post, "/__admin/clock", {{"advance_seconds", 3600}}).body["now"],
            "2025-12-31T00:00:00Z");
  auto bad = api.admin(http::verb::post, "/__admin/clock", {{"now", "yesterday"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["message"].get<std::string>().rfind("now:", 0), 0u);
  EXPECT_EQ(api.admin(http::verb::put, "/__admin/clock").status, 405);
}

TEST(MockAdmin, FaultsAddListDelete) {
  Mock mock;
  Api api(mock);
  auto added = api.admin(http::verb::post, "/__admin/faults",
                         {{"kind", "bridge_offline"}, {"target", "BR-1"}, {"from", "2026-01-01T01:00:00Z"}});
  ASSERT_EQ(added.status, 200) << added.body.dump();
  const std::string id = added.body["id"];
  auto list = api.admin(http::verb::get, "/__admin/faults");
  ASSERT_EQ(list.body["faults"].size(), 1u);
  EXPECT_EQ(list.body["faults"][0]["id"], id);
  EXPECT_EQ(list.body["faults"][0]["active"], false);
  EXPECT_EQ(api.admin(http::verb::delete_, "/__admin/faults/" + id).status, 200);
  EXPECT_EQ(api.admin(http::verb::delete_, "/__admin/faults/" + id).status, 404);
  EXPECT_TRUE(api.admin(http::verb::get, "/__admin/faults").body["faults"].empty());

  auto bad = api.admin(http::verb::post, "/__admin/faults", {{"kind", "bridge_offline"}, {"target", "BR-9"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body["message"].get<std::string>().rfind("target:", 0), 0u);
}

TEST(MockAdmin, EnterAndPinsOverHttpShapes) {
  Mock mock;
  Api api(mock);
  api.login();
  ASSERT_EQ(api.create_pin("482913", kStart, kEnd).status, 200);
  auto open = api.admin(http::verb::post, "/__admin/locks/LK-1/enter", {{"pin", "482913"}, {"at", "2026-01-11T00:00:00Z"}});
  EXPECT_EQ(open.body["opens"], true);
  EXPECT_EQ(open.body["reason"], "opened");
  auto closed = api.admin(http::verb::post, "/__admin/locks/LK-1/enter", {{"pin", "482913"}, {"at", "2026-02-11T00:00:00Z"}});
  EXPECT_EQ(closed.body["opens"], false);
  EXPECT_EQ(closed.body["reason"], "expired");
  EXPECT_EQ(api.admin(http::verb::post, "/__admin/locks/LK-9/enter", {{"pin", "1"}}).status, 404);
  EXPECT_EQ(api.admin(http::verb::post, "/__admin/locks/LK-1/enter", {{"at", "2026-01-11T00:00:00Z"}}).status, 400);
  auto pins = api.admin(http::verb::get, "/__admin/locks/LK-1/pins");
  ASSERT_EQ(pins.body["pins"].size(), 1u);
  EXPECT_EQ(pins.body["pins"][0]["pin"], "482913");
  EXPECT_EQ(pins.body["pins"][0]["state"], "not_yet_valid");
  EXPECT_EQ(pins.body["pins"][0]["start"], "2026-01-10T14:00:00Z");
}

TEST(MockAdmin, JournalRecordsApiCallsWithSecretsRedacted) {
  Mock mock;
  Api api(mock);
  auto t = api.token_form("grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret");
  api.set_token(t.body["access_token"]);
  api.create_pin("482913", kStart, kEnd);
  api.admin(http::verb::get, "/__admin/clock");
  auto journal = api.admin(http::verb::get, "/__admin/requests");
  ASSERT_EQ(journal.status, 200);
  const json& requests = journal.body["requests"];
  ASSERT_EQ(requests.size(), 2u) << requests.dump();  // admin calls are not journaled
  EXPECT_EQ(requests[0]["path"], "/oauth2/token");
  EXPECT_EQ(requests[0]["method"], "POST");
  EXPECT_EQ(requests[0]["status"], 200);
  EXPECT_EQ(requests[0]["at"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(requests[0]["body"]["client_secret"], "***");
  EXPECT_EQ(requests[0]["response"]["access_token"], "***");
  EXPECT_EQ(requests[1]["client"], "demo-client");
  EXPECT_EQ(requests[1]["body"]["jobData"]["pin"], "482913");
  const std::string dump = journal.body.dump();
  EXPECT_EQ(dump.find("demo-secret"), std::string::npos);
  EXPECT_EQ(dump.find(t.body["access_token"].get<std::string>()), std::string::npos);

  EXPECT_EQ(api.admin(http::verb::delete_, "/__admin/requests").status, 200);
  EXPECT_TRUE(mock.journal().empty());
}

// A server left under load keeps the newest entries and says how many went.
TEST(MockAdmin, ALimitedJournalKeepsTheNewestAndCountsTheDropped) {
  Mock mock;
  Api api(mock);
  api.login();  // 1 entry
  mock.limit_journal(3);
  for (const char* id : {"LK-1", "LK-2", "BR-1", "LK-ALGO"}) api.get(std::string("/igloohome/devices/") + id);
  auto journal = api.admin(http::verb::get, "/__admin/requests");
  ASSERT_EQ(journal.body["requests"].size(), 3u) << journal.body.dump();
  EXPECT_EQ(journal.body["requests"][0]["path"], "/igloohome/devices/LK-2");
  EXPECT_EQ(journal.body["requests"][2]["path"], "/igloohome/devices/LK-ALGO");
  EXPECT_EQ(journal.body["dropped"], 2);
  // The device answers are the mock's own, read back from the kept text.
  EXPECT_EQ(mock.journal().back().response()["deviceId"], "LK-ALGO");
  mock.limit_journal(1);
  EXPECT_EQ(mock.journal().size(), 1u);
  mock.limit_journal(0);  // unlimited again
  for (int i = 0; i < 5; ++i) api.get("/igloohome/devices");
  EXPECT_EQ(mock.journal().size(), 6u);
}

TEST(MockAdmin, ResetForgetsPinsJobsFaultsAndJournalButKeepsTheClock) {
  World w = default_world();
  w.faults.push_back({{"kind", "job_pending"}, {"minutes", 1}});
  Mock mock(w);
  Api api(mock);
  api.login();
  mock.set_now(at("2026-01-01T00:00:30Z"));
  ASSERT_EQ(api.create_pin("482913", kStart, kEnd).status, 200);
  ASSERT_TRUE(mock.add_fault({{"kind", "bridge_offline"}}));
  EXPECT_EQ(mock.faults().size(), 2u);
  auto r = api.admin(http::verb::post, "/__admin/reset", json::object());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(mock.now(), at("2026-01-01T00:00:30Z"));
  EXPECT_TRUE(mock.pins("LK-1")->empty());
  EXPECT_TRUE(mock.journal().empty());
  ASSERT_EQ(mock.faults().size(), 1u);  // the world's own fault is back
  EXPECT_EQ(mock.faults()[0]["kind"], "job_pending");
  EXPECT_EQ(api.create_pin("482913", kStart, kEnd).body["jobId"], "job-1");  // ids restart
}

TEST(MockAdmin, WorldJobsHealthAndUnknownAdminPaths) {
  Mock mock;
  Api api(mock);
  EXPECT_EQ(api.admin(http::verb::get, "/__admin/world").body["locks"].size(), 3u);
  EXPECT_EQ(api.admin(http::verb::get, "/__admin/health").body["ok"], true);
  EXPECT_TRUE(api.admin(http::verb::get, "/__admin/jobs").body["jobs"].is_array());
  EXPECT_EQ(api.admin(http::verb::get, "/__admin/nope").status, 404);
  EXPECT_EQ(api.admin(http::verb::get, "/__admin/reset").status, 405);
}

// --- routing ------------------------------------------------------------------------

TEST(MockRouting, UnknownPathsAndWrongMethodsGetJson) {
  Mock mock;
  Api api(mock);
  api.login();
  auto unknown = api.get("/igloohome/nothing");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body["error"], "not_found");
  EXPECT_EQ(api.get("/").status, 404);
  EXPECT_EQ(api.get("/igloohome/devices/LK-1/algopin/weekly").status, 404);
  auto wrong = api.call(http::verb::delete_, "/igloohome/devices");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.body["error"], "method_not_allowed");
  EXPECT_EQ(wrong.response[http::field::allow], "GET");
  EXPECT_EQ(api.get("/oauth2/token").status, 405);
}

// --- in-process transport -------------------------------------------------------------

TEST(MockInProcess, TransportCarriesTheHandlersAnswer) {
  Mock mock;
  InProcessTransport transport(mock);
  auto req = make_request(http::verb::post, "/oauth2/token",
                          "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret",
                          "application/x-www-form-urlencoded");
  auto res = transport.send(req);
  ASSERT_TRUE(res.has_value());
  EXPECT_EQ(res->result_int(), 200u);
}

// --- clock ------------------------------------------------------------------------------

TEST(MockClock, RealTimeModeFollowsTheSystemClockFromTheVirtualStart) {
  Mock mock;
  mock.follow_system_time(true);
  EXPECT_GE(mock.now(), at("2026-01-01T00:00:00Z"));
  mock.set_now(at("2030-05-05T00:00:00Z"));
  EXPECT_GE(mock.now(), at("2030-05-05T00:00:00Z"));
  EXPECT_LT(mock.now(), at("2030-05-06T00:00:00Z"));
  mock.follow_system_time(false);
  const Instant frozen = mock.now();
  EXPECT_EQ(mock.now(), frozen);
}

// Whatever arrives, the handler answers with a status and a JSON body.
RC_GTEST_PROP(MockRobustness, AnyRequestGetsAJsonAnswer, ()) {
  static const std::vector<std::string> prefixes = {
      "/", "/oauth2/token", "/igloohome/devices", "/igloohome/devices/LK-1", "/igloohome/devices/LK-1/jobs/bridges/BR-1",
      "/igloohome/jobs/", "/igloohome/devices/LK-ALGO/algopin/hourly", "/__admin/clock", "/__admin/faults",
      "/__admin/locks/LK-1/enter", "/__admin/requests", "/__admin/reset", "%zz", ""};
  static const std::vector<http::verb> verbs = {http::verb::get, http::verb::post, http::verb::delete_,
                                                http::verb::put, http::verb::head};
  Mock mock;
  Api api(mock);
  if (*rc::gen::arbitrary<bool>()) api.login();
  const std::string target = *rc::gen::elementOf(prefixes) + *rc::gen::container<std::string>(rc::gen::inRange('!', '~'));
  const std::string body = *rc::gen::oneOf(
      rc::gen::arbitrary<std::string>(),
      rc::gen::just(std::string(R"({"jobType":4,"jobData":{"pin":"1234","startDate":"x"}})")),
      rc::gen::just(std::string(R"({"kind":"http_error","status":"500"})")),
      rc::gen::just(std::string(R"({"pin":"1","at":5})")), rc::gen::just(std::string("[]")));
  auto answer = api.raw(*rc::gen::elementOf(verbs), target.empty() ? "/" : target, body);
  RC_ASSERT(answer.status >= 200);
  RC_ASSERT(answer.status < 600);
  RC_ASSERT(!answer.body.is_discarded());
  RC_ASSERT(answer.body.is_object());
}

}  // namespace
}  // namespace lockstep::mock::testing
