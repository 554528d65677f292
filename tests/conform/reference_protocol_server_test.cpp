// ReferenceProtocolServer (`lockstep sut`): the reference engine behind lockstep-sut/1, here
// driven line by line against a mock listening on 127.0.0.1.
#include "lockstep/harness/reference_protocol_server.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lockstep/mock/mock.hpp"
#include "lockstep/mock/server.hpp"

namespace lockstep::harness {
namespace {

using nlohmann::json;

json ask(ReferenceProtocolServer& adapter, const json& request) { return json::parse(adapter.handle(request.dump())); }

TEST(ReferenceProtocolServer, BadLinesGetErrorRepliesNotACrash) {
  ReferenceProtocolServer adapter;
  auto not_json = json::parse(adapter.handle("this is not json"));
  EXPECT_EQ(not_json["ok"], false);
  EXPECT_TRUE(not_json["id"].is_null());
  EXPECT_EQ(not_json["error"]["code"], "invalid_json");
  auto no_type = ask(adapter, {{"id", 1}});
  EXPECT_EQ(no_type["id"], 1);
  EXPECT_EQ(no_type["error"]["code"], "invalid_argument");
  auto unknown = ask(adapter, {{"id", 2}, {"type", "teleport"}});
  EXPECT_EQ(unknown["error"]["code"], "unsupported");
  auto early = ask(adapter, {{"id", 3}, {"type", "tick"}, {"now", "2026-06-01T00:00:00Z"}});
  EXPECT_EQ(early["error"]["code"], "protocol_error");
  EXPECT_NE(early["error"]["message"].get<std::string>().find("init"), std::string::npos);
  auto bad_url = ask(adapter, {{"id", 4},
                               {"type", "init"},
                               {"protocol", "lockstep-sut/1"},
                               {"now", "2026-06-01T00:00:00Z"},
                               {"igloohome", {{"auth_url", "ftp://x"}, {"api_url", "ftp://x/igloohome"}}}});
  EXPECT_EQ(bad_url["ok"], false);
  auto wrong_protocol = ask(adapter, {{"id", 5}, {"type", "init"}, {"protocol", "lockstep-sut/9"}, {"now", "2026-06-01T00:00:00Z"}});
  EXPECT_EQ(wrong_protocol["error"]["code"], "unsupported");
  EXPECT_FALSE(adapter.finished());
  auto bye = ask(adapter, {{"id", 6}, {"type", "shutdown"}});
  EXPECT_EQ(bye["ok"], true);
  EXPECT_TRUE(adapter.finished());
}

TEST(ReferenceProtocolServer, PlaysABookingAgainstTheMockOverSockets) {
  mock::Mock mock;
  mock::Server server(mock, mock::ServerOptions{});
  server.start();
  const auto base = fmt::format("http://127.0.0.1:{}", server.port());
  mock.set_now(parse_instant("2026-06-01T00:00:00Z").value());

  ReferenceProtocolServer adapter;
  int id = 0;
  auto req = [&](json r) {
    r["id"] = ++id;
    auto reply = ask(adapter, r);
    EXPECT_EQ(reply["id"], id);
    return reply;
  };
  auto init = req({{"type", "init"},
                   {"protocol", "lockstep-sut/1"},
                   {"now", "2026-06-01T00:00:00Z"},
                   {"igloohome", {{"auth_url", base}, {"api_url", base + "/igloohome"}}}});
  ASSERT_EQ(init["ok"], true) << init.dump();
  EXPECT_EQ(init["name"], "lockstep-reference");

  EXPECT_EQ(req({{"type", "connect"}, {"client_id", "demo-client"}, {"client_secret", "wrong"}})["error"]["code"],
            "invalid_credentials");
  auto connected = req({{"type", "connect"}, {"client_id", "demo-client"}, {"client_secret", "demo-secret"}});
  ASSERT_EQ(connected["ok"], true) << connected.dump();
  EXPECT_EQ(connected["account_name"], "Demo Host");
  // L1: connecting while connected is refused and changes nothing.
  EXPECT_EQ(req({{"type", "connect"}, {"client_id", "demo-client"}, {"client_secret", "demo-secret"}})["error"]["code"],
            "already_connected");
  // configure_lock: a lock the account lists may be set up before it is mapped.
  EXPECT_EQ(req({{"type", "configure_lock"}, {"lock_id", "LK-2"}, {"margin_minutes", 45}})["ok"], true);
  EXPECT_EQ(req({{"type", "configure_lock"}, {"lock_id", "LK-NOPE"}, {"margin_minutes", 45}})["error"]["code"],
            "not_found");
  EXPECT_EQ(req({{"type", "put_property"}, {"property_id", "P1"}, {"timezone", "Mars/Olympus"}})["error"]["code"],
            "invalid_timezone");
  ASSERT_EQ(req({{"type", "put_property"}, {"property_id", "P1"}, {"timezone", "Europe/Paris"}})["ok"], true);
  ASSERT_EQ(req({{"type", "assign_lock"}, {"property_id", "P1"}, {"brand", "igloohome"}, {"lock_id", "LK-1"}})["ok"],
            true);
  EXPECT_EQ(req({{"type", "configure_lock"}, {"lock_id", "LK-1"}, {"days_before", 15}})["error"]["code"],
            "invalid_setting");
  EXPECT_EQ(req({{"type", "configure_lock"}, {"lock_id", "LK-1"}, {"days_before", "5"}})["error"]["code"],
            "invalid_setting");
  EXPECT_EQ(req({{"type", "put_booking"},
                 {"booking_id", "B0"},
                 {"property_id", "P1"},
                 {"checkin", "2026-06-10 15:00"},
                 {"checkout", "2026-06-12T11:00"}})["error"]["code"],
            "invalid_booking");
  ASSERT_EQ(req({{"type", "put_booking"},
                 {"booking_id", "B1"},
                 {"property_id", "P1"},
                 {"checkin", "2026-06-10T15:00"},
                 {"checkout", "2026-06-12T11:00"}})["ok"],
            true);
  auto scheduled = req({{"type", "get_code"}, {"booking_id", "B1"}});
  EXPECT_EQ(scheduled["status"], "scheduled");
  EXPECT_TRUE(scheduled["code"].is_null());
  EXPECT_EQ(scheduled["valid_from"], "2026-06-10T12:30:00Z");  // 15:00 CEST - 30 min
  EXPECT_EQ(scheduled["valid_until"], "2026-06-12T09:30:00Z");
  EXPECT_EQ(req({{"type", "render"}, {"booking_id", "B1"}, {"template", "Code: {{smartlock_code}}"}})["error"]["code"],
            "code_pending");
  // No igloohome lock on the property: no window either.
  ASSERT_EQ(req({{"type", "put_property"}, {"property_id", "P2"}, {"timezone", "Europe/Paris"}})["ok"], true);
  ASSERT_EQ(req({{"type", "assign_lock"}, {"property_id", "P2"}, {"brand", "ttlock"}, {"lock_id", "TT-1"}})["ok"],
            true);
  ASSERT_EQ(req({{"type", "put_booking"},
                 {"booking_id", "T1"},
                 {"property_id", "P2"},
                 {"checkin", "2026-06-10T15:00"},
                 {"checkout", "2026-06-12T11:00"}})["ok"],
            true);
  auto ttlock = req({{"type", "get_code"}, {"booking_id", "T1"}});
  EXPECT_EQ(ttlock["status"], "none");
  EXPECT_TRUE(ttlock["valid_from"].is_null()) << ttlock.dump();
  EXPECT_TRUE(ttlock["valid_until"].is_null()) << ttlock.dump();
  EXPECT_EQ(req({{"type", "get_code"}, {"booking_id", "nobody"}})["error"]["code"], "not_found");

  // Ticking: the next wakeup is the generation instant (T3: local midnight five
  // days before the check-in day, 2026-06-05T00:00 CEST).
  auto tick = req({{"type", "tick"}, {"now", "2026-06-01T00:00:00Z"}});
  ASSERT_EQ(tick["ok"], true) << tick.dump();
  ASSERT_TRUE(tick["next_wakeup"].is_string()) << tick.dump();
  EXPECT_EQ(tick["next_wakeup"], "2026-06-04T22:00:00Z");
  const std::string wake = tick["next_wakeup"];
  mock.set_now(parse_instant(wake).value());
  ASSERT_EQ(req({{"type", "tick"}, {"now", wake}})["ok"], true);
  // A bridge job is polled a little later; tick until the code is active.
  std::string now = wake;
  json code;
  for (int i = 0; i < 10; ++i) {
    code = req({{"type", "get_code"}, {"booking_id", "B1"}});
    if (code["status"] == "active") break;
    auto next = req({{"type", "tick"}, {"now", now}})["next_wakeup"];
    if (!next.is_string()) break;
    now = next.get<std::string>();
    mock.set_now(parse_instant(now).value());
    req({{"type", "tick"}, {"now", now}});
  }
  ASSERT_EQ(code["status"], "active") << code.dump();
  EXPECT_EQ(code["kind"], "pin");
  ASSERT_TRUE(code["code"].is_string());
  const std::string pin = code["code"];
  EXPECT_EQ(pin.size(), 6u);
  auto text = req({{"type", "render"}, {"booking_id", "B1"}, {"template", "Code: {{ smartlock_code }}"}});
  EXPECT_EQ(text["text"], "Code: " + pin);
  // The PIN is really on the lock: the guest gets in during the stay.
  auto door = mock.enter("LK-1", pin, parse_instant("2026-06-10T13:00:00Z").value());
  EXPECT_TRUE(door.opens) << door.reason;
  server.stop();
}

}  // namespace
}  // namespace lockstep::harness
