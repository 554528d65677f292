// A hand-built run for the report tests: one scenario of each verdict, with
// bookings, attempts, outages, door probes, divergences and text that needs
// escaping in every output language. Secrets are planted where a careless writer
// would leak them.
#pragma once

#include <string>
#include <vector>

#include "lockstep/harness/report.hpp"

namespace lockstep::harness::report::testing {

inline constexpr const char* kPlantedSecret = "s3cr3t-Client-Secret-XYZ";
inline constexpr const char* kPlantedToken = "eyJhbGciOi.tokenvalue.sig";

inline Instant at(const char* text) { return *parse_instant(text); }

inline RunInfo sample_run() {
  RunInfo run;
  run.run_id = "20261125T193000Z-42";
  run.tool = "run";
  run.started_at = at("2026-11-25T19:30:00Z");
  run.seed = 42;
  run.options = {{"jobs", "2"}, {"transport", "in-process"}, {"filter", "dst/*"}};
  run.tz_database_version = "2025b";
  run.lockstep_version = "0.1.0";
  run.command_line = "lockstep run --seed 42 scenarios/";
  run.subject = "reference engine";
  return run;
}

inline BookingTimeline sample_booking(std::string id, std::string lock, const char* checkin, const char* checkout) {
  BookingTimeline b;
  b.id = std::move(id);
  b.property = "p-paris";
  b.lock = std::move(lock);
  b.bridge = "BR-" + b.lock;
  b.timezone = "Europe/Paris";
  b.checkin_local = "2026-03-29T02:30";
  b.checkout_local = "2026-04-02T11:00";
  b.checkin = at(checkin);
  b.checkout = at(checkout);
  b.valid_from = *b.checkin - std::chrono::minutes(30);
  b.valid_until = *b.checkout + std::chrono::minutes(30);
  b.generate_at = *b.checkin - std::chrono::hours(24 * 5);
  b.retry_deadline = *b.checkin + std::chrono::hours(20);
  b.booked_at = *b.checkin - std::chrono::hours(24 * 30);
  b.status = "active";
  b.code = "482913";
  b.kind = "pin";
  b.source = "random";
  return b;
}

inline std::vector<ScenarioResult> sample_results() {
  std::vector<ScenarioResult> results;

  ScenarioResult pass;
  pass.name = "dst-gap-paris";
  pass.file = "scenarios/dst/paris-gap.json";
  pass.description = "Check-in at 02:30 on the night clocks jump 02:00→03:00.";
  pass.rules = {"T1", "T2", "T3", "C4"};
  pass.verdict = Verdict::pass;
  pass.replay = "lockstep run --seed 42 scenarios/dst/paris-gap.json";
  pass.first = at("2026-03-01T00:00:00Z");
  pass.last = at("2026-04-03T00:00:00Z");
  {
    auto b = sample_booking("b1", "L1", "2026-03-29T01:30:00Z", "2026-04-02T09:00:00Z");
    b.attempts = {{at("2026-03-23T23:00:00Z"), true, "created"}};
    b.created_at = at("2026-03-23T23:00:05Z");
    b.deleted_at = b.valid_until;
    b.status = "revoked";
    b.audit = {{at("2026-03-23T23:00:00Z"), "attempt", "T3", "first attempt"},
               {at("2026-03-23T23:00:05Z"), "code_created", "C4", "PIN 482913 on L1"}};
    pass.bookings.push_back(b);
  }
  pass.probes = {{at("2026-03-29T02:00:00Z"), "L1", "b1", true, true, "in window"},
                 {at("2026-04-02T10:00:00Z"), "L1", "b1", false, false, "after valid_until"}};
  results.push_back(pass);

  ScenarioResult failed;
  failed.name = "outage-through-deadline";
  failed.file = "scenarios/outages/through-deadline.json";
  failed.description = "The bridge is offline from 2 days before check-in until after the deadline <&>.";
  failed.rules = {"T4", "C6"};
  failed.verdict = Verdict::fail;
  failed.replay = "lockstep run --seed 42 --filter outage-through-deadline scenarios/";
  failed.first = at("2026-06-01T00:00:00Z");
  failed.last = at("2026-06-12T00:00:00Z");
  {
    auto b = sample_booking("b-17", "L2", "2026-06-08T14:00:00Z", "2026-06-10T09:00:00Z");
    b.status = "failed";
    b.code.reset();
    b.kind.clear();
    for (int h = 0; h < 6; ++h)
      b.attempts.push_back({at("2026-06-07T22:00:00Z") + std::chrono::hours(h), false, "406 unable to contact bridge"});
    b.audit = {{at("2026-06-08T03:00:00Z"), "generation_failed", "T4", "last failure; host alerted"}};
    b.notices = {{at("2026-06-08T03:00:00Z"), "generation_failed", "T4", "host alerted"}};
    failed.bookings.push_back(b);
    auto ok = sample_booking("b-18", "L3", "2026-06-05T14:00:00Z", "2026-06-07T09:00:00Z");
    ok.attempts = {{at("2026-05-30T22:00:00Z"), true, ""}};
    ok.created_at = at("2026-05-30T22:00:01Z");
    failed.bookings.push_back(ok);
  }
  failed.failures = {
      {"T4", "b-17", "attempts", "26 attempts, hourly until 2026-06-08T22:00:00Z",
       "6 attempts, last at 2026-06-08T03:00:00Z", "retries stopped before the deadline \"end_of_checkin_day\"",
       at("2026-06-08T03:00:00Z")},
      {"C6", "b-17", "status", "failed", "retrying <script>alert(1)</script> | pipe", "", std::nullopt},
  };
  failed.outages = {{"bridge_offline", "L2", at("2026-06-06T00:00:00Z"), at("2026-06-09T00:00:00Z")},
                    {"http_503", "", at("2026-06-03T00:00:00Z"), at("2026-06-03T06:00:00Z")}};
  failed.probes = {{at("2026-06-08T15:00:00Z"), "L2", "b-17", true, false, "no code"}};
  results.push_back(failed);

  ScenarioResult errored;
  errored.name = "sut-crash";
  errored.file = "scenarios/basic/one-booking.json";
  errored.verdict = Verdict::error;
  errored.error = "child exited with status 134 after request 7 (tick)";
  errored.stderr_tail = std::string("panic: bad state\nPOST /oauth2/token client_secret=") + kPlantedSecret +
                        "\nAuthorization: Bearer " + kPlantedToken + "\n{\"access_token\": \"" + kPlantedToken +
                        "\"}\nbinary: \x01\x02\xff\xfe end";
  errored.replay = "lockstep conform --sut './my-adapter' scenarios/basic/one-booking.json";
  errored.rules = {"L1"};
  results.push_back(errored);

  ScenarioResult skipped;
  skipped.name = "render-messages";
  skipped.file = "scenarios/messages/render.json";
  skipped.verdict = Verdict::skip;
  skipped.rules = {"M1"};
  skipped.skipped = {"the implementation answered `unsupported` to render"};
  skipped.known_divergences = {{{"B3", "b2", "warning", "cancel_residual", "(none)", "", std::nullopt},
                                "our adapter does not warn yet", false},
                               {{"C2", "b3", "fallback", "short", "missing", "", std::nullopt}, "", true}};
  results.push_back(skipped);
  return results;
}

}  // namespace lockstep::harness::report::testing
