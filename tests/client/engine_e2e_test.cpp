// End to end: the reference engine with this client against the listening mock,
// over loopback sockets, steered only through the mock's admin API like a person
// with curl would. A bridge outage makes the first attempts fail (C6), the hourly
// retry (T4) recovers, and the PIN then opens the door in its window only.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "lockstep/engine.hpp"
#include "lockstep/igloohome/client.hpp"
#include "lockstep/mock/server.hpp"
#include "mock_support.hpp"

namespace lockstep::igloohome {
namespace {

using json = nlohmann::json;

Instant at(std::string_view rfc3339) { return parse_instant(rfc3339).value(); }

struct EngineOverSockets : ::testing::Test {
  mock::Mock mock;
  mock::Server server{mock};
  std::unique_ptr<testing::Admin> admin;
  std::unique_ptr<testing::AdminClock> clock;
  std::unique_ptr<HttpClient> http;
  SeededRandom rng{2026};
  std::unique_ptr<Engine> engine;

  void SetUp() override {
    server.start();
    admin = std::make_unique<testing::Admin>(server.port());
    clock = std::make_unique<testing::AdminClock>(*admin, at("2026-01-10T09:00:00Z"));
    const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
    auto opened = HttpClient::open(base, base + "/igloohome", *clock);
    ASSERT_TRUE(opened.has_value()) << opened.error().message;
    http = std::move(*opened);
    engine = std::make_unique<Engine>(*clock, rng, http->client());
  }
  void TearDown() override { server.stop(); }

  // The sut-protocol loop: tick at each wakeup until `until`.
  void run_to(Instant until) {
    for (int guard = 0; guard < 10000; ++guard) {
      const auto next = engine->next_wakeup();
      if (!next || *next > until) break;
      engine->run_until(*next);
    }
    engine->run_until(until);
  }

  json enter(const std::string& lock, const std::string& pin, std::string_view when) {
    return admin->post("/__admin/locks/" + lock + "/enter", {{"pin", pin}, {"at", std::string(when)}});
  }
};

TEST_F(EngineOverSockets, C6_T4_BridgeOutageRecoversOnTheHourlyRetryAndThePinOpensTheDoor) {
  ASSERT_TRUE(engine->connect({"demo-client", "demo-secret"}).has_value());
  ASSERT_TRUE(engine->put_property("villa", "Europe/Paris").has_value());
  ASSERT_TRUE(engine->assign_lock("villa", Brand::igloohome, "LK-1").has_value());
  // Check-in 2026-01-20 16:00 Paris (15:00Z): generated 5 days before at local
  // midnight, 2026-01-14T23:00Z; window 14:30Z .. 2026-01-23T10:30Z.
  ASSERT_TRUE(engine->put_booking({"b1", "villa", parse_local("2026-01-20T16:00").value(),
                                   parse_local("2026-01-23T11:00").value(), std::nullopt})
                  .has_value());

  // BR-1 offline from before the first attempt until 01:30Z: attempts at 23:00Z,
  // 00:00Z and 01:00Z fail, the one at 02:00Z succeeds.
  const json fault = admin->post("/__admin/faults", {{"kind", "bridge_offline"},
                                                     {"target", "BR-1"},
                                                     {"from", "2026-01-14T22:00:00Z"},
                                                     {"until", "2026-01-15T01:30:00Z"}});
  ASSERT_EQ(admin->last_status, 200) << fault.dump();
  ASSERT_TRUE(fault.contains("id")) << fault.dump();

  run_to(at("2026-01-15T00:30:00Z"));
  auto during = engine->code("b1");
  ASSERT_TRUE(during.has_value());
  EXPECT_EQ(during->status, CodeStatus::retrying);
  EXPECT_EQ(during->attempts.size(), 2u);

  run_to(at("2026-01-15T03:00:00Z"));
  auto code = engine->code("b1");
  ASSERT_TRUE(code.has_value());
  ASSERT_EQ(code->status, CodeStatus::active);
  ASSERT_TRUE(code->code.has_value());
  EXPECT_EQ(code->kind, CodeKind::pin);
  ASSERT_EQ(code->attempts.size(), 4u);
  EXPECT_EQ(code->attempts[0], at("2026-01-14T23:00:00Z"));
  EXPECT_EQ(code->attempts[1], at("2026-01-15T00:00:00Z"));
  EXPECT_EQ(code->attempts[2], at("2026-01-15T01:00:00Z"));
  EXPECT_EQ(code->attempts[3], at("2026-01-15T02:00:00Z"));
  EXPECT_EQ(code->valid_from, at("2026-01-20T14:30:00Z"));
  EXPECT_EQ(code->valid_until, at("2026-01-23T10:30:00Z"));

  // What reached igloohome: 406s while offline, then the job that installed the PIN.
  const json requests = admin->get("/__admin/requests")["requests"];
  int refused = 0;
  int created = 0;
  for (const auto& r : requests) {
    if (r.value("method", "") == "POST" && r.value("path", "") == "/igloohome/devices/LK-1/jobs/bridges/BR-1") {
      (r.value("status", 0) == 406 ? refused : created) += 1;
    }
    EXPECT_EQ(r.dump().find("demo-secret"), std::string::npos);  // secrets redacted
  }
  EXPECT_EQ(refused, 3);
  EXPECT_EQ(created, 1);

  // The lock simulator is the judge: the PIN opens in its window, not outside.
  const std::string pin = *code->code;
  EXPECT_EQ(enter("LK-1", pin, "2026-01-20T15:00:00Z")["opens"], true);
  EXPECT_EQ(enter("LK-1", pin, "2026-01-20T14:29:59Z")["opens"], false);
  EXPECT_EQ(enter("LK-1", pin, "2026-01-23T10:30:00Z")["opens"], false);
  EXPECT_EQ(enter("LK-2", pin, "2026-01-20T15:00:00Z")["opens"], false);

  // C4: after valid_until the engine deletes it; the lock refuses it either way.
  run_to(at("2026-01-23T12:00:00Z"));
  EXPECT_EQ(engine->code("b1")->status, CodeStatus::revoked);
  const json pins = admin->get("/__admin/locks/LK-1/pins");
  bool deleted = false;
  for (const auto& p : pins.value("pins", json::array()))
    deleted |= p.value("pin", "") == pin && p.contains("deletedAt") && !p["deletedAt"].is_null();
  EXPECT_TRUE(deleted) << pins.dump();
  // Everything went over one keep-alive connection per host.
  EXPECT_EQ(http->api_transport().connections_opened(), 1);
}

TEST_F(EngineOverSockets, L1_BadCredentialsAreInvalidCredentialsAndNothingIsStored) {
  auto connected = engine->connect({"demo-client", "wrong-secret"});
  ASSERT_FALSE(connected.has_value());
  EXPECT_EQ(connected.error().code, ErrorCode::invalid_credentials);
  EXPECT_FALSE(engine->connected());
  EXPECT_FALSE(http->client().connected());
}

TEST_F(EngineOverSockets, L2_AnUnknownLockIsUnknownLock) {
  ASSERT_TRUE(engine->connect({"demo-client", "demo-secret"}).has_value());
  ASSERT_TRUE(engine->put_property("villa", "Europe/Paris").has_value());
  auto assigned = engine->assign_lock("villa", Brand::igloohome, "LK-404");
  ASSERT_FALSE(assigned.has_value());
  EXPECT_EQ(assigned.error().code, ErrorCode::unknown_lock);
}

}  // namespace
}  // namespace lockstep::igloohome
