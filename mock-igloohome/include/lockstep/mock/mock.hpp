// The mock igloohome: one request handler, Mock::handle, that answers the
// igloohome API (token endpoint, devices, bridge jobs, algoPIN) and the mock's
// admin API (/__admin/...) from a state held in memory — the world, the virtual
// clock, the faults in force, bridge jobs, the PINs each lock knows and a journal
// of every API request. It is pure request → reply on that state: no sockets, no
// sleeping, no system clock (except in real-time mode, and for the iat/exp a
// token shows a client: igloohome-api.md puts them on the wall clock, see
// set_wall_clock), so the same handler
// serves real HTTP (server.hpp) and an in-process transport (in_process_transport.hpp).
//
// Faults that belong to the network (latency, connection reset, empty response,
// malformed body) cannot be expressed as an HTTP response, so Reply carries them
// beside the response and each transport acts them out.
//
// The typed methods below (enter, add_fault, set_now, journal, reset...) have the
// same effect as the matching admin endpoints, for the harness in-process.
// Mock is thread-safe: one mutex around the state.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lockstep/error.hpp"
#include "lockstep/net/transport.hpp"
#include "lockstep/mock/world.hpp"
#include "lockstep/time.hpp"

namespace lockstep::mock {

struct Reply {
  enum class Transport {
    normal,     // send `response`
    reset,      // abort the connection (TCP RST), nothing sent
    empty,      // close the connection without a response
    malformed,  // send `response`, whose body is deliberately broken JSON
  };
  net::Response response;
  Transport transport = Transport::normal;
  std::chrono::milliseconds latency{0};  // wait this long before acting
};

// A guest typing a PIN on a lock's keypad.
struct EnterResult {
  bool opens = false;
  // opened, unknown_pin, not_yet_valid, expired, deleted, not_installed,
  // first_use_window_missed, already_used, unknown_lock
  std::string reason;
};

// One API request as the journal keeps it (secrets redacted).
struct JournalEntry {
  Instant at{};
  std::string method;
  std::string path;   // without the query
  std::string query;  // without '?', may be empty
  std::string client; // client id the request authenticated as, when known
  int status = 0;
  std::string body_text;      // request body as JSON text (form fields as an object), secrets redacted
  std::string response_text;  // response body as sent (secrets redacted); empty when none
  std::string transport;      // "normal", "reset", "empty", "malformed"
  // The bodies as JSON, parsed when asked: the journal grows with every call and
  // most entries are never read. body(): null when there was none, a JSON string
  // (cut at 4 KiB) when it was neither JSON nor a form; response(): null when
  // none or not JSON.
  nlohmann::json body() const;
  nlohmann::json response() const;
  nlohmann::json to_json() const;
  // The inverse of to_json(), for an entry read over GET /__admin/requests:
  // to_json(from_json(j)) == j for whatever to_json wrote. A field missing or
  // of another type is left empty.
  static JournalEntry from_json(const nlohmann::json& entry);
  // One line for a request log: "<at> <method> <path>[?query] <status> <client>"
  // (query redacted like everything in the journal).
  std::string log_line() const;
};

// A PIN a lock knows, for GET /__admin/locks/{id}/pins.
struct LockPin {
  std::string pin;
  std::string kind;                  // "custom" (bridge job) or "algopin"
  std::string algopin_type;          // hourly, daily, onetime, permanent (algopin only)
  int variance = 0;                  // algopin only
  Instant start{};
  std::optional<Instant> end;        // absent: permanent
  std::optional<Instant> installed_at;  // custom: when its job ran
  std::optional<Instant> deleted_at;    // custom: when a delete job ran
  std::optional<Instant> first_used_at;
  std::string job_id;                // custom: the job that created it; algopin: pinId
  std::string access_name;
  nlohmann::json to_json() const;
  // The inverse of to_json(), for an entry read over GET /__admin/requests:
  // to_json(from_json(j)) == j for whatever to_json wrote. A field missing or
  // of another type is left empty.
  static JournalEntry from_json(const nlohmann::json& entry);
};

// The years the mock's clock keeps and the instants it writes: RFC 3339 has
// four-digit years.
inline constexpr Instant kEarliestInstant{Seconds{-62167219200}};  // 0000-01-01T00:00:00Z
inline constexpr Instant kLatestInstant{Seconds{253402300799}};    // 9999-12-31T23:59:59Z

class Mock {
 public:
  explicit Mock(World world = default_world());
  ~Mock();
  Mock(const Mock&) = delete;
  Mock& operator=(const Mock&) = delete;

  // THE handler: API, /oauth2/token and /__admin/*. Never throws.
  Reply handle(const net::Request& request);

  // Virtual clock. set_now may move backwards (jobs already run stay run).
  // The caller keeps it within kEarliestInstant..kLatestInstant, as
  // POST /__admin/clock does (it answers 400 outside).
  Instant now() const;
  void set_now(Instant t);
  // Real-time mode: the clock follows the system clock from its current value
  // (set_now re-anchors it). Off by default.
  void follow_system_time(bool on);
  // The clock a token's iat/exp are written on (the system clock by default; the
  // virtual clock when the world's ApiSettings say so). Tests fix it.
  void set_wall_clock(std::function<Instant()> wall_clock);

  // Faults: `spec` as the POST /__admin/faults body; returns the new fault's id.
  Result<std::string> add_fault(const nlohmann::json& spec);
  bool remove_fault(const std::string& id);
  void clear_faults();
  std::vector<nlohmann::json> faults() const;  // as GET /__admin/faults lists them

  // The lock simulator: does `pin` open `lock_id` at virtual instant `at`? A
  // successful entry counts as a use (one-time and first-use rules).
  EnterResult enter(const std::string& lock_id, const std::string& pin, Instant at);
  // Every PIN the lock knows (installed, pending, deleted, algoPINs), or not_found.
  Result<std::vector<LockPin>> pins(const std::string& lock_id) const;

  std::vector<JournalEntry> journal() const;
  std::size_t journal_size() const;
  void clear_journal();
  // Keep at most `max_entries` (the newest; 0: all, the default). A server left
  // under load would otherwise grow without end; scenario runs keep everything.
  void limit_journal(std::size_t max_entries);
  // Called once per journaled API request with its log_line(), after the state
  // lock is released (`lockstep mock --log requests`); empty: none. The hook may
  // be called from several server threads at once.
  void set_request_log(std::function<void(const std::string&)> log);

  // Back to the world as loaded: no PINs, no jobs, the world's faults only, empty
  // journal; the clock is unchanged.
  void reset();

  const World& world() const;

  struct State;  // opaque: defined in mock.cpp, public only so its helpers can name it

 private:
  std::unique_ptr<State> state_;
};

}  // namespace lockstep::mock
