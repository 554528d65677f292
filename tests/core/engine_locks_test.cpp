// L1-L4: the igloohome connection and lock assignments.
#include <gtest/gtest.h>

#include "world.hpp"

namespace lockstep::testing {
namespace {

TEST(L1_Connect, GoodCredentialsConnectAndNameTheAccount) {
  World w;
  auto name = w.engine.connect({"demo-client", "demo-secret"});
  ASSERT_TRUE(name);
  EXPECT_EQ(*name, "Demo Host");
  EXPECT_TRUE(w.engine.connected());
  EXPECT_EQ(w.igloohome.calls_of("connect").size(), 1u);
}

TEST(L1_Connect, BadCredentialsStoreNothing) {
  World w;
  auto r = w.engine.connect({"demo-client", "wrong"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid_credentials);
  EXPECT_FALSE(w.engine.connected());
  ASSERT_TRUE(w.engine.put_property("P1", "UTC"));
  auto a = w.engine.assign_lock("P1", Brand::igloohome, "LK-1");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, ErrorCode::not_connected);
}

TEST(L1_Connect, EmptyFieldsAreNamedWithoutAskingIgloohome) {
  World w;
  auto r = w.engine.connect({"", "demo-secret"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid_credentials);
  EXPECT_EQ(r.error().field, "client_id");
  auto s = w.engine.connect({"demo-client", ""});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().field, "client_secret");
  EXPECT_TRUE(w.igloohome.calls.empty());
}

TEST(L1_Connect, UnreachableIgloohomeIsNotACredentialsVerdict) {
  World w;
  w.igloohome.fail_calls("connect", at("2026-01-01T00:00:00Z"), at("2026-01-02T00:00:00Z"),
                         FailureKind::retryable, 503);
  auto r = w.engine.connect({"demo-client", "demo-secret"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::provider_unavailable);
  EXPECT_FALSE(w.engine.connected());
}

TEST(L1_Connect, AFailedReconnectKeepsTheCurrentConnection) {
  World w;
  w.setup();
  ASSERT_FALSE(w.engine.connect({"demo-client", "wrong"}));
  EXPECT_TRUE(w.engine.connected());
}

TEST(L2_OneLockPerProperty, OtherBrandOnThePropertyIsRefused) {
  World w;
  ASSERT_TRUE(w.engine.connect({"demo-client", "demo-secret"}));
  ASSERT_TRUE(w.engine.put_property("P1", "UTC"));
  ASSERT_TRUE(w.engine.assign_lock("P1", Brand::nuki, "NUKI-7"));
  auto r = w.engine.assign_lock("P1", Brand::igloohome, "LK-1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::property_has_other_lock);
  EXPECT_TRUE(w.igloohome.calls_of("describe_lock").empty());
  ASSERT_TRUE(w.engine.remove_lock("P1"));
  ASSERT_TRUE(w.engine.assign_lock("P1", Brand::igloohome, "LK-1"));
  auto back = w.engine.assign_lock("P1", Brand::ttlock, "TT-1");
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().code, ErrorCode::property_has_other_lock);
}

TEST(L2_OneLockPerProperty, OtherBrandsNeverCallIgloohomeAndGiveNoCode) {
  World w;
  ASSERT_TRUE(w.engine.put_property("P1", "UTC"));
  ASSERT_TRUE(w.engine.assign_lock("P1", Brand::ttlock, "TT-1"));  // no connection needed
  ASSERT_TRUE(w.book("b1", "2026-05-20T15:00", "2026-05-22T10:00"));
  w.run_until("2026-06-01T00:00:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::none);
  EXPECT_TRUE(w.igloohome.calls.empty());
}

TEST(L2_OneLockPerProperty, OneLockServesOneProperty) {
  World w;
  w.setup();
  ASSERT_TRUE(w.engine.put_property("P2", "UTC"));
  auto r = w.engine.assign_lock("P2", Brand::igloohome, "LK-1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::lock_already_assigned);
  EXPECT_EQ(r.error().field, "lock_id");
}

TEST(L2_OneLockPerProperty, UnknownDeviceNotConnectedAndUnknownProperty) {
  World w;
  ASSERT_TRUE(w.engine.put_property("P1", "UTC"));
  auto nc = w.engine.assign_lock("P1", Brand::igloohome, "LK-1");
  ASSERT_FALSE(nc);
  EXPECT_EQ(nc.error().code, ErrorCode::not_connected);
  ASSERT_TRUE(w.engine.connect({"demo-client", "demo-secret"}));
  auto unknown = w.engine.assign_lock("P1", Brand::igloohome, "LK-404");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::unknown_lock);
  auto empty = w.engine.assign_lock("P1", Brand::igloohome, "");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::unknown_lock);
  auto nf = w.engine.assign_lock("P-none", Brand::igloohome, "LK-1");
  ASSERT_FALSE(nf);
  EXPECT_EQ(nf.error().code, ErrorCode::not_found);
  // None of these left an assignment behind.
  EXPECT_FALSE(w.engine.lock_settings("LK-404"));
  ASSERT_TRUE(w.engine.put_property("P2", "UTC"));
  EXPECT_TRUE(w.engine.assign_lock("P2", Brand::igloohome, "LK-1"));
}

TEST(L2_OneLockPerProperty, ChoosingAnotherIgloohomeLockReplacesAndFreesTheOld) {
  World w;
  w.setup();
  ASSERT_TRUE(w.engine.assign_lock("P1", Brand::igloohome, "LK-2"));
  ASSERT_TRUE(w.engine.put_property("P2", "UTC"));
  EXPECT_TRUE(w.engine.assign_lock("P2", Brand::igloohome, "LK-1"));
  // Assigning the same lock again is a no-op.
  EXPECT_TRUE(w.engine.assign_lock("P2", Brand::igloohome, "LK-1"));
}

TEST(L2_OneLockPerProperty, RemoveLockOnUnknownPropertyIsNotFound) {
  World w;
  auto r = w.engine.remove_lock("nope");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_found);
}

TEST(L3_LockChange, FutureCodesMoveToTheNewLockStartedStaysUntilExpiry) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.book("inside", "2026-05-02T15:00", "2026-05-06T10:00"));
  ASSERT_TRUE(w.book("future", "2026-05-07T15:00", "2026-05-09T10:00"));
  ASSERT_TRUE(w.book("later", "2026-05-20T15:00", "2026-05-22T10:00"));
  w.run_until("2026-05-04T12:00:00Z");
  ASSERT_EQ(w.code("inside").status, CodeStatus::active);
  ASSERT_EQ(w.code("future").status, CodeStatus::active);
  ASSERT_EQ(w.code("later").status, CodeStatus::scheduled);
  const std::string future_pin = *w.code("future").code;
  const std::string inside_pin = *w.code("inside").code;

  ASSERT_TRUE(w.engine.assign_lock("P1", Brand::igloohome, "LK-2"));
  w.run_until("2026-05-04T12:00:00Z");
  // Not started: deleted from LK-1, made on LK-2 at once (its time has come).
  EXPECT_FALSE(w.igloohome.live_pin("LK-1", future_pin));
  EXPECT_EQ(w.code("future").lock_id, "LK-2");
  EXPECT_EQ(w.code("future").status, CodeStatus::active);
  EXPECT_TRUE(w.igloohome.live_pin("LK-2", *w.code("future").code));
  // In the stay: kept on the old lock until it expires, then deleted there.
  EXPECT_EQ(w.code("inside").lock_id, "LK-1");
  EXPECT_TRUE(w.igloohome.opens("LK-1", inside_pin, at("2026-05-05T00:00:00Z")));
  // Not generated yet: its schedule moved to LK-2.
  EXPECT_EQ(w.code("later").lock_id, "LK-2");
  w.run_until("2026-06-01T00:00:00Z");
  EXPECT_FALSE(w.igloohome.live_pin("LK-1", inside_pin));
  for (const auto& c : w.igloohome.calls_of("create_pin")) {
    if (c.job->access_name == "later") {
      EXPECT_EQ(c.lock_id, "LK-2");
    }
  }
}

TEST(L3_LockChange, RemovingTheLockDeletesFutureCodesAndStopsGeneration) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.book("future", "2026-05-04T15:00", "2026-05-09T10:00"));
  ASSERT_TRUE(w.book("later", "2026-05-20T15:00", "2026-05-22T10:00"));
  w.run_until("2026-05-02T00:00:00Z");
  const std::string pin = *w.code("future").code;
  ASSERT_TRUE(w.engine.remove_lock("P1"));
  w.run_until("2026-06-01T00:00:00Z");
  EXPECT_EQ(w.code("future").status, CodeStatus::none);
  EXPECT_EQ(w.code("later").status, CodeStatus::none);
  EXPECT_FALSE(w.igloohome.live_pin("LK-1", pin));
  EXPECT_EQ(w.igloohome.calls_of("create_pin").size(), 1u);
  // The lock is free again for another property.
  ASSERT_TRUE(w.engine.put_property("P2", "UTC"));
  EXPECT_TRUE(w.engine.assign_lock("P2", Brand::igloohome, "LK-1"));
}

TEST(L3_LockChange, AnAlgoPinCannotBeTakenBackWhenTheLockChanges) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC", "LK-ALGO");
  ASSERT_TRUE(w.book("b1", "2026-05-04T15:00", "2026-05-06T10:00"));
  w.run_until("2026-05-02T00:00:00Z");
  const std::string algo = *w.code("b1").code;
  ASSERT_TRUE(w.engine.assign_lock("P1", Brand::igloohome, "LK-1"));
  w.run_until("2026-05-02T00:00:00Z");
  EXPECT_EQ(w.notices("lock_change_residual"), 1);
  EXPECT_EQ(w.code("b1").kind, CodeKind::pin);
  EXPECT_EQ(w.code("b1").lock_id, "LK-1");
  EXPECT_TRUE(w.igloohome.opens("LK-ALGO", algo, at("2026-05-05T00:00:00Z")));
}

TEST(L3_LockChange, SettingsStayWithTheLock) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.engine.configure_lock("LK-1", SettingsPatch{2, 0, std::nullopt}));
  ASSERT_TRUE(w.book("b1", "2026-05-20T15:00", "2026-05-22T10:00"));
  EXPECT_EQ(w.code("b1").generate_at, at("2026-05-18T00:00:00Z"));
  ASSERT_TRUE(w.engine.assign_lock("P1", Brand::igloohome, "LK-2"));  // defaults on LK-2
  EXPECT_EQ(w.code("b1").generate_at, at("2026-05-15T00:00:00Z"));
  EXPECT_EQ(w.code("b1").valid_from, at("2026-05-20T14:30:00Z"));
  ASSERT_TRUE(w.engine.assign_lock("P1", Brand::igloohome, "LK-1"));
  EXPECT_EQ(w.code("b1").generate_at, at("2026-05-18T00:00:00Z"));
}

TEST(L4_Disconnect, StopsEverythingAndNoCallReachesIgloohome) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  w.igloohome.bridge_offline("BR-1", at("2026-05-01T00:00:00Z"), at("2026-05-01T03:00:00Z"));
  ASSERT_TRUE(w.book("active", "2026-05-02T15:00", "2026-05-06T10:00"));
  ASSERT_TRUE(w.book("later", "2026-05-20T15:00", "2026-05-22T10:00"));
  w.run_until("2026-05-03T00:00:00Z");
  ASSERT_EQ(w.code("active").status, CodeStatus::active);
  ASSERT_TRUE(w.book("retrying", "2026-05-04T15:00", "2026-05-06T10:00"));
  w.igloohome.bridge_offline("BR-1", at("2026-05-03T00:00:00Z"), at("2026-05-10T00:00:00Z"));
  w.run_until("2026-05-03T00:00:00Z");
  ASSERT_EQ(w.code("retrying").status, CodeStatus::retrying);
  const std::string pin = *w.code("active").code;

  const std::size_t calls_before = w.igloohome.calls.size();
  ASSERT_TRUE(w.engine.disconnect());
  EXPECT_FALSE(w.engine.connected());
  EXPECT_FALSE(w.igloohome.connected_now);
  EXPECT_EQ(w.igloohome.calls.size(), calls_before);
  EXPECT_EQ(w.code("retrying").status, CodeStatus::none);
  EXPECT_EQ(w.code("later").status, CodeStatus::none);
  EXPECT_EQ(w.code("active").status, CodeStatus::active);
  EXPECT_TRUE(w.audit_has("retrying", AuditKind::dropped, "L4"));

  // New work after the disconnect does not reach igloohome either.
  ASSERT_TRUE(w.book("new", "2026-05-08T15:00", "2026-05-09T10:00"));
  ASSERT_TRUE(w.engine.cancel_booking("active"));
  w.run_until("2026-07-01T00:00:00Z");
  EXPECT_EQ(w.igloohome.calls.size(), calls_before);
  EXPECT_EQ(w.igloohome.calls_while_disconnected, 0);
  // The code already on the lock stays until its end (the lock enforces it).
  EXPECT_TRUE(w.igloohome.opens("LK-1", pin, at("2026-05-05T00:00:00Z")));
  EXPECT_FALSE(w.engine.next_wakeup());
  // The assignment is gone: assigning needs a new connection.
  auto r = w.engine.assign_lock("P1", Brand::igloohome, "LK-1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::not_connected);
}

TEST(L4_Disconnect, ReconnectAndReassignResumesTheSchedule) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.book("later", "2026-05-20T15:00", "2026-05-22T10:00"));
  ASSERT_TRUE(w.engine.disconnect());
  ASSERT_TRUE(w.engine.connect({"demo-client", "demo-secret"}));
  ASSERT_TRUE(w.engine.assign_lock("P1", Brand::igloohome, "LK-1"));
  EXPECT_EQ(w.code("later").status, CodeStatus::scheduled);
  w.run_until("2026-05-16T00:00:00Z");
  EXPECT_EQ(w.code("later").status, CodeStatus::active);
}

TEST(L4_Disconnect, KnobDeletesCodesOfBookingsNotYetStarted) {
  Profile p;
  p.disconnect_deletes_future_codes = true;
  World w("2026-05-01T00:00:00Z", 42, p);
  w.setup("UTC");
  ASSERT_TRUE(w.book("inside", "2026-05-02T15:00", "2026-05-06T10:00"));
  ASSERT_TRUE(w.book("future", "2026-05-05T15:00", "2026-05-08T10:00"));
  w.run_until("2026-05-03T00:00:00Z");
  const std::string inside = *w.code("inside").code;
  const std::string future = *w.code("future").code;
  ASSERT_TRUE(w.engine.disconnect());
  const auto deletes = w.igloohome.calls_of("delete_pin");
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0].pin, future);
  EXPECT_FALSE(w.igloohome.live_pin("LK-1", future));
  EXPECT_TRUE(w.igloohome.opens("LK-1", inside, at("2026-05-04T00:00:00Z")));
  EXPECT_EQ(w.code("future").status, CodeStatus::none);
  EXPECT_EQ(w.igloohome.calls_while_disconnected, 0);
}

TEST(L4_Disconnect, PendingDeletionsAreDroppedToo) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.book("b1", "2026-05-03T15:00", "2026-05-05T10:00"));
  w.run_until("2026-05-02T00:00:00Z");
  w.igloohome.bridge_offline("BR-1", at("2026-05-02T00:00:00Z"), at("2026-06-01T00:00:00Z"));
  ASSERT_TRUE(w.engine.cancel_booking("b1"));
  w.run_until("2026-05-02T03:00:00Z");
  const std::size_t deletes = w.igloohome.calls_of("delete_pin").size();
  ASSERT_EQ(deletes, 4u);
  ASSERT_TRUE(w.engine.disconnect());
  EXPECT_TRUE(w.audit_has("b1", AuditKind::dropped, "L4", "deletion"));
  w.run_until("2026-06-01T00:00:00Z");
  EXPECT_EQ(w.igloohome.calls_of("delete_pin").size(), deletes);
  EXPECT_EQ(w.igloohome.calls_while_disconnected, 0);
  EXPECT_EQ(w.notices("delete_failed"), 0);
}

TEST(L4_Disconnect, WhenNotConnectedIsANoOp) {
  World w;
  EXPECT_TRUE(w.engine.disconnect());
  EXPECT_TRUE(w.igloohome.calls.empty());
}

}  // namespace
}  // namespace lockstep::testing
