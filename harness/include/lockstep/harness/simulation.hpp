// The simulation loop, the only one: plays a Scenario in virtual time with one
// or more participants (lanes), each against its own mock igloohome, and records
// for each lane everything that can be checked in a Trace. `lockstep run` is this
// loop with one lane (the reference engine), `lockstep conform` with two (the
// reference and the implementation under test), `lockstep explore` with one or
// two.
//
// Order in virtual time (../shared/contracts/sut-protocol.md): at each instant t
// the mock's clock is set to t and the faults switched at t are applied; the
// participant is ticked at t, the scenario's requests for t are delivered, and
// it is ticked at t again when there were any; only then are the planned
// readings for t made (get_code, then the guests at the door, then the
// expectations): a request only makes work due, so the state between a request
// and the tick after it is transient and never observed. A lane's next instant
// is the earliest of the next planned instant, its participant's next_wakeup, or
// — when it gives none, or one not after t — t + tick_cadence_minutes. Time only
// moves forward.
//
// What is read, and when, is the ObservationPlan: it depends on the scenario
// alone (its events, probes, expectations and end), never on what a participant
// answers, so the traces of two lanes line up observation by observation.
//
// The mock is steered only through its admin HTTP API (MockControl over a
// Transport: the in-process one or real sockets), so in-process and HTTP runs
// are the same code.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <map>
#include <string_view>
#include <unordered_map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lockstep/engine.hpp"
#include "lockstep/error.hpp"
#include "lockstep/harness/participant.hpp"
#include "lockstep/harness/scenario.hpp"
#include "lockstep/mock/mock.hpp"
#include "lockstep/net/transport.hpp"
#include "lockstep/time.hpp"

namespace lockstep::harness {

// What a guest at the keypad learns.
struct DoorResult {
  bool opens = false;
  std::string reason;  // the mock's: opened, unknown_pin, not_yet_valid, expired, ...
};

// The mock's admin API (igloohome-api.md "Mock only"), over any transport. Every
// failure (transport error, non-2xx answer, unreadable body) is io_error with
// the endpoint and the mock's message.
class MockControl {
 public:
  explicit MockControl(net::Transport& admin) : admin_(admin) {}
  // Whose requests a mock in this process journals. An implementation's may
  // carry any bytes in a path, query or client id; the admin API hands those
  // back as valid UTF-8 (each bad sequence replaced), and so must the journal
  // read directly.
  enum class Traffic { own, foreign };
  // A mock in this process, reached through `admin` but whose journal is read
  // from the mock itself, and whose clock is set on the mock itself: a year of
  // 200 properties journals 20,000 calls, and writing them as JSON text only to
  // parse them back was a fifth of its run (and, for the implementation's lane
  // in conform, a tenth of the whole); the default suite sets each lane's clock
  // at ~80,000 instants, and the admin API's JSON round trip for each was
  // another tenth.
  // Foreign traffic comes back exactly as the admin API would give it, a clock
  // the admin API would refuse is refused alike, and a guest at the keypad
  // (enter) gets the admin API's answer or error.
  MockControl(net::Transport& admin, mock::Mock& mock, Traffic traffic = Traffic::own)
      : admin_(admin), direct_(&mock), foreign_(traffic == Traffic::foreign) {}

  Result<void> set_now(Instant t);
  // Returns the mock's id for the new fault.
  Result<std::string> add_fault(const nlohmann::json& spec);
  Result<void> remove_fault(const std::string& id);
  Result<DoorResult> enter(const std::string& lock_id, const std::string& pin, Instant at);
  // The journal, oldest first, as GET /__admin/requests gives it.
  Result<std::vector<mock::JournalEntry>> journal();
  // How many entries journal() would return now, without building them.
  Result<std::size_t> journal_size();
  Result<void> reset();

 private:
  Result<nlohmann::json> call(std::string_view method, std::string target, const nlohmann::json* body);
  static void as_the_admin_api_gives(mock::JournalEntry& entry);
  net::Transport& admin_;
  mock::Mock* direct_ = nullptr;
  bool foreign_ = false;
};

// get_code at an instant, recorded when it differs from the booking's previous one.
struct CodeSnapshot {
  Instant at{};
  std::string booking;
  CodeReply code;
};

// A scenario request and its reply.
struct CommandRecord {
  Instant at{};
  std::size_t event_index = 0;  // into Scenario::timeline
  std::optional<ReplyError> error;  // nullopt: ok
  // connect / disconnect: how many journal entries the mock held just before the
  // request was sent, so calls can be placed before or after it within one instant.
  std::optional<std::size_t> journal_size;
};

// One planned get_code: the same (instant, booking) entries in every lane.
struct Observation {
  Instant at{};
  std::string booking;
  std::string lock;  // the booking's igloohome lock at `at`, as the accepted requests assigned it
  Reply<CodeReply> code;
};

// A planned render: the standard template for every booking at the end.
struct RenderRecord {
  Instant at{};
  std::string booking;
  std::string template_text;
  Reply<std::string> text;
  std::optional<std::string> code;  // the booking's code read at the same instant
};

struct ProbeRecord {
  std::size_t probe_index = 0;  // into Scenario::probes
  Instant at{};
  std::string booking;
  std::string lock;
  std::optional<std::string> pin;  // nullopt: the booking had no code to type
  bool opened = false;
  std::string reason;
};

// What was read for one expectation at its instant.
struct QueryRecord {
  std::size_t expectation_index = 0;  // into Scenario::expectations
  Instant at{};
  std::optional<Reply<CodeReply>> code;
  std::optional<Reply<CodeReply>> other_code;  // code_differs_from's booking
  std::optional<Reply<std::string>> render;
  std::optional<CodeView> engine_view;         // when the participant can be inspected
};

// A fault as it was in force: from its fault_on to its fault_off (or the end).
struct FaultRecord {
  std::string id;       // the scenario's id
  nlohmann::json fault;
  Instant from{};
  std::optional<Instant> until;
};

struct Trace {
  Instant first{};
  Instant last{};
  std::vector<Instant> ticks;
  std::vector<CommandRecord> commands;
  std::vector<Observation> observations;  // the plan's readings, in plan order
  std::vector<CodeSnapshot> snapshots;  // the observations that changed a booking's code, oldest first
  std::vector<RenderRecord> renders;
  std::vector<ProbeRecord> probes;
  std::vector<QueryRecord> queries;     // one per expectation, in the scenario's order
  std::vector<FaultRecord> faults;
  // The mock's, at the end. Entries, not JSON: a year's 20,000 calls as a JSON
  // tree cost a quarter of a conform run to build, read and free.
  std::vector<mock::JournalEntry> journal;
  std::map<std::string, Instant> booked_at;     // first put_booking accepted
  std::map<std::string, Instant> cancelled_at;  // cancel_booking accepted
  std::map<std::string, std::string> property_of;  // booking -> property
  std::string subject;  // init's name and version
  // Why the run stopped early (a participant protocol failure, the mock's admin
  // API failing); empty when it ran to the end.
  std::string error;
};

// Each booking's observations in plan order, for checkers that ask "what did the
// participant say about this booking": an index built once per trace, so a year
// of 20,000 bookings is not a scan of every observation per probe. Pointers into
// `trace`, valid while it lives.
std::unordered_map<std::string_view, std::vector<const Observation*>> observations_by_booking(const Trace& trace);

struct SimulationOptions {
  // Given to the participant's init (the mock's base URLs; informative in-process).
  std::string auth_url = "http://mock.invalid";
  std::string api_url = "http://mock.invalid/igloohome";
  // With at most this many bookings, every booking's code is read at every
  // scenario instant (a status history); above, only the bookings an event,
  // probe or expectation concerns, which keeps a year of 200 properties fast.
  std::size_t snapshot_all_up_to = 64;
  // A guard against a participant whose next_wakeup never moves on.
  std::size_t max_instants = 2'000'000;
  // The engine's own view of a booking, for the reference participant (empty for
  // an implementation under test).
  std::function<std::optional<CodeView>(const std::string& booking)> inspect;
  // Seed added to faults that draw randomly and name no seed of their own.
  std::optional<std::uint64_t> fault_seed;
  // Render the standard template for every booking at the end (conform's M1).
  bool render_at_end = false;
};

// What is read when: per instant, the bookings whose code is read. Built from
// the scenario alone.
struct ObservationPlan {
  std::map<Instant, std::vector<std::string>> reads;  // instant -> bookings, in first-put order
  std::vector<std::string> bookings;                   // every booking the scenario puts, in order
};
ObservationPlan plan_observations(const Scenario& scenario, std::size_t read_all_up_to = 64);

// One participant with its own mock.
struct Lane {
  Participant* participant = nullptr;
  MockControl* mock = nullptr;
  SimulationOptions options;
  // Called with the lane's trace as soon as it is complete, on the thread that
  // played it: work on one lane's trace overlaps the other lanes still playing.
  std::function<void(const Trace&)> then;
};

// Plays `scenario` once per lane, every lane on the same ObservationPlan; one
// Trace per lane, in the lanes' order. Participants are initialised at the start
// and not shut down (their owner does that). `stop`, when set, is polled between
// instants: a lane stopped by it ends with Trace::error "interrupted".
std::vector<Trace> simulate(const Scenario& scenario, std::span<const Lane> lanes,
                            const std::function<bool()>& stop = {});

// The one-lane loop (lockstep run).
Trace simulate(const Scenario& scenario, Participant& participant, MockControl& mock,
               const SimulationOptions& options = {});

// The lock assigned to `property` at instant `at`, from the requests the
// participant accepted (L2/L3/L4), or "" when none.
std::string lock_of_property_at(const Scenario& scenario, const Trace& trace, const std::string& property,
                                Instant at);

}  // namespace lockstep::harness
