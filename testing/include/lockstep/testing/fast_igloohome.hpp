// igloohome in memory at the least cost, for engine benchmarks: what the engine
// pays is measured, not the fake. Bridge jobs complete at once unless the lock's
// bridge is in an outage (406, as igloohome answers); algoPINs are derived from
// their window. Nothing is recorded beyond a call count — tests that assert on
// calls or on what a lock holds use FakeIgloohome (fake_igloohome.hpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "lockstep/clock.hpp"
#include "lockstep/provider.hpp"

namespace lockstep::testing {

class FastIgloohome final : public IgloohomeProvider {
 public:
  struct LockEntry {
    std::string id;
    std::optional<std::string> bridge;  // none: an algoPIN lock
  };
  struct Outage {
    std::string bridge;
    Instant from;
    Instant until;
  };

  FastIgloohome(const std::vector<LockEntry>& locks, const std::vector<Outage>& outages, const Clock& clock)
      : clock_(&clock) {
    for (const auto& l : locks) bridge_of_[l.id] = l.bridge;
    for (const auto& o : outages) outages_[o.bridge].push_back({o.from, o.until});
    for (auto& [_, v] : outages_) std::sort(v.begin(), v.end());
  }

  ProviderResult<AccountInfo> connect(const Credentials&) override { return AccountInfo{"Bench Host"}; }
  void disconnect() override {}
  ProviderResult<LockInfo> describe_lock(const std::string& lock_id) override {
    ++calls;
    const auto it = bridge_of_.find(lock_id);
    if (it == bridge_of_.end()) return std::unexpected(ProviderFailure{FailureKind::lock_missing, 404, "no lock"});
    return LockInfo{lock_id, it->second};
  }
  ProviderResult<std::string> create_pin(const PinJob& job) override { return job_on(job.bridge_id); }
  ProviderResult<std::string> delete_pin(const std::string&, const std::string& bridge_id,
                                         const std::string&) override {
    return job_on(bridge_id);
  }
  ProviderResult<JobStatus> job_status(const std::string&) override {
    ++calls;
    return JobStatus{JobState::completed, ""};
  }
  ProviderResult<AlgoPin> create_algopin(const AlgoPinRequest& r) override {
    ++calls;
    return AlgoPin{fmt::format("{:09}", (r.window.start.time_since_epoch().count() * 31 + r.variance) % 1000000000),
                   fmt::format("A{}", calls)};
  }

  std::size_t calls = 0;

 private:
  ProviderResult<std::string> job_on(const std::string& bridge) {
    ++calls;
    const auto it = outages_.find(bridge);
    if (it != outages_.end()) {
      const Instant now = clock_->now();
      for (const auto& [from, until] : it->second) {
        if (from > now) break;
        if (now < until) return std::unexpected(ProviderFailure{FailureKind::retryable, 406, "unable to contact bridge"});
      }
    }
    return fmt::format("J{}", calls);
  }

  const Clock* clock_;
  // Hashed, not ordered: at 10,000 locks an ordered lookup on every bridge job
  // (a dozen string compares, each a cache miss) was ~12% of the engine's
  // measured year, which is meant to be the engine's cost.
  std::unordered_map<std::string, std::optional<std::string>> bridge_of_;
  std::unordered_map<std::string, std::vector<std::pair<Instant, Instant>>> outages_;
};

}  // namespace lockstep::testing
