// The mock's request handler, Mock::handle: it parses the target, routes to the
// admin API or the igloohome API, applies the request faults in force (latency,
// injected statuses, network faults), and journals what was answered. Each
// endpoint lives with its concept: oauth.cpp, devices.cpp, jobs.cpp, algopin.cpp,
// keypad.cpp (the lock simulator), admin.cpp, journal.cpp; the state they share
// is state.hpp.
#include "lockstep/mock/mock.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "lockstep/mock/redact.hpp"
#include "state.hpp"

namespace lockstep::mock {

using internal::Answer;
using internal::Context;
using internal::error_answer;
using internal::json;
using detail::Fault;
using detail::FaultKind;

namespace internal {

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
  if (seg.size() == 4 && seg[1] == "devices" && seg[3] == "activity") {
    if (ctx_.method != "GET") return method_not_allowed("GET");
    if (auto denied = authenticate("get-device-activity")) return *denied;
    return activity(seg[2]);
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

}  // namespace internal

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
    if (const internal::Job* found = s.find_job(seg[2])) {
      const internal::Job& j = *found;
      return fmt::format("job/{}/{}/{}/{}/{}/{}", j.lock_id, j.bridge_id, j.job_type,
                         j.start.time_since_epoch().count(), j.end.time_since_epoch().count(),
                         j.created.time_since_epoch().count());
    }
  }
  return ctx.path;
}

// The answer's text, when it has one, moves into the response (one copy less
// on every call); its DOM stays, for the journal's redaction.
net::Response to_response(const net::Request& req, Answer& a) {
  net::Response res;
  res.version(req.version() == 10 ? 10 : 11);
  res.result(a.status);
  res.set(http::field::server, "lockstep-mock");
  res.set(http::field::content_type, "application/json");
  for (const auto& [field, value] : a.headers) res.set(field, value);
  res.keep_alive(req.keep_alive());
  res.body() = a.text ? std::move(*a.text) : a.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  res.prepare_payload();
  return res;
}
net::Response to_response(const net::Request& req, Answer&& a) { return to_response(req, a); }

}  // namespace

Reply Mock::handle(const net::Request& request) {
  Reply reply;
  std::unique_lock guard(state_->mutex);
  State& s = *state_;
  Context ctx{request, std::string(request.method_string()), {}, {}, {}, s.now(), {}};
  const std::string_view target(request.target().data(), request.target().size());
  const auto q = target.find('?');
  ctx.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) ctx.query = std::string(target.substr(q + 1));
  bool bad_path = ctx.path.empty() || ctx.path.front() != '/';
  ctx.segments.reserve(8);  // the API's longest path has 6: one allocation, not four
  // The segments between slashes, empty ones skipped, each percent-decoded (a
  // segment without '%' is its own decoding: no copy through the decoder).
  const std::string_view path_text(ctx.path);
  for (std::size_t start = 0; start <= path_text.size();) {
    const std::size_t slash = std::min(path_text.find('/', start), path_text.size());
    const std::string_view raw = path_text.substr(start, slash - start);
    start = slash + 1;
    if (raw.empty()) continue;
    if (raw.find('%') == std::string_view::npos) {
      ctx.segments.emplace_back(raw);
      continue;
    }
    auto decoded = detail::percent_decode(raw, false);
    if (!decoded) {
      bad_path = true;
      break;
    }
    ctx.segments.push_back(std::move(*decoded));
  }
  // The journal is read in pages serialised without the state lock, so that a
  // reader of a long journal does not stall every other client (issue 14).
  if (!bad_path && ctx.method == "GET" && ctx.segments.size() == 2 && ctx.segments[0] == "__admin" &&
      ctx.segments[1] == "requests") {
    guard.unlock();
    try {
      reply.response = to_response(request, internal::journal_page(s, ctx));
    } catch (const std::exception& e) {
      reply.response = to_response(request, error_answer(http::status::internal_server_error, "internal_error",
                                                         fmt::format("mock error: {}", e.what())));
    }
    return reply;
  }
  s.run_due_jobs(ctx.now);
  std::function<void(const std::string&)> log;
  std::string log_line;

  try {
    if (bad_path) {
      reply.response = to_response(request, error_answer(http::status::bad_request, "invalid_request",
                                                         "target: not a valid path"));
      return reply;
    }
    if (!ctx.segments.empty() && ctx.segments[0] == "__admin") {
      reply.response = to_response(request, internal::admin_route(s, ctx));
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
    // Only the request faults, indexed apart: a portfolio's hundreds of bridge
    // outages are none, and walking them cost 13% of a simulated year.
    for (const std::size_t i : s.request_faults) {
      const Fault& f = s.faults[i];
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
      internal::Handler handler(s, ctx);
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
    entry.query = ctx.query.empty() ? std::string() : redact_form_text(ctx.query);
    entry.client = ctx.client;
    entry.status = static_cast<int>(reply.response.result_int());
    if (answer.journal_request_body) {
      entry.body_text = ctx.body_text ? std::move(*ctx.body_text) : internal::journal_body(request, ctx.body);
    }
    // The text as sent, one allocation; only a token answer carries a secret,
    // and only that one is rewritten. A malformed body (the fault) is kept as
    // sent: it reads back as null, as a client would find.
    if (reply.transport != Reply::Transport::malformed && answer.redact) {
      redact_secrets(answer.body);
      entry.response_text = answer.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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
    if (s.request_log) {
      log = s.request_log;
      log_line = entry.log_line();
    }
    s.journal.push_back(std::move(entry));
    s.trim_journal();
  } catch (const std::exception& e) {
    // Never crash on a request: whatever slipped through is a 500 with a reason.
    reply = Reply{};
    reply.response = to_response(request, error_answer(http::status::internal_server_error, "internal_error",
                                                       fmt::format("mock error: {}", e.what())));
  }
  if (log) {
    guard.unlock();
    log(log_line);
  }
  return reply;
}

// ---------------------------------------------------------------------------
// JSON views

// ---------------------------------------------------------------------------
// Mock
// ---------------------------------------------------------------------------
Mock::Mock(World world) : state_(std::make_unique<State>()) {
  state_->world = std::move(world);
  state_->index_world();
  state_->wall_clock = [] { return std::chrono::floor<Seconds>(std::chrono::system_clock::now()); };
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

void Mock::set_request_log(std::function<void(const std::string&)> log) {
  std::lock_guard guard(state_->mutex);
  state_->request_log = std::move(log);
}

void Mock::set_wall_clock(std::function<Instant()> wall_clock) {
  std::lock_guard guard(state_->mutex);
  state_->wall_clock = std::move(wall_clock);
}

Result<std::string> Mock::add_fault(const json& spec) {
  std::lock_guard guard(state_->mutex);
  return state_->add_fault(spec);
}

bool Mock::remove_fault(const std::string& id) {
  std::lock_guard guard(state_->mutex);
  const bool removed = std::erase_if(state_->faults, [&](const Fault& f) { return f.id == id; }) > 0;
  state_->index_faults();
  return removed;
}

void Mock::clear_faults() {
  std::lock_guard guard(state_->mutex);
  state_->faults.clear();
  state_->index_faults();
}

std::vector<json> Mock::faults() const {
  std::lock_guard guard(state_->mutex);
  std::vector<json> out;
  for (const auto& f : state_->faults) out.push_back(f.spec);
  return out;
}

void Mock::reset() {
  std::lock_guard guard(state_->mutex);
  state_->reset();
}

const World& Mock::world() const { return state_->world; }

}  // namespace lockstep::mock
