// The mock's request handler: routing, the igloohome API, the admin API, bridge
// jobs, the lock simulator and the journal, all on one mutex-guarded state.
#include "lockstep/mock/mock.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <cctype>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "detail.hpp"

namespace lockstep::mock {

namespace http = igloohome::http;
using detail::Fault;
using detail::FaultKind;
using json = nlohmann::json;

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------
namespace {

constexpr std::string_view kScopePrefix = "igloohomeapi/";
constexpr std::string_view kTokenKey = "lockstep-mock-signing-key";

enum class JobStatusKind { pending, success, failed, expired };
std::string_view to_string(JobStatusKind s) {
  switch (s) {
    case JobStatusKind::pending: return "pending";
    case JobStatusKind::success: return "success";
    case JobStatusKind::failed: return "failed";
    case JobStatusKind::expired: return "expired";
  }
  return "pending";
}

struct Job {
  std::string id;
  std::string client;
  int job_type = 0;
  std::string lock_id;
  std::string bridge_id;
  json job_data;
  Instant created{};
  Instant expiry{};
  std::optional<Instant> run_at;  // absent: never runs (job_expire fault)
  JobStatusKind status = JobStatusKind::pending;
  std::optional<Instant> finished_at;
  std::string message;
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

  std::optional<Instant> effective_end() const { return end; }
  bool longer_than_a_day() const { return !end || *end - start > std::chrono::hours{24}; }
};

struct TokenClaims {
  std::string client;
  std::set<std::string> scopes;
  Instant issued{};
  Instant expires{};
};

// An API answer under construction.
struct Answer {
  http::status status = http::status::ok;
  json body;
  std::optional<std::string> text;  // the body already serialised (wins over `body`)
  std::vector<std::pair<http::field, std::string>> headers;
  bool redact = false;  // carries a secret the journal must not keep (a token)
};

Answer error_answer(http::status status, std::string_view code, std::string message = {}) {
  Answer a;
  a.status = status;
  a.body = {{"error", code}};
  if (!message.empty()) a.body["message"] = std::move(message);
  return a;
}

Answer ok_answer(json body) {
  Answer a;
  a.body = std::move(body);
  return a;
}

// Secrets never reach the journal. In place: the journal keeps the redacted
// value itself, and a copy per nesting level would cost an allocation a node.
constexpr std::array<std::string_view, 6> kSecretKeys = {"client_secret", "access_token", "refresh_token",
                                                         "password",      "authorization", "Authorization"};

void redact_in_place(json& value) {
  if (value.is_object()) {
    for (auto& [key, v] : value.items()) {
      if (std::find(kSecretKeys.begin(), kSecretKeys.end(), key) != kSecretKeys.end()) {
        v = "***";
      } else {
        redact_in_place(v);
      }
    }
  } else if (value.is_array()) {
    for (auto& v : value) redact_in_place(v);
  }
}


}  // namespace

struct Mock::State {
  mutable std::mutex mutex;
  World world;
  Instant virtual_now{};
  bool realtime = false;
  std::chrono::system_clock::time_point real_anchor{};

  std::vector<Fault> faults;
  std::uint64_t next_fault = 1;
  std::vector<Job> jobs;
  std::uint64_t next_job = 1;
  std::vector<CustomPin> custom_pins;
  std::vector<AlgoPinRecord> algopins;
  std::uint64_t next_algopin = 1;
  std::deque<JournalEntry> journal;
  std::size_t journal_limit = 0;  // 0: keep every entry
  std::uint64_t journal_dropped = 0;
  // A server under sustained load keeps the newest entries.
  void trim_journal() {
    while (journal_limit > 0 && journal.size() > journal_limit) {
      journal.pop_front();
      ++journal_dropped;
    }
  }
  std::uint64_t next_token = 1;
  // The world never changes once loaded: its devices are indexed, and each
  // device's JSON built, once (index_world, at construction).
  std::unordered_map<std::string_view, const Lock*> locks_by_id;
  std::unordered_map<std::string_view, const Bridge*> bridges_by_id;
  std::unordered_map<std::string, json, detail::StringHash, std::equal_to<>> device_docs;

  // Indexes over jobs, custom_pins and algopins, so that a call's work does not
  // grow with the calls made before it (a year of a portfolio makes ~40k).
  using Indexes = std::unordered_map<std::string, std::vector<std::size_t>, detail::StringHash, std::equal_to<>>;
  std::vector<std::size_t> pending;  // jobs still pending, oldest first
  std::unordered_map<std::string, std::size_t, detail::StringHash, std::equal_to<>> job_by_id;
  Indexes custom_pins_of;  // lock -> custom_pins, oldest first
  Indexes algopins_of;     // lock -> algopins, oldest first

  static const std::vector<std::size_t>& of(const Indexes& index, std::string_view lock_id) {
    static const std::vector<std::size_t> none;
    const auto it = index.find(lock_id);
    return it == index.end() ? none : it->second;
  }
  const Job* find_job(std::string_view id) const {
    const auto it = job_by_id.find(id);
    return it == job_by_id.end() ? nullptr : &jobs[it->second];
  }
  void add_job(Job job) {
    job_by_id[job.id] = jobs.size();
    if (job.status == JobStatusKind::pending) pending.push_back(jobs.size());
    jobs.push_back(std::move(job));
  }
  void add_custom_pin(CustomPin pin) {
    custom_pins_of[pin.lock_id].push_back(custom_pins.size());
    custom_pins.push_back(std::move(pin));
  }
  void add_algopin(AlgoPinRecord rec) {
    algopins_of[rec.lock_id].push_back(algopins.size());
    algopins.push_back(std::move(rec));
  }
  // Pages of GET /devices as sent, by client and cursor: the most polled answer
  // there is, and fixed for the same reason.
  mutable std::unordered_map<std::string, std::string, detail::StringHash, std::equal_to<>> device_pages;

  Instant now() const {
    if (!realtime) return virtual_now;
    const auto elapsed = std::chrono::system_clock::now() - real_anchor;
    return virtual_now + std::chrono::floor<Seconds>(elapsed);
  }
  void set_now(Instant t) {
    virtual_now = t;
    real_anchor = std::chrono::system_clock::now();
  }

  // --- world lookups -------------------------------------------------------
  const Lock* lock(std::string_view id) const {
    const auto it = locks_by_id.find(id);
    return it == locks_by_id.end() ? nullptr : it->second;
  }
  const Bridge* bridge(std::string_view id) const {
    const auto it = bridges_by_id.find(id);
    return it == bridges_by_id.end() ? nullptr : it->second;
  }
  const Account* account(const std::string& client_id) const {
    for (const auto& a : world.accounts) {
      if (a.client_id == client_id) return &a;
    }
    return nullptr;
  }
  static bool sees(const Account& a, const std::string& device) {
    return a.devices.empty() || std::find(a.devices.begin(), a.devices.end(), device) != a.devices.end();
  }

  // --- faults ----------------------------------------------------------------
  Result<std::string> add_fault(const json& spec) {
    auto fault = detail::parse_fault(spec, world, fmt::format("fault-{}", next_fault));
    if (!fault) return std::unexpected(fault.error());
    for (const auto& f : faults) {
      if (f.id == fault->id) {
        return fail(ErrorCode::invalid_argument, fmt::format("id: a fault '{}' already exists", f.id), "id");
      }
    }
    ++next_fault;
    faults.push_back(std::move(*fault));
    return faults.back().id;
  }

  bool bridge_offline(const std::string& bridge_id, Instant t) const {
    return std::any_of(faults.begin(), faults.end(), [&](const Fault& f) {
      return f.kind == FaultKind::bridge_offline && f.active_at(t) &&
             (f.target.empty() || f.target == bridge_id);
    });
  }
  const Fault* bridge_fault(FaultKind kind, const std::string& bridge_id, Instant t) const {
    for (const auto& f : faults) {
      if (f.kind == kind && f.active_at(t) && (f.target.empty() || f.target == bridge_id)) return &f;
    }
    return nullptr;
  }

  // --- jobs --------------------------------------------------------------------
  void apply_job(Job& job, Instant at) {
    job.finished_at = at;
    if (bridge_offline(job.bridge_id, at)) {
      job.status = JobStatusKind::failed;
      job.message = "unable to contact bridge";
      return;
    }
    job.status = JobStatusKind::success;
    switch (job.job_type) {
      case 4:
        add_custom_pin(CustomPin{job.lock_id, job.pin, job.access_name, job.start, job.end, at, std::nullopt,
                                 std::nullopt, job.id});
        job.message = "pin created";
        break;
      case 5: {
        int deleted = 0;
        for (const std::size_t i : of(custom_pins_of, job.lock_id)) {
          auto& p = custom_pins[i];
          if (p.pin == job.pin && !p.deleted_at && p.installed_at <= at) {
            p.deleted_at = at;
            ++deleted;
          }
        }
        job.message = deleted > 0 ? "pin deleted" : "pin not found on lock (nothing to delete)";
        break;
      }
      case 1: job.message = "locked"; break;
      case 2: job.message = "unlocked"; break;
      default: job.message = "done"; break;
    }
  }

  // Runs or expires every pending job due by `t`, in the order they fall due.
  void run_due_jobs(Instant t) {
    std::vector<Job*> due;
    for (const std::size_t i : pending) {
      Job& j = jobs[i];
      const bool runs = j.run_at && *j.run_at < j.expiry && *j.run_at <= t;
      const bool expires = !runs && j.expiry <= t;
      if (runs || expires) due.push_back(&j);
    }
    auto when = [](const Job* j) {
      return j->run_at && *j->run_at < j->expiry ? *j->run_at : j->expiry;
    };
    std::stable_sort(due.begin(), due.end(), [&](const Job* a, const Job* b) { return when(a) < when(b); });
    for (Job* j : due) {
      if (j->run_at && *j->run_at < j->expiry) {
        apply_job(*j, *j->run_at);
      } else {
        j->status = JobStatusKind::expired;
        j->finished_at = j->expiry;
        j->message = "job expired before the bridge ran it";
      }
    }
    if (!due.empty()) {
      std::erase_if(pending, [this](std::size_t i) { return jobs[i].status != JobStatusKind::pending; });
    }
  }

  int pending_jobs_on(const std::string& bridge_id) const {
    return static_cast<int>(
        std::count_if(pending.begin(), pending.end(), [&](std::size_t i) { return jobs[i].bridge_id == bridge_id; }));
  }

  // PINs a lock holds at `t`, online and offline together (plus PINs on their way).
  int pins_on_lock(const std::string& lock_id, Instant t) const {
    int n = 0;
    for (const std::size_t i : of(custom_pins_of, lock_id)) {
      n += !custom_pins[i].deleted_at && custom_pins[i].end > t;
    }
    for (const std::size_t i : pending) {
      n += jobs[i].lock_id == lock_id && jobs[i].job_type == 4;
    }
    for (const std::size_t i : of(algopins_of, lock_id)) {
      n += !algopins[i].end || *algopins[i].end > t;
    }
    return n;
  }

  // --- tokens ------------------------------------------------------------------
  std::string sign(std::string_view signing_input) const {
    std::string sig;
    std::uint64_t h = detail::fnv1a64(kTokenKey);
    for (int i = 0; i < 4; ++i) {
      h = detail::mix64(detail::fnv1a64(signing_input, h) + static_cast<std::uint64_t>(i));
      for (int b = 0; b < 8; ++b) sig += static_cast<char>((h >> (8 * b)) & 0xFF);
    }
    return detail::base64_encode(sig, true);
  }

  std::string issue_token(const Account& a, const std::vector<std::string>& scopes, Instant t) {
    std::string scope_text;
    for (const auto& s : scopes) scope_text += (scope_text.empty() ? "" : " ") + s;
    const json header = {{"alg", "HS256"}, {"typ", "JWT"}};
    const json payload = {{"iss", "lockstep-mock"},
                          {"sub", a.client_id},
                          {"name", a.name},
                          {"scope", scope_text},
                          {"iat", t.time_since_epoch().count()},
                          {"exp", (t + world.limits.token_lifetime).time_since_epoch().count()},
                          {"jti", fmt::format("tok-{}", next_token++)}};
    const std::string input =
        detail::base64_encode(header.dump(), true) + "." + detail::base64_encode(payload.dump(), true);
    return input + "." + sign(input);
  }

  // Claims of tokens whose signature and payload were checked already: a token
  // is immutable, so the second request with it skips the signature, the base64
  // and the JSON. Expiry, faults and the account are judged on every request.
  mutable std::unordered_map<std::string, TokenClaims, detail::StringHash, std::equal_to<>> verified_tokens;
  static constexpr std::size_t kVerifiedTokensMax = 4096;

  // The claims of a valid token, or why not. The pointer is good until the next call.
  std::expected<const TokenClaims*, std::string> verify_token(std::string_view token, Instant t) const {
    auto cached = verified_tokens.find(token);
    if (cached == verified_tokens.end()) {
      auto claims = read_token(token);
      if (!claims) return std::unexpected(claims.error());
      if (verified_tokens.size() >= kVerifiedTokensMax) verified_tokens.clear();
      cached = verified_tokens.emplace(std::string(token), std::move(*claims)).first;
    }
    const TokenClaims& c = cached->second;
    Instant expires = c.expires;
    for (const auto& f : faults) {
      if (f.kind == FaultKind::token_expiry && f.active_at(c.issued)) {
        expires = std::min(expires, c.issued + f.after_seconds);
      }
    }
    if (t >= expires) return std::unexpected("token expired");
    if (account(c.client) == nullptr) return std::unexpected("unknown client");
    return &c;
  }

  // Signature and payload of a token, whatever the time.
  std::expected<TokenClaims, std::string> read_token(std::string_view token) const {
    const auto parts = detail::split(token, '.');
    if (parts.size() != 3) return std::unexpected("malformed token");
    if (sign(parts[0] + "." + parts[1]) != parts[2]) return std::unexpected("invalid token signature");
    auto payload_text = detail::base64_decode(parts[1]);
    if (!payload_text) return std::unexpected("malformed token");
    json payload = json::parse(*payload_text, nullptr, false);
    if (payload.is_discarded() || !payload.is_object() || !payload.contains("sub") ||
        !payload.contains("exp") || !payload.contains("iat") || !payload["exp"].is_number_integer() ||
        !payload["iat"].is_number_integer() || !payload["sub"].is_string() ||
        !payload.contains("scope") || !payload["scope"].is_string()) {
      return std::unexpected("malformed token");
    }
    TokenClaims c;
    c.client = payload["sub"].get<std::string>();
    c.issued = Instant{Seconds{payload["iat"].get<long long>()}};
    c.expires = Instant{Seconds{payload["exp"].get<long long>()}};
    for (const auto& s : detail::split(payload["scope"].get<std::string>(), ' ')) {
      if (!s.empty()) c.scopes.insert(s);
    }
    return c;
  }

  void reset() {
    faults.clear();
    next_fault = 1;
    for (const auto& spec : world.faults) (void)add_fault(spec);  // validated at construction
    jobs.clear();
    pending.clear();
    job_by_id.clear();
    custom_pins_of.clear();
    algopins_of.clear();
    next_job = 1;
    custom_pins.clear();
    algopins.clear();
    next_algopin = 1;
    journal.clear();
  }
};

// ---------------------------------------------------------------------------
// Request context
// ---------------------------------------------------------------------------
namespace {

struct Context {
  const igloohome::Request& request;
  std::string method;
  std::string path;
  std::string query;
  std::vector<std::string> segments;  // decoded, without empty leading segment
  Instant now{};
  std::string client;  // set once authenticated
};

std::optional<std::string> query_param(const Context& ctx, std::string_view name) {
  auto fields = detail::parse_form(ctx.query);
  if (!fields) return std::nullopt;
  auto it = fields->find(std::string(name));
  if (it == fields->end()) return std::nullopt;
  return it->second;
}

// Parses a JSON request body. Answers 400 when it is not a JSON object.
std::expected<json, Answer> json_body(const Context& ctx) {
  const auto& body = ctx.request.body();
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return std::unexpected(error_answer(http::status::bad_request, "invalid_request", "body: a JSON object is required"));
  }
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded()) {
    return std::unexpected(error_answer(http::status::bad_request, "invalid_request", "body: not valid JSON"));
  }
  if (!parsed.is_object()) {
    return std::unexpected(error_answer(http::status::bad_request, "invalid_request", "body: expected a JSON object"));
  }
  return parsed;
}

json device_json(const World& w, const std::string& id) {
  json d;
  for (const auto& b : w.bridges) {
    if (b.id != id) continue;
    json linked = json::array();
    for (const auto& l : w.locks) {
      if (l.bridge_id == b.id) linked.push_back({{"type", "Lock"}, {"deviceId", l.id}});
    }
    d = {{"id", b.id}, {"type", "Bridge"}, {"deviceId", b.id}, {"deviceName", b.name},
         {"pairedAt", "2025-06-01T10:00:00.000Z"}, {"homeId", json::array()},
         {"linkedDevices", linked}, {"batteryLevel", b.battery_level}};
  }
  for (const auto& l : w.locks) {
    if (l.id != id) continue;
    json linked = json::array();
    if (l.bridge_id) linked.push_back({{"type", "Bridge"}, {"deviceId", *l.bridge_id}});
    d = {{"id", l.id}, {"type", "Lock"}, {"deviceId", l.id}, {"deviceName", l.name},
         {"pairedAt", "2025-06-01T10:00:00.000Z"}, {"homeId", json::array()},
         {"linkedDevices", linked}, {"batteryLevel", l.battery_level}, {"algoPin", l.algopin}};
  }
  return d;
}

void index_world(Mock::State& s) {
  for (const auto& l : s.world.locks) {
    s.locks_by_id.emplace(l.id, &l);
    s.device_docs.emplace(l.id, device_json(s.world, l.id));
  }
  for (const auto& b : s.world.bridges) {
    s.bridges_by_id.emplace(b.id, &b);
    s.device_docs.emplace(b.id, device_json(s.world, b.id));
  }
}

// Only for a device of the world (the callers have checked).
const json& device_doc(const Mock::State& s, const std::string& id) { return s.device_docs.at(id); }

std::string write_instant(Instant t) { return format_instant(t); }

// HTTP auth schemes are case-insensitive ("bearer" is as good as "Bearer").
bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const auto a = static_cast<unsigned char>(text[i]);
    const auto b = static_cast<unsigned char>(prefix[i]);
    if (std::tolower(a) != std::tolower(b)) return false;
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------
// The handler
// ---------------------------------------------------------------------------
namespace {

class Handler {
 public:
  Handler(Mock::State& s, Context& ctx) : s_(s), ctx_(ctx) {}

  Answer api();
  Answer admin();

 private:
  Answer token();
  std::optional<Answer> authenticate(std::string_view scope);
  Answer devices();
  Answer device(const std::string& id);
  Answer create_job(const std::string& lock_id, const std::string& bridge_id);
  Answer job_status(const std::string& id);
  Answer algopin(const std::string& lock_id, const std::string& type);
  std::optional<Answer> visible_device(const std::string& id) const;

  Mock::State& s_;
  Context& ctx_;
  const std::set<std::string>* scopes_ = nullptr;  // the token's, set by authenticate()
};

Answer method_not_allowed(std::string_view allowed) {
  Answer a = error_answer(http::status::method_not_allowed, "method_not_allowed",
                          fmt::format("allowed: {}", allowed));
  a.headers.emplace_back(http::field::allow, std::string(allowed));
  return a;
}

Answer not_found_path(const Context& ctx) {
  return error_answer(http::status::not_found, "not_found", fmt::format("no such path: {}", ctx.path));
}

Answer Handler::api() {
  const auto& seg = ctx_.segments;
  if (seg.size() == 2 && seg[0] == "oauth2" && seg[1] == "token") {
    if (ctx_.method != "POST") return method_not_allowed("POST");
    return token();
  }
  if (seg.empty() || seg[0] != "igloohome") return not_found_path(ctx_);
  // /igloohome/devices
  if (seg.size() == 2 && seg[1] == "devices") {
    if (ctx_.method != "GET") return method_not_allowed("GET");
    if (auto denied = authenticate("get-devices")) return *denied;
    return devices();
  }
  if (seg.size() == 3 && seg[1] == "devices") {
    if (ctx_.method != "GET") return method_not_allowed("GET");
    if (auto denied = authenticate("get-devices")) return *denied;
    return device(seg[2]);
  }
  if (seg.size() == 6 && seg[1] == "devices" && seg[3] == "jobs" && seg[4] == "bridges") {
    if (ctx_.method != "POST") return method_not_allowed("POST");
    if (auto denied = authenticate("")) return *denied;
    return create_job(seg[2], seg[5]);
  }
  if (seg.size() == 3 && seg[1] == "jobs") {
    if (ctx_.method != "GET") return method_not_allowed("GET");
    if (auto denied = authenticate("get-job-status")) return *denied;
    return job_status(seg[2]);
  }
  if (seg.size() == 5 && seg[1] == "devices" && seg[3] == "algopin") {
    const std::string& type = seg[4];
    if (type != "hourly" && type != "daily" && type != "onetime" && type != "permanent") {
      return not_found_path(ctx_);
    }
    if (ctx_.method != "POST") return method_not_allowed("POST");
    if (auto denied = authenticate("algopin-" + type)) return *denied;
    return algopin(seg[2], type);
  }
  return not_found_path(ctx_);
}

Answer Handler::token() {
  const auto& req = ctx_.request;
  std::map<std::string, std::string> fields;
  const std::string content_type(req[http::field::content_type]);
  if (content_type.find("application/json") != std::string::npos) {
    json body = json::parse(req.body(), nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return error_answer(http::status::bad_request, "invalid_request", "body: not a valid JSON object");
    }
    for (const auto& [k, v] : body.items()) {
      if (!v.is_string()) {
        return error_answer(http::status::bad_request, "invalid_request", fmt::format("{}: expected a string", k));
      }
      fields[k] = v.get<std::string>();
    }
  } else {
    auto form = detail::parse_form(req.body());
    if (!form) {
      return error_answer(http::status::bad_request, "invalid_request",
                          "body: not valid application/x-www-form-urlencoded");
    }
    fields = std::move(*form);
  }

  std::string client_id;
  std::string client_secret;
  bool have_credentials = false;
  const std::string authorization(req[http::field::authorization]);
  if (!authorization.empty()) {
    if (!starts_with_ignoring_case(authorization, "Basic ")) {
      return error_answer(http::status::unauthorized, "invalid_client",
                          "Authorization: expected Basic base64(client_id:client_secret)");
    }
    auto decoded = detail::base64_decode(std::string_view(authorization).substr(6));
    const auto colon = decoded ? decoded->find(':') : std::string::npos;
    if (!decoded || colon == std::string::npos) {
      return error_answer(http::status::unauthorized, "invalid_client",
                          "Authorization: Basic credentials are not base64(client_id:client_secret)");
    }
    client_id = decoded->substr(0, colon);
    client_secret = decoded->substr(colon + 1);
    have_credentials = true;
  } else if (fields.contains("client_id")) {
    client_id = fields["client_id"];
    client_secret = fields.contains("client_secret") ? fields["client_secret"] : "";
    have_credentials = true;
  }

  if (!fields.contains("grant_type")) {
    return error_answer(http::status::bad_request, "invalid_request", "grant_type: missing");
  }
  if (fields["grant_type"] != "client_credentials") {
    return error_answer(http::status::bad_request, "unsupported_grant_type",
                        fmt::format("grant_type: '{}' is not supported (use client_credentials)", fields["grant_type"]));
  }
  if (!have_credentials) {
    return error_answer(http::status::unauthorized, "invalid_client",
                        "no client credentials (Authorization: Basic, or client_id and client_secret)");
  }
  const Account* account = s_.account(client_id);
  if (account == nullptr || account->client_secret != client_secret) {
    return error_answer(http::status::unauthorized, "invalid_client", "unknown client or wrong secret");
  }
  ctx_.client = account->client_id;

  std::vector<std::string> granted;
  if (fields.contains("scope") && fields["scope"].find_first_not_of(' ') != std::string::npos) {
    for (const auto& scope : detail::split(fields["scope"], ' ')) {
      if (scope.empty()) continue;
      if (std::find(account->scopes.begin(), account->scopes.end(), scope) == account->scopes.end()) {
        return error_answer(http::status::bad_request, "invalid_request",
                            fmt::format("scope: '{}' is not granted to this client", scope));
      }
      if (std::find(granted.begin(), granted.end(), scope) == granted.end()) granted.push_back(scope);
    }
  } else {
    granted = account->scopes;
  }
  std::string scope_text;
  for (const auto& sc : granted) scope_text += (scope_text.empty() ? "" : " ") + sc;
  Answer issued = ok_answer({{"access_token", s_.issue_token(*account, granted, ctx_.now)},
                             {"expires_in", s_.world.limits.token_lifetime.count()},
                             {"token_type", "Bearer"},
                             {"scope", scope_text},
                             // igloohome shows the account's name once connected; the mock
                             // says it here (and in the JWT's "name" claim).
                             {"account_name", account->name}});
  issued.redact = true;
  return issued;
}

// 401 for a missing/bad token, 403 for a missing scope (when `scope` is given).
std::optional<Answer> Handler::authenticate(std::string_view scope) {
  const std::string authorization(ctx_.request[http::field::authorization]);
  auto unauthorized = [](std::string message) {
    Answer a = error_answer(http::status::unauthorized, "unauthorized", std::move(message));
    a.headers.emplace_back(http::field::www_authenticate, "Bearer");
    return a;
  };
  if (authorization.empty()) return unauthorized("missing bearer token");
  if (!starts_with_ignoring_case(authorization, "Bearer ")) {
    return unauthorized("Authorization: expected 'Bearer <token>'");
  }
  auto claims = s_.verify_token(std::string_view(authorization).substr(7), ctx_.now);
  if (!claims) return unauthorized(claims.error());
  ctx_.client = (*claims)->client;
  scopes_ = &(*claims)->scopes;
  if (!scope.empty()) {
    const std::string full = std::string(kScopePrefix) + std::string(scope);
    if (!scopes_->contains(full)) {
      return error_answer(http::status::forbidden, "forbidden", fmt::format("missing scope {}", full));
    }
  }
  return std::nullopt;
}

std::optional<Answer> Handler::visible_device(const std::string& id) const {
  const Account* account = s_.account(ctx_.client);
  const bool exists = s_.lock(id) != nullptr || s_.bridge(id) != nullptr;
  if (!exists || account == nullptr || !Mock::State::sees(*account, id)) {
    return error_answer(http::status::not_found, "not_found", fmt::format("device '{}' not found", id));
  }
  return std::nullopt;
}

Answer Handler::devices() {
  const auto cursor = query_param(ctx_, "cursor");
  const std::string key = fmt::format("{}|{}", ctx_.client, cursor.value_or(""));
  if (auto cached = s_.device_pages.find(key); cached != s_.device_pages.end()) {
    Answer a;
    a.text = cached->second;
    return a;
  }
  const Account* account = s_.account(ctx_.client);
  std::vector<std::string> ids;
  for (const auto& b : s_.world.bridges) ids.push_back(b.id);
  for (const auto& l : s_.world.locks) ids.push_back(l.id);
  std::erase_if(ids, [&](const std::string& id) { return account == nullptr || !Mock::State::sees(*account, id); });

  std::size_t offset = 0;
  if (cursor && !cursor->empty()) {
    // Cursors are opaque to clients: "p" + offset, base64url-encoded.
    auto decoded = detail::base64_decode(*cursor);
    bool ok = decoded && decoded->size() > 1 && (*decoded)[0] == 'p' &&
              decoded->find_first_not_of("0123456789", 1) == std::string::npos && decoded->size() < 12;
    if (ok) {
      offset = std::stoul(decoded->substr(1));
      ok = offset > 0 && offset < ids.size();
    }
    if (!ok) return error_answer(http::status::bad_request, "invalid_request", "cursor: unknown cursor");
  }
  const std::size_t page = static_cast<std::size_t>(s_.world.limits.page_size);
  json payload = json::array();
  for (std::size_t i = offset; i < ids.size() && i < offset + page; ++i) {
    payload.push_back(device_doc(s_, ids[i]));
  }
  json next = nullptr;
  if (offset + page < ids.size()) next = detail::base64_encode(fmt::format("p{}", offset + page), true);
  const json body = {{"nextCursor", next}, {"payload", payload}};
  // Only answers are kept (a refused cursor is judged again), and only so many:
  // each distinct cursor text of a valid page is one entry.
  if (s_.device_pages.size() >= 1024) s_.device_pages.clear();
  Answer a;
  a.text = s_.device_pages.emplace(key, body.dump()).first->second;
  return a;
}

Answer Handler::device(const std::string& id) {
  if (auto missing = visible_device(id)) return *missing;
  return ok_answer(device_doc(s_, id));
}

std::string job_scope(int job_type) {
  switch (job_type) {
    case 1: return "lock-bridge-proxied-job";
    case 2: return "unlock-bridge-proxied-job";
    case 4: return "create-pin-bridge-proxied-job";
    case 5: return "delete-pin-bridge-proxied-job";
    case 9: return "get-battery-level-bridge-proxied-job";
    case 10: return "get-device-status-bridge-proxied-job";
    case 15: return "get-activity-logs-bridge-proxied-job";
    default: return {};
  }
}

bool pin_digits_ok(const std::string& pin) {
  return pin.size() >= 4 && pin.size() <= 6 && pin.find_first_not_of("0123456789") == std::string::npos;
}

Answer Handler::create_job(const std::string& lock_id, const std::string& bridge_id) {
  auto body = json_body(ctx_);
  if (!body) return body.error();
  if (!body->contains("jobType")) return error_answer(http::status::bad_request, "invalid_request", "jobType: missing");
  if (!(*body)["jobType"].is_number_integer()) {
    return error_answer(http::status::bad_request, "invalid_request", "jobType: expected an integer");
  }
  const int job_type = (*body)["jobType"].get<int>();
  const std::string scope = job_scope(job_type);
  if (scope.empty()) {
    return error_answer(http::status::bad_request, "invalid_request",
                        fmt::format("jobType: unsupported job type {} (1, 2, 4, 5, 9, 10, 15)", job_type));
  }
  const std::string full_scope = std::string(kScopePrefix) + scope;
  if (scopes_ == nullptr || !scopes_->contains(full_scope)) {
    return error_answer(http::status::forbidden, "forbidden", fmt::format("missing scope {}", full_scope));
  }
  if (auto missing = visible_device(lock_id)) return *missing;
  if (auto missing = visible_device(bridge_id)) return *missing;
  const Lock* lock = s_.lock(lock_id);
  if (lock == nullptr) {
    return error_answer(http::status::bad_request, "invalid_request",
                        fmt::format("lockId: '{}' is a bridge, not a lock", lock_id));
  }
  if (s_.bridge(bridge_id) == nullptr) {
    return error_answer(http::status::bad_request, "invalid_request",
                        fmt::format("bridgeId: '{}' is not a bridge", bridge_id));
  }
  if (lock->bridge_id != bridge_id) {
    return error_answer(http::status::bad_request, "invalid_request",
                        fmt::format("bridgeId: lock '{}' is not linked to bridge '{}'", lock_id, bridge_id));
  }

  Job job;
  job.job_type = job_type;
  job.lock_id = lock_id;
  job.bridge_id = bridge_id;
  json data = body->contains("jobData") ? (*body)["jobData"] : json::object();
  if (!data.is_object()) return error_answer(http::status::bad_request, "invalid_request", "jobData: expected an object");
  job.job_data = data;

  if (job_type == 4 || job_type == 5) {
    if (!data.contains("pin")) return error_answer(http::status::bad_request, "invalid_request", "jobData.pin: missing");
    if (!data["pin"].is_string()) {
      return error_answer(http::status::bad_request, "invalid_request", "jobData.pin: expected a string of digits");
    }
    job.pin = data["pin"].get<std::string>();
    if (!pin_digits_ok(job.pin)) {
      return error_answer(http::status::bad_request, "invalid_pin",
                          fmt::format("jobData.pin: a PIN is 4 to 6 digits (got '{}')", job.pin));
    }
  }
  if (job_type == 4) {
    if (data.contains("pinType") && !data["pinType"].is_number_integer()) {
      return error_answer(http::status::bad_request, "invalid_request", "jobData.pinType: expected an integer");
    }
    if (data.contains("accessName")) {
      if (!data["accessName"].is_string()) {
        return error_answer(http::status::bad_request, "invalid_request", "jobData.accessName: expected a string");
      }
      job.access_name = data["accessName"].get<std::string>();
    }
    for (std::string_view key : {"startDate", "endDate"}) {
      const std::string k(key);
      if (!data.contains(k)) {
        return error_answer(http::status::bad_request, "invalid_request", fmt::format("jobData.{}: missing", key));
      }
      auto written = data[k].is_string() ? detail::parse_written_date(data[k].get<std::string>()) : std::nullopt;
      if (!written) {
        return error_answer(http::status::bad_request, "invalid_request",
                            fmt::format("jobData.{}: expected an ISO 8601 date-time with an offset, "
                                        "e.g. 2026-06-01T15:00:00+02:00",
                                        key));
      }
      (key == "startDate" ? job.start : job.end) = written->instant;
    }
    if (job.end <= job.start) {
      return error_answer(http::status::bad_request, "invalid_request", "jobData.endDate: must be after startDate");
    }
    for (const auto& f : s_.faults) {
      if (f.kind == FaultKind::pin_rejected && f.active_at(ctx_.now) && f.rejects_pin(lock_id, job.pin)) {
        return error_answer(http::status::bad_request, "invalid_pin",
                            fmt::format("jobData.pin: PIN '{}' is not accepted by this lock", job.pin));
      }
    }
  }

  if (s_.bridge_offline(bridge_id, ctx_.now)) {
    return error_answer(http::status::not_acceptable, "bridge_offline", "unable to contact bridge");
  }
  int limit = s_.world.limits.pending_jobs_per_bridge;
  if (const Fault* f = s_.bridge_fault(FaultKind::pending_job_limit, bridge_id, ctx_.now)) limit = f->limit;
  if (limit > 0 && s_.pending_jobs_on(bridge_id) >= limit) {
    Answer a = error_answer(http::status::too_many_requests, "too_many_pending_jobs",
                            fmt::format("bridge '{}' already has {} pending jobs", bridge_id, s_.pending_jobs_on(bridge_id)));
    a.headers.emplace_back(http::field::retry_after, "60");
    return a;
  }
  if (limit == 0 && s_.bridge_fault(FaultKind::pending_job_limit, bridge_id, ctx_.now) != nullptr) {
    return error_answer(http::status::too_many_requests, "too_many_pending_jobs",
                        fmt::format("bridge '{}' accepts no jobs now", bridge_id));
  }
  if (job_type == 4 && s_.pins_on_lock(lock_id, ctx_.now) >= s_.world.limits.pins_per_lock) {
    return error_answer(http::status::bad_request, "pin_limit_reached",
                        fmt::format("lock '{}' already holds {} PINs", lock_id, s_.world.limits.pins_per_lock));
  }

  job.id = fmt::format("job-{}", s_.next_job++);
  job.client = ctx_.client;
  job.created = ctx_.now;
  job.expiry = ctx_.now + s_.world.limits.job_expiry;
  job.run_at = ctx_.now;
  if (s_.bridge_fault(FaultKind::job_expire, bridge_id, ctx_.now) != nullptr) {
    job.run_at.reset();
  } else if (const Fault* f = s_.bridge_fault(FaultKind::job_pending, bridge_id, ctx_.now)) {
    job.run_at = ctx_.now + Minutes{f->minutes};
  }
  const std::string job_id = job.id;
  s_.add_job(std::move(job));
  s_.run_due_jobs(ctx_.now);
  return ok_answer({{"jobId", job_id}});
}

json job_json(const Job& j) {
  json response = {{"status", to_string(j.status)}};
  if (j.status == JobStatusKind::pending) {
    response["message"] = "waiting for the bridge";
  } else {
    response["message"] = j.message;
  }
  if (j.status == JobStatusKind::success && j.job_type == 9) response["batteryLevel"] = 90;
  return {{"jobId", j.id},
          {"expiryDate", write_instant(j.expiry)},
          {"completed", j.status == JobStatusKind::success},
          {"jobType", j.job_type},
          {"jobResponse", response}};
}

Answer Handler::job_status(const std::string& id) {
  if (const Job* j = s_.find_job(id); j != nullptr && j->client == ctx_.client) return ok_answer(job_json(*j));
  return error_answer(http::status::not_found, "not_found", fmt::format("job '{}' not found", id));
}

Answer Handler::algopin(const std::string& lock_id, const std::string& type) {
  auto body = json_body(ctx_);
  if (!body) return body.error();
  if (auto missing = visible_device(lock_id)) return *missing;
  const Lock* lock = s_.lock(lock_id);
  if (lock == nullptr) {
    return error_answer(http::status::bad_request, "invalid_request",
                        fmt::format("lockId: '{}' is a bridge, not a lock", lock_id));
  }
  if (!lock->algopin) {
    return error_answer(http::status::bad_request, "invalid_request",
                        fmt::format("lockId: lock '{}' does not support algoPIN", lock_id));
  }
  int variance = 1;
  if (body->contains("variance")) {
    const auto& v = (*body)["variance"];
    if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 3) {
      return error_answer(http::status::bad_request, "invalid_request", "variance: must be 1, 2 or 3");
    }
    variance = v.get<int>();
  }
  std::string access_name;
  if (body->contains("accessName")) {
    if (!(*body)["accessName"].is_string()) {
      return error_answer(http::status::bad_request, "invalid_request", "accessName: expected a string");
    }
    access_name = (*body)["accessName"].get<std::string>();
  }
  auto read_date = [&](std::string_view key) -> std::expected<detail::WrittenDate, Answer> {
    const std::string k(key);
    if (!body->contains(k)) {
      return std::unexpected(error_answer(http::status::bad_request, "invalid_request", fmt::format("{}: missing", key)));
    }
    auto written = (*body)[k].is_string() ? detail::parse_written_date((*body)[k].get<std::string>()) : std::nullopt;
    if (!written || !written->on_the_hour || !written->explicit_offset) {
      return std::unexpected(error_answer(
          http::status::bad_request, "invalid_request",
          fmt::format("{}: must be YYYY-MM-DDTHH:00:00±hh:mm (on the hour, explicit offset)", key)));
    }
    return *written;
  };
  auto start = read_date("startDate");
  if (!start) return start.error();
  AlgoPinRecord rec;
  rec.lock_id = lock_id;
  rec.type = type;
  rec.start = start->instant;
  rec.variance = variance;
  rec.access_name = access_name;
  if (type == "hourly" || type == "daily") {
    auto end = read_date("endDate");
    if (!end) return end.error();
    if (end->instant <= start->instant) {
      return error_answer(http::status::bad_request, "invalid_request", "endDate: must be after startDate");
    }
    if (type == "hourly") {
      const auto hours = std::chrono::duration_cast<std::chrono::hours>(end->instant - start->instant).count();
      if (hours < 1 || hours > 672) {
        return error_answer(http::status::bad_request, "invalid_request",
                            fmt::format("endDate: an hourly algoPIN lasts 1 to 672 hours (got {})", hours));
      }
    } else {
      const auto start_day = date::floor<date::days>(start->civil);
      const auto end_day = date::floor<date::days>(end->civil);
      if (start->civil - start_day != end->civil - end_day) {
        return error_answer(http::status::bad_request, "invalid_request",
                            "endDate: a daily algoPIN starts and ends at the same time of day");
      }
      const auto days = (end_day - start_day).count();
      if (days < 29 || days > 367) {
        return error_answer(http::status::bad_request, "invalid_request",
                            fmt::format("endDate: a daily algoPIN lasts 29 to 367 days (got {})", days));
      }
    }
    rec.end = end->instant;
  } else if (type == "onetime") {
    rec.end = start->instant + std::chrono::hours{24};
  }

  const auto& on_lock = Mock::State::of(s_.algopins_of, lock_id);
  const auto identical = std::count_if(on_lock.begin(), on_lock.end(), [&](std::size_t i) {
    const AlgoPinRecord& a = s_.algopins[i];
    return a.type == type && a.start == rec.start && a.end == rec.end;
  });
  if (identical >= 3) {
    return error_answer(http::status::bad_request, "no_variance_available",
                        "three algoPINs already exist for this lock, type and window");
  }
  if (s_.pins_on_lock(lock_id, ctx_.now) >= s_.world.limits.pins_per_lock) {
    return error_answer(http::status::bad_request, "pin_limit_reached",
                        fmt::format("lock '{}' already holds {} PINs", lock_id, s_.world.limits.pins_per_lock));
  }
  rec.pin = detail::algopin_value(lock->device_secret, type, rec.start,
                                  type == "onetime" ? std::nullopt : rec.end, variance);
  rec.pin_id = fmt::format("algo-{}", s_.next_algopin++);
  rec.issued_at = ctx_.now;
  s_.add_algopin(rec);
  return ok_answer({{"pin", rec.pin}, {"pinId", rec.pin_id}});
}

}  // namespace

// ---------------------------------------------------------------------------
// Admin API
// ---------------------------------------------------------------------------

// ---------------------------------------------------------------------------
// Mock
// ---------------------------------------------------------------------------
Mock::Mock(World world) : state_(std::make_unique<State>()) {
  state_->world = std::move(world);
  index_world(*state_);
  state_->set_now(state_->world.now);
  // world_from_json has checked the faults of a world file; a World built in
  // code with a bad fault loses that fault rather than the whole mock.
  std::vector<json> valid;
  for (const auto& spec : state_->world.faults) {
    if (state_->add_fault(spec)) valid.push_back(spec);
  }
  state_->world.faults = std::move(valid);
}

Mock::~Mock() = default;

Instant Mock::now() const {
  std::lock_guard guard(state_->mutex);
  return state_->now();
}

void Mock::set_now(Instant t) {
  std::lock_guard guard(state_->mutex);
  state_->set_now(t);
  state_->run_due_jobs(t);
}

void Mock::follow_system_time(bool on) {
  std::lock_guard guard(state_->mutex);
  const Instant current = state_->now();
  state_->realtime = on;
  state_->set_now(current);
}

Result<std::string> Mock::add_fault(const json& spec) {
  std::lock_guard guard(state_->mutex);
  return state_->add_fault(spec);
}

bool Mock::remove_fault(const std::string& id) {
  std::lock_guard guard(state_->mutex);
  return std::erase_if(state_->faults, [&](const Fault& f) { return f.id == id; }) > 0;
}

void Mock::clear_faults() {
  std::lock_guard guard(state_->mutex);
  state_->faults.clear();
}

std::vector<json> Mock::faults() const {
  std::lock_guard guard(state_->mutex);
  std::vector<json> out;
  for (const auto& f : state_->faults) out.push_back(f.spec);
  return out;
}

namespace {

EnterResult enter_locked(Mock::State& s, const std::string& lock_id, const std::string& pin, Instant at) {
  const Lock* lock = s.lock(lock_id);
  if (lock == nullptr) return {false, "unknown_lock"};
  // The most telling reason wins when several PINs share the value.
  static const std::vector<std::string_view> rank = {"not_installed", "not_yet_valid", "expired",
                                                     "first_use_window_missed", "already_used", "deleted"};
  std::string reason = "unknown_pin";
  auto consider = [&](std::string_view r) {
    const auto old_rank = std::find(rank.begin(), rank.end(), reason);
    const auto new_rank = std::find(rank.begin(), rank.end(), r);
    if (reason == "unknown_pin" || new_rank > old_rank) reason = std::string(r);
  };
  for (const std::size_t i : Mock::State::of(s.custom_pins_of, lock_id)) {
    auto& p = s.custom_pins[i];
    if (p.pin != pin) continue;
    if (p.installed_at > at) {
      consider("not_installed");
    } else if (p.deleted_at && *p.deleted_at <= at) {
      consider("deleted");
    } else if (at < p.start) {
      consider("not_yet_valid");
    } else if (at >= p.end) {
      consider("expired");
    } else {
      if (!p.first_used_at) p.first_used_at = at;
      return {true, "opened"};
    }
  }
  for (const std::size_t i : s.pending) {
    const Job& j = s.jobs[i];
    if (j.lock_id == lock_id && j.job_type == 4 && j.pin == pin) consider("not_installed");
  }
  if (lock->algopin) {
    for (const std::size_t i : Mock::State::of(s.algopins_of, lock_id)) {
      auto& a = s.algopins[i];
      if (a.pin != pin) continue;
      if (at < a.start) {
        consider("not_yet_valid");
      } else if (a.end && at >= *a.end) {
        consider("expired");
      } else if (a.type == "onetime" && a.first_used_at) {
        consider("already_used");
      } else if (a.longer_than_a_day() && !a.first_used_at && at >= a.start + std::chrono::hours{24}) {
        consider("first_use_window_missed");
      } else {
        if (!a.first_used_at) a.first_used_at = at;
        return {true, "opened"};
      }
    }
  }
  return {false, reason};
}

std::vector<LockPin> pins_locked(const Mock::State& s, const std::string& lock_id) {
  std::vector<LockPin> out;
  for (const auto& j : s.jobs) {
    if (j.lock_id != lock_id || j.job_type != 4 || j.status != JobStatusKind::pending) continue;
    LockPin p;
    p.pin = j.pin;
    p.kind = "custom";
    p.start = j.start;
    p.end = j.end;
    p.job_id = j.id;
    p.access_name = j.access_name;
    out.push_back(std::move(p));
  }
  for (const auto& c : s.custom_pins) {
    if (c.lock_id != lock_id) continue;
    LockPin p;
    p.pin = c.pin;
    p.kind = "custom";
    p.start = c.start;
    p.end = c.end;
    p.installed_at = c.installed_at;
    p.deleted_at = c.deleted_at;
    p.first_used_at = c.first_used_at;
    p.job_id = c.job_id;
    p.access_name = c.access_name;
    out.push_back(std::move(p));
  }
  for (const auto& a : s.algopins) {
    if (a.lock_id != lock_id) continue;
    LockPin p;
    p.pin = a.pin;
    p.kind = "algopin";
    p.algopin_type = a.type;
    p.variance = a.variance;
    p.start = a.start;
    p.end = a.end;
    p.first_used_at = a.first_used_at;
    p.job_id = a.pin_id;
    p.access_name = a.access_name;
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

EnterResult Mock::enter(const std::string& lock_id, const std::string& pin, Instant at) {
  std::lock_guard guard(state_->mutex);
  state_->run_due_jobs(state_->now());
  return enter_locked(*state_, lock_id, pin, at);
}

Result<std::vector<LockPin>> Mock::pins(const std::string& lock_id) const {
  std::lock_guard guard(state_->mutex);
  if (state_->lock(lock_id) == nullptr) {
    return fail(ErrorCode::not_found, fmt::format("no lock '{}'", lock_id), "lockId");
  }
  state_->run_due_jobs(state_->now());
  return pins_locked(*state_, lock_id);
}

std::vector<JournalEntry> Mock::journal() const {
  std::lock_guard guard(state_->mutex);
  return {state_->journal.begin(), state_->journal.end()};
}

void Mock::clear_journal() {
  std::lock_guard guard(state_->mutex);
  state_->journal.clear();
}

void Mock::limit_journal(std::size_t max_entries) {
  std::lock_guard guard(state_->mutex);
  state_->journal_limit = max_entries;
  state_->trim_journal();
}

void Mock::reset() {
  std::lock_guard guard(state_->mutex);
  state_->reset();
}

const World& Mock::world() const { return state_->world; }

namespace {

// The error code an injected status answers with: the one the mock itself uses
// for that status, so a client cannot tell an injected 404 from a real one.
std::string_view injected_error_code(int status) {
  switch (status) {
    case 400: return "invalid_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 406: return "bridge_offline";
    case 429: return "rate_limited";
    default: return status >= 500 ? "internal_error" : "client_error";
  }
}

// What a probabilistic fault draws on for this call. A job id is handed out in
// arrival order, so two bookings whose jobs were created at the same instant would
// swap poll outcomes if their ids did; a poll is therefore known by what its job
// is (lock, bridge, type, window, creation instant), which does not depend on the
// order two implementations happen to send their calls in. The PIN is left out
// because an implementation under test chooses its own.
std::string fault_identity(const Mock::State& s, const Context& ctx) {
  const auto& seg = ctx.segments;
  if (seg.size() == 3 && seg[0] == "igloohome" && seg[1] == "jobs") {
    if (const Job* found = s.find_job(seg[2])) {
      const Job& j = *found;
      return fmt::format("job/{}/{}/{}/{}/{}/{}", j.lock_id, j.bridge_id, j.job_type,
                         j.start.time_since_epoch().count(), j.end.time_since_epoch().count(),
                         j.created.time_since_epoch().count());
    }
  }
  return ctx.path;
}

std::string status_state(const LockPin& p, Instant now) {
  if (p.kind == "custom" && !p.installed_at) return "pending";
  if (p.deleted_at && *p.deleted_at <= now) return "deleted";
  if (now < p.start) return "not_yet_valid";
  if (p.end && now >= *p.end) return "expired";
  return "valid";
}

Answer admin_route(Mock::State& s, Context& ctx) {
  const auto& seg = ctx.segments;  // seg[0] == "__admin"
  const std::string& m = ctx.method;
  auto body_or_empty = [&]() -> std::expected<json, Answer> {
    if (ctx.request.body().find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
    return json_body(ctx);
  };
  if (seg.size() == 2 && seg[1] == "clock") {
    if (m == "GET") return ok_answer({{"now", write_instant(s.now())}});
    if (m != "POST") return method_not_allowed("GET, POST");
    auto body = json_body(ctx);
    if (!body) return body.error();
    Instant t = s.now();
    if (body->contains("now")) {
      auto parsed = (*body)["now"].is_string() ? parse_instant((*body)["now"].get<std::string>())
                                               : fail(ErrorCode::invalid_argument, "expected a string");
      if (!parsed) {
        return error_answer(http::status::bad_request, "invalid_request", "now: " + parsed.error().message);
      }
      t = *parsed;
    } else if (body->contains("advance_seconds")) {
      if (!(*body)["advance_seconds"].is_number_integer()) {
        return error_answer(http::status::bad_request, "invalid_request", "advance_seconds: expected an integer");
      }
      t += Seconds{(*body)["advance_seconds"].get<long long>()};
    } else {
      return error_answer(http::status::bad_request, "invalid_request", "now: missing (or advance_seconds)");
    }
    s.set_now(t);
    s.run_due_jobs(t);
    return ok_answer({{"now", write_instant(s.now())}});
  }
  if (seg.size() == 2 && seg[1] == "faults") {
    if (m == "GET") {
      json list = json::array();
      for (const auto& f : s.faults) {
        json spec = f.spec;
        spec["active"] = f.active_at(s.now());
        list.push_back(std::move(spec));
      }
      return ok_answer({{"faults", list}});
    }
    if (m == "DELETE") {
      const auto n = s.faults.size();
      s.faults.clear();
      return ok_answer({{"deleted", n}});
    }
    if (m != "POST") return method_not_allowed("GET, POST, DELETE");
    auto body = json_body(ctx);
    if (!body) return body.error();
    auto id = s.add_fault(*body);
    if (!id) return error_answer(http::status::bad_request, "invalid_request", id.error().message);
    return ok_answer({{"id", *id}});
  }
  if (seg.size() == 3 && seg[1] == "faults") {
    if (m != "DELETE" && m != "GET") return method_not_allowed("GET, DELETE");
    for (auto it = s.faults.begin(); it != s.faults.end(); ++it) {
      if (it->id != seg[2]) continue;
      if (m == "GET") return ok_answer(it->spec);
      s.faults.erase(it);
      return ok_answer({{"deleted", seg[2]}});
    }
    return error_answer(http::status::not_found, "not_found", fmt::format("no fault '{}'", seg[2]));
  }
  if (seg.size() == 4 && seg[1] == "locks" && (seg[3] == "enter" || seg[3] == "pins")) {
    if (s.lock(seg[2]) == nullptr) {
      return error_answer(http::status::not_found, "not_found", fmt::format("no lock '{}'", seg[2]));
    }
    if (seg[3] == "pins") {
      if (m != "GET") return method_not_allowed("GET");
      json list = json::array();
      for (const auto& p : pins_locked(s, seg[2])) {
        json j = p.to_json();
        j["state"] = status_state(p, s.now());
        list.push_back(std::move(j));
      }
      return ok_answer({{"lock", seg[2]}, {"now", write_instant(s.now())}, {"pins", list}});
    }
    if (m != "POST") return method_not_allowed("POST");
    auto body = json_body(ctx);
    if (!body) return body.error();
    if (!body->contains("pin") || !(*body)["pin"].is_string()) {
      return error_answer(http::status::bad_request, "invalid_request", "pin: expected a string");
    }
    Instant at = s.now();
    if (body->contains("at")) {
      auto parsed = (*body)["at"].is_string() ? parse_instant((*body)["at"].get<std::string>())
                                              : fail(ErrorCode::invalid_argument, "expected a string");
      if (!parsed) return error_answer(http::status::bad_request, "invalid_request", "at: " + parsed.error().message);
      at = *parsed;
    }
    const auto result = enter_locked(s, seg[2], (*body)["pin"].get<std::string>(), at);
    return ok_answer({{"opens", result.opens}, {"reason", result.reason}, {"at", write_instant(at)}});
  }
  if (seg.size() == 2 && seg[1] == "requests") {
    if (m == "GET") {
      json list = json::array();
      for (const auto& e : s.journal) list.push_back(e.to_json());
      return ok_answer({{"requests", list}, {"dropped", s.journal_dropped}});
    }
    if (m == "DELETE") {
      const auto n = s.journal.size();
      s.journal.clear();
      return ok_answer({{"deleted", n}});
    }
    return method_not_allowed("GET, DELETE");
  }
  if (seg.size() == 2 && seg[1] == "jobs") {
    if (m != "GET") return method_not_allowed("GET");
    json list = json::array();
    for (const auto& j : s.jobs) {
      json entry = job_json(j);
      entry["lockId"] = j.lock_id;
      entry["bridgeId"] = j.bridge_id;
      entry["createdAt"] = write_instant(j.created);
      entry["runAt"] = j.run_at ? json(write_instant(*j.run_at)) : json(nullptr);
      entry["finishedAt"] = j.finished_at ? json(write_instant(*j.finished_at)) : json(nullptr);
      entry["jobData"] = j.job_data;
      list.push_back(std::move(entry));
    }
    return ok_answer({{"jobs", list}});
  }
  if (seg.size() == 2 && seg[1] == "reset") {
    if (m != "POST") return method_not_allowed("POST");
    auto body = body_or_empty();
    if (!body) return body.error();
    s.reset();
    return ok_answer({{"reset", true}, {"now", write_instant(s.now())}});
  }
  if (seg.size() == 2 && seg[1] == "world") {
    if (m != "GET") return method_not_allowed("GET");
    return ok_answer(world_to_json(s.world));
  }
  if (seg.size() == 2 && seg[1] == "health") {
    if (m != "GET") return method_not_allowed("GET");
    return ok_answer({{"ok", true}, {"now", write_instant(s.now())}});
  }
  return not_found_path(ctx);
}

// The journal's view of a request body: JSON, form fields, or the raw text.
// The request body as the journal keeps it: JSON text. Parsed and rewritten only
// when it may carry a secret (or is a form): most bodies are kept as sent.
std::string journal_body(const igloohome::Request& req) {
  const auto& body = req.body();
  if (body.empty()) return {};
  const bool may_hold_secret = std::any_of(kSecretKeys.begin(), kSecretKeys.end(), [&](std::string_view key) {
    return body.find(key) != std::string::npos;
  });
  json parsed = json::parse(body, nullptr, false);
  if (!parsed.is_discarded()) {
    if (!may_hold_secret) return body;
    redact_in_place(parsed);
    return parsed.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  const std::string content_type(req[http::field::content_type]);
  if (content_type.find("x-www-form-urlencoded") != std::string::npos) {
    if (auto form = detail::parse_form(body)) {
      json fields = json::object();
      for (const auto& [k, v] : *form) fields[k] = v;
      redact_in_place(fields);
      return fields.dump(-1, ' ', false, json::error_handler_t::replace);
    }
  }
  const json text = body.size() > 4096 ? body.substr(0, 4096) + "..." : body;
  return text.dump(-1, ' ', false, json::error_handler_t::replace);
}

igloohome::Response to_response(const igloohome::Request& req, const Answer& a) {
  igloohome::Response res;
  res.version(req.version() == 10 ? 10 : 11);
  res.result(a.status);
  res.set(http::field::server, "lockstep-mock");
  res.set(http::field::content_type, "application/json");
  for (const auto& [field, value] : a.headers) res.set(field, value);
  res.keep_alive(req.keep_alive());
  res.body() = a.text ? *a.text : a.body.dump();
  res.prepare_payload();
  return res;
}

}  // namespace

Reply Mock::handle(const igloohome::Request& request) {
  Reply reply;
  std::lock_guard guard(state_->mutex);
  State& s = *state_;
  Context ctx{request, std::string(request.method_string()), {}, {}, {}, s.now(), {}};
  const std::string_view target(request.target().data(), request.target().size());
  const auto q = target.find('?');
  ctx.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) ctx.query = std::string(target.substr(q + 1));
  bool bad_path = ctx.path.empty() || ctx.path.front() != '/';
  for (const auto& raw : detail::split(ctx.path, '/')) {
    if (raw.empty()) continue;
    auto decoded = detail::percent_decode(raw, false);
    if (!decoded) {
      bad_path = true;
      break;
    }
    ctx.segments.push_back(*decoded);
  }
  s.run_due_jobs(ctx.now);

  try {
    if (bad_path) {
      reply.response = to_response(request, error_answer(http::status::bad_request, "invalid_request",
                                                         "target: not a valid path"));
      return reply;
    }
    if (!ctx.segments.empty() && ctx.segments[0] == "__admin") {
      reply.response = to_response(request, admin_route(s, ctx));
      return reply;
    }

    // Network faults in force for this request, in the order they were added.
    // Built only when a fault matches this request: most requests meet none.
    std::optional<std::string> identity_text;
    auto hits = [&](const Fault& f) {
      if (!identity_text) identity_text = fault_identity(s, ctx);
      return f.hits(ctx.method, *identity_text, ctx.now);
    };
    std::optional<Answer> replaced;
    const Fault* network = nullptr;
    bool network_after = false;
    for (auto& f : s.faults) {
      if (!f.active_at(ctx.now) || !f.matches_request(ctx.method, ctx.path)) continue;
      switch (f.kind) {
        case FaultKind::latency:
          if (hits(f)) reply.latency += f.latency;
          break;
        case FaultKind::http_error:
          if (!replaced && network == nullptr && hits(f)) {
            replaced = error_answer(static_cast<http::status>(f.status), injected_error_code(f.status),
                                    fmt::format("injected HTTP {} ({})", f.status, f.id));
            network_after = f.after;
          }
          break;
        case FaultKind::rate_limit:
          if (!replaced && network == nullptr && hits(f)) {
            replaced = error_answer(http::status::too_many_requests, "rate_limited", "too many requests");
            replaced->headers.emplace_back(http::field::retry_after, std::to_string(f.retry_after_seconds));
            network_after = false;
          }
          break;
        case FaultKind::connection_reset:
        case FaultKind::empty_response:
        case FaultKind::malformed_body:
          if (!replaced && network == nullptr && hits(f)) {
            network = &f;
            network_after = f.after;
          }
          break;
        default:
          break;
      }
    }

    Answer answer;
    const bool handled_first = (!replaced && network == nullptr) || network_after;
    if (handled_first) {
      Handler handler(s, ctx);
      answer = handler.api();
    }
    if (replaced) answer = std::move(*replaced);
    reply.response = to_response(request, answer);
    if (network != nullptr) {
      switch (network->kind) {
        case FaultKind::connection_reset: reply.transport = Reply::Transport::reset; break;
        case FaultKind::empty_response: reply.transport = Reply::Transport::empty; break;
        default:
          reply.transport = Reply::Transport::malformed;
          reply.response.result(http::status::ok);
          reply.response.body() = R"({"payload": [{"id": "LK-1", "type": )";
          reply.response.prepare_payload();
          break;
      }
    }

    JournalEntry entry;
    entry.at = ctx.now;
    entry.method = ctx.method;
    entry.path = ctx.path;
    entry.query = ctx.query;
    entry.client = ctx.client;
    entry.status = static_cast<int>(reply.response.result_int());
    entry.body_text = journal_body(request);
    // The text as sent, one allocation; only a token answer carries a secret,
    // and only that one is rewritten. A malformed body (the fault) is kept as
    // sent: it reads back as null, as a client would find.
    if (reply.transport != Reply::Transport::malformed && answer.redact) {
      redact_in_place(answer.body);
      entry.response_text = answer.body.dump();
    } else {
      entry.response_text = reply.response.body();
    }
    entry.transport = reply.transport == Reply::Transport::normal  ? "normal"
                      : reply.transport == Reply::Transport::reset ? "reset"
                      : reply.transport == Reply::Transport::empty ? "empty"
                                                                   : "malformed";
    if (reply.transport == Reply::Transport::reset || reply.transport == Reply::Transport::empty) {
      entry.status = 0;
    }
    s.journal.push_back(std::move(entry));
    s.trim_journal();
  } catch (const std::exception& e) {
    // Never crash on a request: whatever slipped through is a 500 with a reason.
    reply = Reply{};
    reply.response = to_response(request, error_answer(http::status::internal_server_error, "internal_error",
                                                       fmt::format("mock error: {}", e.what())));
  }
  return reply;
}

// ---------------------------------------------------------------------------
// JSON views
// ---------------------------------------------------------------------------
namespace {
json parse_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  json parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() ? json(nullptr) : parsed;
}
}  // namespace

json JournalEntry::body() const { return parse_or_null(body_text); }
json JournalEntry::response() const { return parse_or_null(response_text); }

json JournalEntry::to_json() const {
  json j = {{"at", format_instant(at)}, {"method", method}, {"path", path}, {"status", status},
            {"body", body()}, {"response", response()}, {"transport", transport}};
  j["query"] = query;
  j["client"] = client;
  return j;
}

json LockPin::to_json() const {
  auto opt = [](const std::optional<Instant>& t) { return t ? json(format_instant(*t)) : json(nullptr); };
  json j = {{"pin", pin}, {"kind", kind}, {"start", format_instant(start)}, {"end", opt(end)},
            {"installedAt", opt(installed_at)}, {"deletedAt", opt(deleted_at)},
            {"firstUsedAt", opt(first_used_at)}, {"id", job_id}, {"accessName", access_name}};
  if (kind == "algopin") {
    j["type"] = algopin_type;
    j["variance"] = variance;
  }
  return j;
}

}  // namespace lockstep::mock
