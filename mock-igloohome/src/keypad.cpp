// The lock simulator: a guest typing a PIN on a lock's keypad at an instant,
// judged by the lock's own rules (windows, deletions, algoPIN first-use and
// one-time rules), and the list of PINs a lock knows.
#include <algorithm>

#include <fmt/format.h>

#include "state.hpp"

namespace lockstep::mock {

using internal::JobStatusKind;

namespace internal {

EnterResult enter_locked(Mock::State& s, const std::string& lock_id, const std::string& pin, Instant at) {
  const Lock* lock = s.lock(lock_id);
  if (lock == nullptr) return {false, "unknown_lock"};
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
    } else if (at < p.start) {
      consider("not_yet_valid");
    } else if (at >= p.end) {
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
      if (at < a.start) {
        consider("not_yet_valid");
      } else if (a.end && at >= *a.end) {
        consider("expired");
      } else if (a.type == "onetime" && a.first_used_at) {
        consider("already_used");
      } else if (a.longer_than_a_day() && !a.first_used_at && at >= a.start + std::chrono::hours{24}) {
        consider("first_use_window_missed");
      } else {
        if (!a.first_used_at) a.first_used_at = at;
        return {true, "opened"};
      }
    }
  }
  return {false, reason};
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
