// An in-memory igloohome for engine tests: locks with or without a bridge,
// programmable outages on the injected clock's time line, bridge jobs that stay
// pending for a number of polls or end failed/expired, refused PIN values, the
// 401/404 classes, and a log of every call with its virtual time. It also keeps
// the PINs each lock would hold, so tests can ask what the lock accepts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "lockstep/clock.hpp"
#include "lockstep/provider.hpp"

namespace lockstep::testing {

struct Call {
  Instant at{};
  std::string op;  // connect, describe_lock, create_pin, delete_pin, job_status, create_algopin
  std::string lock_id;
  std::string pin;
  bool ok = false;
  std::optional<PinJob> job;
  std::optional<AlgoPinRequest> algopin;
};

// A PIN as the lock holds it.
struct HeldPin {
  std::string lock_id;
  std::string pin;
  std::string access_name;
  Instant start{};
  Instant end{};
  Instant created_at{};
  std::optional<Instant> deleted_at;
};

// Calls matching `op` ("" = any) on `target` (lock or bridge id, "" = any) in
// [from, until) fail with `failure`.
struct Outage {
  std::string op;
  std::string target;
  Instant from{};
  Instant until{};
  ProviderFailure failure;
};

class FakeIgloohome final : public IgloohomeProvider {
 public:
  explicit FakeIgloohome(const Clock& clock) : clock_(clock) {
    add_lock("LK-1", "BR-1");
    add_lock("LK-2", "BR-1");
    add_lock("LK-ALGO", std::nullopt);
  }

  void add_lock(const std::string& lock_id, std::optional<std::string> bridge_id) {
    locks_[lock_id] = std::move(bridge_id);
  }

  // --- programming ---
  std::string client_id = "demo-client";
  std::string client_secret = "demo-secret";
  std::string account_name = "Demo Host";
  std::vector<Outage> outages;
  std::set<std::string> rejected_values;  // create_pin refuses these values
  bool reject_every_value = false;
  int polls_before_completion = 0;        // job_status answers pending this many times first
  std::optional<JobState> job_outcome;    // failed/expired instead of completed, when set
  int max_variance = 3;
  // The next this many polls of a delete job run the delete and then fail with a
  // 500: the PIN is gone but the engine does not hear of it (issue 12, bug 3).
  int lost_delete_answers = 0;

  void bridge_offline(const std::string& bridge, Instant from, Instant until) {
    outages.push_back({"", bridge, from, until,
                       ProviderFailure{FailureKind::retryable, 406, "unable to contact bridge"}});
  }
  void fail_calls(const std::string& op, Instant from, Instant until, FailureKind kind, int http,
                  std::string message = "injected") {
    outages.push_back({op, "", from, until, ProviderFailure{kind, http, std::move(message)}});
  }

  // --- observation ---
  std::vector<Call> calls;
  std::vector<HeldPin> held;
  bool connected_now = false;
  int calls_while_disconnected = 0;

  std::vector<Call> calls_of(const std::string& op) const {
    std::vector<Call> out;
    for (const auto& c : calls) {
      if (c.op == op) out.push_back(c);
    }
    return out;
  }
  // PINs on the lock that open it at t.
  bool opens(const std::string& lock_id, const std::string& pin, Instant t) const {
    for (const auto& h : held) {
      if (h.lock_id == lock_id && h.pin == pin && h.start <= t && t < h.end &&
          (!h.deleted_at || t < *h.deleted_at)) {
        return true;
      }
    }
    return false;
  }
  const HeldPin* live_pin(const std::string& lock_id, const std::string& pin) const {
    for (const auto& h : held) {
      if (h.lock_id == lock_id && h.pin == pin && !h.deleted_at) return &h;
    }
    return nullptr;
  }

  // --- IgloohomeProvider ---
  ProviderResult<AccountInfo> connect(const Credentials& credentials) override {
    Call c = log("connect", "");
    if (auto f = outage("connect", "")) return record_failure(c, *f);
    if (credentials.client_id != client_id || credentials.client_secret != client_secret) {
      return record_failure(c, ProviderFailure{FailureKind::needs_reconnect, 401, "invalid_client"});
    }
    connected_now = true;
    c.ok = true;
    calls.push_back(c);
    return AccountInfo{account_name};
  }

  void disconnect() override { connected_now = false; }

  ProviderResult<LockInfo> describe_lock(const std::string& lock_id) override {
    Call c = log("describe_lock", lock_id);
    if (auto f = outage("describe_lock", lock_id)) return record_failure(c, *f);
    auto it = locks_.find(lock_id);
    if (it == locks_.end()) {
      return record_failure(c, ProviderFailure{FailureKind::lock_missing, 404, "device not found"});
    }
    c.ok = true;
    calls.push_back(c);
    return LockInfo{lock_id, it->second};
  }

  ProviderResult<std::string> create_pin(const PinJob& job) override {
    Call c = log("create_pin", job.lock_id);
    c.pin = job.pin;
    c.job = job;
    if (auto f = outage("create_pin", job.lock_id, job.bridge_id)) return record_failure(c, *f);
    if (!locks_.contains(job.lock_id)) {
      return record_failure(c, ProviderFailure{FailureKind::lock_missing, 404, "device not found"});
    }
    if (reject_every_value || rejected_values.contains(job.pin)) {
      return record_failure(c, ProviderFailure{FailureKind::rejected_value, 400, "pin not accepted"});
    }
    c.ok = true;
    calls.push_back(c);
    const std::string id = fmt::format("job-{}", ++next_job_);
    jobs_[id] = Job{JobAction::create, job, 0};
    return id;
  }

  ProviderResult<std::string> delete_pin(const std::string& lock_id, const std::string& bridge_id,
                                         const std::string& pin) override {
    Call c = log("delete_pin", lock_id);
    c.pin = pin;
    if (auto f = outage("delete_pin", lock_id, bridge_id)) return record_failure(c, *f);
    c.ok = true;
    calls.push_back(c);
    const std::string id = fmt::format("job-{}", ++next_job_);
    PinJob j;
    j.lock_id = lock_id;
    j.bridge_id = bridge_id;
    j.pin = pin;
    jobs_[id] = Job{JobAction::remove, j, 0};
    return id;
  }

  ProviderResult<JobStatus> job_status(const std::string& job_id) override {
    Call c = log("job_status", "");
    auto it = jobs_.find(job_id);
    if (it == jobs_.end()) {
      return record_failure(c, ProviderFailure{FailureKind::invalid_request, 404, "no such job"});
    }
    Job& job = it->second;
    c.lock_id = job.job.lock_id;
    c.pin = job.job.pin;
    if (auto f = outage("job_status", job.job.lock_id, job.job.bridge_id)) return record_failure(c, *f);
    if (job.action == JobAction::remove && lost_delete_answers > 0) {
      --lost_delete_answers;
      if (!job.done) {
        job.done = true;
        job.state = JobState::completed;
        apply(job);
      }
      return record_failure(c, ProviderFailure{FailureKind::retryable, 500, "internal_error"});
    }
    c.ok = true;
    calls.push_back(c);
    if (job.done) return JobStatus{job.state, ""};
    if (job.polls++ < polls_before_completion) return JobStatus{JobState::pending, ""};
    job.done = true;
    job.state = job_outcome.value_or(JobState::completed);
    if (job.state == JobState::completed) apply(job);
    return JobStatus{job.state, ""};
  }

  ProviderResult<AlgoPin> create_algopin(const AlgoPinRequest& request) override {
    Call c = log("create_algopin", request.lock_id);
    c.algopin = request;
    if (auto f = outage("create_algopin", request.lock_id)) return record_failure(c, *f);
    if (request.variance < 1 || request.variance > max_variance) {
      return record_failure(c, ProviderFailure{FailureKind::limit_reached, 400, "no variance available"});
    }
    // Deterministic, as the real service: same request, same PIN.
    std::uint64_t h = 1469598103934665603ULL;
    for (char ch : fmt::format("{}|{}|{}|{}|{}", request.lock_id, static_cast<int>(request.window.type),
                               request.window.start.time_since_epoch().count(),
                               request.window.end.time_since_epoch().count(), request.variance)) {
      h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ULL;
    }
    c.ok = true;
    c.pin = fmt::format("{:09}", h % 1000000000ULL);
    calls.push_back(c);
    held.push_back(HeldPin{request.lock_id, c.pin, request.access_name, request.window.start,
                           request.window.end, clock_.now(), std::nullopt});
    return AlgoPin{c.pin, fmt::format("algo-{}", ++next_job_)};
  }

 private:
  enum class JobAction { create, remove };
  struct Job {
    JobAction action;
    PinJob job;
    int polls = 0;
    bool done = false;
    JobState state = JobState::pending;
  };

  Call log(std::string op, const std::string& lock_id) {
    if (!connected_now && op != "connect") ++calls_while_disconnected;
    Call c;
    c.at = clock_.now();
    c.op = std::move(op);
    c.lock_id = lock_id;
    return c;
  }

  std::unexpected<ProviderFailure> record_failure(Call& c, ProviderFailure f) {
    c.ok = false;
    calls.push_back(c);
    return std::unexpected(std::move(f));
  }

  std::optional<ProviderFailure> outage(const std::string& op, const std::string& lock_id,
                                        const std::string& bridge_id = "") const {
    const Instant t = clock_.now();
    for (const auto& o : outages) {
      if (!o.op.empty() && o.op != op) continue;
      if (!o.target.empty() && o.target != lock_id && o.target != bridge_id) continue;
      if (o.from <= t && t < o.until) return o.failure;
    }
    return std::nullopt;
  }

  void apply(Job& job) {
    if (job.action == JobAction::create) {
      held.push_back(HeldPin{job.job.lock_id, job.job.pin, job.job.access_name, job.job.start,
                             job.job.end, clock_.now(), std::nullopt});
      return;
    }
    // jobType 5 deletes by value: every entry of that PIN on the lock goes, as
    // on igloohome (and the mock).
    for (auto& h : held) {
      if (h.lock_id == job.job.lock_id && h.pin == job.job.pin && !h.deleted_at) h.deleted_at = clock_.now();
    }
  }

  const Clock& clock_;
  std::map<std::string, std::optional<std::string>> locks_;
  std::map<std::string, Job> jobs_;
  std::uint64_t next_job_ = 0;
};

}  // namespace lockstep::testing
