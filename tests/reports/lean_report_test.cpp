// Lean report.json for large scenarios: full detail where it matters (the first
// bookings, every booking a failure or a wrong door names), counts for the rest,
// and a read-back that renders the same bytes again (report merge relies on it).
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <fmt/format.h>

#include "lockstep/harness/report.hpp"

namespace lockstep::harness::report {
namespace {

ScenarioResult portfolio(int bookings) {
  ScenarioResult s;
  s.name = "year";
  s.file = "year.json";
  s.rules = {"T3"};
  for (int i = 0; i < bookings; ++i) {
    BookingTimeline b;
    b.id = fmt::format("B{}", i);
    b.status = i % 10 == 0 ? "revoked" : "active";
    b.audit.push_back({Instant{}, "code_created", "C4", "created"});
    s.bookings.push_back(b);
    s.probes.push_back({.at = Instant{}, .lock = "LK", .booking = b.id, .expected_open = true, .opened = true});
  }
  return s;
}

TEST(LeanReport, SmallScenariosKeepEverything) {
  const auto j = nlohmann::json::parse(render_json({}, std::vector{portfolio(100)}));
  EXPECT_EQ(j["scenarios"][0]["bookings"].size(), 100u);
  EXPECT_FALSE(j["scenarios"][0].contains("omitted"));
}

TEST(LeanReport, LargeScenariosKeepTheFirstAndEveryNamedBookingAndCountTheRest) {
  auto s = portfolio(150);
  s.verdict = Verdict::fail;
  s.failures.push_back({.rule = "T3", .booking = "B120", .what = "status", .message = "x"});
  s.probes[130].opened = false;  // a wrong door names B130
  const auto j = nlohmann::json::parse(render_json({}, std::vector{s}));
  const auto& out = j["scenarios"][0];
  ASSERT_EQ(out["bookings"].size(), 102u);
  EXPECT_EQ(out["bookings"][100]["id"], "B120");
  EXPECT_EQ(out["bookings"][101]["id"], "B130");
  EXPECT_EQ(out["bookings"][100]["audit"].size(), 1u);  // full detail for the named one
  EXPECT_EQ(out["omitted"]["bookings"], 48);
  EXPECT_EQ(out["omitted"]["probes"], 48);
  EXPECT_EQ(out["omitted"]["bookings_by_status"]["revoked"], 3);  // B100, B110, B140 (B120, B130 kept)
  EXPECT_EQ(out["omitted"]["bookings_by_status"]["active"], 45);
  EXPECT_EQ(out["probes"].size(), 102u);
}

TEST(LeanReport, ReadBackRendersTheSameBytes) {
  auto s = portfolio(150);
  s.failures.push_back({.rule = "T3", .booking = "B140", .what = "status", .message = "x"});
  s.verdict = Verdict::fail;
  const auto first = render_json({}, std::vector{s});
  auto back = parse_json_report(first);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->scenarios[0].omitted.bookings, 49);
  EXPECT_EQ(render_json(back->run, back->scenarios), first);
}

}  // namespace
}  // namespace lockstep::harness::report
