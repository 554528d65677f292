// The mock's state and what the handler's pieces share: the records a lock and a
// bridge hold (jobs, custom PINs, algoPINs), the indexes over them, the request
// context and the answer under construction. One Mock::State behind one mutex;
// each concept's file (oauth, jobs, algopin, keypad, admin, journal) adds its
// operations on it. Not installed; not part of the API.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "detail.hpp"
#include "job_request.hpp"
#include "lockstep/mock/mock.hpp"

namespace lockstep::mock {

namespace http = net::http;

namespace internal {

using json = nlohmann::json;
using detail::Fault;
using detail::FaultKind;

inline constexpr std::string_view kScopePrefix = "igloohomeapi/";

enum class JobStatusKind { pending, success, failed, expired };
std::string_view to_string(JobStatusKind s);

struct Job {
  std::string id;
  std::string client;
  int job_type = 0;
  std::string lock_id;
  std::string bridge_id;
  // jobData as sent, as dump() writes it (empty: none or null); parsed only
  // when GET /__admin/jobs lists it, which few runs do.
  std::string job_data_text;
  Instant created{};
  Instant expiry{};
  std::optional<Instant> run_at;  // absent: never runs (job_expire fault)
  JobStatusKind status = JobStatusKind::pending;
  std::optional<Instant> finished_at;
  std::string message;
  json op_result;  // jobs 9, 10, 15: what the lock answered (jobResponse.opResult)
  // jobType 4 / 5
  std::string pin;
  std::string access_name;
  Instant start{};
  Instant end{};
};

struct CustomPin {
  std::string lock_id;
  std::string pin;
  std::string access_name;
  Instant start{};
  Instant end{};
  Instant installed_at{};
  std::optional<Instant> deleted_at;
  std::optional<Instant> first_used_at;
  std::string job_id;
};

struct AlgoPinRecord {
  std::string lock_id;
  std::string pin_id;
  std::string type;  // hourly, daily, onetime, permanent
  Instant start{};
  std::optional<Instant> end;  // as requested (onetime: start + 24 h; permanent: none)
  int variance = 1;
  std::string pin;
  std::string access_name;
  Instant issued_at{};
  std::optional<Instant> first_used_at;

  bool longer_than_a_day() const { return !end || *end - start > std::chrono::hours{24}; }
};

// One entry of a lock's keypad log: a guest typed a PIN (GET /devices/{id}/activity
// and job 15 answer from it).
struct KeypadEntry {
  std::string lock_id;
  std::uint64_t seq = 0;  // arrival order, for the entry's id and ties
  Instant at{};           // true (virtual) time
  Instant lock_time{};    // what the lock's own clock read (clock_drift)
  bool opened = false;
  std::string reason;
};

// What a lock is now, beside the PINs it holds: changed by jobs 1 and 2.
struct LockRuntime {
  bool locked = true;
  int battery_level = 0;
};

struct TokenClaims {
  std::string client;
  std::set<std::string, std::less<>> scopes;  // full names (igloohomeapi/...), searched by view
  Instant issued{};
  Instant expires{};
};

// The faults of one kind, as indexes into Mock::State::faults in the order they
// were added: all of them, and split by the bridge or lock they name. A
// portfolio's year holds ~1,200 bridge outages; a job looks at its own bridge's
// handful, not at every one (issue 16).
struct FaultsOfKind {
  std::vector<std::size_t> all;
  std::vector<std::size_t> untargeted;
  std::unordered_map<std::string, std::vector<std::size_t>, detail::StringHash, std::equal_to<>> by_target;
};

// An API answer under construction.
struct Answer {
  http::status status = http::status::ok;
  json body;
  std::optional<std::string> text;  // the body already serialised (wins over `body`)
  std::vector<std::pair<http::field, std::string>> headers;
  bool redact = false;  // carries a secret the journal must not keep (a token)
  bool journal_request_body = true;  // false: the journal keeps no request body (a refused token request)
};

Answer error_answer(http::status status, std::string_view code, std::string message = {});
Answer ok_answer(json body);
Answer method_not_allowed(std::string_view allowed);

// One request as the handler sees it.
struct Context {
  const net::Request& request;
  std::string method;
  std::string path;
  std::string query;
  std::vector<std::string> segments;  // decoded, without empty leading segment
  Instant now{};
  std::string client;  // set once authenticated
  std::optional<json> body;  // the JSON body as an endpoint read it (read_json_body), for the journal
  // Or the body as the journal writes it, when an endpoint read it without a DOM
  // (job_request.hpp): what journal_body would make of `body`, secrets excluded.
  std::optional<std::string> body_text;
};

Answer not_found_path(const Context& ctx);
std::optional<std::string> query_param(const Context& ctx, std::string_view name);
// Parses a JSON request body. Answers 400 when it is not a JSON object.
std::expected<json, Answer> json_body(const Context& ctx);
// The same, kept in ctx.body: an API endpoint's body is parsed once, and the
// journal writes what was read instead of parsing it again.
std::expected<const json*, Answer> read_json_body(Context& ctx);
std::string write_instant(Instant t);
// kLatestInstant / kEarliestInstant (mock.hpp): the mock never writes an
// instant it would refuse to read, so sums past the latest stop there.
Instant later(Instant t, Seconds d);
// Whether `scopes` (full names) hold igloohomeapi/<name>: asked on every call,
// so the full name is put together on the stack, not on the heap.
bool grants(const std::set<std::string, std::less<>>& scopes, std::string_view name);
// HTTP auth schemes are case-insensitive ("bearer" is as good as "Bearer").
bool starts_with_ignoring_case(std::string_view text, std::string_view prefix);

}  // namespace internal

struct Mock::State {
  using json = nlohmann::json;
  using Job = internal::Job;
  using CustomPin = internal::CustomPin;
  using AlgoPinRecord = internal::AlgoPinRecord;
  using TokenClaims = internal::TokenClaims;
  using KeypadEntry = internal::KeypadEntry;
  using LockRuntime = internal::LockRuntime;
  using Fault = detail::Fault;
  using FaultKind = detail::FaultKind;

  mutable std::mutex mutex;
  World world;
  Instant virtual_now{};
  bool realtime = false;
  std::chrono::system_clock::time_point real_anchor{};

  // Every change to `faults` is followed by index_faults() (or index_fault for
  // one appended): the indexes below point into it.
  std::vector<Fault> faults;
  std::uint64_t next_fault = 1;
  std::array<internal::FaultsOfKind, detail::kFaultKinds> faults_by_kind;
  std::vector<std::size_t> request_faults;  // latency, HTTP and network faults, in order
  // A deque: a year's 200k jobs are not moved each time the storage grows.
  // Job k (from 0) is "job-{k+1}": find_job reads the index from the id.
  std::deque<Job> jobs;
  std::uint64_t next_job = 1;
  std::vector<CustomPin> custom_pins;
  std::vector<AlgoPinRecord> algopins;
  std::uint64_t next_algopin = 1;
  std::deque<JournalEntry> journal;
  std::size_t journal_limit = 0;  // 0: keep every entry
  std::uint64_t journal_dropped = 0;
  std::uint64_t next_token = 1;
  std::vector<KeypadEntry> keypad_log;
  std::unordered_map<std::string, LockRuntime, detail::StringHash, std::equal_to<>> lock_runtime;
  // The wall clock a token's iat/exp are written on (ApiSettings); replaceable
  // so that tests read a fixed one.
  std::function<Instant()> wall_clock;
  // Called with each journaled request's log line, outside the lock (set_request_log).
  std::function<void(const std::string&)> request_log;
  // The world never changes once loaded: its devices are indexed, and each
  // device's JSON built, once (index_world, at construction).
  std::unordered_map<std::string_view, const Lock*> locks_by_id;
  std::unordered_map<std::string_view, const Bridge*> bridges_by_id;
  std::unordered_map<std::string, json, detail::StringHash, std::equal_to<>> device_docs;

  // Indexes over jobs, custom_pins and algopins, so that a call's work does not
  // grow with the calls made before it (a year of a portfolio makes ~40k).
  using Indexes = std::unordered_map<std::string, std::vector<std::size_t>, detail::StringHash, std::equal_to<>>;
  std::vector<std::size_t> pending;  // jobs still pending, oldest first
  Indexes custom_pins_of;  // lock -> custom_pins, oldest first
  // lock -> custom_pins not deleted yet, oldest first: a delete job and the PIN
  // count look at the few a lock holds, not at every PIN it held in a year.
  Indexes live_custom_pins_of;
  Indexes algopins_of;     // lock -> algopins, oldest first
  Indexes keypad_of;       // lock -> keypad_log, oldest first
  // Pages of GET /devices as sent, by client and cursor: the most polled answer
  // there is, and fixed for the same reason.
  mutable std::unordered_map<std::string, std::string, detail::StringHash, std::equal_to<>> device_pages;
  // Claims of tokens whose signature and payload were checked already: a token
  // is immutable, so the second request with it skips the signature, the base64
  // and the JSON. Expiry, faults and the account are judged on every request.
  mutable std::unordered_map<std::string, TokenClaims, detail::StringHash, std::equal_to<>> verified_tokens;
  static constexpr std::size_t kVerifiedTokensMax = 4096;

  // --- state and indexes (state.cpp) -------------------------------------------
  void index_world();
  static const std::vector<std::size_t>& of(const Indexes& index, std::string_view lock_id);
  const Job* find_job(std::string_view id) const;
  void add_job(Job job);
  void add_custom_pin(CustomPin pin);
  void add_algopin(AlgoPinRecord rec);
  Instant now() const;
  void set_now(Instant t);
  const Lock* lock(std::string_view id) const;
  const Bridge* bridge(std::string_view id) const;
  const Account* account(const std::string& client_id) const;
  static bool sees(const Account& a, const std::string& device);
  const json& device_doc(const std::string& id) const;  // only for a device of the world
  // A server under sustained load keeps the newest entries.
  void trim_journal();
  void reset();
  // The lock's own clock at true instant `t` (clock_drift faults in force then).
  Instant lock_clock(const std::string& lock_id, Instant t) const;

  // --- faults (state.cpp) ---------------------------------------------------------
  Result<std::string> add_fault(const json& spec);
  void index_fault(std::size_t i);
  void index_faults();
  const internal::FaultsOfKind& faults_of(FaultKind kind) const {
    return faults_by_kind[static_cast<std::size_t>(kind)];
  }
  // Faults of `kind` naming `target`, or nullptr when none do.
  const std::vector<std::size_t>* faults_on(FaultKind kind, std::string_view target) const;
  bool bridge_offline(std::string_view bridge_id, Instant t) const;
  // The first fault added of `kind` in force at `t` for the bridge (its own or one for every bridge).
  const Fault* bridge_fault(FaultKind kind, std::string_view bridge_id, Instant t) const;

  // --- bridge jobs (jobs.cpp) -----------------------------------------------------
  void apply_job(Job& job, Instant at);
  // Runs or expires every pending job due by `t`, in the order they fall due.
  void run_due_jobs(Instant t);
  int pending_jobs_on(const std::string& bridge_id) const;
  // PINs a lock holds at `t`, online and offline together (plus PINs on their way).
  int pins_on_lock(const std::string& lock_id, Instant t) const;

  // --- tokens (oauth.cpp) -----------------------------------------------------------
  std::string sign(std::string_view signing_input) const;
  std::string issue_token(const Account& a, const std::vector<std::string>& scopes, Instant t);
  // The claims of a valid token, or why not. The pointer is good until the next call.
  std::expected<const TokenClaims*, std::string> verify_token(std::string_view token, Instant t) const;
  // Signature and payload of a token, whatever the time.
  std::expected<TokenClaims, std::string> read_token(std::string_view token) const;
};

namespace internal {

// The igloohome API's handler for one request: routing (mock.cpp) and each
// endpoint in its concept's file.
class Handler {
 public:
  Handler(Mock::State& s, Context& ctx) : s_(s), ctx_(ctx) {}

  Answer api();  // mock.cpp

 private:
  Answer token();                                                     // oauth.cpp
  std::optional<Answer> authenticate(std::string_view scope);         // oauth.cpp
  Answer devices();                                                   // devices.cpp
  Answer device(const std::string& id);                               // devices.cpp
  std::optional<Answer> visible_device(const std::string& id) const;  // devices.cpp
  Answer create_job(const std::string& lock_id, const std::string& bridge_id);  // jobs.cpp
  std::expected<JobRequest, Answer> job_request();                              // jobs.cpp
  Answer job_status(const std::string& id);                                     // jobs.cpp
  Answer activity(const std::string& device_id);                                // keypad.cpp
  Answer algopin(const std::string& lock_id, const std::string& type);          // algopin.cpp

  Mock::State& s_;
  Context& ctx_;
  const std::set<std::string, std::less<>>* scopes_ = nullptr;  // the token's, set by authenticate()
};

// Admin API (admin.cpp): /__admin/*, never faulted, never journaled.
Answer admin_route(Mock::State& s, Context& ctx);

// Bridge jobs (jobs.cpp): GET /jobs/{id}'s body, also listed by /__admin/jobs.
json job_json(const Job& j, const ApiSettings& api);

// The lock simulator (keypad.cpp), on a state already locked.
EnterResult enter_locked(Mock::State& s, const std::string& lock_id, const std::string& pin, Instant at);
std::vector<LockPin> pins_locked(const Mock::State& s, const std::string& lock_id);
// A keypad log entry as the API shows it (activity, job 15).
json keypad_entry_json(const KeypadEntry& e);
// The lock's keypad log up to `now`, newest first.
std::vector<const KeypadEntry*> keypad_log_until(const Mock::State& s, const std::string& lock_id, Instant now);

// The journal (journal.cpp).
// `read`: the body as already parsed (Context::body), if it was.
std::string journal_body(const net::Request& req, const std::optional<json>& read);
// GET /__admin/requests?offset=&limit=: the journal in pages, serialised outside
// the state lock (called by Mock::handle without holding it).
Answer journal_page(Mock::State& s, const Context& ctx);
inline constexpr std::size_t kJournalPageDefault = 1000;
inline constexpr std::size_t kJournalPageMax = 100000;

}  // namespace internal
}  // namespace lockstep::mock
