// Amended C5 as a pure function: the start of an algoPIN asked for late, and the
// end of a daily algoPIN whose time of day falls in a DST gap (issue 12, bug 4).
#include <gtest/gtest.h>

#include "lockstep/rules.hpp"
#include "world.hpp"

namespace lockstep::testing {
namespace {

Zone zone(std::string_view name) { return *Zone::locate(name); }

TEST(C5_DailyEnd, AnEndInASpringForwardGapMovesToTheNextDay) {
  // Start 02:00 local; the first day at or after valid_until is 2027-03-28, when
  // Paris jumps 02:00 -> 03:00: 02:00 does not exist, so the end is the 29th.
  const Zone paris = zone("Europe/Paris");
  auto w = algopin_window(paris, at("2027-02-20T01:00:00Z"), at("2027-03-27T09:30:00Z"));
  ASSERT_TRUE(w);
  EXPECT_EQ(w->type, AlgoPinType::daily);
  EXPECT_EQ(w->start, at("2027-02-20T01:00:00Z"));
  EXPECT_EQ(w->end, at("2027-03-29T00:00:00Z"));  // 02:00 CEST
  EXPECT_EQ(w->end_offset, Seconds{7200});
  const auto start_local = paris.to_local(w->start);
  const auto end_local = paris.to_local(w->end);
  EXPECT_EQ(start_local - date::floor<date::days>(start_local), end_local - date::floor<date::days>(end_local));
}

TEST(C5_DailyEnd, AnEndOutsideAnyGapIsUnchanged) {
  auto w = algopin_window(zone("Europe/Paris"), at("2027-02-20T01:00:00Z"), at("2027-03-26T09:30:00Z"));
  ASSERT_TRUE(w);
  EXPECT_EQ(w->end, at("2027-03-27T01:00:00Z"));  // 02:00 CET on the 27th
}

TEST(C5_LateStart, TheStartIsTheCurrentHourInTheOffsetThenInForce) {
  const Zone paris = zone("Europe/Paris");
  const Instant from = at("2026-06-10T12:30:00Z"), until = at("2026-06-12T09:30:00Z");
  EXPECT_EQ(algopin_window(paris, from, until)->start, at("2026-06-10T12:00:00Z"));
  EXPECT_EQ(algopin_window(paris, from, until, at("2026-06-10T11:00:00Z"))->start, at("2026-06-10T12:00:00Z"));
  EXPECT_EQ(algopin_window(paris, from, until, at("2026-06-10T12:00:00Z"))->start, at("2026-06-10T12:00:00Z"));
  EXPECT_EQ(algopin_window(paris, from, until, at("2026-06-10T13:59:59Z"))->start, at("2026-06-10T13:00:00Z"));
  // Kathmandu is +05:45: "on the hour" there is :15 UTC.
  auto nepal = algopin_window(zone("Asia/Kathmandu"), at("2026-06-10T06:00:00Z"), at("2026-06-11T06:00:00Z"),
                              at("2026-06-10T08:20:00Z"));
  ASSERT_TRUE(nepal);
  EXPECT_EQ(nepal->start, at("2026-06-10T08:15:00Z"));
  EXPECT_EQ(nepal->start_offset, Seconds{5 * 3600 + 45 * 60});
}

TEST(C5_LateStart, AStartAcrossATransitionUsesTheOffsetOfNow) {
  // Asked at 03:20 CEST on the night Paris springs forward: the start is 03:00 CEST.
  auto w = algopin_window(zone("Europe/Paris"), at("2026-03-28T22:00:00Z"), at("2026-03-30T08:00:00Z"),
                          at("2026-03-29T01:20:00Z"));
  ASSERT_TRUE(w);
  EXPECT_EQ(w->start, at("2026-03-29T01:00:00Z"));
  EXPECT_EQ(w->start_offset, Seconds{7200});
}

}  // namespace
}  // namespace lockstep::testing
