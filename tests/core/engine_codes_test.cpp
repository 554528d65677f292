// C1-C6 in the engine: which value, how it is sent, how failures are classified,
// how codes end.
#include <set>

#include <gtest/gtest.h>

#include "world.hpp"

namespace lockstep::testing {
namespace {

void use_guest_phone(World& w, const std::string& lock = "LK-1") {
  ASSERT_TRUE(w.engine.configure_lock(lock, SettingsPatch{std::nullopt, std::nullopt, CodeSource::guest_phone}));
}

TEST(C1_RandomCodes, SixDigitsNotForbiddenAndDistinctOnOverlappingBookings) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(w.book(fmt::format("b{}", i), "2026-05-10T15:00", "2026-05-12T10:00"));
  }
  w.run_until("2026-05-06T00:00:00Z");
  std::set<std::string> pins;
  for (int i = 0; i < 40; ++i) {
    const CodeView v = w.code(fmt::format("b{}", i));
    ASSERT_EQ(v.status, CodeStatus::active);
    ASSERT_EQ(v.code->size(), 6u);
    EXPECT_FALSE(is_forbidden_pin(*v.code));
    EXPECT_EQ(v.source, PinSource::random);
    pins.insert(*v.code);
  }
  EXPECT_EQ(pins.size(), 40u);
}

TEST(C1_RandomCodes, APinInUseOnTheLockIsNotGivenToAnOverlappingBooking) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  use_guest_phone(w);
  ASSERT_TRUE(w.book("a", "2026-05-10T15:00", "2026-05-12T10:00", "0611223344"));
  ASSERT_TRUE(w.book("b", "2026-05-11T15:00", "2026-05-13T10:00", "0711223344"));  // overlaps a
  ASSERT_TRUE(w.book("c", "2026-05-12T11:00", "2026-05-14T10:00", "0811223344"));  // after a's window
  w.run_until("2026-05-09T00:00:00Z");
  EXPECT_EQ(w.code("a").code, "223344");
  EXPECT_NE(w.code("b").code, "223344");
  EXPECT_EQ(w.code("b").fallback, PhoneFallback::in_use);
  EXPECT_EQ(w.code("b").source, PinSource::random);
  // c's window starts after a's ends; b holds a random code, so c may use its phone.
  EXPECT_EQ(w.code("c").code, "223344");
}

TEST(C2_GuestPhone, FallbackReasonIsRecorded) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  use_guest_phone(w);
  ASSERT_TRUE(w.book("missing", "2026-05-10T15:00", "2026-05-12T10:00"));
  ASSERT_TRUE(w.book("letters", "2026-05-10T15:00", "2026-05-12T10:00", "06 CALL ME"));
  ASSERT_TRUE(w.book("short", "2026-05-10T15:00", "2026-05-12T10:00", "+33 12"));
  ASSERT_TRUE(w.book("good", "2026-05-10T15:00", "2026-05-12T10:00", "+44 20 7946 0958"));
  w.run_until("2026-05-06T00:00:00Z");
  EXPECT_EQ(w.code("missing").fallback, PhoneFallback::missing);
  EXPECT_EQ(w.code("letters").fallback, PhoneFallback::invalid_character);
  EXPECT_EQ(w.code("short").fallback, PhoneFallback::too_short);
  EXPECT_FALSE(w.code("good").fallback);
  EXPECT_EQ(w.code("good").code, "460958");
  for (const char* b : {"missing", "letters", "short"}) {
    EXPECT_EQ(w.code(b).status, CodeStatus::active);
    EXPECT_EQ(w.code(b).source, PinSource::random);
    EXPECT_TRUE(w.audit_has(b, AuditKind::phone_fallback, "C2"));
  }
}

TEST(C2_GuestPhone, RejectedByIgloohomeFallsBackToRandomInTheSameAttempt) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  use_guest_phone(w);
  w.igloohome.rejected_values.insert("345678");
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00", "0612345678"));
  w.run_until("2026-05-06T00:00:00Z");
  const CodeView v = w.code("b1");
  EXPECT_EQ(v.status, CodeStatus::active);
  EXPECT_EQ(v.fallback, PhoneFallback::rejected);
  EXPECT_NE(v.code, "345678");
  EXPECT_EQ(v.attempts.size(), 1u);
}

TEST(C3_Rejection, AtMostFiveValuesAnAttemptThenItIsAFailedAttempt) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  w.igloohome.reject_every_value = true;
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00"));
  w.run_until("2026-05-05T00:00:00Z");
  const auto creates = w.igloohome.calls_of("create_pin");
  ASSERT_EQ(creates.size(), 5u);
  std::set<std::string> values;
  for (const auto& c : creates) {
    EXPECT_EQ(c.at, at("2026-05-05T00:00:00Z"));
    values.insert(c.pin);
  }
  EXPECT_EQ(values.size(), 5u);
  EXPECT_EQ(w.code("b1").status, CodeStatus::retrying);
  EXPECT_EQ(w.code("b1").attempts.size(), 1u);
  EXPECT_EQ(w.engine.next_wakeup(), at("2026-05-05T01:00:00Z"));
  w.igloohome.reject_every_value = false;
  w.igloohome.rejected_values.insert("999999");
  w.run_until("2026-05-05T01:00:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::active);
}

TEST(C3_Rejection, OneRefusedValueIsReplacedWithoutARetry) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  use_guest_phone(w);
  w.igloohome.rejected_values.insert("345678");
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00", "0612345678"));
  w.run_until("2026-05-06T00:00:00Z");
  EXPECT_EQ(w.igloohome.calls_of("create_pin").size(), 2u);
  EXPECT_TRUE(w.audit_has("b1", AuditKind::value_rejected, "C3", "PIN 345678 refused"));
  EXPECT_EQ(w.code("b1").attempts.size(), 1u);
}

TEST(C4_BridgeLifecycle, PendingJobIsPolledUntilCompleted) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  w.igloohome.polls_before_completion = 3;
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00"));
  w.run_until("2026-05-05T00:02:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::scheduled);
  w.run_until("2026-05-05T00:03:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::active);
  EXPECT_EQ(w.code("b1").issued_at, at("2026-05-05T00:03:00Z"));
  EXPECT_TRUE(w.audit_has("b1", AuditKind::job_pending, "C4"));
}

TEST(C4_BridgeLifecycle, DeletedAtValidUntil) {
  World w("2026-05-01T00:00:00Z");
  w.setup("Europe/Lisbon");
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00"));
  w.run_until("2026-05-12T09:29:59Z");
  const std::string pin = *w.code("b1").code;
  EXPECT_TRUE(w.igloohome.live_pin("LK-1", pin));
  EXPECT_EQ(w.code("b1").status, CodeStatus::active);
  w.run_until("2026-05-12T09:30:00Z");  // 10:00 WEST + 30 min
  EXPECT_EQ(w.code("b1").status, CodeStatus::revoked);
  EXPECT_FALSE(w.code("b1").code);
  EXPECT_FALSE(w.igloohome.live_pin("LK-1", pin));
  const auto deletes = w.igloohome.calls_of("delete_pin");
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0].at, at("2026-05-12T09:30:00Z"));
}

TEST(C4_BridgeLifecycle, FailedDeleteIsTriedHourlyFor24HoursThenAlerted) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  w.igloohome.fail_calls("delete_pin", at("2026-05-01T00:00:00Z"), at("2026-06-01T00:00:00Z"),
                         FailureKind::retryable, 503, "service unavailable");
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00"));
  w.run_until("2026-06-01T00:00:00Z");
  const auto deletes = w.igloohome.calls_of("delete_pin");
  ASSERT_EQ(deletes.size(), 24u);
  EXPECT_EQ(deletes.front().at, at("2026-05-12T10:30:00Z"));
  EXPECT_EQ(deletes.back().at, at("2026-05-13T09:30:00Z"));
  EXPECT_EQ(w.notices("delete_failed"), 1);
  EXPECT_EQ(w.code("b1").status, CodeStatus::revoked);
}

TEST(C4_BridgeLifecycle, FailedCreateJobIsARetryableFailure) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  w.igloohome.job_outcome = JobState::expired;
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00"));
  w.run_until("2026-05-05T00:00:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::retrying);
  EXPECT_TRUE(w.audit_has("b1", AuditKind::attempt_failed, "T4", "bridge job expired"));
  w.igloohome.job_outcome.reset();
  w.run_until("2026-05-05T01:00:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::active);
}

// A status poll that fails (a 5xx) is not a job that failed: the job ran and
// its PIN is on the lock. The engine asks again, keeps that job, and makes no
// second one (abandoning it left an entry it no longer knew: C1, explore seed 7).
TEST(C4_BridgeLifecycle, AFailedStatusPollIsAskedAgainNotAFailedAttempt) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00"));
  w.igloohome.fail_calls("job_status", at("2026-05-05T00:00:00Z"), at("2026-05-05T00:03:00Z"), FailureKind::retryable,
                         502, "bad gateway");
  w.run_until("2026-05-05T00:30:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::active);
  EXPECT_EQ(w.igloohome.calls_of("create_pin").size(), 1u);
  EXPECT_GE(w.igloohome.calls_of("job_status").size(), 3u);  // failed, failed..., then completed
  EXPECT_FALSE(w.audit_has("b1", AuditKind::attempt_failed, "T4", "502"));
  EXPECT_TRUE(w.igloohome.opens("LK-1", *w.code("b1").code, at("2026-05-11T00:00:00Z")));
}

TEST(C5_AlgoPin, HourlyWindowOnTheHourInTheLocalOffset) {
  World w("2026-05-01T00:00:00Z");
  w.setup("Asia/Kathmandu", "LK-ALGO");
  ASSERT_TRUE(w.book("b1", "2026-05-10T14:00", "2026-05-12T11:10"));
  w.run_until("2026-05-06T00:00:00Z");
  const auto calls = w.igloohome.calls_of("create_algopin");
  ASSERT_EQ(calls.size(), 1u);
  const AlgoPinRequest& r = *calls[0].algopin;
  EXPECT_EQ(r.window.type, AlgoPinType::hourly);
  EXPECT_EQ(format_with_offset(r.window.start, r.window.start_offset), "2026-05-10T13:00:00+05:45");
  EXPECT_EQ(format_with_offset(r.window.end, r.window.end_offset), "2026-05-12T12:00:00+05:45");
  EXPECT_EQ(r.variance, 1);
  const CodeView v = w.code("b1");
  EXPECT_EQ(v.status, CodeStatus::active);
  EXPECT_EQ(v.kind, CodeKind::algopin);
  EXPECT_EQ(v.code, calls[0].pin);
  EXPECT_EQ(v.variance, 1);
  EXPECT_TRUE(w.igloohome.calls_of("create_pin").empty());
}

TEST(C5_AlgoPin, IdenticalWindowsTakeTheNextVarianceThenNoVariance) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC", "LK-ALGO");
  for (const char* b : {"b1", "b2", "b3", "b4"}) {
    ASSERT_TRUE(w.book(b, "2026-05-10T15:00", "2026-05-12T10:00"));
  }
  ASSERT_TRUE(w.book("b5", "2026-05-10T15:10", "2026-05-12T10:00"));  // same hourly window too
  ASSERT_TRUE(w.book("b6", "2026-05-10T16:00", "2026-05-12T10:00"));  // another window
  w.run_until("2026-05-06T00:00:00Z");
  EXPECT_EQ(w.code("b1").variance, 1);
  EXPECT_EQ(w.code("b2").variance, 2);
  EXPECT_EQ(w.code("b3").variance, 3);
  EXPECT_EQ(w.code("b4").status, CodeStatus::failed);
  EXPECT_EQ(w.code("b5").status, CodeStatus::failed);
  EXPECT_EQ(w.code("b6").variance, 1);
  EXPECT_EQ(w.notices("no_variance"), 2);
  EXPECT_EQ(w.igloohome.calls_of("create_algopin").size(), 4u);
}

TEST(C5_AlgoPin, DailyBeyond672HoursAndStayTooLongBeyond367Days) {
  World w("2026-01-01T00:00:00Z");
  w.setup("UTC", "LK-ALGO");
  ASSERT_TRUE(w.book("month", "2026-02-01T15:00", "2026-03-10T10:00"));
  ASSERT_TRUE(w.book("forever", "2026-02-01T15:00", "2027-03-10T10:00"));
  EXPECT_EQ(w.code("forever").status, CodeStatus::failed);
  EXPECT_EQ(w.notices("stay_too_long"), 1);
  w.run_until("2026-02-01T00:00:00Z");
  const auto calls = w.igloohome.calls_of("create_algopin");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].algopin->window.type, AlgoPinType::daily);
  EXPECT_EQ(calls[0].algopin->window.start, at("2026-02-01T14:00:00Z"));
  EXPECT_EQ(calls[0].algopin->window.end, at("2026-03-10T14:00:00Z"));
  auto text = w.engine.render("forever", "Code: {{smartlock_code}}");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, ErrorCode::code_unavailable);
}

TEST(C5_AlgoPin, NeverDeletedNorChanged) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC", "LK-ALGO");
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00"));
  w.run_until("2026-06-01T00:00:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::revoked);
  EXPECT_TRUE(w.igloohome.calls_of("delete_pin").empty());
  EXPECT_EQ(w.igloohome.calls_of("create_algopin").size(), 1u);
}

TEST(C6_Failures, ServerErrorsAndRateLimitsAreRetried) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  w.igloohome.fail_calls("create_pin", at("2026-05-05T00:00:00Z"), at("2026-05-05T01:00:00Z"),
                         FailureKind::retryable, 502);
  w.igloohome.fail_calls("create_pin", at("2026-05-05T01:00:00Z"), at("2026-05-05T02:00:00Z"),
                         FailureKind::retryable, 429, "too many requests");
  w.igloohome.fail_calls("create_pin", at("2026-05-05T02:00:00Z"), at("2026-05-05T03:00:00Z"),
                         FailureKind::retryable, 0, "connection timed out");
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00"));
  w.run_until("2026-05-06T00:00:00Z");
  EXPECT_EQ(w.code("b1").attempts.size(), 4u);
  EXPECT_EQ(w.code("b1").status, CodeStatus::active);
  EXPECT_TRUE(w.audit_has("b1", AuditKind::attempt_failed, "T4", "too many requests (HTTP 429)"));
}

TEST(C6_Failures, NeedsReconnectIsTerminalAndAlerts) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  w.igloohome.fail_calls("create_pin", at("2026-05-01T00:00:00Z"), at("2026-06-01T00:00:00Z"),
                         FailureKind::needs_reconnect, 401, "token refused");
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00"));
  w.run_until("2026-06-01T00:00:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::failed);
  EXPECT_EQ(w.code("b1").attempts.size(), 1u);
  EXPECT_EQ(w.notices("needs_reconnect"), 1);
  EXPECT_TRUE(w.audit_has("b1", AuditKind::generation_failed, "C6", "not retried"));
}

TEST(C6_Failures, LockMissingIsTerminalAndAlerts) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC");
  w.igloohome.fail_calls("create_pin", at("2026-05-01T00:00:00Z"), at("2026-06-01T00:00:00Z"),
                         FailureKind::lock_missing, 404, "device not found");
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00"));
  w.run_until("2026-06-01T00:00:00Z");
  EXPECT_EQ(w.code("b1").status, CodeStatus::failed);
  EXPECT_EQ(w.igloohome.calls_of("create_pin").size(), 1u);
  EXPECT_EQ(w.notices("lock_missing"), 1);
}

TEST(C6_Failures, AlgoPinOutageIsRetriedToo) {
  World w("2026-05-01T00:00:00Z");
  w.setup("UTC", "LK-ALGO");
  w.igloohome.fail_calls("create_algopin", at("2026-05-05T00:00:00Z"), at("2026-05-05T02:00:00Z"),
                         FailureKind::retryable, 503);
  ASSERT_TRUE(w.book("b1", "2026-05-10T15:00", "2026-05-12T10:00"));
  w.run_until("2026-05-06T00:00:00Z");
  EXPECT_EQ(w.code("b1").attempts.size(), 3u);
  EXPECT_EQ(w.code("b1").status, CodeStatus::active);
}

}  // namespace
}  // namespace lockstep::testing
