// B1-B3 booking changes, M1 through the engine, and bad input of every kind.
#include <map>

#include <gtest/gtest.h>

#include "world.hpp"

namespace lockstep::testing {
namespace {

TEST(B1_DateChange, ACreatedCodeMovesKeepingItsPin) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00"));
  w.run_until("2026-05-06T00:00:00Z");
  const std::string pin = *w.code("b1").code;
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-14T10:00"));
  w.run_until("2026-05-06T00:00:00Z");
  const CodeView v = w.code("b1");
  EXPECT_EQ(v.status, CodeStatus::active);
  EXPECT_EQ(v.code, pin);
  EXPECT_EQ(v.valid_until, at("2026-05-14T10:30:00Z"));
  const HeldPin* held = w.igloohome.live_pin("LK-1", pin);
  ASSERT_TRUE(held);
  EXPECT_EQ(held->end, at("2026-05-14T10:30:00Z"));
  EXPECT_EQ(w.igloohome.calls_of("delete_pin").size(), 1u);
  EXPECT_TRUE(w.audit_has("b1", AuditKind::code_moved, "B1"));
  // The new window is enforced: the code is deleted at the new end, not the old one.
  w.run_until("2026-05-13T00:00:00Z");
  EXPECT_TRUE(w.igloohome.live_pin("LK-1", pin));
  w.run_until("2026-05-14T10:30:00Z");
  EXPECT_FALSE(w.igloohome.live_pin("LK-1", pin));
}

TEST(B1_DateChange, APinTakenForTheNewWindowGivesANewValue) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.engine.configure_lock("LK-1", SettingsPatch{std::nullopt, std::nullopt, CodeSource::guest_phone}));
  ASSERT_TRUE(w.book("a", "2026-05-10T15:00", "2026-05-12T10:00", "0611223344"));
  ASSERT_TRUE(w.book("b", "2026-05-13T15:00", "2026-05-15T10:00", "0711223344"));
  w.run_until("2026-05-09T00:00:00Z");
  ASSERT_EQ(w.code("a").code, "223344");
  ASSERT_EQ(w.code("b").code, "223344");  // no overlap: both may use it
  // a now overlaps b: a's PIN cannot follow it into the new window.
  ASSERT_TRUE(w.book("a", "2026-05-10T15:00", "2026-05-14T10:00", "0611223344"));
  w.run_until("2026-05-09T00:00:00Z");
  EXPECT_EQ(w.code("a").status, CodeStatus::active);
  EXPECT_NE(w.code("a").code, "223344");
  EXPECT_EQ(w.code("b").code, "223344");
  EXPECT_TRUE(w.audit_has("a", AuditKind::code_moved, "B1", "in use"));
  EXPECT_FALSE(w.igloohome.opens("LK-1", "223344", at("2026-05-11T00:00:00Z")));
}

// One guest, two stays, one phone: both PINs are the same value (windows apart).
// The earlier stay moves before it starts, so its old entry must go; igloohome
// deletes by value, taking the later stay's entry with it. That one is made
// again at once with the same PIN, and keeps it: the moved stay, now
// overlapping it, must not take the value while it is being made again.
TEST(B1_SharedValue, AnEntryTakenByAnothersDeleteIsMadeAgainWithItsPin) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.engine.configure_lock("LK-1", SettingsPatch{10, std::nullopt, CodeSource::guest_phone}));
  ASSERT_TRUE(w.book("early", "2026-05-10T15:00", "2026-05-11T10:00", "+33 6 11 22 33 44"));
  ASSERT_TRUE(w.book("late", "2026-05-13T15:00", "2026-05-15T10:00", "+33 6 11 22 33 44"));
  w.run_until("2026-05-04T00:00:00Z");
  ASSERT_EQ(w.code("early").code, "223344");
  ASSERT_EQ(w.code("late").code, "223344");
  // Moved to overlap the later stay: its old dates must stop opening.
  ASSERT_TRUE(w.book("early", "2026-05-12T15:00", "2026-05-14T10:00", "+33 6 11 22 33 44"));
  w.run_until("2026-05-04T00:00:00Z");
  EXPECT_EQ(w.code("late").status, CodeStatus::active);
  EXPECT_EQ(w.code("late").code, "223344");
  EXPECT_TRUE(w.audit_has("late", AuditKind::code_moved, "B1", "making it again"));
  EXPECT_NE(w.code("early").code, "223344");  // C2: in use by the later stay, overlapping
  EXPECT_TRUE(w.igloohome.opens("LK-1", "223344", at("2026-05-14T12:00:00Z")));
  EXPECT_FALSE(w.igloohome.opens("LK-1", "223344", at("2026-05-10T18:00:00Z")));
}

TEST(B1_DateChange, NotYetCreatedTheScheduleMoves) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.book("b1", "2026-05-20T15:00", "2026-05-22T10:00"));
  EXPECT_EQ(w.engine.next_wakeup(), at("2026-05-15T00:00:00Z"));
  ASSERT_TRUE(w.book("b1", "2026-05-25T15:00", "2026-05-27T10:00"));
  EXPECT_EQ(w.engine.next_wakeup(), at("2026-05-20T00:00:00Z"));
  ASSERT_TRUE(w.book("b1", "2026-05-03T15:00", "2026-05-05T10:00"));  // its time has passed
  EXPECT_EQ(w.engine.next_wakeup(), at("2026-05-01T00:00:00Z"));
  w.run_until("2026-05-01T00:00:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::active);
  EXPECT_EQ(w.igloohome.calls_of("create_pin").size(), 1u);
}

TEST(B1_DateChange, SameDatesAgainChangeNothing) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.book("b1", "2026-05-03T15:00", "2026-05-05T10:00"));
  w.run_until("2026-05-01T00:00:00Z");
  const std::size_t calls = w.igloohome.calls.size();
  ASSERT_TRUE(w.book("b1", "2026-05-03T15:00", "2026-05-05T10:00", "+33 6 00 00 00 00"));
  w.run_until("2026-05-01T00:00:00Z");
  EXPECT_EQ(w.igloohome.calls.size(), calls);
}

TEST(B1_DateChange, MovingToAnotherPropertyMovesTheCodeToItsLock) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.engine.put_property("P2", "UTC"));
  ASSERT_TRUE(w.engine.assign_lock("P2", Brand::igloohome, "LK-2"));
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00"));
  w.run_until("2026-05-06T00:00:00Z");
  const std::string pin = *w.code("b1").code;
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00", std::nullopt, "P2"));
  w.run_until("2026-05-06T00:00:00Z");
  EXPECT_FALSE(w.igloohome.live_pin("LK-1", pin));
  EXPECT_TRUE(w.igloohome.live_pin("LK-2", pin));
  EXPECT_EQ(w.code("b1").lock_id, "LK-2");
  EXPECT_EQ(w.code("b1").status, CodeStatus::active);
  // A bad change (unknown property) leaves it where it is.
  auto r = w.book("b1", "2026-05-10T15:00", "2026-05-13T10:00", std::nullopt, "P404");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
  EXPECT_EQ(w.code("b1").lock_id, "LK-2");
  EXPECT_EQ(w.code("b1").valid_until, at("2026-05-12T10:30:00Z"));
}

TEST(B1_DateChange, AFailedMoveIsRetriedHourly) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00"));
  w.run_until("2026-05-06T00:00:00Z");
  w.igloohome.fail_calls("create_pin", at("2026-05-06T00:00:00Z"), at("2026-05-06T02:30:00Z"),
                         FailureKind::retryable, 503);
  const std::string pin = *w.code("b1").code;
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-13T10:00"));
  w.run_until("2026-05-06T02:59:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::retrying);
  EXPECT_FALSE(w.igloohome.live_pin("LK-1", pin));  // the old window is gone
  w.run_until("2026-05-06T03:00:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::active);
  EXPECT_EQ(w.code("b1").attempts.size(), 4u);
  EXPECT_EQ(w.code("b1").code, pin);
}

TEST(B2_Cancellation, BridgeCodeDeletedAtOnce) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.book("b1", "2026-05-03T15:00", "2026-05-05T10:00"));
  w.run_until("2026-05-02T00:00:00Z");
  const std::string pin = *w.code("b1").code;
  ASSERT_TRUE(w.engine.cancel_booking("b1"));
  EXPECT_EQ(w.code("b1").status, CodeStatus::revoked);
  EXPECT_EQ(w.engine.next_wakeup(), at("2026-05-02T00:00:00Z"));
  w.run_until("2026-05-02T00:00:00Z");
  EXPECT_FALSE(w.igloohome.live_pin("LK-1", pin));
  EXPECT_TRUE(w.audit_has("b1", AuditKind::code_deleted, "B2"));
  // Cancelling twice is harmless.
  EXPECT_TRUE(w.engine.cancel_booking("b1"));
  EXPECT_EQ(w.igloohome.calls_of("delete_pin").size(), 1u);
}

TEST(B2_Cancellation, FailedDeletesRetriedHourlyUntilValidUntil) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.book("b1", "2026-05-03T15:00", "2026-05-04T10:00"));
  w.run_until("2026-05-03T20:00:00Z");
  w.igloohome.bridge_offline("BR-1", at("2026-05-03T00:00:00Z"), at("2026-06-01T00:00:00Z"));
  ASSERT_TRUE(w.engine.cancel_booking("b1"));
  w.run_until("2026-06-01T00:00:00Z");
  const auto deletes = w.igloohome.calls_of("delete_pin");
  // 20:00Z .. 10:00Z the next day, the window ending at 10:30Z.
  ASSERT_EQ(deletes.size(), 15u);
  EXPECT_EQ(deletes.back().at, at("2026-05-04T10:00:00Z"));
  EXPECT_EQ(w.notices("delete_failed"), 1);
}

TEST(B2_Cancellation, PendingGenerationIsDropped) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.book("b1", "2026-05-20T15:00", "2026-05-22T10:00"));
  ASSERT_TRUE(w.engine.cancel_booking("b1"));
  EXPECT_FALSE(w.engine.next_wakeup());
  w.run_until("2026-06-01T00:00:00Z");
  EXPECT_TRUE(w.igloohome.calls_of("create_pin").empty());
  EXPECT_EQ(w.code("b1").status, CodeStatus::revoked);
  auto r = w.engine.cancel_booking("nope");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
}

TEST(B2_Cancellation, PuttingACancelledBookingAgainSchedulesItAnew) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.book("b1", "2026-05-20T15:00", "2026-05-22T10:00"));
  ASSERT_TRUE(w.engine.cancel_booking("b1"));
  ASSERT_TRUE(w.book("b1", "2026-05-20T15:00", "2026-05-22T10:00"));
  EXPECT_EQ(w.code("b1").status, CodeStatus::scheduled);
  w.run_until("2026-05-16T00:00:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::active);
}

TEST(B3_AlgoPinLimits, DateChangeIssuesANewAlgoPinAndWarnsTheOldOneStillWorks) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC", "LK-ALGO");
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00"));
  w.run_until("2026-05-06T00:00:00Z");
  const std::string old_pin = *w.code("b1").code;
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-13T10:00"));
  w.run_until("2026-05-06T00:00:00Z");
  EXPECT_EQ(w.notices("date_change_residual"), 1);
  EXPECT_EQ(w.igloohome.calls_of("create_algopin").size(), 2u);
  EXPECT_NE(w.code("b1").code, old_pin);
  EXPECT_TRUE(w.igloohome.opens("LK-ALGO", old_pin, at("2026-05-11T00:00:00Z")));
  EXPECT_TRUE(w.igloohome.calls_of("delete_pin").empty());
}

TEST(B3_AlgoPinLimits, AChangeWithinTheSameAlgoPinWindowKeepsTheCode) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC", "LK-ALGO");
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00"));
  w.run_until("2026-05-06T00:00:00Z");
  const std::string pin = *w.code("b1").code;
  // 10:00 -> 10:20: valid_until 10:50, still inside the window ending at 11:00.
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:20"));
  w.run_until("2026-05-06T00:00:00Z");
  EXPECT_EQ(w.code("b1").code, pin);
  EXPECT_EQ(w.code("b1").valid_until, at("2026-05-12T10:50:00Z"));
  EXPECT_EQ(w.notices("date_change_residual"), 0);
  EXPECT_EQ(w.igloohome.calls_of("create_algopin").size(), 1u);
  w.run_until("2026-05-12T10:49:59Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::active);
  w.run_until("2026-05-12T10:50:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::revoked);
}

TEST(B3_AlgoPinLimits, CancelledAlgoPinKeepsWorkingAndIsReported) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC", "LK-ALGO");
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00"));
  w.run_until("2026-05-06T00:00:00Z");
  ASSERT_TRUE(w.engine.cancel_booking("b1"));
  EXPECT_EQ(w.notices("cancel_residual"), 1);
  EXPECT_EQ(w.code("b1").status, CodeStatus::revoked);
  EXPECT_TRUE(w.audit_has("b1", AuditKind::warning, "B3", "keeps working until 2026-05-12T11:00:00Z"));
}

TEST(B3_AlgoPinLimits, CodesLongerThan24HoursCarryTheFirstUseWarning) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC", "LK-ALGO");
  ASSERT_TRUE(w.book("short", "2026-05-10T12:00", "2026-05-10T20:00"));
  ASSERT_TRUE(w.book("long", "2026-05-10T15:00", "2026-05-12T10:00"));
  w.run_until("2026-05-06T00:00:00Z");
  ASSERT_EQ(w.notices("first_use_24h"), 1);
  for (const auto& n : w.engine.notices()) {
    if (n.code == "first_use_24h") {
      EXPECT_EQ(n.booking_id, "long");
      EXPECT_EQ(n.rule, "B3");
      EXPECT_NE(n.message.find("2026-05-11T14:00:00Z"), std::string::npos) << n.message;
    }
  }
}

TEST(M1_Messages, RenderFollowsTheCodeStatus) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00"));
  auto pending = w.engine.render("b1", "Your code: {{ smartlock_code }}");
  ASSERT_FALSE(pending);
  EXPECT_EQ(pending.error().code, ErrorCode::code_pending);
  EXPECT_EQ(w.engine.render("b1", "See you {{guest}}").value(), "See you {{guest}}");
  w.run_until("2026-05-06T00:00:00Z");
  const std::string pin = *w.code("b1").code;
  EXPECT_EQ(w.engine.render("b1", "Your code: {{ smartlock_code }} ({{nuki_code}})").value(),
            "Your code: " + pin + " (" + pin + ")");
  auto missing = w.engine.render("zz", "{{smartlock_code}}");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
}

TEST(M1_Messages, FailedCodeIsUnavailable) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  w.igloohome.fail_calls("create_pin", at("2026-05-01T00:00:00Z"), at("2026-06-01T00:00:00Z"),
                         FailureKind::lock_missing, 404);
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00"));
  w.run_until("2026-05-06T00:00:00Z");
  auto r = w.engine.render("b1", "{{smartlock_code}}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::code_unavailable);
}

TEST(BadInput, EveryRefusalChangesNothing) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.book("b1", "2026-05-20T15:00", "2026-05-22T10:00"));
  const auto wake = w.engine.next_wakeup();
  const auto ids = w.engine.booking_ids();
  const std::size_t calls = w.igloohome.calls.size();

  EXPECT_EQ(w.book("", "2026-05-20T15:00", "2026-05-22T10:00").error().code, ErrorCode::invalid_booking);
  EXPECT_EQ(w.book("b2", "2026-05-20T15:00", "2026-05-22T10:00", std::nullopt, "P404").error().code,
            ErrorCode::not_found);
  EXPECT_EQ(w.book("b1", "2026-05-22T15:00", "2026-05-22T10:00").error().code, ErrorCode::invalid_booking);
  EXPECT_EQ(w.engine.put_property("", "UTC").error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(w.engine.put_property("P1", "Not/AZone").error().code, ErrorCode::invalid_timezone);
  EXPECT_EQ(w.engine.configure_lock("LK-1", SettingsPatch{0, std::nullopt, std::nullopt}).error().code,
            ErrorCode::invalid_setting);
  EXPECT_EQ(w.engine.configure_lock("LK-9", SettingsPatch{3, std::nullopt, std::nullopt}).error().code,
            ErrorCode::not_found);
  EXPECT_EQ(w.engine.assign_lock("P1", Brand::nuki, "N-1").error().code, ErrorCode::property_has_other_lock);
  EXPECT_EQ(w.engine.code("zz").error().code, ErrorCode::not_found);
  EXPECT_TRUE(w.engine.audit("zz").empty());

  EXPECT_EQ(w.engine.next_wakeup(), wake);
  EXPECT_EQ(w.engine.booking_ids(), ids);
  EXPECT_EQ(w.code("b1").valid_until, at("2026-05-22T10:30:00Z"));
  EXPECT_EQ(w.engine.lock_settings("LK-1")->days_before, 5);
  // One call: configure_lock asks igloohome whether the account lists LK-9.
  EXPECT_EQ(w.igloohome.calls.size(), calls + 1);
  w.run_until("2026-05-16T00:00:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::active);
}

TEST(Audit, ReferencesStayValidAndEventsCiteRules) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.book("a", "2026-05-20T15:00", "2026-05-22T10:00"));
  ASSERT_TRUE(w.book("b", "2026-05-21T15:00", "2026-05-22T10:00"));
  const auto& a = w.engine.audit("a");
  const auto& b = w.engine.audit("b");
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  EXPECT_EQ(a.front().kind, AuditKind::scheduled);
  EXPECT_EQ(a.front().rule, "T3");
  EXPECT_NE(a.front().message.find("2026-05-15T00:00:00Z"), std::string::npos) << a.front().message;
  w.run_until("2026-06-01T00:00:00Z");
  const auto& again = w.engine.audit("a");
  EXPECT_EQ(&again, &a);
  EXPECT_GT(a.size(), 2u);
  w.engine.keep_audit_text(false);
  ASSERT_TRUE(w.book("c", "2026-06-20T15:00", "2026-06-22T10:00"));
  ASSERT_EQ(w.engine.audit("c").size(), 1u);
  EXPECT_TRUE(w.engine.audit("c").front().message.empty());
  EXPECT_EQ(w.engine.audit("c").front().rule, "T3");
}

// The listener sees every event as it is recorded, in order: together they are
// exactly the bookings' trails, text included even when the trails keep none.
TEST(Audit, TheListenerSeesEachEventOnceAsRecorded) {
  World w("2026-05-01T00:00:00Z");
  std::vector<std::pair<std::string, AuditEvent>> heard;
  w.engine.on_audit([&](const std::string& id, const AuditEvent& e) { heard.emplace_back(id, e); });
  w.setup("UTC");
  ASSERT_TRUE(w.book("a", "2026-05-20T15:00", "2026-05-22T10:00"));
  ASSERT_TRUE(w.book("b", "2026-05-21T15:00", "2026-05-22T10:00"));
  ASSERT_TRUE(w.engine.cancel_booking("b"));
  w.run_until("2026-06-01T00:00:00Z");
  std::map<std::string, std::vector<AuditEvent>> by_booking;
  for (std::size_t i = 0; i < heard.size(); ++i) {
    if (i > 0) {
      EXPECT_LE(heard[i - 1].second.at, heard[i].second.at) << i;
    }
    by_booking[heard[i].first].push_back(heard[i].second);
  }
  ASSERT_EQ(by_booking.size(), 2u);
  for (const auto& [id, events] : by_booking) {
    const auto& trail = w.engine.audit(id);
    ASSERT_EQ(events.size(), trail.size()) << id;
    for (std::size_t i = 0; i < trail.size(); ++i) {
      EXPECT_EQ(events[i].kind, trail[i].kind) << id << " " << i;
      EXPECT_EQ(events[i].message, trail[i].message) << id << " " << i;
      EXPECT_EQ(events[i].at, trail[i].at) << id << " " << i;
    }
  }
  w.engine.keep_audit_text(false);
  heard.clear();
  ASSERT_TRUE(w.book("c", "2026-06-20T15:00", "2026-06-22T10:00"));
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_FALSE(heard.front().second.message.empty());
  EXPECT_TRUE(w.engine.audit("c").front().message.empty());
  w.engine.on_audit({});
  ASSERT_TRUE(w.book("d", "2026-06-25T15:00", "2026-06-26T10:00"));
  EXPECT_EQ(heard.size(), 1u);
}

}  // namespace
}  // namespace lockstep::testing
