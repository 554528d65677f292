#include "lockstep/harness/scenario_loader.hpp"

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "lockstep/rule.hpp"

#include "input_problems.hpp"
#include "lockstep/harness/lockout.hpp"
#include "lockstep/harness/profile.hpp"
#include "lockstep/harness/yaml_input.hpp"
#include "lockstep/json_input.hpp"
#include "lockstep/mock/world.hpp"
#include "scenario_setup_check.hpp"

namespace lockstep::harness {

using nlohmann::json;

const std::vector<std::string>& known_rule_ids() {
  static const std::vector<std::string> ids(lockstep::rule_ids().begin(), lockstep::rule_ids().end());
  return ids;
}

namespace detail {
namespace {

// Reads one JSON object. Keys it was not told about are problems (every one of
// them, when a Problems is given; else the first is thrown).
class Obj {
 public:
  Obj(const json& j, std::string path, std::initializer_list<std::string_view> allowed)
      : Obj(j, std::move(path), nullptr, allowed) {}
  Obj(const json& j, std::string path, Problems* problems, std::initializer_list<std::string_view> allowed)
      : j_(j), path_(std::move(path)) {
    if (!j.is_object()) throw Bad{path_.empty() ? "(top level)" : path_, fmt::format("must be an object, got {}", describe(j))};
    for (const auto& [key, value] : j.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string list;
      for (auto a : allowed)
        if (a != "$schema") list += (list.empty() ? "" : ", ") + std::string(a);
      Bad bad{join(path_, cut(key, 80)), fmt::format("unknown field (allowed here: {})", list)};
      if (!problems) throw bad;
      problems->add(std::move(bad));
    }
  }

  const std::string& path() const { return path_; }
  std::string sub(std::string_view key) const { return join(path_, key); }
  bool has(std::string_view key) const { return j_.contains(key); }
  const json& at(std::string_view key) const { return j_.at(std::string(key)); }

  const json& required(std::string_view key) const {
    if (!has(key)) throw Bad{sub(key), "required field missing"};
    return at(key);
  }

  std::string str(std::string_view key) const { return as_string(required(key), sub(key)); }
  std::string str_or(std::string_view key, std::string fallback) const {
    return has(key) ? as_string(at(key), sub(key)) : fallback;
  }
  std::optional<std::string> opt_str(std::string_view key) const {
    if (!has(key)) return std::nullopt;
    return as_string(at(key), sub(key));
  }
  // Absent: nullopt; null: engaged nullopt.
  std::optional<std::optional<std::string>> nullable_str(std::string_view key) const {
    if (!has(key)) return std::nullopt;
    if (at(key).is_null()) return std::optional<std::string>{};
    return std::optional<std::string>{as_string(at(key), sub(key))};
  }

  Instant instant(std::string_view key) const { return as_instant(required(key), sub(key)); }
  std::optional<Instant> opt_instant(std::string_view key) const {
    if (!has(key)) return std::nullopt;
    return as_instant(at(key), sub(key));
  }
  std::optional<std::optional<Instant>> nullable_instant(std::string_view key) const {
    if (!has(key)) return std::nullopt;
    if (at(key).is_null()) return std::optional<Instant>{};
    return std::optional<Instant>{as_instant(at(key), sub(key))};
  }

  std::optional<int> opt_int(std::string_view key, long long low, long long high) const {
    if (!has(key)) return std::nullopt;
    return as_int(at(key), sub(key), low, high);
  }

  std::optional<bool> opt_bool(std::string_view key) const {
    if (!has(key)) return std::nullopt;
    if (!at(key).is_boolean()) throw Bad{sub(key), fmt::format("must be true or false, got {}", describe(at(key)))};
    return at(key).get<bool>();
  }

  // An array (absent: empty), each element handed to `each` with its path. With
  // a Problems, a mistake in one element is recorded and the next one read.
  template <class F>
  void array(std::string_view key, F each, Problems* problems = nullptr) const {
    if (!has(key)) return;
    const auto& a = at(key);
    if (!a.is_array()) throw Bad{sub(key), fmt::format("must be an array, got {}", describe(a))};
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (problems)
        problems->attempt([&] { each(a[i], at_index(sub(key), i)); });
      else
        each(a[i], at_index(sub(key), i));
    }
  }

  static std::string as_string(const json& v, const std::string& path) {
    if (!v.is_string()) throw Bad{path, fmt::format("must be a string, got {}", describe(v))};
    return v.get<std::string>();
  }
  static Instant as_instant(const json& v, const std::string& path) {
    if (!v.is_string()) throw Bad{path, fmt::format("must be an RFC 3339 instant string, got {}", describe(v))};
    auto t = parse_instant(v.get<std::string>());
    if (!t) throw Bad{path, fmt::format("not an RFC 3339 instant: {}", describe(v))};
    return *t;
  }
  static int as_int(const json& v, const std::string& path, long long low, long long high) {
    if (!v.is_number_integer()) throw Bad{path, fmt::format("must be an integer, got {}", describe(v))};
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(high))
      throw Bad{path, fmt::format("is {}, must be from {} to {}", v.get<std::uint64_t>(), low, high)};
    const auto n = v.get<long long>();
    if (n < low || n > high) throw Bad{path, fmt::format("is {}, must be from {} to {}", n, low, high)};
    return static_cast<int>(n);
  }

 private:
  const json& j_;
  std::string path_;
};

std::string rule_id(const json& v, const std::string& path) {
  auto s = Obj::as_string(v, path);
  const auto& ids = known_rule_ids();
  if (std::find(ids.begin(), ids.end(), s) == ids.end())
    throw Bad{path, fmt::format("unknown rule id \"{}\" (behaviour.md has T1-T5, S1-S4, L1-L4, C1-C6, B1-B3, M1)", s)};
  return s;
}

std::string one_of(const std::string& value, const std::string& path, std::initializer_list<std::string_view> allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return value;
  std::string list;
  for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  throw Bad{path, fmt::format("\"{}\" is not one of {}", value, list)};
}

const std::initializer_list<std::string_view> statuses = {"scheduled", "retrying", "active", "failed", "revoked", "none"};
const std::initializer_list<std::string_view> notice_codes = {
    "generation_failed", "needs_reconnect", "lock_missing",  "stay_too_long", "no_variance",
    "date_change_residual", "cancel_residual", "first_use_24h", "delete_failed", "lock_change_residual"};

// Settings are passed on as written (ranges are the participant's to judge, S4),
// but their JSON type must fit the protocol.
LockConfig read_settings(const Obj& o) {
  LockConfig c;
  auto int_field = [&](std::string_view key) -> std::optional<int> {
    return o.opt_int(key, -1'000'000, 1'000'000);
  };
  c.days_before = int_field("days_before");
  c.margin_minutes = int_field("margin_minutes");
  c.code_source = o.opt_str("code_source");
  return c;
}

void read_expect_error(const Obj& o, Event& e) {
  e.expect_error = o.opt_str("expect_error");
  if (o.has("rule")) e.rule = rule_id(o.at("rule"), o.sub("rule"));
}

Event read_event(const json& j, const std::string& path, std::map<std::string, std::string>& faults_on,
                 Problems& problems) {
  if (!j.is_object()) throw Bad{path, fmt::format("must be an object, got {}", describe(j))};
  if (!j.contains("do")) throw Bad{join(path, "do"), "required field missing"};
  const auto kind_text = Obj::as_string(j.at("do"), join(path, "do"));
  const auto kind = event_kind_from_string(kind_text);
  if (!kind)
    throw Bad{join(path, "do"),
              fmt::format("unknown event \"{}\" (connect, disconnect, put_property, assign_lock, remove_lock, "
                          "configure_lock, put_booking, cancel_booking, fault_on, fault_off, tick)",
                          kind_text)};
  Event e;
  e.kind = *kind;
  e.json_path = path;
  switch (*kind) {
    case EventKind::connect: {
      Obj o(j, path, &problems, {"at", "do", "client_id", "client_secret", "expect_error", "rule"});
      e.client_id = o.str_or("client_id", std::string(default_client_id));
      e.client_secret = o.str_or("client_secret", std::string(default_client_secret));
      read_expect_error(o, e);
      e.at = o.instant("at");
      break;
    }
    case EventKind::disconnect:
    case EventKind::tick: {
      Obj o(j, path, &problems, {"at", "do", "expect_error", "rule"});
      if (*kind == EventKind::tick && o.has("expect_error")) throw Bad{o.sub("expect_error"), "a tick has no reply to expect"};
      read_expect_error(o, e);
      e.at = o.instant("at");
      break;
    }
    case EventKind::put_property: {
      Obj o(j, path, &problems, {"at", "do", "property", "timezone", "expect_error", "rule"});
      e.property_id = o.str("property");
      e.timezone = o.str("timezone");
      read_expect_error(o, e);
      e.at = o.instant("at");
      break;
    }
    case EventKind::assign_lock: {
      Obj o(j, path, &problems, {"at", "do", "property", "lock", "brand", "expect_error", "rule"});
      e.property_id = o.str("property");
      e.lock_id = o.str("lock");
      e.brand = o.str_or("brand", "igloohome");
      read_expect_error(o, e);
      e.at = o.instant("at");
      break;
    }
    case EventKind::remove_lock: {
      Obj o(j, path, &problems, {"at", "do", "property", "expect_error", "rule"});
      e.property_id = o.str("property");
      read_expect_error(o, e);
      e.at = o.instant("at");
      break;
    }
    case EventKind::configure_lock: {
      Obj o(j, path, &problems, {"at", "do", "lock", "days_before", "margin_minutes", "code_source", "expect_error", "rule"});
      e.lock_id = o.str("lock");
      e.config = read_settings(o);
      read_expect_error(o, e);
      e.at = o.instant("at");
      break;
    }
    case EventKind::put_booking: {
      Obj o(j, path, &problems, {"at", "do", "booking", "property", "checkin", "checkout", "guest_phone", "expect_error", "rule"});
      e.booking.booking_id = o.str("booking");
      e.booking.property_id = o.str("property");
      e.booking.checkin = o.str("checkin");
      e.booking.checkout = o.str("checkout");
      e.booking.guest_phone = o.opt_str("guest_phone");
      e.booking_id = e.booking.booking_id;
      read_expect_error(o, e);
      e.at = o.instant("at");
      break;
    }
    case EventKind::cancel_booking: {
      Obj o(j, path, &problems, {"at", "do", "booking", "expect_error", "rule"});
      e.booking_id = o.str("booking");
      read_expect_error(o, e);
      e.at = o.instant("at");
      break;
    }
    case EventKind::fault_on: {
      Obj o(j, path, &problems, {"at", "do", "id", "fault"});
      e.fault_id = o.str("id");
      e.fault = o.required("fault");
      if (!e.fault.is_object() || !e.fault.contains("kind") || !e.fault.at("kind").is_string())
        throw Bad{o.sub("fault"), "must be the mock's fault object, with a string \"kind\""};
      if (faults_on.contains(e.fault_id)) throw Bad{o.sub("id"), fmt::format("fault id \"{}\" is used twice", e.fault_id)};
      faults_on[e.fault_id] = path;
      e.at = o.instant("at");
      break;
    }
    case EventKind::fault_off: {
      Obj o(j, path, &problems, {"at", "do", "id"});
      e.fault_id = o.str("id");
      e.at = o.instant("at");
      break;
    }
  }
  return e;
}

DoorProbeSpec read_probe(const json& j, const std::string& path, Problems& problems) {
  Obj o(j, path, &problems, {"at", "booking", "pin", "code_as_of", "lock", "expect", "rule"});
  DoorProbeSpec p;
  p.json_path = path;
  p.at = o.instant("at");
  p.booking = o.str_or("booking", "");
  p.pin = o.opt_str("pin");
  p.code_as_of = o.opt_instant("code_as_of");
  p.lock = o.str_or("lock", "");
  if (p.booking.empty() == !p.pin.has_value()) throw Bad{path, "needs exactly one of \"booking\" and \"pin\""};
  if (p.pin && p.lock.empty()) throw Bad{o.sub("lock"), "required with \"pin\""};
  if (p.code_as_of && !p.pin.has_value() && *p.code_as_of > p.at)
    throw Bad{o.sub("code_as_of"), "must not be after \"at\""};
  if (p.pin && p.code_as_of) throw Bad{o.sub("code_as_of"), "only with \"booking\""};
  if (auto ex = o.opt_str("expect")) p.expect_open = one_of(*ex, o.sub("expect"), {"open", "closed"}) == "open";
  if (o.has("rule")) p.rule = rule_id(o.at("rule"), o.sub("rule"));
  if (p.expect_open && p.rule.empty()) throw Bad{o.sub("rule"), "required with \"expect\": cite the rule this checks"};
  return p;
}

BookingExpectation read_expectation(const json& j, const std::string& path, Problems& problems) {
  Obj o(j, path, &problems, {"booking", "rule", "at", "note", "status", "code", "code_pattern", "code_differs_from", "kind",
                  "valid_from", "valid_until", "issued_at", "generate_at", "retry_deadline", "source", "fallback",
                  "attempts", "attempt_times", "algopin", "variance", "render", "notices", "no_notices"});
  BookingExpectation x;
  x.json_path = path;
  x.booking = o.str("booking");
  x.rule = rule_id(o.required("rule"), o.sub("rule"));
  x.at = o.opt_instant("at");
  x.note = o.str_or("note", "");
  if (auto s = o.opt_str("status")) x.status = one_of(*s, o.sub("status"), statuses);
  x.code = o.nullable_str("code");
  x.code_pattern = o.opt_str("code_pattern");
  if (x.code_pattern) {
    try {
      std::regex re(*x.code_pattern);
    } catch (const std::regex_error& e) {
      throw Bad{o.sub("code_pattern"), fmt::format("not a valid regular expression: {}", e.what())};
    }
  }
  x.code_differs_from = o.opt_str("code_differs_from");
  x.kind = o.nullable_str("kind");
  if (x.kind && *x.kind) one_of(**x.kind, o.sub("kind"), {"pin", "algopin"});
  x.valid_from = o.nullable_instant("valid_from");
  x.valid_until = o.nullable_instant("valid_until");
  x.issued_at = o.nullable_instant("issued_at");
  x.generate_at = o.opt_instant("generate_at");
  x.retry_deadline = o.opt_instant("retry_deadline");
  if (auto s = o.opt_str("source")) x.source = one_of(*s, o.sub("source"), {"random", "guest_phone", "algopin"});
  x.fallback = o.nullable_str("fallback");
  if (x.fallback && *x.fallback)
    one_of(**x.fallback, o.sub("fallback"), {"missing", "invalid_character", "too_short", "in_use", "rejected"});
  x.attempts = o.opt_int("attempts", 0, 100000);
  if (o.has("attempt_times")) {
    std::vector<Instant> times;
    o.array("attempt_times", [&](const json& v, const std::string& p) { times.push_back(Obj::as_instant(v, p)); });
    x.attempt_times = std::move(times);
  }
  if (o.has("algopin")) {
    Obj a(o.at("algopin"), o.sub("algopin"), {"type", "start", "end"});
    AlgoPinExpectation ap;
    if (auto t = a.opt_str("type")) ap.type = one_of(*t, a.sub("type"), {"hourly", "daily"});
    ap.start = a.opt_instant("start");
    ap.end = a.opt_instant("end");
    x.algopin = ap;
  }
  x.variance = o.opt_int("variance", 1, 3);
  if (o.has("render")) {
    Obj r(o.at("render"), o.sub("render"), {"template", "text", "error"});
    RenderExpectation re;
    re.template_text = r.str("template");
    re.text = r.opt_str("text");
    re.error = r.opt_str("error");
    if (re.text.has_value() == re.error.has_value()) throw Bad{r.path(), "needs exactly one of \"text\" and \"error\""};
    x.render = re;
  }
  o.array("notices", [&](const json& v, const std::string& p) {
    x.notices.push_back(one_of(Obj::as_string(v, p), p, notice_codes));
  });
  o.array("no_notices", [&](const json& v, const std::string& p) {
    x.no_notices.push_back(one_of(Obj::as_string(v, p), p, notice_codes));
  });
  return x;
}

CallExpectation read_call(const json& j, const std::string& path, Problems& problems) {
  Obj o(j, path, &problems, {"rule", "note", "from", "until", "method", "path", "body_contains", "status", "count", "min", "max"});
  CallExpectation c;
  c.json_path = path;
  c.rule = rule_id(o.required("rule"), o.sub("rule"));
  c.note = o.str_or("note", "");
  c.from = o.opt_instant("from");
  c.until = o.opt_instant("until");
  if (c.from && c.until && *c.until <= *c.from) throw Bad{o.sub("until"), "must be after \"from\""};
  c.method = o.str_or("method", "");
  if (!c.method.empty()) one_of(c.method, o.sub("method"), {"GET", "POST", "PUT", "DELETE", "PATCH"});
  c.path_glob = o.str_or("path", "");
  if (o.has("body_contains")) c.body_contains = o.at("body_contains");
  c.status = o.opt_int("status", 100, 599);
  c.count = o.opt_int("count", 0, 10'000'000);
  c.min = o.opt_int("min", 0, 10'000'000);
  c.max = o.opt_int("max", 0, 10'000'000);
  if (!c.count && !c.min && !c.max) throw Bad{path, "needs \"count\", \"min\" or \"max\""};
  if (c.count && (c.min || c.max)) throw Bad{o.sub("count"), "\"count\" excludes \"min\" and \"max\""};
  if (c.min && c.max && *c.min > *c.max) throw Bad{o.sub("max"), "must not be below \"min\""};
  return c;
}

GeneratorSpec read_generator(const json& j, const std::string& path, Problems& problems) {
  Obj o(j, path, &problems, {"properties", "days", "stays_per_property", "outages", "max_outage_hours", "probes_per_booking",
                  "timezones", "seed"});
  GeneratorSpec g;
  g.json_path = path;
  if (auto v = o.opt_int("properties", 1, 5000)) g.properties = *v;
  if (auto v = o.opt_int("days", 1, 3660)) g.days = *v;
  if (auto v = o.opt_int("stays_per_property", 1, 1000)) g.stays_per_property = *v;
  if (auto v = o.opt_int("outages", 0, 100000)) g.outages = *v;
  if (auto v = o.opt_int("max_outage_hours", 1, 12)) g.max_outage_hours = *v;
  if (auto v = o.opt_int("probes_per_booking", 0, 2)) g.probes_per_booking = *v;
  if (o.has("timezones")) {
    g.timezones.clear();
    o.array("timezones", [&](const json& v, const std::string& p) {
      auto name = Obj::as_string(v, p);
      if (!Zone::locate(name)) throw Bad{p, fmt::format("unknown time zone \"{}\"", name)};
      g.timezones.push_back(name);
    });
    if (g.timezones.empty()) throw Bad{o.sub("timezones"), "must not be empty"};
  }
  if (o.has("seed")) {
    const auto& s = o.at("seed");
    if (!s.is_number_unsigned() && !(s.is_number_integer() && s.get<long long>() >= 0))
      throw Bad{o.sub("seed"), "must be a non-negative integer"};
    g.seed = s.get<std::uint64_t>();
  }
  if (g.stays_per_property * 2 > g.days + 1)
    throw Bad{o.sub("stays_per_property"), fmt::format("{} stays do not fit in {} days (at most one every two days)",
                                                       g.stays_per_property, g.days)};
  return g;
}

// Ids written anywhere in the scenario for bookings, read from the raw JSON so a
// booking whose own entry has a mistake still counts as declared (its mistake is
// reported once, not again by every expectation that names it).
std::set<std::string> declared_bookings(const json& j) {
  std::set<std::string> ids;
  if (j.contains("bookings") && j.at("bookings").is_array())
    for (const auto& b : j.at("bookings"))
      if (b.is_object() && b.contains("id") && b.at("id").is_string()) ids.insert(b.at("id").get<std::string>());
  if (j.contains("timeline") && j.at("timeline").is_array())
    for (const auto& e : j.at("timeline"))
      if (e.is_object() && e.contains("do") && e.at("do") == "put_booking" && e.contains("booking") &&
          e.at("booking").is_string())
        ids.insert(e.at("booking").get<std::string>());
  return ids;
}

// Ids of faults switched on in the timeline, from the raw JSON (as above).
std::set<std::string> declared_faults(const json& j) {
  std::set<std::string> ids;
  if (j.contains("timeline") && j.at("timeline").is_array())
    for (const auto& e : j.at("timeline"))
      if (e.is_object() && e.contains("do") && e.at("do") == "fault_on" && e.contains("id") && e.at("id").is_string())
        ids.insert(e.at("id").get<std::string>());
  return ids;
}

// A tag: what `--tag` selects by. One word, so a list of them can be written
// with commas or spaces on a command line.
std::string read_tag(const json& v, const std::string& path) {
  auto tag = Obj::as_string(v, path);
  if (tag.empty()) throw Bad{path, "must not be empty"};
  for (unsigned char c : tag)
    if (c <= ' ' || c == ',' || c == 0x7F)
      throw Bad{path, fmt::format("\"{}\" has a space, comma or control character (a tag is one word)", tag)};
  return tag;
}

// A world file named by a scenario, read with the same bounded parser as the
// scenario itself.
mock::World read_world_file(const std::filesystem::path& path, const std::string& json_path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Bad{json_path, fmt::format("world file {} cannot be read", path.string()), ErrorCode::io_error};
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = json_input::parse(text.str());
  if (!parsed)
    throw Bad{json_path, fmt::format("world file {}", format_parse_error(path.string(), text.str(), parsed.error()))};
  auto world = mock::world_from_json(*parsed);
  if (!world) {
    const auto& f = world.error().field;
    throw Bad{json_path, fmt::format("world file {}: {}{}", path.string(), f.empty() ? "" : f + ": ",
                                     world.error().message)};
  }
  return std::move(*world);
}

Scenario read_scenario(const json& j, const std::string& path, const std::filesystem::path& file, Problems& problems) {
  Obj o(j, path, &problems,
        {"$schema", "name", "description", "tags", "expect_lockout", "rules", "start", "end", "world", "seed", "profile",
         "tick_cadence_minutes", "connect", "properties", "locks", "bookings", "timeline", "probes", "expect", "calls",
         "generator"});
  Scenario s;
  s.file = file.string();
  s.json_path = path;
  auto attempt = [&](auto&& f) { return problems.attempt(f); };
  attempt([&] {
    if (o.has("$schema")) Obj::as_string(o.at("$schema"), o.sub("$schema"));
  });
  attempt([&] {
    s.name = o.str("name");
    if (s.name.empty()) throw Bad{o.sub("name"), "must not be empty"};
  });
  attempt([&] { s.description = o.str_or("description", ""); });
  attempt([&] {
    o.array("tags", [&](const json& v, const std::string& p) {
      auto tag = read_tag(v, p);
      if (std::find(s.tags.begin(), s.tags.end(), tag) != s.tags.end()) throw Bad{p, fmt::format("tag \"{}\" listed twice", tag)};
      s.tags.push_back(std::move(tag));
    }, &problems);
  });
  attempt([&] {
    if (!o.has("expect_lockout")) return;
    std::vector<std::string> causes;
    o.array("expect_lockout", [&](const json& v, const std::string& p) {
      const std::string cause = Obj::as_string(v, p);
      if (std::none_of(std::begin(kLockoutCauses), std::end(kLockoutCauses), [&](const char* c) { return cause == c; }))
        throw Bad{p, fmt::format("unknown lockout cause \"{}\" (one of not_yet_made, outage, failed_code, "
                                 "deleted_early, drifted_lock)", cause)};
      if (std::find(causes.begin(), causes.end(), cause) != causes.end())
        throw Bad{p, fmt::format("cause \"{}\" listed twice", cause)};
      causes.push_back(cause);
    }, &problems);
    s.expect_lockout = std::move(causes);
  });
  attempt([&] {
    if (!o.has("rules")) throw Bad{o.sub("rules"), "required field missing"};
    o.array("rules", [&](const json& v, const std::string& p) {
      auto id = rule_id(v, p);
      if (std::find(s.rules.begin(), s.rules.end(), id) != s.rules.end()) throw Bad{p, fmt::format("rule {} listed twice", id)};
      s.rules.push_back(id);
    }, &problems);
    if (o.at("rules").is_array() && o.at("rules").empty())
      throw Bad{o.sub("rules"), "must name at least one rule of behaviour.md"};
  });
  // Without a readable start, checks against it would only add noise: s.start
  // stays at the epoch, before everything.
  attempt([&] { s.start = o.instant("start"); });
  attempt([&] {
    s.end = o.opt_instant("end");
    if (s.end && *s.end < s.start) throw Bad{o.sub("end"), "must not be before \"start\""};
  });

  bool world_ok = attempt([&] {
    if (!o.has("world")) return;
    const auto& w = o.at("world");
    if (w.is_string()) {
      s.world_file = w.get<std::string>();
      auto world_path = std::filesystem::path(s.world_file);
      if (world_path.is_relative()) world_path = file.parent_path() / world_path;
      s.world = read_world_file(world_path, o.sub("world"));
    } else if (w.is_object()) {
      auto world = mock::world_from_json(w);
      if (!world) {
        const auto& f = world.error().field;
        throw Bad{f.empty() ? o.sub("world") : join(o.sub("world"), f), world.error().message};
      }
      s.world = std::move(*world);
    } else {
      throw Bad{o.sub("world"), "must be a world object or the path of a world file"};
    }
  });
  attempt([&] {
    if (!o.has("seed")) return;
    const auto& v = o.at("seed");
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<long long>() >= 0))
      throw Bad{o.sub("seed"), "must be a non-negative integer"};
    s.seed = v.get<std::uint64_t>();
  });
  attempt([&] {
    if (!o.has("profile")) return;
    auto profile = profile_from_json(o.at("profile"));
    if (!profile) {
      const auto& f = profile.error().field;
      throw Bad{f.empty() ? o.sub("profile") : join(o.sub("profile"), f), profile.error().message};
    }
    s.profile = *profile;
  });
  attempt([&] {
    if (auto v = o.opt_int("tick_cadence_minutes", 1, 1440)) s.tick_cadence_minutes = *v;
  });

  // Setup, in the documented order: connect, properties, locks, bookings.
  std::vector<Event> setup;
  bool connect = true;
  std::string client_id(default_client_id), client_secret(default_client_secret);
  attempt([&] {
    if (!o.has("connect")) return;
    const auto& c = o.at("connect");
    if (c.is_boolean()) {
      connect = c.get<bool>();
    } else {
      Obj co(c, o.sub("connect"), &problems, {"client_id", "client_secret"});
      client_id = co.str_or("client_id", client_id);
      client_secret = co.str_or("client_secret", client_secret);
    }
  });
  if (connect) {
    Event e;
    e.kind = EventKind::connect;
    e.at = s.start;
    e.json_path = o.sub("connect");
    e.client_id = client_id;
    e.client_secret = client_secret;
    setup.push_back(e);
  }
  attempt([&] {
    o.array("properties", [&](const json& v, const std::string& p) {
      Obj po(v, p, &problems, {"id", "timezone"});
      PropertySpec prop{po.str("id"), po.str("timezone")};
      for (const auto& other : s.properties)
        if (other.id == prop.id) throw Bad{po.sub("id"), fmt::format("property \"{}\" listed twice", prop.id)};
      s.properties.push_back(prop);
      Event e;
      e.kind = EventKind::put_property;
      e.at = s.start;
      e.json_path = p;
      e.property_id = prop.id;
      e.timezone = prop.timezone;
      setup.push_back(e);
    }, &problems);
  });
  attempt([&] {
    o.array("locks", [&](const json& v, const std::string& p) {
      Obj lo(v, p, &problems, {"property", "lock", "brand", "days_before", "margin_minutes", "code_source"});
      LockSpec lock;
      lock.property = lo.str("property");
      lock.lock = lo.str("lock");
      lock.brand = lo.str_or("brand", "igloohome");
      lock.settings = read_settings(lo);
      s.locks.push_back(lock);
      Event e;
      e.kind = EventKind::assign_lock;
      e.at = s.start;
      e.json_path = p;
      e.property_id = lock.property;
      e.lock_id = lock.lock;
      e.brand = lock.brand;
      setup.push_back(e);
      if (lock.settings.days_before || lock.settings.margin_minutes || lock.settings.code_source) {
        Event c = e;
        c.kind = EventKind::configure_lock;
        c.config = lock.settings;
        setup.push_back(c);
      }
    }, &problems);
  });
  std::vector<Event> bookings;
  attempt([&] {
    o.array("bookings", [&](const json& v, const std::string& p) {
      Obj bo(v, p, &problems, {"id", "property", "checkin", "checkout", "guest_phone", "booked_at"});
      Event e;
      e.kind = EventKind::put_booking;
      e.json_path = p;
      e.booking.booking_id = bo.str("id");
      e.booking.property_id = bo.str("property");
      e.booking.checkin = bo.str("checkin");
      e.booking.checkout = bo.str("checkout");
      e.booking.guest_phone = bo.opt_str("guest_phone");
      e.booking_id = e.booking.booking_id;
      e.at = bo.opt_instant("booked_at").value_or(s.start);
      if (e.at < s.start) throw Bad{bo.sub("booked_at"), "must not be before the scenario's \"start\""};
      bookings.push_back(e);
    }, &problems);
  });

  std::map<std::string, std::string> faults_on;
  std::vector<Event> timeline;
  attempt([&] {
    o.array("timeline", [&](const json& v, const std::string& p) {
      auto e = read_event(v, p, faults_on, problems);
      if (e.at < s.start) throw Bad{join(p, "at"), "must not be before the scenario's \"start\""};
      timeline.push_back(std::move(e));
    }, &problems);
  });
  // A fault switched off must have been switched on before (or at the same instant, earlier in the list).
  {
    const auto faults = declared_faults(j);
    std::map<std::string, Instant> on_at;
    for (const auto& e : timeline)
      if (e.kind == EventKind::fault_on) on_at[e.fault_id] = e.at;
    std::set<std::string> off;
    for (const auto& e : timeline) {
      if (e.kind != EventKind::fault_off) continue;
      attempt([&] {
        auto it = on_at.find(e.fault_id);
        if (it == on_at.end()) {
          if (faults.contains(e.fault_id)) return;  // its fault_on has a mistake of its own
          throw Bad{join(e.json_path, "id"), fmt::format("no fault_on with id \"{}\"", e.fault_id)};
        }
        if (e.at < it->second)
          throw Bad{join(e.json_path, "at"), fmt::format("fault \"{}\" is switched off before it is switched on", e.fault_id)};
        if (!off.insert(e.fault_id).second)
          throw Bad{join(e.json_path, "id"), fmt::format("fault \"{}\" is switched off twice", e.fault_id)};
      });
    }
  }
  s.timeline = std::move(setup);
  s.timeline.insert(s.timeline.end(), bookings.begin(), bookings.end());
  s.timeline.insert(s.timeline.end(), timeline.begin(), timeline.end());
  std::stable_sort(s.timeline.begin(), s.timeline.end(), [](const Event& a, const Event& b) { return a.at < b.at; });

  attempt([&] {
    o.array("probes", [&](const json& v, const std::string& p) {
      auto probe = read_probe(v, p, problems);
      if (probe.at < s.start) throw Bad{join(p, "at"), "must not be before the scenario's \"start\""};
      s.probes.push_back(std::move(probe));
    }, &problems);
  });
  std::stable_sort(s.probes.begin(), s.probes.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
  attempt([&] {
    o.array("expect", [&](const json& v, const std::string& p) { s.expectations.push_back(read_expectation(v, p, problems)); },
            &problems);
  });
  attempt([&] {
    o.array("calls", [&](const json& v, const std::string& p) { s.calls.push_back(read_call(v, p, problems)); }, &problems);
  });

  // References to bookings must name a booking of the scenario: a typo would make
  // an expectation check the wrong thing (or nothing).
  const auto booking_ids = declared_bookings(j);
  for (const auto& x : s.expectations) {
    attempt([&] {
      if (!booking_ids.contains(x.booking))
        throw Bad{join(x.json_path, "booking"), fmt::format("no booking \"{}\" in this scenario", x.booking)};
    });
    attempt([&] {
      if (x.code_differs_from && !booking_ids.contains(*x.code_differs_from))
        throw Bad{join(x.json_path, "code_differs_from"), fmt::format("no booking \"{}\" in this scenario", *x.code_differs_from)};
    });
    attempt([&] {
      if (x.at && s.end && *x.at > *s.end) throw Bad{join(x.json_path, "at"), "after the scenario's \"end\""};
      if (x.at && *x.at < s.start) throw Bad{join(x.json_path, "at"), "before the scenario's \"start\""};
    });
  }
  for (const auto& p : s.probes)
    attempt([&] {
      if (!p.booking.empty() && !booking_ids.contains(p.booking))
        throw Bad{join(p.json_path, "booking"), fmt::format("no booking \"{}\" in this scenario", p.booking)};
    });
  if (s.end) {
    for (const auto& e : s.timeline)
      attempt([&] {
        if (e.at > *s.end) throw Bad{join(e.json_path, "at"), "after the scenario's \"end\""};
      });
    for (const auto& p : s.probes)
      attempt([&] {
        if (p.at > *s.end) throw Bad{join(p.json_path, "at"), "after the scenario's \"end\""};
      });
  }

  if (o.has("generator")) {
    for (auto key : {"properties", "locks", "bookings", "timeline", "probes", "expect"})
      if (o.has(key)) problems.add(Bad{o.sub(key), "a generator scenario cannot also list this"});
    attempt([&] { s.generator = read_generator(o.at("generator"), o.sub("generator"), problems); });
  }

  // The setup judged as a participant would (a world that did not load has
  // already been reported: nothing to check the locks against).
  if (world_ok) {
    const mock::World world = s.world ? *s.world : mock::default_world();
    check_setup(s, o.sub("timeline"), world, problems);
  }
  return s;
}

// Where a problem is, for a message: "file: path" or, when the line is known
// (YAML), "file:line: path".
std::string locate(const Bad& bad, std::string_view file, const yaml_input::Document* lines) {
  const std::string name = file.empty() ? "(scenario)" : std::string(file);
  const std::string path = bad.path.empty() ? "(top level)" : bad.path;
  if (lines)
    if (auto line = lines->line_of(bad.path == "(top level)" ? "" : bad.path); line > 0)
      return fmt::format("{}:{}: {}", name, line, path);
  return fmt::format("{}: {}", name, path);
}

// Every problem on its own line ("file: path: reason"), the first one's path in
// Error::field; a count last when there are several.
Error to_error(const Problems& problems, std::string_view file, const yaml_input::Document* lines) {
  // With lines known (YAML), in the order of the file; else in reading order.
  std::vector<Bad> list = problems.list();
  if (lines)
    std::stable_sort(list.begin(), list.end(), [&](const Bad& a, const Bad& b) {
      return lines->line_of(a.path) < lines->line_of(b.path);
    });
  std::string message;
  for (const auto& bad : list) {
    if (!message.empty()) message += '\n';
    message += fmt::format("{}: {}", locate(bad, file, lines), cut(bad.reason, 500));
  }
  const std::string name = file.empty() ? "(scenario)" : std::string(file);
  if (list.size() >= Problems::kMax)
    message += fmt::format("\n{}: stopped after {} problems; fix these and load it again", name, list.size());
  else if (list.size() > 1)
    message += fmt::format("\n{}: {} problems", name, list.size());
  // io_error when a file it names cannot be read, else the first problem's code.
  auto code = list.front().code;
  for (const auto& bad : list)
    if (bad.code == ErrorCode::io_error) code = ErrorCode::io_error;
  return Error(code, std::move(message), list.front().path);
}

Result<std::vector<Scenario>> read_document(const json& j, std::string_view file, const yaml_input::Document* lines) {
  Problems problems;
  std::vector<Scenario> out;
  const std::filesystem::path path(file);
  try {
    // Built in code and handed over, a value may be deeper than any file allows:
    // refused before anything recurses over it.
    if (deeper_than(j, json_input::kMaxDepth))
      problems.add(Bad{"(top level)", fmt::format("nested deeper than {} levels", json_input::kMaxDepth)});
    else if (j.is_array()) {
      if (j.empty()) problems.add(Bad{"(top level)", "an empty suite"});
      for (std::size_t i = 0; i < j.size(); ++i)
        problems.attempt([&] { out.push_back(read_scenario(j[i], at_index("", i), path, problems)); });
    } else {
      problems.attempt([&] { out.push_back(read_scenario(j, "", path, problems)); });
    }
    std::map<std::string, std::string> seen;
    for (const auto& s : out) {
      if (s.name.empty()) continue;
      auto [it, fresh] = seen.emplace(s.name, s.json_path);
      if (!fresh) problems.add(Bad{join(s.json_path, "name"), fmt::format("scenario name \"{}\" used twice", s.name)});
    }
  } catch (const TooManyProblems&) {
  }
  if (!problems.empty()) return std::unexpected(to_error(problems, file, lines));
  return out;
}

}  // namespace
}  // namespace detail

Result<std::vector<Scenario>> parse_scenarios(const json& j, std::string_view file) {
  return detail::read_document(j, file, nullptr);
}

Result<std::vector<Scenario>> parse_scenarios_text(std::string_view text, std::string_view file) {
  const std::string name = file.empty() ? "(scenario)" : std::string(file);
  if (yaml_input::is_yaml_file(file)) {
    auto doc = yaml_input::parse(text);
    if (!doc) return fail(ErrorCode::invalid_json, detail::format_parse_error(name, text, doc.error()));
    return detail::read_document(doc->value, file, &*doc);
  }
  auto j = json_input::parse(text);
  if (!j) return fail(ErrorCode::invalid_json, detail::format_parse_error(name, text, j.error()));
  return detail::read_document(*j, file, nullptr);
}

Result<std::vector<Scenario>> load_scenario_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::io_error, fmt::format("{}: cannot be read", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenarios_text(text.str(), path.string());
}

bool is_scenario_file(const std::filesystem::path& path) {
  const auto ext = path.extension().string();
  return ext == ".json" || yaml_input::is_yaml_file(path.filename().string());
}

Result<std::vector<Scenario>> load_scenarios(const std::vector<std::filesystem::path>& paths) {
  std::vector<std::filesystem::path> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      std::vector<std::filesystem::path> found;
      for (auto it = std::filesystem::recursive_directory_iterator(p, ec); !ec && it != std::filesystem::recursive_directory_iterator();
           it.increment(ec))
        if (it->is_regular_file() && is_scenario_file(it->path())) found.push_back(it->path());
      if (ec) return fail(ErrorCode::io_error, fmt::format("{}: cannot be listed: {}", p.string(), ec.message()));
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (std::filesystem::exists(p, ec)) {
      files.push_back(p);
    } else {
      return fail(ErrorCode::io_error, fmt::format("{}: no such file or directory", p.string()));
    }
  }
  std::vector<Scenario> all;
  std::map<std::string, std::string> seen;  // name -> file
  for (const auto& f : files) {
    auto loaded = load_scenario_file(f);
    if (!loaded) return std::unexpected(loaded.error());
    for (auto& s : *loaded) {
      auto [it, fresh] = seen.emplace(s.name, s.file);
      if (!fresh)
        return fail(ErrorCode::invalid_argument,
                    fmt::format("{}: {}: scenario name \"{}\" is already used in {}", s.file,
                                detail::join(s.json_path, "name"), s.name, it->second),
                    detail::join(s.json_path, "name"));
      all.push_back(std::move(s));
    }
  }
  return all;
}

}  // namespace lockstep::harness
