// Bridge jobs: creating one (POST /devices/{lockId}/jobs/bridges/{bridgeId}),
// the bridge running it or failing to (bridge faults, expiry), and polling it
// (GET /jobs/{jobId}).
#include <algorithm>

#include <fmt/format.h>

#include "job_request.hpp"
#include "state.hpp"

namespace lockstep::mock {

using internal::JobStatusKind;
using internal::json;

void Mock::State::apply_job(Job& job, Instant at) {
  job.finished_at = at;
  if (bridge_offline(job.bridge_id, at)) {
    job.status = JobStatusKind::failed;
    job.message = "unable to contact bridge";
    return;
  }
  job.status = JobStatusKind::success;
  switch (job.job_type) {
    case 4:
      add_custom_pin(CustomPin{job.lock_id, job.pin, job.access_name, job.start, job.end, at, std::nullopt,
                               std::nullopt, job.id});
      job.message = "pin created";
      break;
    case 5: {
      int deleted = 0;
      if (const auto live = live_custom_pins_of.find(job.lock_id); live != live_custom_pins_of.end()) {
        std::erase_if(live->second, [&](std::size_t i) {
          auto& p = custom_pins[i];
          if (p.pin != job.pin || p.installed_at > at) return false;
          p.deleted_at = at;
          ++deleted;
          return true;
        });
      }
      job.message = deleted > 0 ? "pin deleted" : "pin not found on lock (nothing to delete)";
      break;
    }
    // The other job types ask the lock itself (igloohome-api.md "Bridge jobs").
    case 1:
      lock_runtime[job.lock_id].locked = true;
      job.message = "locked";
      break;
    case 2:
      lock_runtime[job.lock_id].locked = false;
      job.message = "unlocked";
      break;
    case 9:
      job.op_result = {{"result", 0}, {"batteryLevel", lock_runtime[job.lock_id].battery_level}};
      job.message = "battery level read";
      break;
    case 10: {
      const LockRuntime& lock = lock_runtime[job.lock_id];
      job.op_result = {{"result", 0}, {"locked", lock.locked}, {"batteryLevel", lock.battery_level}};
      job.message = "status read";
      break;
    }
    case 15: {
      json logs = json::array();
      for (const KeypadEntry* e : internal::keypad_log_until(*this, job.lock_id, at)) {
        logs.push_back(internal::keypad_entry_json(*e));
      }
      job.op_result = {{"result", 0}, {"logs", std::move(logs)}};
      job.message = "activity logs read";
      break;
    }
    default: job.message = "done"; break;
  }
}

void Mock::State::run_due_jobs(Instant t) {
  std::vector<Job*> due;
  for (const std::size_t i : pending) {
    Job& j = jobs[i];
    const bool runs = j.run_at && *j.run_at < j.expiry && *j.run_at <= t;
    const bool expires = !runs && j.expiry <= t;
    if (runs || expires) due.push_back(&j);
  }
  auto when = [](const Job* j) {
    return j->run_at && *j->run_at < j->expiry ? *j->run_at : j->expiry;
  };
  std::stable_sort(due.begin(), due.end(), [&](const Job* a, const Job* b) { return when(a) < when(b); });
  for (Job* j : due) {
    if (j->run_at && *j->run_at < j->expiry) {
      apply_job(*j, *j->run_at);
    } else {
      j->status = JobStatusKind::expired;
      j->finished_at = j->expiry;
      j->message = "job expired before the bridge ran it";
    }
  }
  if (!due.empty()) {
    std::erase_if(pending, [this](std::size_t i) { return jobs[i].status != JobStatusKind::pending; });
  }
}

int Mock::State::pending_jobs_on(const std::string& bridge_id) const {
  return static_cast<int>(
      std::count_if(pending.begin(), pending.end(), [&](std::size_t i) { return jobs[i].bridge_id == bridge_id; }));
}

int Mock::State::pins_on_lock(const std::string& lock_id, Instant t) const {
  int n = 0;
  for (const std::size_t i : of(live_custom_pins_of, lock_id)) n += custom_pins[i].end > t;
  for (const std::size_t i : pending) {
    n += jobs[i].lock_id == lock_id && jobs[i].job_type == 4;
  }
  for (const std::size_t i : of(algopins_of, lock_id)) {
    n += !algopins[i].end || *algopins[i].end > t;
  }
  return n;
}

namespace internal {
namespace {

std::string_view job_scope(int job_type) {
  switch (job_type) {
    case 1: return "lock-bridge-proxied-job";
    case 2: return "unlock-bridge-proxied-job";
    case 4: return "create-pin-bridge-proxied-job";
    case 5: return "delete-pin-bridge-proxied-job";
    case 9: return "get-battery-level-bridge-proxied-job";
    case 10: return "get-device-status-bridge-proxied-job";
    case 15: return "get-activity-logs-bridge-proxied-job";
    default: return {};
  }
}

bool pin_digits_ok(const std::string& pin) {
  return pin.size() >= 4 && pin.size() <= 6 && pin.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

// The body, read in place when it is plain (the client's own requests), else
// through the DOM; the same JobRequest either way (job_request.hpp).
std::expected<JobRequest, Answer> Handler::job_request() {
  if (auto plain = read_plain_job_request(ctx_.request.body())) {
    ctx_.body_text = std::move(plain->body_text);
    return std::move(*plain);
  }
  auto read = read_json_body(ctx_);
  if (!read) return std::unexpected(std::move(read.error()));
  return read_job_request(**read);
}

Answer Handler::create_job(const std::string& lock_id, const std::string& bridge_id) {
  auto read = job_request();
  if (!read) return read.error();
  JobRequest& body = *read;
  if (body.job_type == FieldState::missing) {
    return error_answer(http::status::bad_request, "invalid_request", "jobType: missing");
  }
  if (body.job_type == FieldState::wrong_type) {
    return error_answer(http::status::bad_request, "invalid_request", "jobType: expected an integer");
  }
  const int job_type = body.job_type_value;
  const std::string_view scope = job_scope(job_type);
  if (scope.empty()) {
    return error_answer(http::status::bad_request, "invalid_request",
                        fmt::format("jobType: unsupported job type {} (1, 2, 4, 5, 9, 10, 15)", job_type));
  }
  if (scopes_ == nullptr || !grants(*scopes_, scope)) {
    return error_answer(http::status::forbidden, "forbidden", fmt::format("missing scope {}{}", kScopePrefix, scope));
  }
  if (auto missing = visible_device(lock_id)) return *missing;
  if (auto missing = visible_device(bridge_id)) return *missing;
  const Lock* lock = s_.lock(lock_id);
  if (lock == nullptr) {
    return error_answer(http::status::bad_request, "invalid_request",
                        fmt::format("lockId: '{}' is a bridge, not a lock", lock_id));
  }
  if (s_.bridge(bridge_id) == nullptr) {
    return error_answer(http::status::bad_request, "invalid_request",
                        fmt::format("bridgeId: '{}' is not a bridge", bridge_id));
  }
  if (lock->bridge_id != bridge_id) {
    return error_answer(http::status::bad_request, "invalid_request",
                        fmt::format("bridgeId: lock '{}' is not linked to bridge '{}'", lock_id, bridge_id));
  }

  Job job;
  job.job_type = job_type;
  job.lock_id = lock_id;
  job.bridge_id = bridge_id;
  // Lock, unlock, battery, status and logs need no data: the public client sends
  // "jobData": null for them, others leave it out.
  const bool needs_data = job_type == 4 || job_type == 5;
  if (body.no_data && needs_data) {
    return error_answer(http::status::bad_request, "invalid_request",
                        fmt::format("jobData: missing (job type {} needs its pin)", job_type));
  }
  if (!body.no_data && !body.data_is_object) {
    return error_answer(http::status::bad_request, "invalid_request", "jobData: expected an object");
  }
  if (!body.no_data) job.job_data_text = std::move(body.data_text);

  if (job_type == 4 || job_type == 5) {
    if (body.pin == FieldState::missing) {
      return error_answer(http::status::bad_request, "invalid_request", "jobData.pin: missing");
    }
    if (body.pin == FieldState::wrong_type) {
      return error_answer(http::status::bad_request, "invalid_request", "jobData.pin: expected a string of digits");
    }
    job.pin = std::string(body.pin_value);
    if (!pin_digits_ok(job.pin)) {
      return error_answer(http::status::bad_request, "invalid_pin",
                          fmt::format("jobData.pin: a PIN is 4 to 6 digits (got '{}')", job.pin));
    }
  }
  if (job_type == 4) {
    if (body.pin_type == FieldState::wrong_type) {
      return error_answer(http::status::bad_request, "invalid_request", "jobData.pinType: expected an integer");
    }
    if (body.access_name == FieldState::wrong_type) {
      return error_answer(http::status::bad_request, "invalid_request", "jobData.accessName: expected a string");
    }
    if (body.access_name == FieldState::present) job.access_name = std::string(body.access_name_value);
    for (std::string_view key : {"startDate", "endDate"}) {
      const bool start = key == "startDate";
      const FieldState state = start ? body.start_date : body.end_date;
      if (state == FieldState::missing) {
        return error_answer(http::status::bad_request, "invalid_request", fmt::format("jobData.{}: missing", key));
      }
      auto written = state == FieldState::present
                         ? detail::parse_written_date(start ? body.start_date_value : body.end_date_value)
                         : std::nullopt;
      if (!written) {
        return error_answer(http::status::bad_request, "invalid_request",
                            fmt::format("jobData.{}: expected an ISO 8601 date-time with an offset, "
                                        "e.g. 2026-06-01T15:00:00+02:00",
                                        key));
      }
      (start ? job.start : job.end) = written->instant;
    }
    if (job.end <= job.start) {
      return error_answer(http::status::bad_request, "invalid_request", "jobData.endDate: must be after startDate");
    }
    auto rejected = [&](const std::vector<std::size_t>& list) {
      return std::any_of(list.begin(), list.end(), [&](std::size_t i) {
        return s_.faults[i].active_at(ctx_.now) && s_.faults[i].rejects_pin(lock_id, job.pin);
      });
    };
    const auto* on_lock = s_.faults_on(FaultKind::pin_rejected, lock_id);
    if (rejected(s_.faults_of(FaultKind::pin_rejected).untargeted) || (on_lock != nullptr && rejected(*on_lock))) {
      return error_answer(http::status::bad_request, "invalid_pin",
                          fmt::format("jobData.pin: PIN '{}' is not accepted by this lock", job.pin));
    }
  }

  if (s_.bridge_offline(bridge_id, ctx_.now)) {
    return error_answer(http::status::not_acceptable, "bridge_offline", "unable to contact bridge");
  }
  int limit = s_.world.limits.pending_jobs_per_bridge;
  if (const Fault* f = s_.bridge_fault(FaultKind::pending_job_limit, bridge_id, ctx_.now)) limit = f->limit;
  if (limit > 0 && s_.pending_jobs_on(bridge_id) >= limit) {
    Answer a = error_answer(http::status::too_many_requests, "too_many_pending_jobs",
                            fmt::format("bridge '{}' already has {} pending jobs", bridge_id, s_.pending_jobs_on(bridge_id)));
    a.headers.emplace_back(http::field::retry_after, "60");
    return a;
  }
  if (limit == 0 && s_.bridge_fault(FaultKind::pending_job_limit, bridge_id, ctx_.now) != nullptr) {
    return error_answer(http::status::too_many_requests, "too_many_pending_jobs",
                        fmt::format("bridge '{}' accepts no jobs now", bridge_id));
  }
  if (job_type == 4 && s_.pins_on_lock(lock_id, ctx_.now) >= s_.world.limits.pins_per_lock) {
    return error_answer(http::status::bad_request, "pin_limit_reached",
                        fmt::format("lock '{}' already holds {} PINs", lock_id, s_.world.limits.pins_per_lock));
  }

  job.id = fmt::format("job-{}", s_.next_job++);  // the job's place in s_.jobs, plus one (find_job)
  job.client = ctx_.client;
  job.created = ctx_.now;
  job.expiry = later(ctx_.now, s_.world.limits.job_expiry);
  job.run_at = ctx_.now;
  if (s_.bridge_fault(FaultKind::job_expire, bridge_id, ctx_.now) != nullptr) {
    job.run_at.reset();
  } else if (const Fault* f = s_.bridge_fault(FaultKind::job_pending, bridge_id, ctx_.now)) {
    job.run_at = later(ctx_.now, Minutes{f->minutes});
  }
  // {"jobId": id} as dump() writes it: an id is "job-<n>", nothing to escape.
  Answer created;
  created.text = fmt::format(R"({{"jobId":"{}"}})", job.id);
  s_.add_job(std::move(job));
  s_.run_due_jobs(ctx_.now);
  return created;
}

// igloohome-api.md "Bridge jobs": production pollers read jobResponse.jobStatus,
// 0 done, 2 failed (not delivered, or expired), anything else pending. `status`
// and `message` are the mock's own words beside it, for people.
int job_status_code(JobStatusKind s) {
  switch (s) {
    case JobStatusKind::success: return 0;
    case JobStatusKind::pending: return 1;
    case JobStatusKind::failed:
    case JobStatusKind::expired: return 2;
  }
  return 1;
}

json job_json(const Job& j, const ApiSettings& api) {
  json response = {{"jobStatus", job_status_code(j.status)}, {"status", to_string(j.status)}};
  if (j.status == JobStatusKind::pending) {
    response["message"] = "waiting for the bridge";
  } else {
    response["message"] = j.message;
  }
  if (j.status == JobStatusKind::success && !j.op_result.is_null()) {
    response["opResult"] = j.op_result;
    if (j.job_type == 9) response["batteryLevel"] = j.op_result["batteryLevel"];
  }
  return {{"jobId", j.id},
          {"expiryDate", write_instant(j.expiry)},
          {"completed", j.status == JobStatusKind::success},
          // The public Python client types jobType as a string; the world can say number.
          {"jobType", api.job_type_as_number ? json(j.job_type) : json(std::to_string(j.job_type))},
          {"jobResponse", response}};
}

namespace {

// Text JSON writes as it is, escaping nothing.
bool plain_text(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; });
}

// job_json(j, api).dump(), written directly: a poll is the most frequent answer
// of a portfolio's year, and building the JSON object to print it cost more
// than the rest of the poll. Only for what it can write as dump() would (keys
// in dump's sorted order, strings needing no escape, no opResult); otherwise
// nullopt and the caller dumps job_json.
std::optional<std::string> job_json_text(const Job& j, const ApiSettings& api) {
  const bool with_result = j.status == JobStatusKind::success && !j.op_result.is_null();
  const std::string_view message =
      j.status == JobStatusKind::pending ? std::string_view("waiting for the bridge") : std::string_view(j.message);
  const std::string expiry = write_instant(j.expiry);
  if (with_result || !plain_text(j.id) || !plain_text(message) || !plain_text(expiry)) return std::nullopt;
  const bool completed = j.status == JobStatusKind::success;
  return fmt::format(
      R"({{"completed":{},"expiryDate":"{}","jobId":"{}","jobResponse":{{"jobStatus":{},"message":"{}","status":"{}"}},"jobType":{}}})",
      completed, expiry, j.id, job_status_code(j.status), message, to_string(j.status),
      api.job_type_as_number ? fmt::format("{}", j.job_type) : fmt::format("\"{}\"", j.job_type));
}

}  // namespace

Answer Handler::job_status(const std::string& id) {
  if (const Job* j = s_.find_job(id); j != nullptr && j->client == ctx_.client) {
    if (auto text = job_json_text(*j, s_.world.api)) {
      Answer a;
      a.text = std::move(*text);
      return a;
    }
    return ok_answer(job_json(*j, s_.world.api));
  }
  return error_answer(http::status::not_found, "not_found", fmt::format("job '{}' not found", id));
}

}  // namespace internal
}  // namespace lockstep::mock
