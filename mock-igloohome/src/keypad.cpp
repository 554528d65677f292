// The lock simulator: a guest typing a PIN on a lock's keypad at an instant,
// judged by the lock's own rules (windows, deletions, algoPIN first-use and
// one-time rules), and the list of PINs a lock knows.
#include <algorithm>

#include <fmt/format.h>

#include "lockstep/base64.hpp"
#include "state.hpp"

namespace lockstep::mock {

using internal::JobStatusKind;

namespace internal {

namespace {

// The keypad's verdict, before it is logged. Time-bound codes are judged on the
// lock's own clock (`lock_time`, shifted by a clock_drift fault), while whether a
// bridge job had run yet is a matter of true time (`at`).
EnterResult judge(Mock::State& s, const Lock* lock, const std::string& pin, Instant at, Instant lock_time) {
  const std::string& lock_id = lock->id;
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
    } else if (lock_time < p.start) {
      consider("not_yet_valid");
    } else if (lock_time >= p.end) {
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
      if (lock_time < a.start) {
        consider("not_yet_valid");
      } else if (a.end && lock_time >= *a.end) {
        consider("expired");
      } else if (a.type == "onetime" && a.first_used_at) {
        consider("already_used");
      } else if (a.longer_than_a_day() && !a.first_used_at && lock_time >= a.start + std::chrono::hours{24}) {
        consider("first_use_window_missed");
      } else {
        if (!a.first_used_at) a.first_used_at = at;
        return {true, "opened"};
      }
    }
  }
  return {false, reason};
}

}  // namespace

EnterResult enter_locked(Mock::State& s, const std::string& lock_id, const std::string& pin, Instant at) {
  const Lock* lock = s.lock(lock_id);
  if (lock == nullptr) return {false, "unknown_lock"};
  const Instant lock_time = s.lock_clock(lock_id, at);
  EnterResult result = judge(s, lock, pin, at, lock_time);
  // The keypad logs every attempt; the bridge syncs the log (activity, job 15).
  KeypadEntry entry{lock_id, s.keypad_log.size() + 1, at, lock_time, result.opens, result.reason};
  s.keypad_of[lock_id].push_back(s.keypad_log.size());
  s.keypad_log.push_back(std::move(entry));
  return result;
}

json keypad_entry_json(const KeypadEntry& e) {
  // The lock stamps its entries with its own clock, so a drifted lock's log
  // shows drifted times; the offset is written numerically as igloohome does.
  return {{"id", fmt::format("act-{}", e.seq)},
          {"deviceId", e.lock_id},
          {"time", format_with_offset(e.lock_time, Seconds{0})},
          {"type", "keypad_pin"},
          {"opened", e.opened},
          {"result", e.reason}};
}

std::vector<const KeypadEntry*> keypad_log_until(const Mock::State& s, const std::string& lock_id, Instant now) {
  std::vector<const KeypadEntry*> out;
  for (const std::size_t i : Mock::State::of(s.keypad_of, lock_id)) {
    if (s.keypad_log[i].at <= now) out.push_back(&s.keypad_log[i]);
  }
  std::stable_sort(out.begin(), out.end(), [](const KeypadEntry* a, const KeypadEntry* b) {
    return a->at != b->at ? a->at > b->at : a->seq > b->seq;
  });
  return out;
}

// GET /devices/{deviceId}/activity?pageSize=N&cursor=C: the keypad log, newest
// first, in pages (igloohome-api.md "Activity"). Cursors are opaque: "a" + offset.
Answer Handler::activity(const std::string& device_id) {
  if (auto missing = visible_device(device_id)) return *missing;
  if (s_.lock(device_id) == nullptr) {
    return error_answer(http::status::bad_request, "invalid_request",
                        fmt::format("deviceId: '{}' is a bridge, which keeps no keypad log", device_id));
  }
  std::size_t page_size = 20;
  if (auto text = query_param(ctx_, "pageSize")) {
    const bool digits = !text->empty() && text->size() <= 4 && text->find_first_not_of("0123456789") == std::string::npos;
    const int n = digits ? std::stoi(*text) : 0;
    if (n < 1 || n > 100) {
      return error_answer(http::status::bad_request, "invalid_request", "pageSize: expected an integer from 1 to 100");
    }
    page_size = static_cast<std::size_t>(n);
  }
  const auto log = keypad_log_until(s_, device_id, ctx_.now);
  std::size_t offset = 0;
  if (auto cursor = query_param(ctx_, "cursor"); cursor && !cursor->empty()) {
    auto decoded = base64::decode(*cursor);
    bool ok = decoded && decoded->size() > 1 && decoded->size() < 12 && (*decoded)[0] == 'a' &&
              decoded->find_first_not_of("0123456789", 1) == std::string::npos;
    if (ok) {
      offset = std::stoul(decoded->substr(1));
      ok = offset > 0 && offset < log.size();
    }
    if (!ok) return error_answer(http::status::bad_request, "invalid_request", "cursor: unknown cursor");
  }
  json payload = json::array();
  for (std::size_t i = offset; i < log.size() && i < offset + page_size; ++i) payload.push_back(keypad_entry_json(*log[i]));
  const std::string next =
      offset + page_size < log.size() ? base64::encode(fmt::format("a{}", offset + page_size), true) : "";
  return ok_answer({{"nextCursor", next}, {"payload", std::move(payload)}});
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


}  // namespace internal

using internal::json;

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

EnterResult Mock::enter(const std::string& lock_id, const std::string& pin, Instant at) {
  std::lock_guard guard(state_->mutex);
  state_->run_due_jobs(state_->now());
  return internal::enter_locked(*state_, lock_id, pin, at);
}

Result<std::vector<LockPin>> Mock::pins(const std::string& lock_id) const {
  std::lock_guard guard(state_->mutex);
  if (state_->lock(lock_id) == nullptr) {
    return fail(ErrorCode::not_found, fmt::format("no lock '{}'", lock_id), "lockId");
  }
  state_->run_due_jobs(state_->now());
  return internal::pins_locked(*state_, lock_id);
}

}  // namespace lockstep::mock
