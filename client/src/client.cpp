#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "lockstep/igloohome/client.hpp"
#include "lockstep/base64.hpp"
#include "lockstep/json_input.hpp"
#include "lockstep/plain_json.hpp"

namespace lockstep::igloohome {

using net::Endpoint;
using net::Request;
using net::Response;
using net::Transport;
using net::TransportFailure;

ClientOptions options_for(const Endpoint& auth, const Endpoint& api, ClientOptions base) {
  base.token_path = auth.prefix + "/oauth2/token";
  base.api_prefix = api.prefix;
  return base;
}

namespace detail {

// RFC 3986 percent-encoding of everything but the unreserved characters: safe for
// a path segment, a query value and a form value alike.
std::string percent_encode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (const char c : in) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned>(u));
    }
  }
  return out;
}

bool contains_ignoring_case(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](char a, char b) {
                       return std::tolower(static_cast<unsigned char>(a)) ==
                              std::tolower(static_cast<unsigned char>(b));
                     }) != haystack.end();
}

}  // namespace detail

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;
namespace verb_ns = boost::beast::http;

// A reply read as the rest of lockstep reads outside JSON (json_input: bounded
// depth); anything it refuses is a discarded value, which every caller checks.
json parse_reply(std::string_view body) {
  auto parsed = json_input::parse(body);
  return parsed ? std::move(*parsed) : json(json::value_t::discarded);
}

std::unexpected<ProviderFailure> failure(FailureKind kind, int status, std::string message) {
  return std::unexpected(ProviderFailure{kind, status, std::move(message)});
}

std::string_view describe(TransportFailure::Kind k) {
  switch (k) {
    case TransportFailure::Kind::connect_failed: return "connection failed";
    case TransportFailure::Kind::reset: return "connection reset";
    case TransportFailure::Kind::timeout: return "timeout";
    case TransportFailure::Kind::empty_response: return "empty response";
    case TransportFailure::Kind::malformed: return "malformed response";
  }
  return "network failure";
}

ProviderFailure from_transport(const TransportFailure& f) {
  std::string message(describe(f.kind));
  if (!f.message.empty()) message += ": " + f.message;
  return {FailureKind::retryable, 0, std::move(message)};
}

std::string string_or_empty(const json& object, const char* key) {
  if (!object.is_object()) return {};
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// An id may come as a string or a number; anything else is absent.
std::optional<std::string> id_field(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  const auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (it->is_string() && !it->get_ref<const std::string&>().empty()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<long long>());
  return std::nullopt;
}

struct ErrorBody {
  std::string error;
  std::string message;
};

ErrorBody parse_error_body(std::string_view body) {
  if (const auto plain = plain_json::read_object(body)) {
    auto text_of = [&](std::string_view key) {
      const plain_json::Member* m = plain->find(key);
      return m != nullptr && m->kind == plain_json::Kind::string ? std::string(m->text) : std::string{};
    };
    return {text_of("error"), text_of("message")};
  }
  const json parsed = parse_reply(body);
  return {string_or_empty(parsed, "error"), string_or_empty(parsed, "message")};
}

// A job's id from POST .../jobs/bridges/{bridge}'s answer (id_field's rules).
std::optional<std::string> job_id_of(std::string_view body) {
  if (const auto plain = plain_json::read_object(body)) {
    const plain_json::Member* m = plain->find("jobId");
    if (m == nullptr) return std::nullopt;
    if (m->kind == plain_json::Kind::string && !m->text.empty()) return std::string(m->text);
    if (m->kind == plain_json::Kind::integer) return std::to_string(m->integer);
    return std::nullopt;
  }
  return id_field(parse_reply(body), "jobId");
}

// What a poller reads of GET /jobs/{id}'s answer.
struct JobReply {
  bool completed = false;                 // `completed` is true
  std::optional<long long> job_status;    // jobResponse.jobStatus, when an integer
  std::string message;                    // jobResponse.message, when a string
};

// Nullopt when the answer is not a JSON object. Most answers are plain
// (plain_json): read in place; the rest through the DOM, by the same rules.
std::optional<JobReply> read_job_reply(std::string_view body) {
  JobReply reply;
  if (const auto plain = plain_json::read_object(body)) {
    if (const plain_json::Member* c = plain->find("completed"))
      reply.completed = c->kind == plain_json::Kind::boolean && c->boolean;
    const plain_json::Member* r = plain->find("jobResponse");
    if (r != nullptr && r->kind == plain_json::Kind::object) {
      if (const auto response = plain_json::read_object(r->text, 1)) {
        if (const plain_json::Member* st = response->find("jobStatus"); st && st->kind == plain_json::Kind::integer)
          reply.job_status = st->integer;
        if (const plain_json::Member* m = response->find("message"); m && m->kind == plain_json::Kind::string)
          reply.message = std::string(m->text);
      }
    }
    return reply;
  }
  const json parsed = parse_reply(body);
  if (!parsed.is_object()) return std::nullopt;
  const json job_response = parsed.contains("jobResponse") ? parsed["jobResponse"] : json{};
  if (job_response.is_object()) {
    if (const auto it = job_response.find("jobStatus"); it != job_response.end() && it->is_number_integer())
      reply.job_status = it->get<long long>();
  }
  reply.message = string_or_empty(job_response, "message");
  const auto it = parsed.find("completed");
  reply.completed = it != parsed.end() && it->is_boolean() && it->get<bool>();
  return reply;
}

bool is_limit_error(std::string_view error) {
  return error == "no_variance_available" || error == "pin_limit_reached" ||
         error == "too_many_pending_jobs" || error == "pending_jobs_limit";
}

// Rule C6 for an answer that is not a success (and not a 401 still to be retried).
ProviderFailure classify(const Response& response) {
  const int status = static_cast<int>(response.result_int());
  const ErrorBody body = parse_error_body(response.body());
  std::string message = !body.message.empty() ? body.message
                        : !body.error.empty() ? body.error
                                              : fmt::format("HTTP {}", status);
  if (!body.message.empty() && !body.error.empty() && body.message.find(body.error) == std::string::npos)
    message = fmt::format("{}: {}", body.error, body.message);
  auto make = [&](FailureKind kind) { return ProviderFailure{kind, status, message}; };

  if (status == 401 || status == 403) return make(FailureKind::needs_reconnect);
  if (detail::contains_ignoring_case(response.body(), "unable to contact bridge"))
    return make(FailureKind::retryable);
  // 408 is a timeout, retryable with the network errors (C6).
  if (status >= 500 || status == 429 || status == 406 || status == 408) return make(FailureKind::retryable);
  if (status == 404) return make(FailureKind::lock_missing);
  if (status == 400) {
    if (body.error == "invalid_pin") return make(FailureKind::rejected_value);
    if (is_limit_error(body.error)) return make(FailureKind::limit_reached);
    return make(FailureKind::invalid_request);
  }
  if (status >= 400) return make(FailureKind::invalid_request);
  return make(FailureKind::retryable);  // 1xx/3xx: a server out of line, perhaps for a moment
}

ProviderFailure malformed(const Response& response, std::string_view what) {
  return {FailureKind::retryable, static_cast<int>(response.result_int()),
          fmt::format("malformed response: {}", what)};
}

bool is_success(const Response& r) { return r.result_int() >= 200 && r.result_int() < 300; }

struct Token {
  std::string access_token;
  std::string authorization;  // "Bearer <access_token>", built once: it goes out on every call
  Instant obtained{};
  Instant expires{};
  std::string account_name;
};

std::string account_name_from_jwt(std::string_view jwt) {
  const auto first = jwt.find('.');
  if (first == std::string_view::npos) return {};
  const auto second = jwt.find('.', first + 1);
  if (second == std::string_view::npos) return {};
  const auto payload = base64::decode(jwt.substr(first + 1, second - first - 1));
  if (!payload) return {};
  const json claims = parse_reply(*payload);
  if (auto name = string_or_empty(claims, "name"); !name.empty()) return name;
  return string_or_empty(claims, "account_name");
}

}  // namespace

// The account's devices as listed at one virtual instant, indexed. Assigning n
// locks at setup lists once, not n times (O(n) calls, issue 16), yet a lock
// removed from the account is still found missing (L2): the snapshot serves
// only lookups at the same instant with no other request in between, and is
// dropped on connect and disconnect. (At namespace scope: clang cannot
// default-construct a nested class with member initializers inside its
// enclosing class.)
struct DeviceListing {
  Instant at{};
  std::uint64_t after_request = 0;
  std::vector<json> devices;
  std::unordered_map<std::string, std::size_t> by_device_id;  // first device with that deviceId
  std::unordered_map<std::string, std::string> bridge_of;     // lock deviceId -> first bridge linking it
};

struct Client::State {
  Transport& auth;
  Transport& api;
  const Clock& clock;
  ClientOptions options;
  std::optional<Credentials> credentials;
  std::optional<Token> token;
  int tokens_issued = 0;

  // Every request sent (API or token): a device listing is reused only while
  // this has not moved since it was taken.
  std::uint64_t requests_sent = 0;
  // The account's devices as listed at one virtual instant (DeviceListing, above).
  std::optional<DeviceListing> listing;

  // Asks the token endpoint. invalid_client (or any 401) → needs_reconnect.
  ProviderResult<Token> fetch_token(const Credentials& creds) {
    Request req{verb_ns::verb::post, options.token_path, 11};
    req.set(verb_ns::field::authorization,
            "Basic " + base64::encode(creds.client_id + ":" + creds.client_secret));
    req.set(verb_ns::field::content_type, "application/x-www-form-urlencoded");
    req.set(verb_ns::field::accept, "application/json");
    std::string form = "grant_type=client_credentials";
    if (!options.scopes.empty()) {
      std::string scope;
      for (const auto& s : options.scopes) {
        if (!scope.empty()) scope += ' ';
        scope += s.starts_with("igloohomeapi/") ? s : "igloohomeapi/" + s;
      }
      form += "&scope=" + detail::percent_encode(scope);
    }
    req.body() = std::move(form);
    req.prepare_payload();

    const Instant asked_at = clock.now();
    ++requests_sent;
    auto sent = auth.send(std::move(req));
    if (!sent) return std::unexpected(from_transport(sent.error()));
    const Response& response = *sent;
    const int status = static_cast<int>(response.result_int());
    if (!is_success(response)) {
      const ErrorBody body = parse_error_body(response.body());
      if ((status == 400 || status == 401) && body.error == "invalid_client")
        return failure(FailureKind::needs_reconnect, status, "invalid_client");
      return std::unexpected(classify(response));
    }
    const json parsed = parse_reply(response.body());
    if (!parsed.is_object()) return std::unexpected(malformed(response, "token answer is not a JSON object"));
    Token t;
    t.access_token = string_or_empty(parsed, "access_token");
    if (t.access_token.empty()) return std::unexpected(malformed(response, "no access_token"));
    t.authorization = "Bearer " + t.access_token;
    long long lifetime = 86400;
    if (const auto it = parsed.find("expires_in"); it != parsed.end()) {
      if (!it->is_number() || it->get<double>() <= 0)
        return std::unexpected(malformed(response, "expires_in is not a positive number"));
      lifetime = static_cast<long long>(it->get<double>());
    }
    t.obtained = asked_at;
    t.expires = asked_at + Seconds{lifetime};
    t.account_name = string_or_empty(parsed, "account_name");
    if (t.account_name.empty()) t.account_name = string_or_empty(parsed, "name");
    if (t.account_name.empty()) t.account_name = account_name_from_jwt(t.access_token);
    if (t.account_name.empty()) t.account_name = creds.client_id;
    ++tokens_issued;
    return t;
  }

  bool token_fresh(const Token& t) const {
    const Seconds lifetime = std::chrono::duration_cast<Seconds>(t.expires - t.obtained);
    const Seconds margin = std::min(options.refresh_before_expiry, lifetime / 2);
    return clock.now() < t.expires - margin;
  }

  // The Authorization header's value, good until the next call.
  ProviderResult<const std::string*> bearer(bool force_new) {
    if (!credentials) return failure(FailureKind::needs_reconnect, 0, "not connected");
    if (force_new || !token || !token_fresh(*token)) {
      token.reset();
      auto fresh = fetch_token(*credentials);
      if (!fresh) return std::unexpected(std::move(fresh.error()));
      token = std::move(*fresh);
    }
    return &token->authorization;
  }

  // One API call under L1: a 401 or 403 gets one new token and one repeat.
  // `body`: the JSON text to send, if any.
  ProviderResult<Response> call(verb_ns::verb method, const std::string& path,
                                const std::optional<std::string>& body) {
    // Built for each attempt rather than copied: the repeat is rare, the first
    // attempt is every call.
    auto request = [&](const std::string& authorization) {
      Request req{method, options.api_prefix + path, 11};
      req.set(verb_ns::field::accept, "application/json");
      if (body) {
        req.set(verb_ns::field::content_type, "application/json");
        req.body() = *body;
      }
      req.prepare_payload();
      req.set(verb_ns::field::authorization, authorization);
      return req;
    };

    for (int round = 0; round < 2; ++round) {
      auto auth_header = bearer(/*force_new=*/round > 0);
      if (!auth_header) return std::unexpected(std::move(auth_header.error()));
      Request attempt = request(**auth_header);
      ++requests_sent;
      auto sent = api.send(std::move(attempt));
      if (!sent) return std::unexpected(from_transport(sent.error()));
      // L1/C6: a 401 or a 403 gets one new token and one repeat.
      if ((sent->result_int() == 401 || sent->result_int() == 403) && round == 0) continue;
      if (is_success(*sent)) return std::move(*sent);
      return std::unexpected(classify(*sent));
    }
    return failure(FailureKind::needs_reconnect, 401, "unauthorized");  // unreachable
  }

  std::string access_name(const std::string& given) const {
    if (options.access_name_prefix.empty()) return given;
    if (given.empty()) return options.access_name_prefix;
    return options.access_name_prefix + " " + given;
  }

  // Every page of GET /devices, following nextCursor; a cursor that repeats is a
  // malformed answer (a loop), not a reason to list forever.
  ProviderResult<std::vector<json>> list_devices() {
    std::vector<json> devices;
    std::optional<std::string> cursor;
    std::set<std::string> seen_cursors;
    while (true) {
      std::string path = "/devices";
      if (cursor) path += "?cursor=" + detail::percent_encode(*cursor);
      auto response = call(verb_ns::verb::get, path, std::nullopt);
      if (!response) return std::unexpected(std::move(response.error()));
      json page = parse_reply(response->body());
      if (!page.is_object() || !page.contains("payload") || !page["payload"].is_array())
        return std::unexpected(malformed(*response, "device list without a payload array"));
      for (auto& device : page["payload"]) devices.push_back(std::move(device));
      const auto next = page.find("nextCursor");
      if (next == page.end() || next->is_null()) break;
      if (!next->is_string()) return std::unexpected(malformed(*response, "nextCursor is not a string"));
      std::string following = next->get<std::string>();
      if (following.empty()) break;
      if (!seen_cursors.insert(following).second)
        return std::unexpected(malformed(*response, fmt::format("device list cursor '{}' repeats", following)));
      cursor = std::move(following);
    }
    return devices;
  }

  // Devices are known by deviceId (every path uses it); `id` is igloohome's
  // internal id and never names a device to the API. A lock's bridge is the first
  // Bridge in the listing whose linkedDevices names it (with no type, or type Lock).
  static void index_listing(DeviceListing& listing) {
    for (std::size_t i = 0; i < listing.devices.size(); ++i) {
      const json& d = listing.devices[i];
      const std::string id = string_or_empty(d, "deviceId");
      listing.by_device_id.emplace(id, i);
    }
    for (const json& d : listing.devices) {
      if (string_or_empty(d, "type") != "Bridge") continue;
      if (!d.is_object() || !d.contains("linkedDevices") || !d["linkedDevices"].is_array()) continue;
      const std::string bridge = string_or_empty(d, "deviceId");
      for (const auto& link : d["linkedDevices"]) {
        const std::string target = string_or_empty(link, "deviceId");
        listing.bridge_of.emplace(target, bridge);
      }
    }
  }

  // `job`: the request's JSON text (job_body).
  ProviderResult<std::string> post_job(const std::string& lock_id, const std::string& bridge_id,
                                       std::string job) {
    const std::string path = fmt::format("/devices/{}/jobs/bridges/{}", detail::percent_encode(lock_id),
                                         detail::percent_encode(bridge_id));
    auto response = call(verb_ns::verb::post, path, std::move(job));
    if (!response) return std::unexpected(std::move(response.error()));
    auto job_id = job_id_of(response->body());
    if (!job_id) return std::unexpected(malformed(*response, "no jobId"));
    return std::move(*job_id);
  }
};

Client::Client(Transport& auth, Transport& api, const Clock& clock, ClientOptions options)
    : state_(std::make_unique<State>(State{auth, api, clock, std::move(options), {}, {}, 0})) {}

Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

bool Client::connected() const noexcept { return state_->credentials.has_value(); }
int Client::tokens_issued() const noexcept { return state_->tokens_issued; }
std::optional<Instant> Client::token_expiry() const noexcept {
  if (!state_->token) return std::nullopt;
  return state_->token->expires;
}

namespace {
// Every public call is an edge: nothing thrown inside (allocation, JSON) escapes.
template <class F>
auto guarded(F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return failure(FailureKind::retryable, 0, fmt::format("igloohome client: {}", e.what()));
  }
}
}  // namespace

ProviderResult<AccountInfo> Client::connect(const Credentials& credentials) {
  return guarded([&]() -> ProviderResult<AccountInfo> {
    auto token = state_->fetch_token(credentials);
    if (!token) return std::unexpected(std::move(token.error()));
    AccountInfo info{token->account_name};
    state_->listing.reset();
    state_->credentials = credentials;
    state_->token = std::move(*token);
    return info;
  });
}

void Client::disconnect() {
  state_->listing.reset();
  state_->credentials.reset();
  state_->token.reset();
}

ProviderResult<LockInfo> Client::describe_lock(const std::string& lock_id) {
  return guarded([&]() -> ProviderResult<LockInfo> {
    State& st = *state_;
    const Instant now = st.clock.now();
    if (!st.listing || st.listing->at != now || st.listing->after_request != st.requests_sent) {
      st.listing.reset();
      auto listed = st.list_devices();
      if (!listed) return std::unexpected(std::move(listed.error()));
      st.listing.emplace();
      st.listing->at = now;
      st.listing->devices = std::move(*listed);
      State::index_listing(*st.listing);
      st.listing->after_request = st.requests_sent;
    }
    const DeviceListing& listing = *st.listing;

    const auto found = listing.by_device_id.find(lock_id);
    if (found == listing.by_device_id.end())
      return failure(FailureKind::lock_missing, 0, fmt::format("no device '{}' on the account", lock_id));
    const json& lock = listing.devices[found->second];
    if (const auto type = string_or_empty(lock, "type"); type != "Lock")
      return failure(FailureKind::lock_missing, 0,
                     fmt::format("device '{}' is a {}, not a lock", lock_id, type.empty() ? "device" : type));

    LockInfo info{lock_id, std::nullopt};
    if (const auto bridge = listing.bridge_of.find(lock_id); bridge != listing.bridge_of.end()) {
      info.bridge_id = bridge->second;
      return info;
    }
    if (lock.contains("linkedDevices") && lock["linkedDevices"].is_array()) {
      for (const auto& link : lock["linkedDevices"]) {
        if (string_or_empty(link, "type") == "Bridge" && !string_or_empty(link, "deviceId").empty()) {
          info.bridge_id = string_or_empty(link, "deviceId");
          return info;
        }
      }
    }
    return info;
  });
}

ProviderResult<std::string> Client::create_pin(const PinJob& job) {
  return guarded([&]() -> ProviderResult<std::string> {
    const std::string access_name = state_->access_name(job.access_name);
    const std::string start = format_with_offset(job.start, job.start_offset);
    const std::string end = format_with_offset(job.end, job.end_offset);
    std::string body;
    if (plain_json::is_plain_string(access_name) && plain_json::is_plain_string(job.pin) &&
        plain_json::is_plain_string(start) && plain_json::is_plain_string(end)) {
      // What the ordered_json below dumps, written directly: a PIN is the most
      // frequent job, and nothing in it needs escaping.
      body = fmt::format(
          R"({{"jobType":4,"jobData":{{"accessName":"{}","pin":"{}","pinType":4,"startDate":"{}","endDate":"{}"}}}})",
          access_name, job.pin, start, end);
    } else {
      ordered_json data;
      data["accessName"] = access_name;
      data["pin"] = job.pin;
      data["pinType"] = 4;
      data["startDate"] = start;
      data["endDate"] = end;
      ordered_json full;
      full["jobType"] = 4;
      full["jobData"] = std::move(data);
      body = full.dump();
    }
    return state_->post_job(job.lock_id, job.bridge_id, std::move(body));
  });
}

ProviderResult<std::string> Client::delete_pin(const std::string& lock_id, const std::string& bridge_id,
                                               const std::string& pin) {
  return guarded([&]() -> ProviderResult<std::string> {
    std::string body;
    if (plain_json::is_plain_string(pin)) {
      body = fmt::format(R"({{"jobType":5,"jobData":{{"pin":"{}"}}}})", pin);  // as the dump below writes it
    } else {
      ordered_json full;
      full["jobType"] = 5;
      full["jobData"] = ordered_json{{"pin", pin}};
      body = full.dump();
    }
    return state_->post_job(lock_id, bridge_id, std::move(body));
  });
}

ProviderResult<JobStatus> Client::job_status(const std::string& job_id) {
  return guarded([&]() -> ProviderResult<JobStatus> {
    auto response = state_->call(verb_ns::verb::get, "/jobs/" + detail::percent_encode(job_id), std::nullopt);
    if (!response) {
      if (response.error().http_status == 404)
        return JobStatus{JobState::failed, fmt::format("job '{}' not found", job_id)};
      return std::unexpected(std::move(response.error()));
    }
    // As production pollers read it (igloohome-api.md, "Bridge jobs"): done when
    // `completed === true || jobResponse.jobStatus === 0`, failed (not delivered,
    // or expired) when `jobResponse.jobStatus === 2`, anything else pending.
    auto read = read_job_reply(response->body());
    if (!read) return std::unexpected(malformed(*response, "job status is not a JSON object"));
    const auto& [completed, job_status, detail] = *read;
    if (completed || job_status == 0) return JobStatus{JobState::completed, detail.empty() ? "completed" : detail};
    if (job_status == 2) return JobStatus{JobState::failed, detail.empty() ? "failed" : detail};
    return JobStatus{JobState::pending, detail.empty() ? "pending" : detail};
  });
}

ProviderResult<AlgoPin> Client::create_algopin(const AlgoPinRequest& request) {
  return guarded([&]() -> ProviderResult<AlgoPin> {
    const AlgoPinWindow& w = request.window;
    ordered_json body;
    body["variance"] = request.variance;
    body["startDate"] = format_with_offset(w.start, w.start_offset);
    if (w.type == AlgoPinType::hourly || w.type == AlgoPinType::daily)
      body["endDate"] = format_with_offset(w.end, w.end_offset);
    body["accessName"] = state_->access_name(request.access_name);
    const std::string path = fmt::format("/devices/{}/algopin/{}", detail::percent_encode(request.lock_id),
                                         to_string(w.type));
    auto response = state_->call(verb_ns::verb::post, path, body.dump());
    if (!response) return std::unexpected(std::move(response.error()));
    const json parsed = parse_reply(response->body());
    AlgoPin pin;
    pin.pin = string_or_empty(parsed, "pin");
    if (pin.pin.empty()) return std::unexpected(malformed(*response, "no pin (a string of digits)"));
    pin.pin_id = id_field(parsed, "pinId").value_or("");
    return pin;
  });
}

Result<std::unique_ptr<HttpClient>> HttpClient::open(std::string_view auth_url, std::string_view api_url,
                                                     const Clock& clock, ClientOptions base,
                                                     std::chrono::milliseconds timeout) {
  auto auth = net::parse_base_url(auth_url);
  if (!auth) return std::unexpected(auth.error());
  auto api = net::parse_base_url(api_url);
  if (!api) return std::unexpected(api.error());
  ClientOptions options = options_for(*auth, *api, std::move(base));
  return std::unique_ptr<HttpClient>(
      new HttpClient(std::move(*auth), std::move(*api), clock, std::move(options), timeout));
}

HttpClient::HttpClient(Endpoint auth, Endpoint api, const Clock& clock, ClientOptions options,
                       std::chrono::milliseconds timeout)
    : auth_(std::move(auth), timeout), api_(std::move(api), timeout), client_(auth_, api_, clock, std::move(options)) {}

}  // namespace lockstep::igloohome
