// The reference engine, through its igloohome client over real sockets, against
// the listening mock: a bridge outage over the generation time, then recovery on
// the hourly retry (T4, C6) — and the lock simulator opens the door with the code
// only in its window, and refuses it after the engine deletes it (C4).
#include <gtest/gtest.h>

#include "lockstep/clock.hpp"
#include "lockstep/engine.hpp"
#include "lockstep/igloohome/client.hpp"
#include "lockstep/mock/mock_clock.hpp"
#include "lockstep/mock/server.hpp"
#include "lockstep/random.hpp"
#include "support.hpp"

namespace lockstep::mock::testing {
namespace {

TEST(MockWithEngine, BridgeOutageThenRecoveryOnTheHourlyRetry) {
  Mock mock;
  ServerOptions options;
  options.threads = 1;
  Server server(mock, options);
  server.start();
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());

  MockClock clock(mock);
  auto http = igloohome::HttpClient::open(base, base + "/igloohome", clock);
  ASSERT_TRUE(http) << http.error().message;
  SeededRandom rng(42);
  Engine engine(clock, rng, (*http)->client());

  auto account = engine.connect({"demo-client", "demo-secret"});
  ASSERT_TRUE(account) << account.error().message;
  EXPECT_EQ(*account, "Demo Host");
  ASSERT_TRUE(engine.put_property("P1", "Europe/Paris"));
  ASSERT_TRUE(engine.assign_lock("P1", Brand::igloohome, "LK-1"));
  // Check-in 2026-01-10 15:00 Paris; generation 5 days before at local midnight,
  // 2026-01-04T23:00Z. BR-1 is offline from before that until 01:30Z.
  ASSERT_TRUE(mock.add_fault({{"kind", "bridge_offline"}, {"target", "BR-1"},
                              {"from", "2026-01-04T22:00:00Z"}, {"until", "2026-01-05T01:30:00Z"}}));
  ASSERT_TRUE(engine.put_booking({"B1", "P1", *parse_local("2026-01-10T15:00"), *parse_local("2026-01-12T11:00"), {}}));

  engine.run_until(at("2026-01-06T00:00:00Z"));
  auto code = engine.code("B1");
  ASSERT_TRUE(code) << code.error().message;
  EXPECT_EQ(to_string(code->status), "active");
  ASSERT_TRUE(code->code.has_value());
  ASSERT_EQ(code->attempts.size(), 4u);
  EXPECT_EQ(code->attempts.front(), at("2026-01-04T23:00:00Z"));
  EXPECT_EQ(code->attempts.back(), at("2026-01-05T02:00:00Z"));

  int refused = 0, created = 0;
  for (const auto& e : mock.journal()) {
    if (e.method == "POST" && e.path == "/igloohome/devices/LK-1/jobs/bridges/BR-1") {
      refused += e.status == 406;
      created += e.status == 200;
    }
  }
  EXPECT_EQ(refused, 3);
  EXPECT_EQ(created, 1);

  // valid_from = 14:00Z - 30 min margin.
  EXPECT_EQ(mock.enter("LK-1", *code->code, at("2026-01-10T13:29:59Z")).reason, "not_yet_valid");
  EXPECT_TRUE(mock.enter("LK-1", *code->code, at("2026-01-10T13:30:00Z")).opens);

  // After the stay the engine deletes the PIN; the lock refuses it from then on.
  engine.run_until(at("2026-01-13T00:00:00Z"));
  EXPECT_FALSE(mock.enter("LK-1", *code->code, at("2026-01-12T12:00:00Z")).opens);
  bool deleted = false;
  const auto pins = mock.pins("LK-1");
  ASSERT_TRUE(pins);
  for (const auto& p : *pins) deleted |= p.deleted_at.has_value();
  EXPECT_TRUE(deleted);
  server.stop();
}

}  // namespace
}  // namespace lockstep::mock::testing
