// The mock's state and its indexes (state.hpp): world lookups, the virtual
// clock, the faults in force, reset, and the small helpers every endpoint uses.
#include <algorithm>
#include <array>
#include <charconv>

#include <fmt/format.h>

#include "lockstep/json_input.hpp"
#include "state.hpp"

namespace lockstep::mock {

namespace internal {

std::string_view to_string(JobStatusKind s) {
  switch (s) {
    case JobStatusKind::pending: return "pending";
    case JobStatusKind::success: return "success";
    case JobStatusKind::failed: return "failed";
    case JobStatusKind::expired: return "expired";
  }
  return "pending";
}

Answer error_answer(http::status status, std::string_view code, std::string message) {
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

Answer method_not_allowed(std::string_view allowed) {
  Answer a = error_answer(http::status::method_not_allowed, "method_not_allowed",
                          fmt::format("allowed: {}", allowed));
  a.headers.emplace_back(http::field::allow, std::string(allowed));
  return a;
}

Answer not_found_path(const Context& ctx) {
  return error_answer(http::status::not_found, "not_found", fmt::format("no such path: {}", ctx.path));
}

std::optional<std::string> query_param(const Context& ctx, std::string_view name) {
  auto fields = detail::parse_form(ctx.query);
  if (!fields) return std::nullopt;
  auto it = fields->find(std::string(name));
  if (it == fields->end()) return std::nullopt;
  return it->second;
}

std::expected<json, Answer> json_body(const Context& ctx) {
  const auto& body = ctx.request.body();
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return std::unexpected(error_answer(http::status::bad_request, "invalid_request", "body: a JSON object is required"));
  }
  // Bounded depth (json_input): nothing later recurses over a 100,000-deep body.
  auto read = json_input::parse(body);
  if (!read) {
    const bool deep = read.error().kind == json_input::ParseErrorKind::too_deep;
    return std::unexpected(error_answer(
        http::status::bad_request, "invalid_request",
        deep ? fmt::format("body: nested deeper than {} levels (the limit), {}", json_input::kMaxDepth,
                           read.error().where_and_what())
             : fmt::format("body: not valid JSON ({})", read.error().where_and_what())));
  }
  json parsed = std::move(*read);
  if (!parsed.is_object()) {
    return std::unexpected(error_answer(http::status::bad_request, "invalid_request", "body: expected a JSON object"));
  }
  return parsed;
}

std::expected<const json*, Answer> read_json_body(Context& ctx) {
  auto read = json_body(ctx);
  if (!read) return std::unexpected(std::move(read.error()));
  ctx.body = std::move(*read);
  return &*ctx.body;
}

std::string write_instant(Instant t) { return format_instant(t); }

Instant later(Instant t, Seconds d) {
  if (d.count() < 0) return t + d;
  return kLatestInstant - t < d ? kLatestInstant : t + d;
}

bool grants(const std::set<std::string, std::less<>>& scopes, std::string_view name) {
  std::array<char, 96> full{};
  if (kScopePrefix.size() + name.size() > full.size()) {
    return scopes.contains(std::string(kScopePrefix) + std::string(name));
  }
  std::copy(kScopePrefix.begin(), kScopePrefix.end(), full.begin());
  std::copy(name.begin(), name.end(), full.begin() + static_cast<std::ptrdiff_t>(kScopePrefix.size()));
  return scopes.contains(std::string_view(full.data(), kScopePrefix.size() + name.size()));
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const auto a = static_cast<unsigned char>(text[i]);
    const auto b = static_cast<unsigned char>(prefix[i]);
    if (std::tolower(a) != std::tolower(b)) return false;
  }
  return true;
}

namespace {

// igloohome-api.md "Devices": `id` is the internal id, `deviceId` the serial-like
// one; pairedAt with a numeric offset; a bridge has no battery level.
constexpr std::string_view kPairedAt = "2025-06-01T10:00:00+00:00";

json device_json(const World& w, const std::string& id) {
  json d;
  for (const auto& b : w.bridges) {
    if (b.id != id) continue;
    json linked = json::array();
    for (const auto& l : w.locks) {
      if (l.bridge_id == b.id) linked.push_back({{"type", "Lock"}, {"deviceId", l.id}});
    }
    d = {{"id", b.internal_id}, {"type", "Bridge"}, {"deviceId", b.id}, {"deviceName", b.name},
         {"pairedAt", kPairedAt}, {"homeId", json::array()},
         {"linkedDevices", linked}, {"batteryLevel", nullptr}};
  }
  for (const auto& l : w.locks) {
    if (l.id != id) continue;
    json linked = json::array();
    if (l.bridge_id) linked.push_back({{"type", "Bridge"}, {"deviceId", *l.bridge_id}});
    d = {{"id", l.internal_id}, {"type", "Lock"}, {"deviceId", l.id}, {"deviceName", l.name},
         {"pairedAt", kPairedAt}, {"homeId", json::array()},
         {"linkedDevices", linked}, {"batteryLevel", l.battery_level}, {"algoPin", l.algopin}};
  }
  return d;
}

}  // namespace
}  // namespace internal

using internal::json;

void Mock::State::index_world() {
  assign_internal_ids(world);  // a World built in code may leave them to the mock
  for (const auto& l : world.locks) {
    lock_runtime[l.id] = LockRuntime{true, l.battery_level};
    locks_by_id.emplace(l.id, &l);
    device_docs.emplace(l.id, internal::device_json(world, l.id));
  }
  for (const auto& b : world.bridges) {
    bridges_by_id.emplace(b.id, &b);
    device_docs.emplace(b.id, internal::device_json(world, b.id));
  }
}

const std::vector<std::size_t>& Mock::State::of(const Indexes& index, std::string_view lock_id) {
  static const std::vector<std::size_t> none;
  const auto it = index.find(lock_id);
  return it == index.end() ? none : it->second;
}

const Mock::State::Job* Mock::State::find_job(std::string_view id) const {
  // Ids are handed out in order (create_job), so the number is the place; the
  // id is still compared whole ("job-01" is no job).
  constexpr std::string_view kPrefix = "job-";
  if (!id.starts_with(kPrefix) || id.size() > kPrefix.size() + 18) return nullptr;
  std::uint64_t n = 0;
  const auto [end, error] = std::from_chars(id.data() + kPrefix.size(), id.data() + id.size(), n);
  if (error != std::errc{} || end != id.data() + id.size() || n == 0 || n > jobs.size()) return nullptr;
  const Job& j = jobs[static_cast<std::size_t>(n - 1)];
  return j.id == id ? &j : nullptr;
}

void Mock::State::add_job(Job job) {
  if (job.status == internal::JobStatusKind::pending) pending.push_back(jobs.size());
  jobs.push_back(std::move(job));
}

void Mock::State::add_custom_pin(CustomPin pin) {
  custom_pins_of[pin.lock_id].push_back(custom_pins.size());
  live_custom_pins_of[pin.lock_id].push_back(custom_pins.size());
  custom_pins.push_back(std::move(pin));
}

void Mock::State::add_algopin(AlgoPinRecord rec) {
  algopins_of[rec.lock_id].push_back(algopins.size());
  algopins.push_back(std::move(rec));
}

Instant Mock::State::now() const {
  if (!realtime) return virtual_now;
  const auto elapsed = std::chrono::system_clock::now() - real_anchor;
  return virtual_now + std::chrono::floor<Seconds>(elapsed);
}

void Mock::State::set_now(Instant t) {
  virtual_now = t;
  real_anchor = std::chrono::system_clock::now();
}

const Lock* Mock::State::lock(std::string_view id) const {
  const auto it = locks_by_id.find(id);
  return it == locks_by_id.end() ? nullptr : it->second;
}

const Bridge* Mock::State::bridge(std::string_view id) const {
  const auto it = bridges_by_id.find(id);
  return it == bridges_by_id.end() ? nullptr : it->second;
}

const Account* Mock::State::account(const std::string& client_id) const {
  for (const auto& a : world.accounts) {
    if (a.client_id == client_id) return &a;
  }
  return nullptr;
}

bool Mock::State::sees(const Account& a, const std::string& device) {
  return a.devices.empty() || std::find(a.devices.begin(), a.devices.end(), device) != a.devices.end();
}

const json& Mock::State::device_doc(const std::string& id) const { return device_docs.at(id); }

void Mock::State::trim_journal() {
  while (journal_limit > 0 && journal.size() > journal_limit) {
    journal.pop_front();
    ++journal_dropped;
  }
}

void Mock::State::reset() {
  faults.clear();
  index_faults();
  next_fault = 1;
  for (const auto& spec : world.faults) (void)add_fault(spec);  // validated at construction
  jobs.clear();
  pending.clear();
  custom_pins_of.clear();
  live_custom_pins_of.clear();
  algopins_of.clear();
  next_job = 1;
  custom_pins.clear();
  algopins.clear();
  next_algopin = 1;
  journal.clear();
  keypad_log.clear();
  keypad_of.clear();
  for (const auto& l : world.locks) lock_runtime[l.id] = LockRuntime{true, l.battery_level};
}

Instant Mock::State::lock_clock(const std::string& lock_id, Instant t) const {
  Instant reads = t;
  // A drift always names its lock (parse_fault).
  if (const auto* on_lock = faults_on(FaultKind::clock_drift, lock_id)) {
    for (const std::size_t i : *on_lock) {
      if (faults[i].active_at(t)) reads += Minutes{faults[i].minutes};
    }
  }
  return reads;
}

Result<std::string> Mock::State::add_fault(const json& spec) {
  auto fault = detail::parse_fault(spec, world, fmt::format("fault-{}", next_fault));
  if (!fault) return std::unexpected(fault.error());
  for (const auto& f : faults) {
    if (f.id == fault->id) {
      return fail(ErrorCode::invalid_argument, fmt::format("id: a fault '{}' already exists", f.id), "id");
    }
  }
  ++next_fault;
  faults.push_back(std::move(*fault));
  index_fault(faults.size() - 1);
  return faults.back().id;
}

void Mock::State::index_fault(std::size_t i) {
  const Fault& f = faults[i];
  auto& of_kind = faults_by_kind[static_cast<std::size_t>(f.kind)];
  of_kind.all.push_back(i);
  if (f.target.empty()) {
    of_kind.untargeted.push_back(i);
  } else {
    of_kind.by_target[f.target].push_back(i);
  }
  switch (f.kind) {
    case FaultKind::latency:
    case FaultKind::http_error:
    case FaultKind::rate_limit:
    case FaultKind::connection_reset:
    case FaultKind::empty_response:
    case FaultKind::malformed_body: request_faults.push_back(i); break;
    default: break;
  }
}

void Mock::State::index_faults() {
  for (auto& of_kind : faults_by_kind) of_kind = {};
  request_faults.clear();
  for (std::size_t i = 0; i < faults.size(); ++i) index_fault(i);
}

const std::vector<std::size_t>* Mock::State::faults_on(FaultKind kind, std::string_view target) const {
  const auto& by_target = faults_of(kind).by_target;
  const auto it = by_target.find(target);
  return it == by_target.end() ? nullptr : &it->second;
}

bool Mock::State::bridge_offline(std::string_view bridge_id, Instant t) const {
  return bridge_fault(FaultKind::bridge_offline, bridge_id, t) != nullptr;
}

const Mock::State::Fault* Mock::State::bridge_fault(FaultKind kind, std::string_view bridge_id, Instant t) const {
  // The earliest added among the bridge's own and those for every bridge.
  std::size_t first = faults.size();
  auto earliest = [&](const std::vector<std::size_t>& list) {
    for (const std::size_t i : list) {
      if (i >= first) return;
      if (faults[i].active_at(t)) {
        first = i;
        return;
      }
    }
  };
  earliest(faults_of(kind).untargeted);
  if (const auto* own = faults_on(kind, bridge_id)) earliest(*own);
  return first < faults.size() ? &faults[first] : nullptr;
}

}  // namespace lockstep::mock
