// World files: the default world on disk equals the built-in one, and every
// mistake in a world file is refused with the JSON path that is wrong.
#include <algorithm>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "support.hpp"

namespace lockstep::mock::testing {
namespace {

TEST(MockWorld, DefaultWorldIsTheContracts) {
  const World w = default_world();
  ASSERT_EQ(w.accounts.size(), 1u);
  EXPECT_EQ(w.accounts[0].client_id, "demo-client");
  EXPECT_EQ(w.accounts[0].client_secret, "demo-secret");
  EXPECT_EQ(w.accounts[0].name, "Demo Host");
  ASSERT_EQ(w.locks.size(), 3u);
  EXPECT_EQ(w.locks[0].bridge_id, "BR-1");
  EXPECT_EQ(w.locks[1].bridge_id, "BR-1");
  EXPECT_EQ(w.locks[2].id, "LK-ALGO");
  EXPECT_FALSE(w.locks[2].bridge_id.has_value());
  EXPECT_EQ(w.now, at("2026-01-01T00:00:00Z"));
}

TEST(MockWorld, TheShippedDefaultWorldFileMatchesTheBuiltIn) {
  auto loaded = load_world_file(std::string(LOCKSTEP_SOURCE_DIR) + "/mock-igloohome/worlds/default.json");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(world_to_json(*loaded), world_to_json(default_world()));
}

TEST(MockWorld, RoundTripsThroughJson) {
  World w = default_world();
  w.faults.push_back({{"kind", "bridge_offline"}, {"target", "BR-1"}});
  w.limits.page_size = 7;
  auto back = world_from_json(world_to_json(w));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(world_to_json(*back), world_to_json(w));
}

TEST(MockWorld, MistakesNameTheirPath) {
  const json base = world_to_json(default_world());
  struct Case {
    std::function<void(json&)> change;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](json& j) { j["colour"] = "blue"; }, "colour"},
      {[](json& j) { j["now"] = "2026-01-01"; }, "now"},
      {[](json& j) { j["locks"][1]["bridge"] = "BR-9"; }, "locks[1].bridge"},
      {[](json& j) { j["locks"][1]["id"] = "LK-1"; }, "locks[1].id"},
      {[](json& j) { j["locks"][0]["id"] = 5; }, "locks[0].id"},
      {[](json& j) { j["bridges"][0].erase("id"); }, "bridges[0].id"},
      {[](json& j) { j["accounts"][0].erase("client_secret"); }, "accounts[0].client_secret"},
      {[](json& j) { j["accounts"][0]["devices"] = {"LK-9"}; }, "accounts[0].devices[0]"},
      {[](json& j) { j["accounts"][0]["scopes"] = "all"; }, "accounts[0].scopes"},
      {[](json& j) { j["limits"]["page_size"] = 0; }, "limits.page_size"},
      {[](json& j) { j["faults"] = {{{"kind", "job_pending"}}}; }, "faults[0].minutes"},
      {[](json& j) { j["faults"] = {{{"kind", "bridge_offline"}, {"target", "BR-7"}}}; }, "faults[0].target"},
      // Issue 11 "Bad input": an unknown scope, a jobType representation other
      // than string/number, a clock_drift without a lock.
      {[](json& j) { j["accounts"][0]["scopes"] = {"get-devices", "get-everything"}; }, "accounts[0].scopes[1]"},
      {[](json& j) { j["api"] = {{"job_type", "integer"}}; }, "api.job_type"},
      {[](json& j) { j["api"] = {{"job_type", 4}}; }, "api.job_type"},
      {[](json& j) { j["api"] = {{"token_exp", "lock"}}; }, "api.token_exp"},
      {[](json& j) { j["api"] = {{"colour", "blue"}}; }, "api.colour"},
      {[](json& j) { j["faults"] = {{{"kind", "clock_drift"}, {"minutes", 5}}}; }, "faults[0].target"},
      {[](json& j) { j["faults"] = {{{"kind", "clock_drift"}, {"target", "BR-1"}, {"minutes", 5}}}; },
       "faults[0].target"},
      {[](json& j) { j["locks"][1]["internal_id"] = j["locks"][0]["internal_id"]; }, "locks[1].internal_id"},
  };
  for (const auto& c : cases) {
    json j = base;
    c.change(j);
    auto w = world_from_json(j);
    ASSERT_FALSE(w.has_value()) << c.field;
    EXPECT_EQ(w.error().field, c.field) << w.error().message;
    EXPECT_NE(w.error().message.find(c.field), std::string::npos) << w.error().message;
  }
  EXPECT_FALSE(world_from_json(json::array()).has_value());
}

TEST(MockWorld, FilesThatAreNotJsonOrMissingAreRefused) {
  EXPECT_EQ(load_world_file("/nonexistent/world.json").error().code, ErrorCode::io_error);
  const std::string path = ::testing::TempDir() + "/lockstep-mock-bad-world.json";
  std::ofstream(path) << "{ \"locks\": [ ";
  auto bad = load_world_file(path);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_json);
  std::remove(path.c_str());
}

TEST(MockWorld, DevicesHaveDistinctInternalIdsAndTheDefaultClientOwnsEveryScope) {
  const World w = default_world();
  std::set<std::string> ids;
  for (const auto& b : w.bridges) ids.insert(b.internal_id);
  for (const auto& l : w.locks) ids.insert(l.internal_id);
  EXPECT_EQ(ids.size(), 4u);
  for (const auto& id : ids) EXPECT_EQ(id.find_first_not_of("0123456789"), std::string::npos) << id;
  // get-properties is what the most used public client asks for by default.
  const auto& scopes = w.accounts[0].scopes;
  EXPECT_NE(std::find(scopes.begin(), scopes.end(), "igloohomeapi/get-properties"), scopes.end());
  EXPECT_EQ(scopes.size(), 16u);
  EXPECT_FALSE(w.api.job_type_as_number);
  EXPECT_FALSE(w.api.token_exp_on_virtual_clock);
  auto numbers = world_from_json({{"api", {{"job_type", "number"}, {"token_exp", "virtual"}}}});
  ASSERT_TRUE(numbers) << numbers.error().message;
  EXPECT_TRUE(numbers->api.job_type_as_number);
  EXPECT_TRUE(numbers->api.token_exp_on_virtual_clock);
}

TEST(MockWorld, ShortScopeNamesAndDefaults) {
  auto w = world_from_json({{"accounts", {{{"client_id", "a"}, {"client_secret", "b"}, {"scopes", {"get-devices"}}}}},
                            {"locks", {{{"id", "L"}}}}});
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(w->accounts[0].scopes, std::vector<std::string>{"igloohomeapi/get-devices"});
  EXPECT_EQ(w->accounts[0].name, "a");
  EXPECT_EQ(w->locks[0].device_secret, "secret-L");
  EXPECT_EQ(w->now, at("2026-01-01T00:00:00Z"));
}

}  // namespace
}  // namespace lockstep::mock::testing
