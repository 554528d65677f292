// The checkers (harness/checkers/) and the reading of the journal they stand on
// (api_calls.hpp), on traces built by hand: each invariant is shown failing on
// the one situation it is about and holding on its look-alikes.
#include <stdexcept>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "lockstep/harness/api_calls.hpp"
#include "lockstep/harness/checkers/no_residual_access.hpp"
#include "lockstep/harness/checkers/no_wrongful_lockout.hpp"
#include "lockstep/harness/checkers/silent_after_disconnect.hpp"
#include "lockstep/harness/checkers/unchanged_resend.hpp"
#include "lockstep/harness/checkers/unique_pins.hpp"
#include "lockstep/harness/lockout.hpp"
#include "lockstep/harness/scenario_loader.hpp"

namespace lockstep::harness {
namespace {

using nlohmann::json;

// Two overlapping stays on LK-1, then a disconnect and a reconnect.
Scenario two_stays() {
  const json s = {
      {"name", "two-stays"},
      {"rules", {"C1"}},
      {"start", "2026-06-01T00:00:00Z"},
      {"properties", {{{"id", "P1"}, {"timezone", "Europe/Paris"}}}},
      {"locks", {{{"property", "P1"}, {"lock", "LK-1"}}}},
      {"bookings",
       {{{"id", "B1"}, {"property", "P1"}, {"checkin", "2026-06-10T15:00"}, {"checkout", "2026-06-12T11:00"}},
        {{"id", "B2"}, {"property", "P1"}, {"checkin", "2026-06-11T15:00"}, {"checkout", "2026-06-13T11:00"}}}},
      {"timeline",
       {{{"at", "2026-06-20T00:00:00Z"}, {"do", "disconnect"}}, {{"at", "2026-06-21T00:00:00Z"}, {"do", "connect"}}}}};
  auto loaded = parse_scenarios(s, "two-stays.json");
  if (!loaded) throw std::runtime_error("two-stays does not load: " + loaded.error().message);
  return loaded->front();
}

json create(const std::string& at, const std::string& name, const std::string& pin, const std::string& from,
            const std::string& until, const std::string& job) {
  return {{"at", at},
          {"method", "POST"},
          {"path", "/igloohome/devices/LK-1/jobs/bridges/BR-1"},
          {"status", 200},
          {"body",
           {{"jobType", 4},
            {"jobData", {{"accessName", name}, {"pin", pin}, {"pinType", 4}, {"startDate", from}, {"endDate", until}}}}},
          {"response", {{"jobId", job}}}};
}

json remove(const std::string& at, const std::string& pin) {
  return {{"at", at},
          {"method", "POST"},
          {"path", "/igloohome/devices/LK-1/jobs/bridges/BR-1"},
          {"status", 200},
          {"body", {{"jobType", 5}, {"jobData", {{"pin", pin}}}}},
          {"response", {{"jobId", "del"}}}};
}

json poll(const std::string& at, const std::string& job, int status) {
  return {{"at", at},
          {"method", "GET"},
          {"path", "/igloohome/jobs/" + job},
          {"status", 200},
          {"response", {{"jobId", job}, {"completed", status == 0}, {"jobResponse", {{"jobStatus", status}}}}}};
}

// Every event accepted at its instant; connect/disconnect cut the journal at `cut`.
Trace trace_of(const Scenario& s, json journal, std::size_t cut_disconnect = 0, std::size_t cut_connect = 0) {
  Trace t;
  for (std::size_t i = 0; i < s.timeline.size(); ++i) {
    const auto& e = s.timeline[i];
    if (!is_participant_request(e.kind)) continue;
    CommandRecord c{e.at, i, std::nullopt, std::nullopt};
    if (e.kind == EventKind::disconnect) c.journal_size = cut_disconnect;
    if (e.kind == EventKind::connect && e.at > s.start) c.journal_size = cut_connect;
    if (e.kind == EventKind::connect && e.at == s.start) c.journal_size = 0;
    if (e.kind == EventKind::put_booking) {
      t.property_of[e.booking_id] = e.booking.property_id;
      t.booked_at.try_emplace(e.booking_id, e.at);
    }
    t.commands.push_back(c);
  }
  for (const auto& entry : journal) t.journal.push_back(mock::JournalEntry::from_json(entry));
  return t;
}

const std::string w1_from = "2026-06-10T14:00:00+02:00", w1_until = "2026-06-12T12:00:00+02:00";
const std::string w2_from = "2026-06-11T14:00:00+02:00", w2_until = "2026-06-13T12:00:00+02:00";

TEST(ApiCalls, CallsAreTiedToBookingsByWhatTheyCarry) {
  const auto s = two_stays();
  // B1 named in its access name; B2's create names nobody, its window says whose
  // it is; the delete and the poll follow the PIN and the job.
  const auto t = trace_of(s, json::array({create("2026-06-09T13:00:00Z", "Host B1", "482913", w1_from, w1_until, "j1"),
                                          create("2026-06-10T13:00:00Z", "guest", "739104", w2_from, w2_until, "j2"),
                                          poll("2026-06-10T13:00:00Z", "j2", 0),
                                          remove("2026-06-13T10:00:00Z", "739104")}),
                          100, 100);
  const auto calls = read_api_calls(s, t);
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].kind, ApiCall::Kind::create_pin);
  EXPECT_EQ(calls[0].booking, "B1");
  EXPECT_EQ(calls[1].booking, "B2");
  EXPECT_EQ(calls[2].kind, ApiCall::Kind::job_status);
  EXPECT_EQ(calls[2].booking, "B2");
  EXPECT_EQ(calls[2].job_done, std::optional<bool>(true));
  EXPECT_EQ(calls[3].kind, ApiCall::Kind::delete_pin);
  EXPECT_EQ(calls[3].booking, "B2");
}

TEST(UniquePins, ASecondOverlappingStayGivenTheSamePinIsC1) {
  const auto s = two_stays();
  const auto t = trace_of(s, json::array({create("2026-06-09T13:00:00Z", "B1", "482913", w1_from, w1_until, "j1"),
                                          create("2026-06-10T13:00:00Z", "B2", "482913", w2_from, w2_until, "j2")}),
                          100, 100);
  const auto found = checkers::check_unique_pins(checkers::view_of(s, t));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule, Rule::C1);
  EXPECT_EQ(found[0].booking, "B2");
  EXPECT_NE(found[0].observed.find("B1"), std::string::npos) << found[0].observed;
  EXPECT_EQ(checkers::to_failure(found[0]).rule, "C1");
}

TEST(UniquePins, APinFreedOrNeverPlacedMayBeGivenAgain) {
  const auto s = two_stays();
  // Deleted in between.
  auto freed = trace_of(s, json::array({create("2026-06-09T13:00:00Z", "B1", "482913", w1_from, w1_until, "j1"),
                                        remove("2026-06-09T14:00:00Z", "482913"),
                                        create("2026-06-10T13:00:00Z", "B2", "482913", w2_from, w2_until, "j2")}),
                        100, 100);
  EXPECT_TRUE(checkers::check_unique_pins(checkers::view_of(s, freed)).empty());
  // The first job failed: the PIN never reached the lock.
  auto failed = trace_of(s, json::array({create("2026-06-09T13:00:00Z", "B1", "482913", w1_from, w1_until, "j1"),
                                         poll("2026-06-09T13:00:00Z", "j1", 2),
                                         create("2026-06-10T13:00:00Z", "B2", "482913", w2_from, w2_until, "j2")}),
                         100, 100);
  EXPECT_TRUE(checkers::check_unique_pins(checkers::view_of(s, failed)).empty());
  // Different PINs.
  auto distinct = trace_of(s, json::array({create("2026-06-09T13:00:00Z", "B1", "482913", w1_from, w1_until, "j1"),
                                           create("2026-06-10T13:00:00Z", "B2", "739104", w2_from, w2_until, "j2")}),
                           100, 100);
  EXPECT_TRUE(checkers::check_unique_pins(checkers::view_of(s, distinct)).empty());
}

TEST(SilentAfterDisconnect, ACallBetweenDisconnectAndConnectIsL4) {
  const auto s = two_stays();
  const json journal = json::array({create("2026-06-09T13:00:00Z", "B1", "482913", w1_from, w1_until, "j1"),
                                    remove("2026-06-20T00:00:00Z", "482913"),
                                    create("2026-06-21T00:00:00Z", "B2", "739104", w2_from, w2_until, "j2")});
  // The delete came after the disconnect was sent (position 1), before the connect (position 2).
  const auto found = checkers::check_silent_after_disconnect(checkers::view_of(s, trace_of(s, journal, 1, 2)));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule, Rule::L4);
  EXPECT_NE(found[0].observed.find("1 call(s)"), std::string::npos) << found[0].observed;
  // The same calls, the delete made before the disconnect: nothing to say.
  EXPECT_TRUE(checkers::check_silent_after_disconnect(checkers::view_of(s, trace_of(s, journal, 2, 2))).empty());
}

// A reading of B1 at an instant, as the plan makes it.
Observation reading(const std::string& at, const std::string& booking, const std::string& status,
                    const std::string& until = "2026-06-12T10:00:00Z") {
  CodeReply c;
  c.status = status;
  if (status == "active") {
    c.code = "482913";
    c.kind = "pin";
  }
  c.valid_from = parse_instant("2026-06-10T12:00:00Z").value();
  c.valid_until = parse_instant(until).value();
  return {parse_instant(at).value(), booking, "LK-1", c};
}

ProbeRecord door(const std::string& at, const std::string& booking, bool opened) {
  ProbeRecord p;
  p.at = parse_instant(at).value();
  p.booking = booking;
  p.lock = "LK-1";
  p.pin = "482913";
  p.opened = opened;
  p.reason = opened ? "opened" : "unknown_pin";
  return p;
}

TEST(NoWrongfulLockout, AnActiveGuestRefusedDuringTheStayIsB1) {
  const auto s = two_stays();
  auto t = trace_of(s, json::array(), 100, 100);
  // B1's stay: 2026-06-10T13:00Z to 2026-06-12T09:00Z.
  t.observations = {reading("2026-06-11T12:00:00Z", "B1", "active"), reading("2026-06-12T09:30:00Z", "B1", "active")};
  t.probes = {door("2026-06-11T12:00:00Z", "B1", false), door("2026-06-12T09:30:00Z", "B1", false)};
  const auto found = checkers::check_no_wrongful_lockout(checkers::view_of(s, t));
  ASSERT_EQ(found.size(), 1u);  // the second probe is after check-out
  EXPECT_EQ(found[0].rule, Rule::B1);
  EXPECT_EQ(found[0].booking, "B1");
  EXPECT_EQ(found[0].at, parse_instant("2026-06-11T12:00:00Z").value());
  // Not active by its own account (failed, retrying): no claim was broken.
  t.observations = {reading("2026-06-11T12:00:00Z", "B1", "retrying")};
  EXPECT_TRUE(checkers::check_no_wrongful_lockout(checkers::view_of(s, t)).empty());
  // Let in: nothing to say.
  t.observations = {reading("2026-06-11T12:00:00Z", "B1", "active")};
  t.probes = {door("2026-06-11T12:00:00Z", "B1", true)};
  EXPECT_TRUE(checkers::check_no_wrongful_lockout(checkers::view_of(s, t)).empty());
}

TEST(NoResidualAccess, ACodeOpeningAfterItsWindowOrItsCancellationIsCaught) {
  const auto s = two_stays();
  auto t = trace_of(s, json::array(), 100, 100);
  t.observations = {reading("2026-06-11T00:00:00Z", "B1", "active")};
  t.probes = {door("2026-06-12T09:59:00Z", "B1", true), door("2026-06-12T10:00:00Z", "B1", true)};
  auto found = checkers::check_no_residual_access(checkers::view_of(s, t));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule, Rule::C4);
  EXPECT_EQ(found[0].at, parse_instant("2026-06-12T10:00:00Z").value());
  // Cancelled: the delete may take its retry allowance (24 h by default), not more.
  t.cancelled_at["B2"] = parse_instant("2026-06-11T00:00:00Z").value();
  t.observations = {};
  t.probes = {door("2026-06-11T23:00:00Z", "B2", true), door("2026-06-12T01:00:00Z", "B2", true)};
  found = checkers::check_no_residual_access(checkers::view_of(s, t));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule, Rule::B2);
  EXPECT_EQ(found[0].booking, "B2");
}

TEST(UnchangedResend, AReSentBookingThatCallsIgloohomeIsB0) {
  // B1 put again unchanged on 06-05, and changed on 06-07.
  json doc = {{"name", "resend"},
              {"rules", {"B0"}},
              {"start", "2026-06-01T00:00:00Z"},
              {"properties", {{{"id", "P1"}, {"timezone", "Europe/Paris"}}}},
              {"locks", {{{"property", "P1"}, {"lock", "LK-1"}}}},
              {"bookings",
               {{{"id", "B1"}, {"property", "P1"}, {"checkin", "2026-06-10T15:00"}, {"checkout", "2026-06-12T11:00"}}}},
              {"timeline",
               {{{"at", "2026-06-05T00:00:00Z"}, {"do", "put_booking"}, {"booking", "B1"}, {"property", "P1"},
                 {"checkin", "2026-06-10T15:00"}, {"checkout", "2026-06-12T11:00"}},
                {{"at", "2026-06-07T00:00:00Z"}, {"do", "put_booking"}, {"booking", "B1"}, {"property", "P1"},
                 {"checkin", "2026-06-10T16:00"}, {"checkout", "2026-06-12T11:00"}}}}};
  auto loaded = parse_scenarios(doc, "resend.json");
  ASSERT_TRUE(loaded) << loaded.error().message;
  const auto s = loaded->front();
  const std::string from = "2026-06-10T14:00:00+02:00", until = "2026-06-12T12:00:00+02:00";
  // A delete and a create at the re-send: B0. The same at the real change: fine.
  auto t = trace_of(s, json::array({create("2026-06-01T00:00:00Z", "B1", "482913", from, until, "j1"),
                                    remove("2026-06-05T00:00:00Z", "482913"),
                                    create("2026-06-05T00:00:00Z", "B1", "551902", from, until, "j2"),
                                    remove("2026-06-07T00:00:00Z", "551902"),
                                    create("2026-06-07T00:00:00Z", "B1", "551902", "2026-06-10T15:00:00+02:00", until,
                                           "j3")}));
  auto found = checkers::check_unchanged_resend(checkers::view_of(s, t));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule, Rule::B0);
  EXPECT_EQ(found[0].at, parse_instant("2026-06-05T00:00:00Z").value());
  // No call at the re-send: idempotent.
  t = trace_of(s, json::array({create("2026-06-01T00:00:00Z", "B1", "482913", from, until, "j1"),
                               remove("2026-06-07T00:00:00Z", "482913")}));
  EXPECT_TRUE(checkers::check_unchanged_resend(checkers::view_of(s, t)).empty());
}

// Lockout minutes: the parts of a stay no confirmed code covered, by cause.
TEST(Lockout, StayMinutesWithoutAWorkingCodeAreCountedByCause) {
  const auto s = two_stays();
  // B1 (stay 06-10T13:00Z .. 06-12T09:00Z): its code confirmed one hour after
  // check-in and deleted two hours before check-out. B2: tried during an outage, never made.
  auto t = trace_of(s, json::array({create("2026-06-10T14:00:00Z", "B1", "482913", w1_from, w1_until, "j1"),
                                    poll("2026-06-10T14:00:00Z", "j1", 0),
                                    remove("2026-06-12T07:00:00Z", "482913"),
                                    create("2026-06-11T12:00:00Z", "B2", "739104", w2_from, w2_until, "j2"),
                                    poll("2026-06-11T12:00:00Z", "j2", 2)}),
                    100, 100);
  t.last = parse_instant("2026-06-30T00:00:00Z").value();
  FaultRecord outage;
  outage.id = "down";
  outage.fault = {{"kind", "bridge_offline"}, {"target", "BR-1"}};
  outage.from = parse_instant("2026-06-11T00:00:00Z").value();
  outage.until = parse_instant("2026-06-14T00:00:00Z").value();
  t.faults.push_back(outage);
  const auto l = lockouts_of(s, t, read_api_calls(s, t));
  ASSERT_EQ(l.at("B1").size(), 2u);
  EXPECT_EQ(l.at("B1")[0].cause, "not_yet_made");
  EXPECT_EQ(l.at("B1")[0].minutes(), 60);
  EXPECT_EQ(l.at("B1")[1].cause, "deleted_early");
  EXPECT_EQ(l.at("B1")[1].minutes(), 120);
  ASSERT_EQ(l.at("B2").size(), 1u);
  EXPECT_EQ(l.at("B2")[0].cause, "outage");
  EXPECT_EQ(l.at("B2")[0].minutes(), 44 * 60);  // the whole stay
  // A cancelled booking has no right to enter, so no lockout.
  t.cancelled_at["B2"] = parse_instant("2026-06-05T00:00:00Z").value();
  EXPECT_FALSE(lockouts_of(s, t, read_api_calls(s, t)).contains("B2"));
}

}  // namespace
}  // namespace lockstep::harness
