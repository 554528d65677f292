// The igloohome calls of a run, read from the mock's journal, and tied to the
// bookings they were for by what they carry: the access name (when it names a
// booking), the lock and the window (which booking's stay on that lock the
// window covers), the PIN (a delete removes the PIN a booking's create put on
// that lock), the job id (a status poll is about the job a call created). Never
// by what a participant said through get_code, so an implementation that reports
// nothing still has its calls counted, and both sides of a conform run are read
// by the same rules.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lockstep/harness/scenario.hpp"
#include "lockstep/harness/simulation.hpp"
#include "lockstep/time.hpp"

namespace lockstep::harness {

struct ApiCall {
  enum class Kind { token, create_pin, delete_pin, algopin, job_status, other };
  std::size_t index = 0;  // in the journal, admin requests counted
  Instant at{};
  std::string method;
  std::string path;
  int status = 0;
  Kind kind = Kind::other;
  std::string lock;
  std::string pin;          // create/delete: the request's; algoPIN: the response's
  std::string access_name;  // create / algoPIN, as sent
  std::optional<Instant> start;
  std::optional<Instant> end;
  std::string job_id;       // create/delete: the job made; job_status: the job asked about
  std::string booking;      // the booking it was for, or "" when none can be told
  // job_status: true when the job ran, false when it failed or expired, nullopt while pending.
  std::optional<bool> job_done;

  bool ok() const noexcept { return status >= 200 && status < 300; }
  bool makes_code() const noexcept { return kind == Kind::create_pin || kind == Kind::algopin; }
};

// Every igloohome call of the journal (admin requests left out), oldest first,
// each tied to its booking (see above).
std::vector<ApiCall> read_api_calls(const Scenario& scenario, const Trace& trace);

// The same without the attribution, for a bare journal.
std::vector<ApiCall> parse_api_calls(std::span<const mock::JournalEntry> journal);

// Ties calls to `bookings` by access name, PIN and job id alone, for a journal
// with no scenario to read stays from (the stateful test drives the engine
// directly). `by_window`, when given, names the booking of a code-making call
// whose access name names none.
void attribute_api_calls(std::vector<ApiCall>& calls, const std::vector<std::string>& bookings,
                         const std::function<std::string(const ApiCall&)>& by_window = {});

}  // namespace lockstep::harness
