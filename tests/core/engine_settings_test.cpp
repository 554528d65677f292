// S1-S4: per-lock settings, their ranges, and what a change affects.
#include <gtest/gtest.h>

#include "world.hpp"

namespace lockstep::testing {
namespace {

SettingsPatch days(int d) { return SettingsPatch{d, std::nullopt, std::nullopt}; }
SettingsPatch margin(int m) { return SettingsPatch{std::nullopt, m, std::nullopt}; }
SettingsPatch source(CodeSource s) { return SettingsPatch{std::nullopt, std::nullopt, s}; }

TEST(S1_DaysBefore, DefaultIsFiveAndTheSettingMovesGeneration) {
  World w;
  w.setup("Europe/Paris");
  EXPECT_EQ(w.engine.lock_settings("LK-1")->days_before, 5);
  ASSERT_TRUE(w.engine.configure_lock("LK-1", days(14)));
  ASSERT_TRUE(w.book("b1", "2026-05-20T15:00", "2026-05-22T10:00"));
  EXPECT_EQ(w.code("b1").generate_at, at("2026-05-05T22:00:00Z"));
  ASSERT_TRUE(w.engine.configure_lock("LK-1", days(1)));
  EXPECT_EQ(w.code("b1").generate_at, at("2026-05-18T22:00:00Z"));
}

TEST(S1_DaysBefore, OutOfRangeIsRefusedAndNothingChanges) {
  World w;
  w.setup();
  for (int d : {0, 15, -3, 1000}) {
    auto r = w.engine.configure_lock("LK-1", days(d));
    ASSERT_FALSE(r) << d;
    EXPECT_EQ(r.error().code, ErrorCode::invalid_setting);
    EXPECT_EQ(r.error().field, "days_before");
  }
  EXPECT_EQ(w.engine.lock_settings("LK-1")->days_before, 5);
}

TEST(S2_Margin, DefaultThirtyRangeZeroTo240) {
  World w;
  w.setup("UTC");
  EXPECT_EQ(w.engine.lock_settings("LK-1")->margin_minutes, 30);
  ASSERT_TRUE(w.engine.configure_lock("LK-1", margin(0)));
  ASSERT_TRUE(w.book("b1", "2026-05-20T15:00", "2026-05-22T10:00"));
  EXPECT_EQ(w.code("b1").valid_from, at("2026-05-20T15:00:00Z"));
  ASSERT_TRUE(w.engine.configure_lock("LK-1", margin(240)));
  EXPECT_EQ(w.code("b1").valid_from, at("2026-05-20T11:00:00Z"));
  EXPECT_EQ(w.code("b1").valid_until, at("2026-05-22T14:00:00Z"));
  for (int m : {-1, 241}) {
    auto r = w.engine.configure_lock("LK-1", margin(m));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::invalid_setting);
    EXPECT_EQ(r.error().field, "margin_minutes");
  }
  EXPECT_EQ(w.engine.lock_settings("LK-1")->margin_minutes, 240);
}

TEST(S3_CodeSource, GuestPhoneOnABridgeLockUsesThePhone) {
  World w;
  w.setup();
  EXPECT_EQ(w.engine.lock_settings("LK-1")->code_source, CodeSource::random);
  ASSERT_TRUE(w.engine.configure_lock("LK-1", source(CodeSource::guest_phone)));
  ASSERT_TRUE(w.book("b1", "2026-05-20T15:00", "2026-05-22T10:00", "+33 (6) 12-34.56 78"));
  w.run_until("2026-05-16T00:00:00Z");
  EXPECT_EQ(w.code("b1").code, "345678");
  EXPECT_EQ(w.code("b1").source, PinSource::guest_phone);
}

TEST(S3_CodeSource, GuestPhoneOnAnAlgoPinLockIsUnavailable) {
  World w;
  w.setup("Europe/Paris", "LK-ALGO");
  auto r = w.engine.configure_lock("LK-ALGO", source(CodeSource::guest_phone));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::code_source_unavailable);
  EXPECT_EQ(w.engine.lock_settings("LK-ALGO")->code_source, CodeSource::random);
  // A patch with a bad field changes none of its fields.
  auto mixed = w.engine.configure_lock("LK-ALGO", SettingsPatch{7, 60, CodeSource::guest_phone});
  ASSERT_FALSE(mixed);
  EXPECT_EQ(w.engine.lock_settings("LK-ALGO")->days_before, 5);
  EXPECT_EQ(w.engine.lock_settings("LK-ALGO")->margin_minutes, 30);
}

TEST(S4_SettingChanges, ABadPatchChangesNoField) {
  World w;
  w.setup();
  ASSERT_TRUE(w.book("b1", "2026-05-20T15:00", "2026-05-22T10:00"));
  const auto wake = w.engine.next_wakeup();
  auto r = w.engine.configure_lock("LK-1", SettingsPatch{7, 500, CodeSource::guest_phone});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid_setting);
  EXPECT_EQ(r.error().field, "margin_minutes");
  const LockSettings s = *w.engine.lock_settings("LK-1");
  EXPECT_EQ(s.days_before, 5);
  EXPECT_EQ(s.margin_minutes, 30);
  EXPECT_EQ(s.code_source, CodeSource::random);
  EXPECT_EQ(w.engine.next_wakeup(), wake);
}

TEST(S4_SettingChanges, UnknownLockIsNotFound) {
  World w;
  w.setup();
  // LK-2 is listed by the account: it may be set up before it is mapped.
  ASSERT_TRUE(w.engine.configure_lock("LK-2", days(3)));
  auto r = w.engine.configure_lock("LK-NOPE", days(3));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  EXPECT_FALSE(w.engine.lock_settings("LK-NOPE"));
}

TEST(S4_SettingChanges, ApplyToCodesNotYetGeneratedOnly) {
  World w;
  w.setup("UTC");
  ASSERT_TRUE(w.book("early", "2026-05-10T15:00", "2026-05-12T10:00"));
  ASSERT_TRUE(w.book("late", "2026-05-20T15:00", "2026-05-22T10:00"));
  w.run_until("2026-05-06T00:00:00Z");
  ASSERT_EQ(w.code("early").status, CodeStatus::active);
  ASSERT_TRUE(w.engine.configure_lock("LK-1", margin(120)));
  EXPECT_EQ(w.code("early").valid_from, at("2026-05-10T14:30:00Z"));  // generated: unchanged
  EXPECT_EQ(w.code("late").valid_from, at("2026-05-20T13:00:00Z"));
  EXPECT_TRUE(w.audit_has("late", AuditKind::rescheduled, "S4"));
  w.run_until("2026-05-16T00:00:00Z");
  const auto creates = w.igloohome.calls_of("create_pin");
  ASSERT_EQ(creates.size(), 2u);
  EXPECT_EQ(creates[1].job->start, at("2026-05-20T13:00:00Z"));
}

TEST(S4_SettingChanges, CodeSourceIsReadWhenTheCodeIsMade) {
  World w;
  w.setup("UTC");
  ASSERT_TRUE(w.book("b1", "2026-05-20T15:00", "2026-05-22T10:00", "0612345678"));
  ASSERT_TRUE(w.engine.configure_lock("LK-1", source(CodeSource::guest_phone)));
  w.run_until("2026-05-15T00:00:00Z");
  EXPECT_EQ(w.code("b1").code, "345678");
  ASSERT_TRUE(w.engine.configure_lock("LK-1", source(CodeSource::random)));
  EXPECT_EQ(w.code("b1").code, "345678");  // already made: kept
}

TEST(S4_SettingChanges, ARetryingBookingKeepsItsHourlyCadence) {
  World w;
  w.setup("UTC");
  w.igloohome.bridge_offline("BR-1", at("2026-01-01T00:00:00Z"), at("2026-05-15T03:30:00Z"));
  ASSERT_TRUE(w.book("b1", "2026-05-20T15:00", "2026-05-22T10:00"));
  w.run_until("2026-05-15T00:30:00Z");
  ASSERT_EQ(w.code("b1").status, CodeStatus::retrying);
  ASSERT_TRUE(w.engine.configure_lock("LK-1", days(6)));  // generation time now long past
  EXPECT_EQ(w.engine.next_wakeup(), at("2026-05-15T01:00:00Z"));
  w.run_until("2026-05-16T00:00:00Z");
  const auto attempts = w.code("b1").attempts;
  for (std::size_t i = 1; i < attempts.size(); ++i) {
    EXPECT_GE(attempts[i] - attempts[i - 1], Minutes{60});
  }
  EXPECT_EQ(w.code("b1").status, CodeStatus::active);
}

}  // namespace
}  // namespace lockstep::testing
