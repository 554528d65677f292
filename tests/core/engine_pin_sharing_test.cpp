// Which booking is named when several bridge entries on one lock hold the same
// PIN (guest-phone codes of stays that do not overlap, C2), and an expired entry
// is left because igloohome deletes by value (B1): the audit text names the first
// other live entry in the engine's per-lock PIN order.
//
// That order is inherited from the std::unordered_multimap the engine first kept
// its PINs in (libstdc++ 12): among equal PINs, an entry made while the lock held
// at most 20 entries goes right after the oldest one, otherwise first. It is
// odd, but it decides audit text, so it is held here on purpose.
#include <gtest/gtest.h>

#include "world.hpp"

namespace lockstep::testing {
namespace {

// Four stays of one guest (one phone: one PIN), made in the order D, B, C, A at
// once (their generation times have passed), then A's code expires and is left
// on the lock for another holder of its value.
void book_shared_pin_stays(World& w) {
  const std::string phone = "+33 6 11 22 33 44";
  ASSERT_TRUE(w.book("D", "2026-01-12T15:00", "2026-01-13T10:00", phone));
  w.run_until("2026-01-01T00:00:00Z");
  ASSERT_TRUE(w.book("B", "2026-01-06T15:00", "2026-01-07T10:00", phone));
  w.run_until("2026-01-01T00:00:00Z");
  ASSERT_TRUE(w.book("C", "2026-01-09T15:00", "2026-01-10T10:00", phone));
  w.run_until("2026-01-01T00:00:00Z");
  ASSERT_TRUE(w.book("A", "2026-01-03T15:00", "2026-01-04T10:00", phone));
  w.run_until("2026-01-01T00:00:00Z");
  for (const char* id : {"A", "B", "C", "D"}) {
    ASSERT_EQ(w.code(id).status, CodeStatus::active) << id;
    ASSERT_EQ(w.code(id).code, "223344") << id;
  }
  w.run_until("2026-01-05T00:00:00Z");
}

void configure(World& w) {
  w.setup("UTC");
  ASSERT_TRUE(w.engine.configure_lock("LK-1", SettingsPatch{14, std::nullopt, CodeSource::guest_phone}));
}

TEST(B1_SharedPin, AFewEntriesOnTheLock_TheOldestOtherHolderIsNamed) {
  World w("2026-01-01T00:00:00Z");
  configure(w);
  book_shared_pin_stays(w);
  EXPECT_TRUE(w.audit_has("A", AuditKind::code_deleted, "B1", "booking D holds the same value")) << w.audit_dump("A");
}

TEST(B1_SharedPin, MoreThanTwentyEntriesOnTheLock_TheNewestOtherHolderIsNamed) {
  World w("2026-01-01T00:00:00Z");
  configure(w);
  // Stays overlapping all the others, with random PINs, made first: the lock
  // holds more than 20 entries when the shared PIN is made.
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(w.book(fmt::format("filler-{}", i), "2026-01-02T15:00", "2026-01-20T10:00"));
  }
  w.run_until("2026-01-01T00:00:00Z");
  book_shared_pin_stays(w);
  EXPECT_TRUE(w.audit_has("A", AuditKind::code_deleted, "B1", "booking C holds the same value")) << w.audit_dump("A");
}

}  // namespace
}  // namespace lockstep::testing
