#include "lockstep/harness/simulation.hpp"

#include <algorithm>
#include <exception>
#include <thread>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#include "lockstep/mock/mock.hpp"
#include "one_cpu.hpp"

namespace lockstep::harness {

using nlohmann::json;

// ---------------------------------------------------------------- MockControl

Result<json> MockControl::call(std::string_view method, std::string target, const json* body) {
  net::Request req;
  req.method(boost::beast::http::string_to_verb(method));
  req.target(target);
  req.version(11);
  req.set(boost::beast::http::field::host, "mock");
  if (body) {
    req.set(boost::beast::http::field::content_type, "application/json");
    req.body() = body->dump();
  }
  req.prepare_payload();
  auto res = admin_.send(std::move(req));
  if (!res)
    return fail(ErrorCode::io_error, fmt::format("mock admin {} {}: {}", method, target, res.error().message));
  const auto status = res->result_int();
  json answer;
  if (!res->body().empty()) {
    answer = json::parse(res->body(), nullptr, false);
    if (answer.is_discarded())
      return fail(ErrorCode::io_error, fmt::format("mock admin {} {}: answer is not JSON ({})", method, target, status));
  }
  if (status < 200 || status > 299) {
    std::string why = answer.is_object() && answer.contains("message") && answer["message"].is_string()
                          ? answer["message"].get<std::string>()
                          : res->body();
    return fail(ErrorCode::io_error, fmt::format("mock admin {} {}: HTTP {}: {}", method, target, status, why));
  }
  return answer;
}

std::unordered_map<std::string_view, std::vector<const Observation*>> observations_by_booking(const Trace& trace) {
  std::unordered_map<std::string_view, std::vector<const Observation*>> out;
  for (const auto& o : trace.observations) out[o.booking].push_back(&o);
  return out;
}

namespace {

// The instants the mock keeps, which its admin API refuses outside of.
bool within_mock_years(Instant t) { return t >= mock::kEarliestInstant && t <= mock::kLatestInstant; }

}  // namespace

Result<void> MockControl::set_now(Instant t) {
  if (direct_ != nullptr) {
    if (!within_mock_years(t))
      return fail(ErrorCode::io_error, "mock admin POST /__admin/clock: HTTP 400: now: outside years 0000-9999");
    direct_->set_now(t);
    return {};
  }
  json body = {{"now", format_instant(t)}};
  auto r = call("POST", "/__admin/clock", &body);
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<std::string> MockControl::add_fault(const json& spec) {
  auto r = call("POST", "/__admin/faults", &spec);
  if (!r) return std::unexpected(r.error());
  if (!r->is_object() || !r->contains("id") || !(*r)["id"].is_string())
    return fail(ErrorCode::io_error, "mock admin POST /__admin/faults: answer has no \"id\"");
  return (*r)["id"].get<std::string>();
}

Result<void> MockControl::remove_fault(const std::string& id) {
  auto r = call("DELETE", "/__admin/faults/" + id, nullptr);
  if (!r) return std::unexpected(r.error());
  return {};
}

Result<DoorResult> MockControl::enter(const std::string& lock_id, const std::string& pin, Instant at) {
  // A mock in this process is asked directly, as for its clock: every probe of
  // a scenario types a PIN, and the admin API's JSON both ways was 9% of `run`
  // over a year of 200 properties. An id the admin path would read as another
  // path, or an instant it would refuse, still takes that path.
  const bool plain_id = !lock_id.empty() && lock_id.find_first_of("/%?#") == std::string::npos;
  if (direct_ != nullptr && plain_id && within_mock_years(at)) {
    const mock::EnterResult result = direct_->enter(lock_id, pin, at);
    if (result.reason == "unknown_lock")
      return fail(ErrorCode::io_error,
                  fmt::format("mock admin POST /__admin/locks/{}/enter: HTTP 404: no lock '{}'", lock_id, lock_id));
    return DoorResult{result.opens, result.reason};
  }
  json body = {{"pin", pin}, {"at", format_instant(at)}};
  auto r = call("POST", "/__admin/locks/" + lock_id + "/enter", &body);
  if (!r) return std::unexpected(r.error());
  DoorResult d;
  if (r->is_object()) {
    d.opens = r->value("opens", false);
    d.reason = r->value("reason", std::string());
  }
  return d;
}

namespace {

bool ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

// The entry's texts as they come back from GET /__admin/requests: written by
// dump() with error_handler_t::replace and parsed again. The bodies are JSON
// the mock parsed and wrote (valid UTF-8 by then), so only the entry's own
// strings can hold bytes the round trip would change; all-ASCII text skips it.
void MockControl::as_the_admin_api_gives(mock::JournalEntry& entry) {
  for (std::string* text : {&entry.method, &entry.path, &entry.query, &entry.client, &entry.transport}) {
    if (ascii(*text)) continue;
    *text = json::parse(json(*text).dump(-1, ' ', false, json::error_handler_t::replace)).get<std::string>();
  }
}

Result<std::size_t> MockControl::journal_size() {
  if (direct_ != nullptr) return direct_->journal_size();
  auto r = call("GET", "/__admin/requests?offset=0&limit=1", nullptr);
  if (!r) return std::unexpected(r.error());
  const auto total = r->is_object() ? r->find("total") : r->end();
  if (total == r->end() || !total->is_number_unsigned())
    return fail(ErrorCode::io_error, "mock admin GET /__admin/requests: answer has no \"total\"");
  return total->get<std::size_t>();
}

// The whole journal, page by page: the mock serves at most a page per request
// (docs/mock.md, "Limits") so that one reader cannot stall the others.
Result<std::vector<mock::JournalEntry>> MockControl::journal() {
  if (direct_ != nullptr) {
    auto all = direct_->journal();
    if (foreign_)
      for (auto& entry : all) as_the_admin_api_gives(entry);
    return all;
  }
  std::vector<mock::JournalEntry> all;
  std::size_t offset = 0;
  for (;;) {
    auto r = call("GET", fmt::format("/__admin/requests?offset={}&limit=10000", offset), nullptr);
    if (!r) return std::unexpected(r.error());
    if (!r->is_object() || !r->contains("requests") || !(*r)["requests"].is_array()) {
      return fail(ErrorCode::io_error, "mock admin GET /__admin/requests: answer has no \"requests\" array");
    }
    for (const auto& e : (*r)["requests"]) all.push_back(mock::JournalEntry::from_json(e));
    const auto next = r->find("next_offset");
    if (next == r->end() || !next->is_number_unsigned() || next->get<std::size_t>() <= offset) return all;
    offset = next->get<std::size_t>();
  }
}

Result<void> MockControl::reset() {
  json body = json::object();
  auto r = call("POST", "/__admin/reset", &body);
  if (!r) return std::unexpected(r.error());
  return {};
}

// ---------------------------------------------------------------- the loop

namespace detail {
namespace {

bool same_code(const CodeReply& a, const CodeReply& b) {
  return a.status == b.status && a.code == b.code && a.kind == b.kind && a.valid_from == b.valid_from &&
         a.valid_until == b.valid_until;
}

// Who holds which lock, as the accepted requests say, over time.
struct Assignments {
  struct Change {
    Instant at;
    std::string property;  // "" with lock "": disconnect (every igloohome assignment dropped)
    std::string lock;      // "" = removed
  };
  std::vector<Change> changes;

  void apply(const Event& e, Instant at) {
    switch (e.kind) {
      case EventKind::assign_lock: changes.push_back({at, e.property_id, e.brand == "igloohome" ? e.lock_id : ""}); break;
      case EventKind::remove_lock: changes.push_back({at, e.property_id, ""}); break;
      case EventKind::disconnect: changes.push_back({at, "", ""}); break;
      default: break;
    }
  }
  std::string lock_at(const std::string& property, Instant at) const {
    std::string lock;
    for (const auto& c : changes) {
      if (c.at > at) break;
      if (c.property.empty()) lock.clear();
      else if (c.property == property) lock = c.lock;
    }
    return lock;
  }
};

Assignments assignments_of(const Scenario& scenario, const Trace& trace) {
  Assignments a;
  for (const auto& c : trace.commands)
    if (!c.error) a.apply(scenario.timeline[c.event_index], c.at);
  return a;
}

class Loop {
 public:
  Loop(const Scenario& s, const ObservationPlan& plan, Participant& p, MockControl& m, const SimulationOptions& o,
       const std::function<bool()>& stop)
      : s_(s), plan_(plan), p_(p), mock_(m), o_(o), stop_(stop) {
    trace_.queries.resize(s_.expectations.size());
    for (std::size_t i = 0; i < s_.expectations.size(); ++i) {
      trace_.queries[i].expectation_index = i;
      if (s_.expectations[i].at) timed_queries_.emplace_back(*s_.expectations[i].at, i);
    }
    std::stable_sort(timed_queries_.begin(), timed_queries_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }

  Trace run() {
    const Instant end = end_of(s_);
    Instant t = s_.start;
    trace_.first = t;
    if (!check(mock_.set_now(t))) return finish(t);
    auto init = p_.init(InitRequest{t, o_.auth_url, o_.api_url});
    if (!init) {
      trace_.error = fmt::format("init refused: {} ({})", init.error().message, init.error().code);
      return finish(t);
    }
    trace_.subject = init->version.empty() ? init->name : init->name + " " + init->version;
    std::size_t next_event = 0, next_probe = 0, next_query = 0;
    auto next_read = plan_.reads.begin();
    std::optional<Instant> wakeup;
    for (std::size_t steps = 0;; ++steps) {
      if (steps >= o_.max_instants) {
        // Named as the cap it is: a scenario spanning more instants than the cap
        // (years of hourly retries) reaches it as surely as a stuck next_wakeup.
        trace_.error = fmt::format("stopped at the cap of {} simulated instants before the end ({} reached, end {}): "
                                   "the scenario spans more instants than the cap, or the participant's next_wakeup "
                                   "does not move virtual time on",
                                   steps, format_instant(t), format_instant(end));
        return finish(t);
      }
      if (stop_ && stop_()) {
        trace_.error = "interrupted";
        return finish(t);
      }
      if (!check(mock_.set_now(t))) return finish(t);
      // Faults switched at t are in force for everything at t.
      for (std::size_t i = next_event; i < s_.timeline.size() && s_.timeline[i].at == t; ++i)
        if (!switch_fault(s_.timeline[i], t)) return finish(t);
      if (!tick(t, wakeup)) return finish(t);
      bool delivered = false;
      for (; next_event < s_.timeline.size() && s_.timeline[next_event].at == t; ++next_event) {
        const auto& e = s_.timeline[next_event];
        if (!is_participant_request(e.kind)) continue;
        deliver(e, next_event, t);
        delivered = true;
        if (!trace_.error.empty()) return finish(t);
      }
      if (delivered && !tick(t, wakeup)) return finish(t);
      // The plan's readings, after the tick that follows the requests.
      if (next_read != plan_.reads.end() && next_read->first == t) {
        for (const auto& b : next_read->second) observe(b, t);
        ++next_read;
      }
      if (t >= end && o_.render_at_end)
        for (const auto& b : plan_.bookings) render_standard(b, t);
      for (; next_probe < s_.probes.size() && s_.probes[next_probe].at == t; ++next_probe)
        if (!probe(next_probe, t)) return finish(t);
      for (; next_query < timed_queries_.size() && timed_queries_[next_query].first == t; ++next_query)
        query(timed_queries_[next_query].second, t);
      if (t >= end) break;
      if (!trace_.error.empty()) return finish(t);

      Instant next = end;
      if (next_event < s_.timeline.size()) next = std::min(next, s_.timeline[next_event].at);
      if (next_probe < s_.probes.size()) next = std::min(next, s_.probes[next_probe].at);
      if (next_query < timed_queries_.size()) next = std::min(next, timed_queries_[next_query].first);
      if (next_read != plan_.reads.end()) next = std::min(next, next_read->first);
      // A wakeup not after now is no wakeup: the cadence, as for null.
      if (wakeup && *wakeup > t) next = std::min(next, *wakeup);
      else next = std::min(next, t + Minutes(std::max(1, s_.tick_cadence_minutes)));
      t = next;
    }
    for (std::size_t i = 0; i < s_.expectations.size(); ++i)
      if (!s_.expectations[i].at) query(i, t);
    return finish(t);
  }

 private:
  template <class T>
  bool check(const Result<T>& r) {
    if (r) return true;
    trace_.error = r.error().message;
    return false;
  }

  Trace finish(Instant t) {
    trace_.last = t;
    if (auto j = mock_.journal()) trace_.journal = std::move(*j);
    else if (trace_.error.empty()) trace_.error = j.error().message;
    return std::move(trace_);
  }

  bool switch_fault(const Event& e, Instant t) {
    if (e.kind == EventKind::fault_on) {
      json spec = e.fault;
      if (o_.fault_seed && spec.contains("probability") && !spec.contains("seed")) spec["seed"] = *o_.fault_seed;
      auto id = mock_.add_fault(spec);
      if (!id) {
        trace_.error = fmt::format("{}: fault \"{}\" refused by the mock: {}", e.json_path, e.fault_id, id.error().message);
        return false;
      }
      mock_ids_[e.fault_id] = *id;
      trace_.faults.push_back({e.fault_id, e.fault, t, std::nullopt});
    } else if (e.kind == EventKind::fault_off) {
      auto it = mock_ids_.find(e.fault_id);
      if (it == mock_ids_.end()) return true;  // the loader makes sure it was switched on
      if (!check(mock_.remove_fault(it->second))) return false;
      mock_ids_.erase(it);
      for (auto& f : trace_.faults)
        if (f.id == e.fault_id && !f.until) f.until = t;
    }
    return true;
  }

  bool tick(Instant t, std::optional<Instant>& wakeup) {
    auto r = p_.tick(t);
    trace_.ticks.push_back(t);
    if (!r) {
      trace_.error = fmt::format("tick at {} failed: {} ({})", format_instant(t), r.error().message, r.error().code);
      return false;
    }
    wakeup = *r;
    return true;
  }

  void deliver(const Event& e, std::size_t index, Instant t) {
    CommandRecord rec{t, index, std::nullopt, std::nullopt};
    if (e.kind == EventKind::connect || e.kind == EventKind::disconnect) {
      auto size = mock_.journal_size();
      if (!size) {
        trace_.error = size.error().message;
        return;
      }
      rec.journal_size = *size;
    }
    Reply<Done> r = Done{};
    switch (e.kind) {
      case EventKind::connect: {
        auto c = p_.connect(e.client_id, e.client_secret);
        if (!c) r = std::unexpected(c.error());
        break;
      }
      case EventKind::disconnect: r = p_.disconnect(); break;
      case EventKind::put_property: r = p_.put_property(e.property_id, e.timezone); break;
      case EventKind::assign_lock: r = p_.assign_lock(e.property_id, e.brand, e.lock_id); break;
      case EventKind::remove_lock: r = p_.remove_lock(e.property_id); break;
      case EventKind::configure_lock: r = p_.configure_lock(e.lock_id, e.config); break;
      case EventKind::put_booking: r = p_.put_booking(e.booking); break;
      case EventKind::cancel_booking: r = p_.cancel_booking(e.booking_id); break;
      default: return;
    }
    if (!r) {
      rec.error = r.error();
      if (r.error().code == "protocol_error") trace_.error = r.error().message;
    } else {
      assignments_.apply(e, t);
      if (e.kind == EventKind::put_booking) {
        trace_.booked_at.try_emplace(e.booking_id, t);
        trace_.property_of[e.booking_id] = e.booking.property_id;
      }
      if (e.kind == EventKind::cancel_booking) trace_.cancelled_at.try_emplace(e.booking_id, t);
    }
    trace_.commands.push_back(std::move(rec));
  }

  std::string lock_of(const std::string& booking, Instant t) const {
    auto prop = trace_.property_of.find(booking);
    return prop == trace_.property_of.end() ? std::string() : assignments_.lock_at(prop->second, t);
  }

  // A planned get_code. A booking the participant never accepted answers
  // not_found, which is recorded like any reply.
  void observe(const std::string& booking, Instant t) {
    Observation o{t, booking, lock_of(booking, t), p_.get_code(booking)};
    if (!o.code && o.code.error().code == "protocol_error") trace_.error = o.code.error().message;
    if (o.code) {
      auto& last = last_code_[booking];
      if (!last || !same_code(*last, *o.code)) {
        last = *o.code;
        trace_.snapshots.push_back({t, booking, *o.code});
      }
      history_[booking].emplace_back(t, o.code->code);
    }
    trace_.observations.push_back(std::move(o));
  }

  void render_standard(const std::string& booking, Instant t) {
    static constexpr std::string_view standard_template = "Your door code: {{smartlock_code}}";
    RenderRecord r{t, booking, std::string(standard_template), p_.render(booking, std::string(standard_template)),
                   code_as_of(booking, t)};
    trace_.renders.push_back(std::move(r));
  }

  std::optional<std::string> code_as_of(const std::string& booking, Instant at) const {
    std::optional<std::string> code;
    auto it = history_.find(booking);
    if (it == history_.end()) return code;
    for (const auto& [when, value] : it->second) {
      if (when > at) break;
      code = value;
    }
    return code;
  }

  bool probe(std::size_t index, Instant t) {
    const auto& spec = s_.probes[index];
    ProbeRecord rec;
    rec.probe_index = index;
    rec.at = t;
    rec.booking = spec.booking;
    rec.lock = spec.lock;
    if (spec.pin) {
      rec.pin = spec.pin;
    } else {
      // The plan read this booking at t (and at code_as_of).
      rec.pin = code_as_of(spec.booking, spec.code_as_of.value_or(t));
      if (rec.lock.empty()) rec.lock = lock_of(spec.booking, spec.code_as_of.value_or(t));
    }
    if (!rec.pin) {
      rec.reason = "no code";
    } else if (rec.lock.empty()) {
      rec.reason = "no igloohome lock assigned";
    } else {
      auto door = mock_.enter(rec.lock, *rec.pin, t);
      if (!door) {
        trace_.error = door.error().message;
        return false;
      }
      rec.opened = door->opens;
      rec.reason = door->reason;
    }
    trace_.probes.push_back(std::move(rec));
    return true;
  }

  void query(std::size_t index, Instant t) {
    const auto& x = s_.expectations[index];
    auto& q = trace_.queries[index];
    q.at = t;
    q.code = p_.get_code(x.booking);
    if (x.code_differs_from) q.other_code = p_.get_code(*x.code_differs_from);
    if (x.render) q.render = p_.render(x.booking, x.render->template_text);
    if (o_.inspect) q.engine_view = o_.inspect(x.booking);
  }

  const Scenario& s_;
  const ObservationPlan& plan_;
  Participant& p_;
  MockControl& mock_;
  const SimulationOptions& o_;
  const std::function<bool()>& stop_;
  Trace trace_;
  Assignments assignments_;
  std::map<std::string, std::optional<CodeReply>> last_code_;
  std::map<std::string, std::string> mock_ids_;
  std::vector<std::pair<Instant, std::size_t>> timed_queries_;  // expectations with `at`, by instant
  std::map<std::string, std::vector<std::pair<Instant, std::optional<std::string>>>> history_;  // booking's codes
};

}  // namespace
}  // namespace detail

ObservationPlan plan_observations(const Scenario& s, std::size_t read_all_up_to) {
  // Bookings are named by their index in order of first appearance, so that an
  // instant's readings come out in that order by sorting numbers: a year of
  // 4,800 bookings is not a search of every booking at every instant.
  ObservationPlan plan;
  std::unordered_map<std::string_view, std::size_t> index;
  for (const auto& e : s.timeline)
    if (e.kind == EventKind::put_booking && index.try_emplace(e.booking_id, plan.bookings.size()).second)
      plan.bookings.push_back(e.booking_id);
  const bool all = plan.bookings.size() <= read_all_up_to;
  std::map<Instant, std::vector<std::size_t>> reads;
  auto read = [&](Instant at, const std::string& booking) {
    auto& at_reads = reads[at];
    if (const auto found = index.find(booking); found != index.end()) at_reads.push_back(found->second);
  };
  const Instant end = end_of(s);
  for (const auto& e : s.timeline) {
    if (e.at < s.start) continue;
    if (all) reads[e.at];  // every booking, below
    if (e.kind == EventKind::put_booking || e.kind == EventKind::cancel_booking) read(e.at, e.booking_id);
  }
  for (const auto& p : s.probes) {
    if (p.booking.empty() || p.pin) continue;
    read(p.at, p.booking);
    if (p.code_as_of) read(std::max(s.start, *p.code_as_of), p.booking);
  }
  for (const auto& x : s.expectations) {
    const Instant at = x.at.value_or(end);
    read(at, x.booking);
    if (x.code_differs_from) read(at, *x.code_differs_from);
  }
  reads[end];
  for (auto& [t, wanted] : reads) {
    auto& out = plan.reads[t];
    if (all || t >= end) {
      out = plan.bookings;
      continue;
    }
    std::sort(wanted.begin(), wanted.end());
    wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
    out.reserve(wanted.size());
    for (const std::size_t b : wanted) out.push_back(plan.bookings[b]);
  }
  return plan;
}

std::vector<Trace> simulate(const Scenario& scenario, std::span<const Lane> lanes, const std::function<bool()>& stop) {
  // Lanes are independent (each its own participant and mock) and all follow the
  // same plan, so playing them at once gives the traces playing them one after
  // the other would. The first (conform's reference, all in this process) plays
  // on a thread of its own that may use any CPU, while the others play here:
  // conform's implementation lane is a ping-pong with a child kept on this
  // thread's CPU (one_cpu.hpp), and the reference no longer waits its turn.
  std::size_t read_all = 64;
  if (!lanes.empty()) read_all = lanes.front().options.snapshot_all_up_to;
  const ObservationPlan plan = plan_observations(scenario, read_all);
  std::vector<Trace> traces(lanes.size());
  auto play = [&](std::size_t i) {
    traces[i] = detail::Loop(scenario, plan, *lanes[i].participant, *lanes[i].mock, lanes[i].options, stop).run();
    if (lanes[i].then) lanes[i].then(traces[i]);
  };
  if (lanes.size() < 2) {
    if (!lanes.empty()) play(0);
    return traces;
  }
  std::exception_ptr first_failed;
  {
    std::jthread first([&] {
      detail::use_any_cpu();
      try {
        play(0);
      } catch (...) {
        first_failed = std::current_exception();
      }
    });
    for (std::size_t i = 1; i < lanes.size(); ++i) play(i);
  }
  if (first_failed) std::rethrow_exception(first_failed);
  return traces;
}

Trace simulate(const Scenario& scenario, Participant& participant, MockControl& mock,
               const SimulationOptions& options) {
  const Lane lane{&participant, &mock, options};
  return std::move(simulate(scenario, std::span<const Lane>(&lane, 1)).front());
}

std::string lock_of_property_at(const Scenario& scenario, const Trace& trace, const std::string& property,
                                Instant at) {
  return detail::assignments_of(scenario, trace).lock_at(property, at);
}

}  // namespace lockstep::harness
