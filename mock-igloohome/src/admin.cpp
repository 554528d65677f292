// The admin API under /__admin/: the virtual clock, faults, the keypad, the
// journal, jobs, reset, the world and health. Never faulted, never journaled.
#include <fmt/format.h>

#include "lockstep/mock/redact.hpp"
#include "state.hpp"

namespace lockstep::mock::internal {

namespace {

std::string status_state(const LockPin& p, Instant now) {
  if (p.kind == "custom" && !p.installed_at) return "pending";
  if (p.deleted_at && *p.deleted_at <= now) return "deleted";
  if (now < p.start) return "not_yet_valid";
  if (p.end && now >= *p.end) return "expired";
  return "valid";
}

}  // namespace

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
      if (*parsed < kEarliestInstant || *parsed > kLatestInstant) {
        return error_answer(http::status::bad_request, "invalid_request", "now: outside years 0000-9999");
      }
      t = *parsed;
    } else if (body->contains("advance_seconds")) {
      const auto& v = (*body)["advance_seconds"];
      if (!v.is_number_integer()) {
        return error_answer(http::status::bad_request, "invalid_request", "advance_seconds: expected an integer");
      }
      // Checked: the clock stays within the years the mock can write and read.
      const long long most_back = (kEarliestInstant - t).count();
      const long long most_forward = (kLatestInstant - t).count();
      const bool too_big = v.is_number_unsigned() && v.get<unsigned long long>() > static_cast<unsigned long long>(most_forward);
      const long long n = too_big ? 0 : v.get<long long>();
      if (too_big || n < most_back || n > most_forward) {
        return error_answer(http::status::bad_request, "invalid_request",
                            fmt::format("advance_seconds: would move the clock outside years 0000-9999 (from {}, "
                                        "{} to {} seconds)",
                                        write_instant(t), most_back, most_forward));
      }
      t += Seconds{n};
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
      s.index_faults();
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
      s.index_faults();
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
    // GET is answered by Mock::handle itself, outside the lock (journal_page).
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
      json entry = job_json(j, s.world.api);
      entry["lockId"] = j.lock_id;
      entry["bridgeId"] = j.bridge_id;
      entry["createdAt"] = write_instant(j.created);
      entry["runAt"] = j.run_at ? json(write_instant(*j.run_at)) : json(nullptr);
      entry["finishedAt"] = j.finished_at ? json(write_instant(*j.finished_at)) : json(nullptr);
      entry["jobData"] = j.job_data_text.empty() ? json(nullptr) : json::parse(j.job_data_text);
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
    // Shown without secrets (client secrets, device secrets): a CI log may print it.
    json shown = world_to_json(s.world);
    redact_secrets(shown);
    return ok_answer(std::move(shown));
  }
  if (seg.size() == 2 && seg[1] == "health") {
    if (m != "GET") return method_not_allowed("GET");
    return ok_answer({{"ok", true}, {"now", write_instant(s.now())}});
  }
  return not_found_path(ctx);
}

}  // namespace lockstep::mock::internal
