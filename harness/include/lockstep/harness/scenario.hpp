// A scenario is one story in virtual time, told as data (docs/scenario-format.md):
// the igloohome world the mock starts from, the properties and their locks, a
// timeline of what the host, the guests' bookings and the network do at given
// instants, guests at the door, and what must then be true — each expectation
// citing the rule of ../shared/contracts/behaviour.md it checks.
//
// This header is the in-memory model the loader (scenario_loader.hpp) produces
// and every tool consumes: `lockstep run` plays it against the reference engine,
// `lockstep conform` against an implementation under test, the explorer builds
// them in code. The model is already normalised: the setup blocks (connect,
// properties, locks) are turned into timeline events at `start`, the timeline is
// sorted by instant (stable, so events at one instant keep their written order),
// and every element remembers its JSON path so a failure can point at it.
//
// Values that a participant receives are kept as written (local times as
// "YYYY-MM-DDTHH:MM" strings, settings as given) so a scenario can deliberately
// send bad input and expect the error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lockstep/harness/participant.hpp"
#include "lockstep/mock/world.hpp"
#include "lockstep/rules.hpp"
#include "lockstep/time.hpp"

namespace lockstep::harness {

// The default world's account (igloohome-api.md): used when a scenario does not
// name credentials.
inline constexpr std::string_view default_client_id = "demo-client";
inline constexpr std::string_view default_client_secret = "demo-secret";

struct PropertySpec {
  std::string id;
  std::string timezone;  // IANA name, as written (may be deliberately unknown)
};

// A lock assigned to a property at `start`, with optional settings (S1-S3).
struct LockSpec {
  std::string property;
  std::string brand = "igloohome";
  std::string lock;
  LockConfig settings;  // absent fields: the lock's defaults
};

enum class EventKind {
  connect,         // client_id, client_secret
  disconnect,
  put_property,    // property_id, timezone
  assign_lock,     // property_id, brand, lock_id
  remove_lock,     // property_id
  configure_lock,  // lock_id, config
  put_booking,     // booking (creates or changes)
  cancel_booking,  // booking_id
  fault_on,        // fault_id, fault (the mock's POST /__admin/faults body)
  fault_off,       // fault_id
  tick,            // nothing: only makes the loop stop at `at`
};
std::string_view to_string(EventKind kind) noexcept;
std::optional<EventKind> event_kind_from_string(std::string_view text) noexcept;
// True for the kinds that are a request to the participant (not fault_on/off, tick).
bool is_participant_request(EventKind kind) noexcept;

// One entry of the timeline. Only the fields of its kind are meaningful.
struct Event {
  Instant at{};
  EventKind kind = EventKind::tick;
  std::string json_path;  // e.g. "timeline[3]" or "locks[0]" for setup events

  std::string client_id;      // connect
  std::string client_secret;  // connect (never written to a report)
  std::string property_id;    // put_property, assign_lock, remove_lock
  std::string timezone;       // put_property
  std::string brand;          // assign_lock
  std::string lock_id;        // assign_lock, configure_lock
  LockConfig config;          // configure_lock
  BookingRequest booking;     // put_booking
  std::string booking_id;     // cancel_booking (and put_booking: booking.booking_id)
  std::string fault_id;       // fault_on, fault_off: the scenario's name for the fault
  nlohmann::json fault;       // fault_on: passed to the mock verbatim

  // The reply the request must get: nullopt = ok, else the error code
  // ("invalid_setting", ...). Checked for participant requests only.
  std::optional<std::string> expect_error;
  std::string rule;  // behaviour.md id the expected reply checks (may be empty when ok)
};

// A guest at the door: types a PIN on a lock's keypad at instant `at`.
struct DoorProbeSpec {
  Instant at{};
  std::string json_path;
  // Whose code: a booking's (its code as get_code reports it at `at`, or at
  // `code_as_of` when given: the code the guest was sent earlier) or a literal PIN.
  std::string booking;
  std::optional<Instant> code_as_of;
  std::optional<std::string> pin;
  // Which lock; empty: the booking's lock, i.e. the lock assigned to its property
  // at `at` (or at `code_as_of`).
  std::string lock;
  std::optional<bool> expect_open;  // absent: recorded, not checked
  std::string rule;
};

struct RenderExpectation {
  std::string template_text;
  std::optional<std::string> text;   // expected rendering, or
  std::optional<std::string> error;  // expected error code (code_pending, code_unavailable)
};

struct AlgoPinExpectation {
  std::optional<std::string> type;  // hourly, daily
  std::optional<Instant> start;
  std::optional<Instant> end;
};

// What must be true of one booking, at `at` or at the end of the scenario. Every
// present field is one check; a field holding nullopt inside an engaged optional
// (e.g. code: null) expects "absent".
struct BookingExpectation {
  std::string booking;
  std::string rule;  // behaviour.md id, required
  std::optional<Instant> at;  // absent: at the end
  std::string json_path;
  std::string note;  // for people: why this must hold

  std::optional<std::string> status;
  std::optional<std::optional<std::string>> code;
  std::optional<std::string> code_pattern;  // ECMAScript regex, whole code must match
  std::optional<std::string> code_differs_from;  // another booking id: codes must differ
  std::optional<std::optional<std::string>> kind;
  std::optional<std::optional<Instant>> valid_from;
  std::optional<std::optional<Instant>> valid_until;
  std::optional<std::optional<Instant>> issued_at;
  std::optional<Instant> generate_at;
  std::optional<Instant> retry_deadline;
  std::optional<std::string> source;  // random, guest_phone, algopin
  std::optional<std::optional<std::string>> fallback;  // missing, too_short, ...
  std::optional<int> attempts;
  std::optional<std::vector<Instant>> attempt_times;
  std::optional<AlgoPinExpectation> algopin;
  std::optional<int> variance;
  std::optional<RenderExpectation> render;
  std::vector<std::string> notices;     // notice codes that must be present for the booking
  std::vector<std::string> no_notices;  // ... that must not be
};

// How many of the mock's journalled API calls match, in a span of virtual time.
struct CallExpectation {
  std::string rule;
  std::string json_path;
  std::string note;
  std::optional<Instant> from;   // inclusive
  std::optional<Instant> until;  // exclusive
  std::string method;            // empty: any
  std::string path_glob;         // '*' matches any run of characters; empty: any
  nlohmann::json body_contains;  // null: any; else a JSON subset the body must contain
  std::optional<int> status;     // the HTTP status the mock answered
  std::optional<int> count;
  std::optional<int> min;
  std::optional<int> max;
};

// A compact description of a large generated scenario (e.g. a year of 200
// properties with random outages). The runner expands it in code
// (expand_generator, scenario_loader.hpp) from `seed`, or from the run's seed when absent.
struct GeneratorSpec {
  std::string json_path;
  int properties = 10;
  int days = 30;
  int stays_per_property = 10;             // bookings spread over `days`
  int outages = 0;                          // random bridge outages
  int max_outage_hours = 6;                 // each outage lasts 1..this many hours
  int probes_per_booking = 2;               // at check-in (open) and after valid_until (closed)
  std::vector<std::string> timezones = {"Europe/Paris"};
  std::optional<std::uint64_t> seed;
};

struct Scenario {
  std::string name;
  std::string description;
  std::string file;       // where it was loaded from ("" when built in code)
  std::string json_path;  // its place in the file: "" (single) or "[3]" (suite)
  std::vector<std::string> rules;  // behaviour.md ids it exercises
  std::vector<std::string> tags;   // free words for selecting scenarios (`--tag`), as written
  // The lockout causes (lockout.hpp) the scenario provokes on purpose. When given,
  // `run` fails the scenario unless the reference's lockout minutes have exactly
  // these causes (an empty list: no lockout at all).
  std::optional<std::vector<std::string>> expect_lockout;

  std::optional<mock::World> world;  // absent: mock::default_world()
  std::string world_file;            // as written, when the world came from a file
  Instant start{};
  std::optional<Instant> end;        // absent: default_end(scenario)
  std::optional<Profile> profile;    // absent: reference defaults
  int tick_cadence_minutes = 15;     // for participants that give no next_wakeup
  std::optional<std::uint64_t> seed;  // overrides the run's seed

  std::vector<PropertySpec> properties;
  std::vector<LockSpec> locks;
  std::vector<Event> timeline;  // setup included, sorted by `at` (stable)
  std::vector<DoorProbeSpec> probes;  // sorted by `at` (stable)
  std::vector<BookingExpectation> expectations;
  std::vector<CallExpectation> calls;
  std::optional<GeneratorSpec> generator;
};

// True when `tag` is one of the scenario's tags (exact, case-sensitive match).
bool scenario_has_tag(const Scenario& scenario, std::string_view tag) noexcept;

// A rough measure of the work a scenario is (its events, probes and readings,
// a generator's bookings counted as it will expand them), and the suite's
// indexes by it, most first, suite order among equals: the order a pool of
// workers starts them in, so that the one long scenario does not start last.
std::size_t estimated_work(const Scenario& scenario) noexcept;
std::vector<std::size_t> longest_first(const std::vector<Scenario>& scenarios);

// Every client secret the scenarios hold (their connect events and their worlds'
// accounts), sorted and unique: the values no report may show (run, conform and
// explore pass them to report::ReportOptions::secrets).
std::vector<std::string> scenario_secrets(const std::vector<Scenario>& scenarios);

// The end of virtual time when the scenario gives none: two days after the latest
// of its timeline, probes, expectation instants and every booking's check-out
// (read in its property's zone when known, else as UTC), so deletions and their
// retries (C4) are seen.
Instant default_end(const Scenario& scenario);
inline Instant end_of(const Scenario& scenario) {
  return scenario.end ? *scenario.end : default_end(scenario);
}

}  // namespace lockstep::harness
