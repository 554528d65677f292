// Issue 12: what a booking platform really sends. B0 (an unchanged re-send, a
// zone with the same rules), L1's already_connected, configure_lock before the
// lock is mapped, get_code's window and M1 for a stay moved into the past.
#include <gtest/gtest.h>

#include "world.hpp"

namespace lockstep::testing {
namespace {

int calls_from(const FakeIgloohome& fake, Instant from) {
  int n = 0;
  for (const auto& c : fake.calls) n += c.at >= from && c.op != "connect";
  return n;
}

TEST(B0_Idempotence, AnUnchangedResendAfterAMarginChangeMakesNoCall) {
  World w("2026-06-01T00:00:00Z");
  w.setup("Europe/Paris");
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T11:00"));
  w.run_until("2026-06-06T00:00:00Z");
  const CodeView before = w.code("b1");
  ASSERT_EQ(before.status, CodeStatus::active);
  ASSERT_TRUE(w.engine.configure_lock("LK-1", SettingsPatch{std::nullopt, 90, std::nullopt}));
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T11:00"));
  w.run_until("2026-06-12T09:00:00Z");
  const CodeView after = w.code("b1");
  EXPECT_EQ(after.status, CodeStatus::active);
  EXPECT_EQ(after.code, before.code);
  EXPECT_EQ(after.valid_from, before.valid_from);  // the code made with the 30-minute margin
  EXPECT_EQ(after.valid_until, before.valid_until);
  EXPECT_EQ(calls_from(w.igloohome, at("2026-06-06T00:00:01Z")), 0);
}

TEST(B0_Idempotence, AResendInTheStayDuringAnOutageKeepsTheGuestsCode) {
  World w("2026-06-01T00:00:00Z");
  w.setup("Europe/Paris");
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T11:00"));
  w.run_until("2026-06-06T00:00:00Z");
  const std::string pin = *w.code("b1").code;
  ASSERT_TRUE(w.engine.configure_lock("LK-1", SettingsPatch{2, 60, std::nullopt}));
  w.igloohome.bridge_offline("BR-1", at("2026-06-11T00:00:00Z"), at("2026-06-11T06:00:00Z"));
  w.run_until("2026-06-11T01:00:00Z");
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T11:00"));
  w.run_until("2026-06-12T08:00:00Z");
  EXPECT_TRUE(w.igloohome.opens("LK-1", pin, at("2026-06-12T08:00:00Z")));
  EXPECT_TRUE(w.igloohome.calls_of("delete_pin").empty());
}

TEST(B0_Idempotence, AnUnchangedAlgoPinResendIssuesNoSecondCode) {
  World w("2026-06-01T00:00:00Z");
  w.setup("Europe/Paris", "LK-ALGO");
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T11:00"));
  w.run_until("2026-06-06T00:00:00Z");
  ASSERT_TRUE(w.engine.configure_lock("LK-ALGO", SettingsPatch{std::nullopt, 120, std::nullopt}));
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T11:00"));
  w.run_until("2026-06-13T00:00:00Z");
  EXPECT_EQ(w.igloohome.calls_of("create_algopin").size(), 1u);
  EXPECT_EQ(w.notices("date_change_residual"), 0);
}

TEST(B0_Idempotence, APhoneChangeAloneIsKeptForTheAttemptToCome) {
  World w("2026-06-01T00:00:00Z");
  w.setup("Europe/Paris");
  ASSERT_TRUE(w.engine.configure_lock("LK-1", SettingsPatch{std::nullopt, std::nullopt, CodeSource::guest_phone}));
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T11:00", "+33 6 11 11 22 22"));
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T11:00", "+33 6 55 44 33 21"));
  w.run_until("2026-06-06T00:00:00Z");
  EXPECT_EQ(w.code("b1").code, "443321");
  EXPECT_EQ(w.igloohome.calls_of("create_pin").size(), 1u);
}

TEST(B0_Idempotence, AMalformedResendIsStillRefused) {
  World w("2026-06-01T00:00:00Z");
  w.setup("Europe/Paris");
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T11:00"));
  auto bad = w.book("b1", "2026-06-12T11:00", "2026-06-10T15:00");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_booking);
  EXPECT_EQ(w.code("b1").valid_from, at("2026-06-10T12:30:00Z"));
}

TEST(B0_Idempotence, AZoneWithTheSameRulesChangesNothing) {
  World w("2026-06-01T00:00:00Z");
  w.setup("Europe/Paris");
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T11:00"));
  ASSERT_TRUE(w.book("b2", "2026-06-20T15:00", "2026-06-22T11:00"));
  w.run_until("2026-06-06T00:00:00Z");
  const auto pin = w.code("b1").code;
  ASSERT_TRUE(w.engine.put_property("P1", "Europe/Brussels"));
  w.run_until("2026-06-23T00:00:00Z");
  EXPECT_EQ(w.igloohome.calls_of("create_pin").size(), 2u);  // b1 once, b2 at its own time
  ASSERT_EQ(w.igloohome.calls_of("delete_pin").size(), 2u);  // each at its end only
  EXPECT_EQ(w.igloohome.calls_of("delete_pin")[0].at, at("2026-06-12T09:30:00Z"));
  EXPECT_FALSE(w.audit_has("b1", AuditKind::rescheduled, "T1"));
  EXPECT_EQ(w.code("b2").generate_at, at("2026-06-14T22:00:00Z"));
  (void)pin;
}

TEST(B0_Idempotence, AZoneWithOtherRulesStillMovesTheCode) {
  World w("2026-06-01T00:00:00Z");
  w.setup("Europe/Paris");
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T11:00"));
  w.run_until("2026-06-06T00:00:00Z");
  ASSERT_TRUE(w.engine.put_property("P1", "Europe/London"));
  w.run_until("2026-06-06T00:00:00Z");
  EXPECT_EQ(w.code("b1").valid_from, at("2026-06-10T13:30:00Z"));
  EXPECT_TRUE(w.audit_has("b1", AuditKind::rescheduled, "T1"));
}

TEST(L1_Connect, ConnectingWhileConnectedIsRefusedAndChangesNothing) {
  World w("2026-06-01T00:00:00Z");
  w.setup("Europe/Paris");
  const std::size_t calls = w.igloohome.calls.size();
  auto again = w.engine.connect({"other-client", "other-secret"});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::already_connected);
  EXPECT_EQ(w.igloohome.calls.size(), calls);
  EXPECT_TRUE(w.engine.connected());
  ASSERT_TRUE(w.engine.disconnect());
  EXPECT_TRUE(w.engine.connect({"demo-client", "demo-secret"}));
}

TEST(S4_ConfigureLock, ALockTheAccountListsCanBeSetUpBeforeItIsMapped) {
  World w("2026-06-01T00:00:00Z");
  w.setup("Europe/Paris");
  ASSERT_TRUE(w.engine.configure_lock("LK-2", SettingsPatch{2, 45, std::nullopt}));
  EXPECT_EQ(w.engine.lock_settings("LK-2")->days_before, 2);
  ASSERT_TRUE(w.engine.put_property("P2", "Europe/Paris"));
  ASSERT_TRUE(w.engine.assign_lock("P2", Brand::igloohome, "LK-2"));
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T11:00", std::nullopt, "P2"));
  EXPECT_EQ(w.code("b1").generate_at, at("2026-06-07T22:00:00Z"));
  EXPECT_EQ(w.code("b1").valid_from, at("2026-06-10T12:15:00Z"));
}

TEST(S4_ConfigureLock, UnknownLocksAndBadPatchesAreRefusedBeforeAnyChange) {
  World w("2026-06-01T00:00:00Z");
  w.setup("Europe/Paris");
  auto unknown = w.engine.configure_lock("LK-NOPE", SettingsPatch{2, std::nullopt, std::nullopt});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
  const std::size_t calls = w.igloohome.calls.size();
  auto bad = w.engine.configure_lock("LK-2", SettingsPatch{99, std::nullopt, std::nullopt});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_setting);
  EXPECT_EQ(w.igloohome.calls.size(), calls);  // judged without asking igloohome
  auto phone = w.engine.configure_lock("LK-ALGO", SettingsPatch{std::nullopt, std::nullopt, CodeSource::guest_phone});
  ASSERT_FALSE(phone);
  EXPECT_EQ(phone.error().code, ErrorCode::code_source_unavailable);
}

TEST(GetCode, TheWindowIsShownOnlyWithAnIgloohomeLock) {
  World w("2026-06-01T00:00:00Z");
  w.setup("Europe/Paris");
  ASSERT_TRUE(w.engine.put_property("P2", "Europe/Paris"));
  ASSERT_TRUE(w.engine.assign_lock("P2", Brand::ttlock, "TT-1"));
  ASSERT_TRUE(w.book("t1", "2026-06-10T15:00", "2026-06-12T11:00", std::nullopt, "P2"));
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T11:00"));
  EXPECT_EQ(w.code("t1").status, CodeStatus::none);
  EXPECT_FALSE(w.code("t1").valid_from);
  EXPECT_FALSE(w.code("t1").valid_until);
  EXPECT_EQ(w.code("b1").status, CodeStatus::scheduled);  // from the moment it is put
  EXPECT_EQ(w.code("b1").valid_from, at("2026-06-10T12:30:00Z"));
  EXPECT_FALSE(w.code("b1").code);
}

TEST(M1_Render, AStayMovedIntoThePastHasNoCodeToCome) {
  World w("2026-06-01T00:00:00Z");
  w.setup("Europe/Paris");
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T11:00"));
  w.run_until("2026-06-06T00:00:00Z");
  const std::string pin = *w.code("b1").code;
  ASSERT_TRUE(w.book("b1", "2026-05-20T15:00", "2026-05-22T11:00"));
  w.run_until("2026-06-06T00:00:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::revoked);
  auto text = w.engine.render("b1", "Your code: {{smartlock_code}}");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, ErrorCode::code_unavailable);
  EXPECT_FALSE(w.igloohome.live_pin("LK-1", pin));
}

}  // namespace
}  // namespace lockstep::testing
