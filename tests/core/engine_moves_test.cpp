// Issue 12: B1's "a guest never loses access they still have a right to" — a
// stay changed while the guest is in it, during an outage (bug 2), a delete whose
// answer is lost while the booking holds its PIN again (bug 3) — and C5's
// algoPIN asked for after its start.
#include <gtest/gtest.h>

#include "world.hpp"

namespace lockstep::testing {
namespace {

TEST(B1_InStay, AnExtensionDuringAnOutageKeepsTheOldCodeUntilTheNewIsOn) {
  World w("2026-06-01T00:00:00Z");
  w.setup("Europe/Paris");
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T11:00"));
  w.run_until("2026-06-11T08:00:00Z");
  const std::string pin = *w.code("b1").code;
  // The bridge is down from 08:00 to 14:00 on the 11th; the guest extends by two days at 09:00.
  w.igloohome.bridge_offline("BR-1", at("2026-06-11T08:00:00Z"), at("2026-06-11T14:00:00Z"));
  w.run_until("2026-06-11T09:00:00Z");
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-14T11:00"));
  w.run_until("2026-06-11T09:00:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::active);  // the code they have still opens
  EXPECT_EQ(w.code("b1").code, pin);
  w.run_until("2026-06-11T13:00:00Z");
  EXPECT_TRUE(w.igloohome.opens("LK-1", pin, at("2026-06-11T13:00:00Z")));
  // Past the T4 deadline (end of check-in day), the move still retries hourly.
  w.run_until("2026-06-11T15:00:00Z");
  const CodeView v = w.code("b1");
  EXPECT_EQ(v.status, CodeStatus::active);
  EXPECT_EQ(v.code, pin);  // its PIN kept
  EXPECT_EQ(v.valid_until, at("2026-06-14T09:30:00Z"));
  EXPECT_TRUE(w.igloohome.opens("LK-1", pin, at("2026-06-13T12:00:00Z")));
  // The delete of the old one would take the new one too (by value): not sent.
  EXPECT_TRUE(w.igloohome.calls_of("delete_pin").empty());
  w.run_until("2026-06-14T09:30:00Z");
  EXPECT_FALSE(w.igloohome.live_pin("LK-1", pin));
}

TEST(B1_InStay, TheOldCodeGoesAtItsOwnEndWhenTheNewNeverCame) {
  World w("2026-06-01T00:00:00Z");
  w.setup("Europe/Paris");
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T11:00"));
  w.run_until("2026-06-11T08:00:00Z");
  const std::string pin = *w.code("b1").code;
  w.igloohome.bridge_offline("BR-1", at("2026-06-11T08:00:00Z"), at("2026-06-20T00:00:00Z"));
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-14T11:00"));
  w.run_until("2026-06-12T09:00:00Z");
  EXPECT_TRUE(w.igloohome.opens("LK-1", pin, at("2026-06-12T09:00:00Z")));
  EXPECT_EQ(w.code("b1").status, CodeStatus::active);
  w.run_until("2026-06-12T10:00:00Z");  // the old window ended at 09:30
  EXPECT_EQ(w.code("b1").status, CodeStatus::retrying);
  EXPECT_FALSE(w.code("b1").code);
  w.run_until("2026-06-15T00:00:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::failed);
  EXPECT_GT(w.code("b1").attempts.size(), 40u);  // hourly until the new window ended
}

TEST(B1_InStay, ANewValueReplacesTheOldOnlyOnceItIsOn) {
  World w("2026-06-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.book("a", "2026-06-10T15:00", "2026-06-12T10:00"));
  w.run_until("2026-06-11T08:00:00Z");
  const std::string old_pin = *w.code("a").code;
  // igloohome now refuses that value (C3): the moved code gets another one.
  w.igloohome.rejected_values.insert(old_pin);
  ASSERT_TRUE(w.book("a", "2026-06-10T15:00", "2026-06-14T10:00"));
  w.run_until("2026-06-11T08:00:00Z");
  const CodeView v = w.code("a");
  ASSERT_EQ(v.status, CodeStatus::active);
  ASSERT_NE(v.code, old_pin);
  const auto creates = w.igloohome.calls_of("create_pin");
  const auto deletes = w.igloohome.calls_of("delete_pin");
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0].pin, old_pin);
  EXPECT_TRUE(creates.back().ok);
  EXPECT_FALSE(w.igloohome.live_pin("LK-1", old_pin));
  EXPECT_TRUE(w.igloohome.opens("LK-1", *v.code, at("2026-06-13T12:00:00Z")));
  // In the calls' order: the new code was on before the old one was deleted.
  std::size_t created_at = 0, deleted_at = 0;
  for (std::size_t i = 0; i < w.igloohome.calls.size(); ++i) {
    const Call& c = w.igloohome.calls[i];
    if (c.op == "create_pin" && c.ok) created_at = i;
    if (c.op == "delete_pin") deleted_at = i;
  }
  EXPECT_LT(created_at, deleted_at);
}

// A delete job whose status poll fails ran all the same: the engine asks again
// (a poll that failed is not a delete that failed) and hears it is done.
TEST(B1_LostDeleteAnswer, TheJobIsAskedAgainAndNotSentTwice) {
  World w("2026-06-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T10:00"));
  w.run_until("2026-06-06T00:00:00Z");
  const std::string pin = *w.code("b1").code;
  // Moved before the stay: the old code is deleted (its first answer lost) and made again.
  w.igloohome.lost_delete_answers = 1;
  ASSERT_TRUE(w.book("b1", "2026-06-17T15:00", "2026-06-19T10:00"));
  w.run_until("2026-06-06T00:10:00Z");
  ASSERT_EQ(w.code("b1").code, pin);
  w.run_until("2026-06-18T00:00:00Z");
  EXPECT_EQ(w.igloohome.calls_of("delete_pin").size(), 1u);
  EXPECT_TRUE(w.igloohome.opens("LK-1", pin, at("2026-06-18T00:00:00Z")));
}

// When its answers stay lost for the whole attempt, the delete is tried again
// an hour later (C4); a retried delete never removes a value the booking holds
// again under its new window (B1, issue 12 bug 3).
TEST(B1_LostDeleteAnswer, ARetriedDeleteNeverRemovesTheValueHeldAgain) {
  World w("2026-06-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T10:00"));
  w.run_until("2026-06-06T00:00:00Z");
  const std::string pin = *w.code("b1").code;
  w.igloohome.lost_delete_answers = 1000;  // every poll of a delete job fails
  ASSERT_TRUE(w.book("b1", "2026-06-17T15:00", "2026-06-19T10:00"));
  w.run_until("2026-06-06T00:10:00Z");
  ASSERT_EQ(w.code("b1").code, pin);
  w.run_until("2026-06-06T03:00:00Z");
  w.igloohome.lost_delete_answers = 0;
  w.run_until("2026-06-18T00:00:00Z");
  EXPECT_EQ(w.igloohome.calls_of("delete_pin").size(), 1u);
  EXPECT_TRUE(w.igloohome.opens("LK-1", pin, at("2026-06-18T00:00:00Z")));
  EXPECT_TRUE(w.audit_has("b1", AuditKind::code_deleted, "B1", "holds it again"));
}

TEST(B1_LostDeleteAnswer, AnotherValueIsStillDeletedOnRetry) {
  World w("2026-06-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T10:00"));
  w.run_until("2026-06-06T00:00:00Z");
  w.igloohome.lost_delete_answers = 1000;
  ASSERT_TRUE(w.engine.cancel_booking("b1"));
  w.run_until("2026-06-06T02:30:00Z");
  EXPECT_GE(w.igloohome.calls_of("delete_pin").size(), 2u);  // retried: it never heard
}

TEST(C5_LateStart, AnAlgoPinAskedForAfterItsStartStartsAtTheCurrentHour) {
  World w("2026-06-10T13:20:00Z");
  w.setup("Europe/Paris", "LK-ALGO");
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T11:00"));
  w.run_until("2026-06-10T13:20:00Z");
  const auto calls = w.igloohome.calls_of("create_algopin");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].algopin->window.start, at("2026-06-10T13:00:00Z"));
  EXPECT_EQ(calls[0].algopin->window.end, at("2026-06-12T10:00:00Z"));
  EXPECT_EQ(w.code("b1").algopin->start, at("2026-06-10T13:00:00Z"));
}

TEST(C5_LateStart, ARetryAfterTheStartAsksFromItsOwnHour) {
  World w("2026-06-01T00:00:00Z");
  w.setup("Europe/Paris", "LK-ALGO");
  ASSERT_TRUE(w.book("b1", "2026-06-10T15:00", "2026-06-12T11:00"));
  w.igloohome.fail_calls("create_algopin", at("2026-06-04T00:00:00Z"), at("2026-06-10T13:30:00Z"),
                         FailureKind::retryable, 503);
  w.run_until("2026-06-10T15:00:00Z");
  const auto calls = w.igloohome.calls_of("create_algopin");
  ASSERT_FALSE(calls.empty());
  EXPECT_TRUE(calls.back().ok);
  EXPECT_EQ(calls.back().at, at("2026-06-10T14:00:00Z"));  // the first hourly retry after 13:30
  EXPECT_EQ(calls.back().algopin->window.start, at("2026-06-10T14:00:00Z"));
  EXPECT_EQ(w.code("b1").status, CodeStatus::active);
}

}  // namespace
}  // namespace lockstep::testing
