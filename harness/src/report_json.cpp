// report.json, schema "lockstep-report/2" (docs/report.schema.json). Key order is
// fixed by construction (ordered_json, written in the order below) and every
// absent value is written as null, so the shape never depends on the data and
// identical runs give identical bytes.
#include <stdexcept>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "lockstep/json_input.hpp"
#include "report_internal.hpp"

namespace lockstep::harness::report {

namespace {

using Json = nlohmann::ordered_json;

Json instant_or_null(const std::optional<Instant>& t) {
  return t ? Json(format_instant(*t)) : Json(nullptr);
}

Json string_or_null(const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); }

Json failure_json(const Failure& f) {
  Json j;
  j["rule"] = f.rule;
  j["booking"] = f.booking;
  j["what"] = f.what;
  j["expected"] = f.expected;
  j["observed"] = f.observed;
  j["message"] = f.message;
  j["at"] = instant_or_null(f.at);
  return j;
}

LockoutTotal lockout_total(const std::vector<LockoutSpan>& spans) {
  LockoutTotal t;
  for (const auto& s : spans) t.add(s);
  return t;
}

Json lockout_json(const LockoutTotal& t) {
  Json by = Json::object();
  for (const auto& [cause, minutes] : t.by_cause) by[cause] = minutes;  // std::map: sorted
  return Json{{"minutes", t.minutes}, {"by_cause", by}};
}

Json probe_json(const DoorProbe& p) {
  return Json{{"at", format_instant(p.at)},
              {"lock", p.lock},
              {"booking", p.booking},
              {"expected_open", p.expected_open ? Json(*p.expected_open) : Json(nullptr)},
              {"opened", p.opened},
              {"reason", p.reason}};
}

Json booking_json(const BookingTimeline& b) {
  Json j;
  j["id"] = b.id;
  j["property"] = b.property;
  j["lock"] = b.lock;
  j["bridge"] = b.bridge;
  j["timezone"] = b.timezone;
  j["checkin_local"] = b.checkin_local;
  j["checkout_local"] = b.checkout_local;
  j["checkin"] = instant_or_null(b.checkin);
  j["checkout"] = instant_or_null(b.checkout);
  j["valid_from"] = instant_or_null(b.valid_from);
  j["valid_until"] = instant_or_null(b.valid_until);
  j["booked_at"] = instant_or_null(b.booked_at);
  j["cancelled_at"] = instant_or_null(b.cancelled_at);
  j["generate_at"] = instant_or_null(b.generate_at);
  j["retry_deadline"] = instant_or_null(b.retry_deadline);
  j["status"] = b.status;
  j["code"] = string_or_null(b.code);
  j["kind"] = b.kind;
  j["source"] = b.source;
  j["fallback"] = b.fallback;
  j["created_at"] = instant_or_null(b.created_at);
  j["deleted_at"] = instant_or_null(b.deleted_at);
  j["attempts"] = Json::array();
  for (const auto& a : b.attempts)
    j["attempts"].push_back(Json{{"at", format_instant(a.at)}, {"ok", a.ok}, {"detail", a.detail}});
  j["audit"] = Json::array();
  for (const auto& a : b.audit)
    j["audit"].push_back(
        Json{{"at", format_instant(a.at)}, {"kind", a.kind}, {"rule", a.rule}, {"message", a.message}});
  j["notices"] = Json::array();
  for (const auto& n : b.notices)
    j["notices"].push_back(
        Json{{"at", format_instant(n.at)}, {"code", n.code}, {"rule", n.rule}, {"message", n.message}});
  j["probes"] = Json::array();
  for (const auto& p : b.probes) j["probes"].push_back(probe_json(p));
  j["lockouts"] = Json::array();
  for (const auto& l : b.lockouts)
    j["lockouts"].push_back(Json{{"from", format_instant(l.from)},
                                 {"until", format_instant(l.until)},
                                 {"cause", l.cause},
                                 {"minutes", l.minutes()}});
  j["lockout_minutes"] = lockout_total(b.lockouts).minutes;
  // conform: the reference's lane for the same booking; null in run and explore.
  j["reference"] = b.reference.empty() ? Json(nullptr) : booking_json(b.reference.front());
  return j;
}

Json scenario_json(const ScenarioResult& full, const ReportOptions& options) {
  const ScenarioResult r = detail::lean_for_json(full, options);
  Json j;
  j["name"] = r.name;
  j["file"] = r.file;
  j["description"] = r.description;
  j["verdict"] = std::string(to_string(r.verdict));
  j["rules"] = r.rules;
  j["replay"] = r.replay;
  j["seed"] = r.seed ? Json(*r.seed) : Json(nullptr);
  j["first"] = instant_or_null(r.first);
  j["last"] = instant_or_null(r.last);
  if (options.include_wall_clock) j["duration_ms"] = r.duration_ms ? Json(*r.duration_ms) : Json(nullptr);
  j["failures"] = Json::array();
  for (const auto& f : r.failures) j["failures"].push_back(failure_json(f));
  j["error"] = r.error;
  j["stderr_tail"] = r.stderr_tail;
  j["skipped"] = r.skipped;
  j["known_divergences"] = Json::array();
  for (const auto& k : r.known_divergences) {
    Json kj = failure_json(k.divergence);
    kj["note"] = k.note;
    kj["disappeared"] = k.disappeared;
    j["known_divergences"].push_back(std::move(kj));
  }
  j["lockout"] = lockout_json(lockout_of(r));
  j["bookings"] = Json::array();
  for (const auto& b : r.bookings) j["bookings"].push_back(booking_json(b));
  j["outages"] = Json::array();
  for (const auto& o : r.outages)
    j["outages"].push_back(Json{{"kind", o.kind},
                                {"target", o.target},
                                {"from", format_instant(o.from)},
                                {"until", instant_or_null(o.until)}});
  j["probes"] = Json::array();
  for (const auto& p : r.probes) j["probes"].push_back(probe_json(p));
  if (r.omitted.any())
    j["omitted"] = Json{{"bookings", r.omitted.bookings},
                        {"probes", r.omitted.probes},
                        {"bookings_by_status", r.omitted.bookings_by_status}};
  return j;
}

// --- reading back -----------------------------------------------------------

struct Invalid : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Reader {
 public:
  Reader(const Json& j, std::string path) : j_(j), path_(std::move(path)) {}

  Reader at(std::string_view key) const {
    const auto p = fmt::format("{}.{}", path_, key);
    if (!j_.is_object()) throw Invalid(fmt::format("{}: expected an object", path_));
    auto it = j_.find(std::string(key));
    if (it == j_.end()) throw Invalid(fmt::format("{}: missing", p));
    return Reader(*it, p);
  }
  bool has(std::string_view key) const { return j_.is_object() && j_.contains(std::string(key)); }
  bool is_null() const { return j_.is_null(); }

  std::string str() const {
    if (!j_.is_string()) throw Invalid(fmt::format("{}: expected a string", path_));
    return j_.get<std::string>();
  }
  bool boolean() const {
    if (!j_.is_boolean()) throw Invalid(fmt::format("{}: expected true or false", path_));
    return j_.get<bool>();
  }
  std::int64_t integer() const {
    if (!j_.is_number_integer()) throw Invalid(fmt::format("{}: expected an integer", path_));
    return j_.get<std::int64_t>();
  }
  std::uint64_t unsigned_integer() const {
    if (!j_.is_number_unsigned() && !(j_.is_number_integer() && j_.get<std::int64_t>() >= 0))
      throw Invalid(fmt::format("{}: expected a non-negative integer", path_));
    return j_.get<std::uint64_t>();
  }
  Instant instant() const {
    auto t = parse_instant(str());
    if (!t) throw Invalid(fmt::format("{}: {}", path_, t.error().message));
    return *t;
  }
  std::optional<Instant> opt_instant() const { return is_null() ? std::nullopt : std::optional(instant()); }
  std::optional<std::string> opt_str() const { return is_null() ? std::nullopt : std::optional(str()); }

  template <class F>
  void each(F&& f) const {
    if (!j_.is_array()) throw Invalid(fmt::format("{}: expected an array", path_));
    for (std::size_t i = 0; i < j_.size(); ++i) f(Reader(j_[i], fmt::format("{}[{}]", path_, i)));
  }
  std::vector<std::string> strings() const {
    std::vector<std::string> out;
    each([&](const Reader& r) { out.push_back(r.str()); });
    return out;
  }
  std::map<std::string, int> string_map_of_integers() const {
    if (!j_.is_object()) throw Invalid(fmt::format("{}: expected an object", path_));
    std::map<std::string, int> out;
    for (auto it = j_.begin(); it != j_.end(); ++it) out[it.key()] = static_cast<int>(at(it.key()).integer());
    return out;
  }
  std::map<std::string, std::string> string_map() const {
    if (!j_.is_object()) throw Invalid(fmt::format("{}: expected an object", path_));
    std::map<std::string, std::string> out;
    for (auto it = j_.begin(); it != j_.end(); ++it) out[it.key()] = at(it.key()).str();
    return out;
  }

 private:
  const Json& j_;
  std::string path_;
};

Verdict verdict_of(const Reader& r) {
  const auto s = r.str();
  for (auto v : {Verdict::pass, Verdict::fail, Verdict::error, Verdict::skip})
    if (s == to_string(v)) return v;
  throw Invalid(fmt::format("verdict '{}' is not PASS, FAIL, ERROR or SKIP", s));
}

Failure read_failure(const Reader& r) {
  return Failure{.rule = r.at("rule").str(),
                 .booking = r.at("booking").str(),
                 .what = r.at("what").str(),
                 .expected = r.at("expected").str(),
                 .observed = r.at("observed").str(),
                 .message = r.at("message").str(),
                 .at = r.at("at").opt_instant()};
}

DoorProbe read_probe(const Reader& p) {
  DoorProbe probe;
  probe.at = p.at("at").instant();
  probe.lock = p.at("lock").str();
  probe.booking = p.at("booking").str();
  if (!p.at("expected_open").is_null()) probe.expected_open = p.at("expected_open").boolean();
  probe.opened = p.at("opened").boolean();
  probe.reason = p.at("reason").str();
  return probe;
}

BookingTimeline read_booking(const Reader& r) {
  BookingTimeline b;
  b.id = r.at("id").str();
  b.property = r.at("property").str();
  b.lock = r.at("lock").str();
  if (r.has("bridge")) b.bridge = r.at("bridge").str();  // absent in reports written before it existed
  b.timezone = r.at("timezone").str();
  b.checkin_local = r.at("checkin_local").str();
  b.checkout_local = r.at("checkout_local").str();
  b.checkin = r.at("checkin").opt_instant();
  b.checkout = r.at("checkout").opt_instant();
  b.valid_from = r.at("valid_from").opt_instant();
  b.valid_until = r.at("valid_until").opt_instant();
  b.booked_at = r.at("booked_at").opt_instant();
  b.cancelled_at = r.at("cancelled_at").opt_instant();
  b.generate_at = r.at("generate_at").opt_instant();
  b.retry_deadline = r.at("retry_deadline").opt_instant();
  b.status = r.at("status").str();
  b.code = r.at("code").opt_str();
  b.kind = r.at("kind").str();
  b.source = r.at("source").str();
  b.fallback = r.at("fallback").str();
  b.created_at = r.at("created_at").opt_instant();
  b.deleted_at = r.at("deleted_at").opt_instant();
  r.at("attempts").each([&](const Reader& a) {
    b.attempts.push_back({a.at("at").instant(), a.at("ok").boolean(), a.at("detail").str()});
  });
  r.at("audit").each([&](const Reader& a) {
    b.audit.push_back({a.at("at").instant(), a.at("kind").str(), a.at("rule").str(), a.at("message").str()});
  });
  r.at("notices").each([&](const Reader& a) {
    b.notices.push_back({a.at("at").instant(), a.at("code").str(), a.at("rule").str(), a.at("message").str()});
  });
  r.at("probes").each([&](const Reader& p) { b.probes.push_back(read_probe(p)); });
  r.at("lockouts").each([&](const Reader& l) {
    b.lockouts.push_back({l.at("from").instant(), l.at("until").instant(), l.at("cause").str()});
  });
  if (!r.at("reference").is_null()) b.reference.push_back(read_booking(r.at("reference")));
  return b;
}

ScenarioResult read_scenario(const Reader& r) {
  ScenarioResult s;
  s.name = r.at("name").str();
  s.file = r.at("file").str();
  s.description = r.at("description").str();
  s.verdict = verdict_of(r.at("verdict"));
  s.rules = r.at("rules").strings();
  s.replay = r.at("replay").str();
  if (!r.at("seed").is_null()) s.seed = r.at("seed").unsigned_integer();
  s.first = r.at("first").opt_instant();
  s.last = r.at("last").opt_instant();
  if (r.has("duration_ms") && !r.at("duration_ms").is_null()) s.duration_ms = r.at("duration_ms").integer();
  r.at("failures").each([&](const Reader& f) { s.failures.push_back(read_failure(f)); });
  s.error = r.at("error").str();
  s.stderr_tail = r.at("stderr_tail").str();
  s.skipped = r.at("skipped").strings();
  r.at("known_divergences").each([&](const Reader& k) {
    s.known_divergences.push_back({read_failure(k), k.at("note").str(), k.at("disappeared").boolean()});
  });
  r.at("bookings").each([&](const Reader& b) { s.bookings.push_back(read_booking(b)); });
  r.at("outages").each([&](const Reader& o) {
    s.outages.push_back({o.at("kind").str(), o.at("target").str(), o.at("from").instant(),
                         o.at("until").opt_instant()});
  });
  r.at("probes").each([&](const Reader& p) { s.probes.push_back(read_probe(p)); });
  if (r.has("omitted")) {
    const auto o = r.at("omitted");
    s.omitted.bookings = static_cast<int>(o.at("bookings").integer());
    s.omitted.probes = static_cast<int>(o.at("probes").integer());
    for (const auto& [status, n] : o.at("bookings_by_status").string_map_of_integers())
      s.omitted.bookings_by_status[status] = n;
  }
  return s;
}

}  // namespace

namespace detail {

std::string render_json_from(const ScrubbedInput& input, const RunSummary& summary, const ReportOptions& options) {
  const RunInfo& run = input.run();
  const std::span<const ScenarioResult> results = input.results();
  Json doc;
  doc["schema_version"] = std::string(schema_version);
  Json& r = doc["run"];
  r["tool"] = run.tool;
  if (options.include_wall_clock) {
    // run ids are usually made from the clock, so they count as wall clock too.
    r["run_id"] = run.run_id;
    r["started_at"] = instant_or_null(run.started_at);
  }
  r["subject"] = run.subject;
  r["seed"] = run.seed;
  r["options"] = Json::object();
  for (const auto& [key, value] : run.options) r["options"][key] = value;  // std::map: sorted
  r["tz_database_version"] = run.tz_database_version;
  r["lockstep_version"] = run.lockstep_version;
  r["command_line"] = run.command_line;
  if (run.shard_count > 1) r["shard"] = Json{{"index", run.shard_index}, {"count", run.shard_count}};
  if (!run.rules_in_other_shards.empty()) r["rules_in_other_shards"] = run.rules_in_other_shards;
  if (!run.rules_not_selected.empty()) r["rules_not_selected"] = run.rules_not_selected;
  r["interrupted"] = run.interrupted;
  r["not_run"] = run.not_run;

  Json& s = doc["summary"];
  s["total"] = summary.total;
  s["passed"] = summary.passed;
  s["failed"] = summary.failed;
  s["errors"] = summary.errors;
  s["skipped"] = summary.skipped;
  s["lockout"] = lockout_json(summary.lockout);
  if (options.include_wall_clock)
    s["duration_ms"] = summary.duration_ms ? Json(*summary.duration_ms) : Json(nullptr);

  doc["rule_coverage"] = Json::array();
  for (const auto& c : rule_coverage(results, run)) {
    Json row{{"rule", c.rule},         {"in_behaviour_md", c.known}, {"scenarios", c.scenarios.size()},
             {"passed", c.passed},     {"failed", c.failed},         {"errors", c.errors},
             {"skipped", c.skipped}};
    if (!c.elsewhere.empty()) row["elsewhere"] = c.elsewhere;
    doc["rule_coverage"].push_back(std::move(row));
  }

  doc["scenarios"] = Json::array();
  for (const auto& result : results) doc["scenarios"].push_back(scenario_json(result, options));

  // Invalid UTF-8 was replaced while scrubbing, so dump cannot throw here.
  return final_scrub(doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", options);
}

}  // namespace detail

Result<ReportDocument> parse_json_report(std::string_view text) {
  auto parsed = json_input::parse(text);
  if (!parsed) return fail(ErrorCode::invalid_json, "report is not JSON: " + parsed.error().where_and_what());
  const Json j = std::move(*parsed);
  try {
    const Reader root(j, "$");
    const auto version = root.at("schema_version").str();
    if (version != schema_version)
      return fail(ErrorCode::invalid_json,
                  fmt::format("$.schema_version: '{}' is not '{}'", version, schema_version), "schema_version");
    ReportDocument doc;
    const auto run = root.at("run");
    doc.run.tool = run.at("tool").str();
    if (run.has("run_id")) doc.run.run_id = run.at("run_id").str();
    if (run.has("started_at")) doc.run.started_at = run.at("started_at").opt_instant();
    doc.run.subject = run.at("subject").str();
    doc.run.seed = run.at("seed").unsigned_integer();
    doc.run.options = run.at("options").string_map();
    doc.run.tz_database_version = run.at("tz_database_version").str();
    doc.run.lockstep_version = run.at("lockstep_version").str();
    doc.run.command_line = run.at("command_line").str();
    if (run.has("shard")) {
      const auto shard = run.at("shard");
      doc.run.shard_index = static_cast<int>(shard.at("index").integer());
      doc.run.shard_count = static_cast<int>(shard.at("count").integer());
      if (doc.run.shard_count < 1 || doc.run.shard_index < 0 || doc.run.shard_index >= doc.run.shard_count)
        throw Invalid(fmt::format("$.run.shard: index {} is not below count {}", doc.run.shard_index,
                                  doc.run.shard_count));
    }
    if (run.has("rules_in_other_shards")) doc.run.rules_in_other_shards = run.at("rules_in_other_shards").strings();
    if (run.has("rules_not_selected")) doc.run.rules_not_selected = run.at("rules_not_selected").strings();
    doc.run.interrupted = run.at("interrupted").boolean();
    doc.run.not_run = run.at("not_run").strings();
    const auto summary = root.at("summary");
    doc.summary.total = static_cast<int>(summary.at("total").integer());
    doc.summary.passed = static_cast<int>(summary.at("passed").integer());
    doc.summary.failed = static_cast<int>(summary.at("failed").integer());
    doc.summary.errors = static_cast<int>(summary.at("errors").integer());
    doc.summary.skipped = static_cast<int>(summary.at("skipped").integer());
    if (summary.has("duration_ms") && !summary.at("duration_ms").is_null())
      doc.summary.duration_ms = summary.at("duration_ms").integer();
    root.at("scenarios").each([&](const Reader& s) { doc.scenarios.push_back(read_scenario(s)); });
    doc.summary.lockout = RunSummary::of(doc.scenarios).lockout;  // derived, as written
    return doc;
  } catch (const Invalid& e) {
    return fail(ErrorCode::invalid_json, e.what());
  } catch (const nlohmann::json::exception& e) {
    return fail(ErrorCode::invalid_json, e.what());
  }
}

}  // namespace lockstep::harness::report
