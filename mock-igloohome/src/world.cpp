#include "lockstep/mock/world.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "detail.hpp"
#include "lockstep/json_input.hpp"

namespace lockstep::mock {

const std::vector<std::string>& all_scopes() {
  static const std::vector<std::string> scopes = {
      "igloohomeapi/get-devices",
      "igloohomeapi/get-job-status",
      "igloohomeapi/algopin-hourly",
      "igloohomeapi/algopin-daily",
      "igloohomeapi/algopin-onetime",
      "igloohomeapi/algopin-permanent",
      "igloohomeapi/create-pin-bridge-proxied-job",
      "igloohomeapi/delete-pin-bridge-proxied-job",
      "igloohomeapi/get-device-status-bridge-proxied-job",
      "igloohomeapi/lock-bridge-proxied-job",
      "igloohomeapi/unlock-bridge-proxied-job",
      "igloohomeapi/get-battery-level-bridge-proxied-job",
      "igloohomeapi/get-activity-logs-bridge-proxied-job",
      // The most used public client asks for get-properties by default: a client
      // that owns every scope must be granted it (igloohome-api.md).
      "igloohomeapi/get-properties",
      "igloohomeapi/get-device-activity",
      "igloohomeapi/store-device-activity",
  };
  return scopes;
}

namespace {

constexpr std::string_view kDefaultStart = "2026-01-01T00:00:00Z";

std::string default_secret(const std::string& lock_id) { return "secret-" + lock_id; }

// Reads a world file's JSON; every accessor names the path it looked at.
class Reader {
 public:
  template <class T>
  static Result<T> get(const nlohmann::json& obj, std::string_view key, const std::string& path) {
    const auto& v = obj.at(std::string(key));
    const std::string where = path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
    if constexpr (std::is_same_v<T, std::string>) {
      if (!v.is_string()) return fail(ErrorCode::invalid_argument, where + ": expected a string", where);
      return v.get<std::string>();
    } else if constexpr (std::is_same_v<T, int>) {
      if (!v.is_number_integer())
        return fail(ErrorCode::invalid_argument, where + ": expected an integer", where);
      const auto n = v.get<long long>();
      if (n < 0 || n > 1'000'000'000)
        return fail(ErrorCode::invalid_argument, where + ": out of range", where);
      return static_cast<int>(n);
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!v.is_boolean()) return fail(ErrorCode::invalid_argument, where + ": expected true or false", where);
      return v.get<bool>();
    }
  }
};

Result<void> check_keys(const nlohmann::json& obj, const std::string& path,
                        std::initializer_list<std::string_view> allowed) {
  if (!obj.is_object()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("{}: expected an object", path.empty() ? "(top level)" : path), path);
  }
  for (const auto& [key, value] : obj.items()) {
    bool known = false;
    for (auto a : allowed) known |= (a == key);
    if (!known) {
      const std::string where = path.empty() ? key : fmt::format("{}.{}", path, key);
      return fail(ErrorCode::invalid_argument, fmt::format("{}: unknown field", where), where);
    }
  }
  return {};
}

#define LOCKSTEP_TRY(var, expr)                          \
  auto var##_result = (expr);                            \
  if (!var##_result) return std::unexpected(var##_result.error()); \
  auto var = std::move(*var##_result)

#define LOCKSTEP_TRY_VOID(expr)                          \
  do {                                                   \
    auto r_ = (expr);                                    \
    if (!r_) return std::unexpected(r_.error());         \
  } while (false)

Result<std::vector<std::string>> string_list(const nlohmann::json& obj, std::string_view key,
                                             const std::string& path) {
  const std::string where = fmt::format("{}.{}", path, key);
  const auto& v = obj.at(std::string(key));
  if (!v.is_array()) return fail(ErrorCode::invalid_argument, where + ": expected an array of strings", where);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) {
      const std::string at = fmt::format("{}[{}]", where, i);
      return fail(ErrorCode::invalid_argument, at + ": expected a string", at);
    }
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

// An explicit internal id: a non-empty string (uniqueness is checked once all are read).
Result<void> read_internal_id(const nlohmann::json& obj, const std::string& path, std::string& out) {
  if (!obj.contains("internal_id")) return {};
  LOCKSTEP_TRY(id, Reader::get<std::string>(obj, "internal_id", path));
  if (id.empty()) {
    return fail(ErrorCode::invalid_argument, path + ".internal_id: must not be empty", path + ".internal_id");
  }
  out = id;
  return {};
}

}  // namespace

void assign_internal_ids(World& world) {
  std::set<std::string> taken;
  for (const auto& b : world.bridges) taken.insert(b.internal_id);
  for (const auto& l : world.locks) taken.insert(l.internal_id);
  long long next = 100001;
  auto fresh = [&]() {
    while (taken.contains(std::to_string(next))) ++next;
    taken.insert(std::to_string(next));
    return std::to_string(next++);
  };
  for (auto& b : world.bridges) {
    if (b.internal_id.empty()) b.internal_id = fresh();
  }
  for (auto& l : world.locks) {
    if (l.internal_id.empty()) l.internal_id = fresh();
  }
}

World default_world() {
  World w;
  w.accounts.push_back(Account{"demo-client", "demo-secret", "Demo Host", all_scopes(), {}});
  w.bridges.push_back(Bridge{"BR-1", "Front door bridge", 100});
  w.locks.push_back(Lock{"LK-1", "Front door", "BR-1", default_secret("LK-1"), true, 90});
  w.locks.push_back(Lock{"LK-2", "Garden door", "BR-1", default_secret("LK-2"), true, 85});
  w.locks.push_back(Lock{"LK-ALGO", "Cabin (no bridge)", std::nullopt, default_secret("LK-ALGO"), true, 80});
  w.now = *parse_instant(kDefaultStart);
  assign_internal_ids(w);
  return w;
}

Result<World> world_from_json(const nlohmann::json& json) {
  World w;
  w.now = *parse_instant(kDefaultStart);
  LOCKSTEP_TRY_VOID(check_keys(json, "", {"now", "accounts", "bridges", "locks", "faults", "limits", "api"}));

  if (json.contains("now")) {
    LOCKSTEP_TRY(text, Reader::get<std::string>(json, "now", ""));
    auto t = parse_instant(text);
    if (!t) return fail(ErrorCode::invalid_argument, "now: " + t.error().message, "now");
    w.now = *t;
  }

  std::set<std::string> device_ids;
  auto claim_id = [&](const std::string& id, const std::string& where) -> Result<void> {
    if (id.empty()) return fail(ErrorCode::invalid_argument, where + ": must not be empty", where);
    if (id.find_first_of("/?#% ") != std::string::npos)
      return fail(ErrorCode::invalid_argument, where + ": must not contain '/', '?', '#', '%' or spaces", where);
    if (!device_ids.insert(id).second)
      return fail(ErrorCode::invalid_argument, fmt::format("{}: duplicate device id '{}'", where, id), where);
    return {};
  };

  if (json.contains("bridges")) {
    const auto& arr = json.at("bridges");
    if (!arr.is_array()) return fail(ErrorCode::invalid_argument, "bridges: expected an array", "bridges");
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const std::string path = fmt::format("bridges[{}]", i);
      LOCKSTEP_TRY_VOID(check_keys(arr[i], path, {"id", "name", "battery_level", "internal_id"}));
      if (!arr[i].contains("id")) return fail(ErrorCode::invalid_argument, path + ".id: missing", path + ".id");
      Bridge b;
      LOCKSTEP_TRY(id, Reader::get<std::string>(arr[i], "id", path));
      LOCKSTEP_TRY_VOID(claim_id(id, path + ".id"));
      b.id = id;
      b.name = id;
      if (arr[i].contains("name")) {
        LOCKSTEP_TRY(name, Reader::get<std::string>(arr[i], "name", path));
        b.name = name;
      }
      if (arr[i].contains("battery_level")) {
        LOCKSTEP_TRY(level, Reader::get<int>(arr[i], "battery_level", path));
        b.battery_level = level;
      }
      LOCKSTEP_TRY_VOID(read_internal_id(arr[i], path, b.internal_id));
      w.bridges.push_back(std::move(b));
    }
  }

  if (json.contains("locks")) {
    const auto& arr = json.at("locks");
    if (!arr.is_array()) return fail(ErrorCode::invalid_argument, "locks: expected an array", "locks");
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const std::string path = fmt::format("locks[{}]", i);
      LOCKSTEP_TRY_VOID(
          check_keys(arr[i], path, {"id", "name", "bridge", "secret", "algopin", "battery_level", "internal_id"}));
      if (!arr[i].contains("id")) return fail(ErrorCode::invalid_argument, path + ".id: missing", path + ".id");
      Lock l;
      LOCKSTEP_TRY(id, Reader::get<std::string>(arr[i], "id", path));
      LOCKSTEP_TRY_VOID(claim_id(id, path + ".id"));
      l.id = id;
      l.name = id;
      l.device_secret = default_secret(id);
      if (arr[i].contains("name")) {
        LOCKSTEP_TRY(name, Reader::get<std::string>(arr[i], "name", path));
        l.name = name;
      }
      if (arr[i].contains("bridge") && !arr[i].at("bridge").is_null()) {
        LOCKSTEP_TRY(bridge, Reader::get<std::string>(arr[i], "bridge", path));
        bool found = false;
        for (const auto& b : w.bridges) found |= (b.id == bridge);
        if (!found) {
          return fail(ErrorCode::invalid_argument,
                      fmt::format("{}.bridge: no bridge '{}' in bridges", path, bridge), path + ".bridge");
        }
        l.bridge_id = bridge;
      }
      if (arr[i].contains("secret")) {
        LOCKSTEP_TRY(secret, Reader::get<std::string>(arr[i], "secret", path));
        l.device_secret = secret;
      }
      if (arr[i].contains("algopin")) {
        LOCKSTEP_TRY(algo, Reader::get<bool>(arr[i], "algopin", path));
        l.algopin = algo;
      }
      if (arr[i].contains("battery_level")) {
        LOCKSTEP_TRY(level, Reader::get<int>(arr[i], "battery_level", path));
        l.battery_level = level;
      }
      LOCKSTEP_TRY_VOID(read_internal_id(arr[i], path, l.internal_id));
      w.locks.push_back(std::move(l));
    }
  }

  if (json.contains("limits")) {
    const auto& lim = json.at("limits");
    LOCKSTEP_TRY_VOID(check_keys(lim, "limits", {"page_size", "token_lifetime_seconds", "job_expiry_minutes",
                                                 "pending_jobs_per_bridge", "pins_per_lock", "locks_per_bridge"}));
    auto read = [&](std::string_view key, int min, int& out) -> Result<void> {
      if (!lim.contains(std::string(key))) return {};
      LOCKSTEP_TRY(v, Reader::get<int>(lim, key, "limits"));
      if (v < min) {
        const std::string where = fmt::format("limits.{}", key);
        return fail(ErrorCode::invalid_argument, fmt::format("{}: must be at least {}", where, min), where);
      }
      out = v;
      return {};
    };
    int token = static_cast<int>(w.limits.token_lifetime.count());
    int expiry = static_cast<int>(w.limits.job_expiry.count());
    LOCKSTEP_TRY_VOID(read("page_size", 1, w.limits.page_size));
    LOCKSTEP_TRY_VOID(read("token_lifetime_seconds", 1, token));
    LOCKSTEP_TRY_VOID(read("job_expiry_minutes", 1, expiry));
    LOCKSTEP_TRY_VOID(read("pending_jobs_per_bridge", 0, w.limits.pending_jobs_per_bridge));
    LOCKSTEP_TRY_VOID(read("pins_per_lock", 1, w.limits.pins_per_lock));
    LOCKSTEP_TRY_VOID(read("locks_per_bridge", 1, w.limits.locks_per_bridge));
    w.limits.token_lifetime = Seconds{token};
    w.limits.job_expiry = Minutes{expiry};
  }

  {
    std::set<std::string> internal;
    auto claim = [&](const std::string& id, const std::string& where) -> Result<void> {
      if (!id.empty() && !internal.insert(id).second) {
        return fail(ErrorCode::invalid_argument, fmt::format("{}: duplicate internal id '{}'", where, id), where);
      }
      return {};
    };
    for (std::size_t i = 0; i < w.bridges.size(); ++i)
      LOCKSTEP_TRY_VOID(claim(w.bridges[i].internal_id, fmt::format("bridges[{}].internal_id", i)));
    for (std::size_t i = 0; i < w.locks.size(); ++i)
      LOCKSTEP_TRY_VOID(claim(w.locks[i].internal_id, fmt::format("locks[{}].internal_id", i)));
  }
  for (const auto& b : w.bridges) {
    int linked = 0;
    for (const auto& l : w.locks) linked += (l.bridge_id == b.id);
    if (linked > w.limits.locks_per_bridge) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("bridges: bridge '{}' has {} locks, more than limits.locks_per_bridge ({})",
                              b.id, linked, w.limits.locks_per_bridge),
                  "locks");
    }
  }

  if (json.contains("accounts")) {
    const auto& arr = json.at("accounts");
    if (!arr.is_array()) return fail(ErrorCode::invalid_argument, "accounts: expected an array", "accounts");
    std::set<std::string> client_ids;
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const std::string path = fmt::format("accounts[{}]", i);
      LOCKSTEP_TRY_VOID(check_keys(arr[i], path, {"client_id", "client_secret", "name", "scopes", "devices"}));
      for (auto key : {"client_id", "client_secret"}) {
        if (!arr[i].contains(key)) {
          const std::string where = fmt::format("{}.{}", path, key);
          return fail(ErrorCode::invalid_argument, where + ": missing", where);
        }
      }
      Account a;
      LOCKSTEP_TRY(id, Reader::get<std::string>(arr[i], "client_id", path));
      LOCKSTEP_TRY(secret, Reader::get<std::string>(arr[i], "client_secret", path));
      if (id.empty() || id.find(':') != std::string::npos) {
        return fail(ErrorCode::invalid_argument, path + ".client_id: must be non-empty and without ':'",
                    path + ".client_id");
      }
      if (!client_ids.insert(id).second) {
        return fail(ErrorCode::invalid_argument,
                    fmt::format("{}.client_id: duplicate client id '{}'", path, id), path + ".client_id");
      }
      a.client_id = id;
      a.client_secret = secret;
      a.name = id;
      if (arr[i].contains("name")) {
        LOCKSTEP_TRY(name, Reader::get<std::string>(arr[i], "name", path));
        a.name = name;
      }
      a.scopes = all_scopes();
      if (arr[i].contains("scopes")) {
        LOCKSTEP_TRY(scopes, string_list(arr[i], "scopes", path));
        for (std::size_t k = 0; k < scopes.size(); ++k) {
          auto& s = scopes[k];
          if (s.rfind("igloohomeapi/", 0) != 0) s = "igloohomeapi/" + s;  // short names allowed
          if (std::find(all_scopes().begin(), all_scopes().end(), s) == all_scopes().end()) {
            const std::string where = fmt::format("{}.scopes[{}]", path, k);
            return fail(ErrorCode::invalid_argument,
                        fmt::format("{}: unknown scope '{}' (igloohome-api.md lists the scopes)", where, s), where);
          }
        }
        a.scopes = scopes;
      }
      if (arr[i].contains("devices")) {
        LOCKSTEP_TRY(devices, string_list(arr[i], "devices", path));
        for (std::size_t d = 0; d < devices.size(); ++d) {
          if (!device_ids.contains(devices[d])) {
            const std::string where = fmt::format("{}.devices[{}]", path, d);
            return fail(ErrorCode::invalid_argument,
                        fmt::format("{}: no device '{}' in bridges or locks", where, devices[d]), where);
          }
        }
        a.devices = devices;
      }
      w.accounts.push_back(std::move(a));
    }
  }

  if (json.contains("api")) {
    const auto& api = json.at("api");
    LOCKSTEP_TRY_VOID(check_keys(api, "api", {"job_type", "token_exp"}));
    auto choice = [&](std::string_view key, std::string_view a, std::string_view b, bool& is_b) -> Result<void> {
      if (!api.contains(std::string(key))) return {};
      const std::string where = fmt::format("api.{}", key);
      const auto& v = api.at(std::string(key));
      if (!v.is_string() || (v.get<std::string>() != a && v.get<std::string>() != b)) {
        return fail(ErrorCode::invalid_argument,
                    fmt::format("{}: expected \"{}\" or \"{}\" (got {})", where, a, b, v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)), where);
      }
      is_b = v.get<std::string>() == b;
      return {};
    };
    LOCKSTEP_TRY_VOID(choice("job_type", "string", "number", w.api.job_type_as_number));
    LOCKSTEP_TRY_VOID(choice("token_exp", "wall", "virtual", w.api.token_exp_on_virtual_clock));
  }
  assign_internal_ids(w);

  if (json.contains("faults")) {
    const auto& arr = json.at("faults");
    if (!arr.is_array()) return fail(ErrorCode::invalid_argument, "faults: expected an array", "faults");
    for (std::size_t i = 0; i < arr.size(); ++i) {
      auto fault = detail::parse_fault(arr[i], w, "check");
      if (!fault) {
        const auto& e = fault.error();
        const std::string where = fmt::format("faults[{}]{}{}", i, e.field.empty() ? "" : ".", e.field);
        // parse_fault's messages start with the field's name: prefix the array path.
        const std::string message = e.field.empty() ? fmt::format("faults[{}]: {}", i, e.message)
                                                    : fmt::format("faults[{}].{}", i, e.message);
        return fail(ErrorCode::invalid_argument, message, where);
      }
      w.faults.push_back(arr[i]);
    }
  }
  return w;
}

Result<World> load_world_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return fail(ErrorCode::io_error, fmt::format("cannot read world file '{}'", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = json_input::parse(text.str());  // bounded depth, positioned errors
  if (!parsed) {
    return fail(ErrorCode::invalid_json,
                fmt::format("world file '{}': {}", path.string(), parsed.error().with_excerpt()));
  }
  const nlohmann::json json = std::move(*parsed);
  auto world = world_from_json(json);
  if (!world) {
    auto e = world.error();
    e.message = fmt::format("world file '{}': {}", path.string(), e.message);
    return std::unexpected(e);
  }
  return world;
}

nlohmann::json world_to_json(const World& w) {
  nlohmann::json j;
  j["now"] = format_instant(w.now);
  j["accounts"] = nlohmann::json::array();
  for (const auto& a : w.accounts) {
    j["accounts"].push_back({{"client_id", a.client_id}, {"client_secret", a.client_secret},
                             {"name", a.name}, {"scopes", a.scopes}, {"devices", a.devices}});
  }
  j["bridges"] = nlohmann::json::array();
  for (const auto& b : w.bridges) {
    j["bridges"].push_back(
        {{"id", b.id}, {"name", b.name}, {"battery_level", b.battery_level}, {"internal_id", b.internal_id}});
  }
  j["locks"] = nlohmann::json::array();
  for (const auto& l : w.locks) {
    nlohmann::json lock = {{"id", l.id}, {"name", l.name}, {"secret", l.device_secret},
                           {"algopin", l.algopin}, {"battery_level", l.battery_level},
                           {"internal_id", l.internal_id}};
    lock["bridge"] = l.bridge_id ? nlohmann::json(*l.bridge_id) : nlohmann::json(nullptr);
    j["locks"].push_back(std::move(lock));
  }
  j["faults"] = w.faults;
  j["limits"] = {{"page_size", w.limits.page_size},
                 {"token_lifetime_seconds", w.limits.token_lifetime.count()},
                 {"job_expiry_minutes", w.limits.job_expiry.count()},
                 {"pending_jobs_per_bridge", w.limits.pending_jobs_per_bridge},
                 {"pins_per_lock", w.limits.pins_per_lock},
                 {"locks_per_bridge", w.limits.locks_per_bridge}};
  j["api"] = {{"job_type", w.api.job_type_as_number ? "number" : "string"},
              {"token_exp", w.api.token_exp_on_virtual_clock ? "virtual" : "wall"}};
  return j;
}

}  // namespace lockstep::mock
