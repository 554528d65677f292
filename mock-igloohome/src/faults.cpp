// The fault grammar: what each kind takes, checked field by field (docs/mock.md,
// "Fault catalogue").
#include <set>

#include <fmt/format.h>

#include "detail.hpp"

namespace lockstep::mock::detail {

namespace {

struct KindInfo {
  FaultKind kind;
  std::string_view name;
  std::set<std::string_view> fields;  // besides kind, id, from, until
};

const std::vector<KindInfo>& kinds() {
  static const std::vector<KindInfo> all = {
      {FaultKind::bridge_offline, "bridge_offline", {"target"}},
      {FaultKind::job_pending, "job_pending", {"target", "minutes"}},
      {FaultKind::job_expire, "job_expire", {"target"}},
      {FaultKind::pending_job_limit, "pending_job_limit", {"target", "limit"}},
      {FaultKind::http_error, "http_error", {"status", "path", "method", "probability", "seed", "after"}},
      {FaultKind::rate_limit, "rate_limit", {"retry_after_seconds", "path", "method", "probability", "seed"}},
      {FaultKind::latency, "latency", {"milliseconds", "path", "method", "probability", "seed"}},
      {FaultKind::connection_reset, "connection_reset", {"path", "method", "probability", "seed", "after"}},
      {FaultKind::empty_response, "empty_response", {"path", "method", "probability", "seed", "after"}},
      {FaultKind::malformed_body, "malformed_body", {"path", "method", "probability", "seed", "after"}},
      {FaultKind::token_expiry, "token_expiry", {"after_seconds"}},
      {FaultKind::pin_rejected, "pin_rejected", {"target", "pins", "pattern"}},
      {FaultKind::clock_drift, "clock_drift", {"target", "minutes"}},
  };
  return all;
}

Result<long long> integer_field(const nlohmann::json& spec, std::string_view key, long long min,
                                long long max) {
  const auto& v = spec.at(std::string(key));
  if (!v.is_number_integer()) {
    return fail(ErrorCode::invalid_argument, fmt::format("{}: expected an integer", key), std::string(key));
  }
  const auto n = v.get<long long>();
  if (n < min || n > max) {
    return fail(ErrorCode::invalid_argument, fmt::format("{}: must be {} to {} (got {})", key, min, max, n),
                std::string(key));
  }
  return n;
}

Result<std::string> string_field(const nlohmann::json& spec, std::string_view key) {
  const auto& v = spec.at(std::string(key));
  if (!v.is_string()) {
    return fail(ErrorCode::invalid_argument, fmt::format("{}: expected a string", key), std::string(key));
  }
  return v.get<std::string>();
}

bool is_bridge(const World& w, const std::string& id) {
  for (const auto& b : w.bridges) {
    if (b.id == id) return true;
  }
  return false;
}
bool is_lock(const World& w, const std::string& id) {
  for (const auto& l : w.locks) {
    if (l.id == id) return true;
  }
  return false;
}

}  // namespace

std::string_view to_string(FaultKind k) {
  for (const auto& info : kinds()) {
    if (info.kind == k) return info.name;
  }
  return "unknown";
}

bool Fault::matches_request(std::string_view method_name, std::string_view request_path) const {
  if (!method.empty() && method != method_name) return false;
  return request_path.substr(0, path.size()) == path;
}

bool Fault::hits(std::string_view method_name, std::string_view call_identity, Instant at) const {
  if (probability >= 1.0) return true;
  if (probability <= 0.0) return false;
  std::uint64_t key = 0xcbf29ce484222325ULL;  // FNV-1a over the call's identity
  auto mix_in = [&key](std::string_view bytes) {
    for (const unsigned char c : bytes) key = (key ^ c) * 0x100000001b3ULL;
    key = (key ^ 0xffU) * 0x100000001b3ULL;  // separator
  };
  mix_in(method_name);
  mix_in(call_identity);
  mix_in(std::to_string(at.time_since_epoch().count()));
  std::uint64_t z = seed + key * 0x9e3779b97f4a7c15ULL;  // splitmix64 finaliser
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  const double unit = static_cast<double>(z >> 11) * 0x1.0p-53;  // [0, 1)
  return unit < probability;
}

bool Fault::rejects_pin(const std::string& lock, const std::string& pin) const {
  if (!target.empty() && target != lock) return false;
  for (const auto& p : pins) {
    if (p == pin) return true;
  }
  return pattern && std::regex_match(pin, *pattern);
}

Result<Fault> parse_fault(const nlohmann::json& spec, const World& world, std::string id) {
  if (!spec.is_object()) return fail(ErrorCode::invalid_argument, "fault: expected a JSON object");
  if (!spec.contains("kind")) return fail(ErrorCode::invalid_argument, "kind: missing", "kind");
  auto kind_name = string_field(spec, "kind");
  if (!kind_name) return std::unexpected(kind_name.error());
  const KindInfo* info = nullptr;
  for (const auto& k : kinds()) {
    if (k.name == *kind_name) info = &k;
  }
  if (info == nullptr) {
    std::string names;
    for (const auto& k : kinds()) names += (names.empty() ? "" : ", ") + std::string(k.name);
    return fail(ErrorCode::invalid_argument,
                fmt::format("kind: unknown fault kind '{}' (known: {})", *kind_name, names), "kind");
  }

  Fault f;
  f.kind = info->kind;
  for (const auto& [key, value] : spec.items()) {
    if (key == "kind" || key == "id" || key == "from" || key == "until") continue;
    if (!info->fields.contains(key)) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("{}: not a field of fault kind {}", key, info->name), key);
    }
  }
  if (spec.contains("id")) {
    auto given = string_field(spec, "id");
    if (!given) return std::unexpected(given.error());
    if (given->empty() || given->find('/') != std::string::npos) {
      return fail(ErrorCode::invalid_argument, "id: must be non-empty and without '/'", "id");
    }
    id = *given;
  }
  f.id = id;
  for (std::string_view key : {"from", "until"}) {
    if (!spec.contains(std::string(key)) || spec.at(std::string(key)).is_null()) continue;
    auto text = string_field(spec, key);
    if (!text) return std::unexpected(text.error());
    auto t = parse_instant(*text);
    if (!t) {
      return fail(ErrorCode::invalid_argument, fmt::format("{}: {}", key, t.error().message), std::string(key));
    }
    (key == "from" ? f.from : f.until) = *t;
  }
  if (f.from && f.until && *f.until <= *f.from) {
    return fail(ErrorCode::invalid_argument, "until: must be after from", "until");
  }

  if (spec.contains("target")) {
    auto target = string_field(spec, "target");
    if (!target) return std::unexpected(target.error());
    const bool wants_lock = f.kind == FaultKind::pin_rejected || f.kind == FaultKind::clock_drift;
    if (wants_lock ? !is_lock(world, *target) : !is_bridge(world, *target)) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("target: no {} '{}' in the world", wants_lock ? "lock" : "bridge", *target),
                  "target");
    }
    f.target = *target;
  }
  if (spec.contains("path")) {
    auto path = string_field(spec, "path");
    if (!path) return std::unexpected(path.error());
    if (!path->empty() && path->front() != '/') {
      return fail(ErrorCode::invalid_argument, "path: a path prefix starts with '/'", "path");
    }
    if (path->rfind("/__admin", 0) == 0) {
      return fail(ErrorCode::invalid_argument, "path: the admin API is never faulted", "path");
    }
    f.path = *path;
  }
  if (spec.contains("method")) {
    auto method = string_field(spec, "method");
    if (!method) return std::unexpected(method.error());
    f.method = *method;
  }
  if (spec.contains("probability")) {
    const auto& p = spec.at("probability");
    if (!p.is_number() || p.get<double>() < 0.0 || p.get<double>() > 1.0) {
      return fail(ErrorCode::invalid_argument, "probability: expected a number from 0 to 1", "probability");
    }
    f.probability = p.get<double>();
  }
  if (spec.contains("seed")) {
    const auto& s = spec.at("seed");
    if (!s.is_number_unsigned() && !(s.is_number_integer() && s.get<long long>() >= 0)) {
      return fail(ErrorCode::invalid_argument, "seed: expected a non-negative integer", "seed");
    }
    f.seed = s.get<std::uint64_t>();
  }
  if (spec.contains("after")) {
    if (!spec.at("after").is_boolean()) {
      return fail(ErrorCode::invalid_argument, "after: expected true or false", "after");
    }
    f.after = spec.at("after").get<bool>();
  }

  switch (f.kind) {
    case FaultKind::job_pending: {
      if (!spec.contains("minutes")) return fail(ErrorCode::invalid_argument, "minutes: missing", "minutes");
      auto n = integer_field(spec, "minutes", 1, 60 * 24 * 366);
      if (!n) return std::unexpected(n.error());
      f.minutes = static_cast<int>(*n);
      break;
    }
    case FaultKind::clock_drift: {
      // One lock's clock: a drift without a lock would say nothing about any door.
      if (!spec.contains("target")) {
        return fail(ErrorCode::invalid_argument, "target: missing (the lock whose clock drifts)", "target");
      }
      if (!spec.contains("minutes")) {
        return fail(ErrorCode::invalid_argument, "minutes: missing (ahead > 0, behind < 0)", "minutes");
      }
      auto n = integer_field(spec, "minutes", -7 * 24 * 60, 7 * 24 * 60);
      if (!n) return std::unexpected(n.error());
      f.minutes = static_cast<int>(*n);
      break;
    }
    case FaultKind::pending_job_limit: {
      if (spec.contains("limit")) {
        auto n = integer_field(spec, "limit", 0, 1'000'000);
        if (!n) return std::unexpected(n.error());
        f.limit = static_cast<int>(*n);
      }
      break;
    }
    case FaultKind::http_error: {
      if (spec.contains("status")) {
        auto n = integer_field(spec, "status", 400, 599);
        if (!n) return std::unexpected(n.error());
        f.status = static_cast<int>(*n);
      }
      break;
    }
    case FaultKind::rate_limit: {
      if (spec.contains("retry_after_seconds")) {
        auto n = integer_field(spec, "retry_after_seconds", 0, 86400);
        if (!n) return std::unexpected(n.error());
        f.retry_after_seconds = static_cast<int>(*n);
      }
      break;
    }
    case FaultKind::latency: {
      if (!spec.contains("milliseconds")) {
        return fail(ErrorCode::invalid_argument, "milliseconds: missing", "milliseconds");
      }
      auto n = integer_field(spec, "milliseconds", 0, 600'000);
      if (!n) return std::unexpected(n.error());
      f.latency = std::chrono::milliseconds{*n};
      break;
    }
    case FaultKind::token_expiry: {
      if (!spec.contains("after_seconds")) {
        return fail(ErrorCode::invalid_argument, "after_seconds: missing", "after_seconds");
      }
      auto n = integer_field(spec, "after_seconds", 0, 10LL * 365 * 86400);
      if (!n) return std::unexpected(n.error());
      f.after_seconds = Seconds{*n};
      break;
    }
    case FaultKind::pin_rejected: {
      if (!spec.contains("pins") && !spec.contains("pattern")) {
        return fail(ErrorCode::invalid_argument, "pins: give pins (a list) or pattern (a regex)", "pins");
      }
      if (spec.contains("pins")) {
        const auto& list = spec.at("pins");
        if (!list.is_array()) return fail(ErrorCode::invalid_argument, "pins: expected an array of strings", "pins");
        for (std::size_t i = 0; i < list.size(); ++i) {
          if (!list[i].is_string()) {
            return fail(ErrorCode::invalid_argument, fmt::format("pins[{}]: expected a string", i),
                        fmt::format("pins[{}]", i));
          }
          f.pins.push_back(list[i].get<std::string>());
        }
      }
      if (spec.contains("pattern")) {
        auto text = string_field(spec, "pattern");
        if (!text) return std::unexpected(text.error());
        try {
          f.pattern.emplace(*text, std::regex::ECMAScript);
        } catch (const std::regex_error& e) {
          return fail(ErrorCode::invalid_argument, fmt::format("pattern: not a valid regex: {}", e.what()),
                      "pattern");
        }
      }
      break;
    }
    default:
      break;
  }
  f.spec = spec;
  f.spec["id"] = f.id;
  return f;
}

}  // namespace lockstep::mock::detail
