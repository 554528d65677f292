// What the engine asks of igloohome, as an interface the engine is given. The real
// implementation (lockstep::igloohome::Client) speaks HTTP through a transport —
// sockets, or the mock's handler in-process — and owns token handling (L1: reuse
// until shortly before expiry, one new token and one repeat on a 401). Tests use
// in-memory fakes. Every failure is classified for rule C6.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "lockstep/rules.hpp"
#include "lockstep/time.hpp"

namespace lockstep {

enum class FailureKind {
  retryable,        // C6: network error, timeout, 5xx, 429, 406 bridge offline, job failed/expired
  rejected_value,   // C3/C2: the PIN value was refused; try another value in the same attempt
  needs_reconnect,  // C6: 401/403 even after a new token
  lock_missing,     // C6: 404
  invalid_request,  // a 400 that is not about the PIN value (a bug on our side)
  limit_reached,    // no variance available, 199 PINs, 20 pending jobs (when not retryable)
};
std::string_view to_string(FailureKind k) noexcept;

struct ProviderFailure {
  FailureKind kind = FailureKind::retryable;
  int http_status = 0;  // 0 when no HTTP answer was had
  std::string message;  // e.g. "unable to contact bridge"
};

template <class T>
using ProviderResult = std::expected<T, ProviderFailure>;

struct Credentials {
  std::string client_id;
  std::string client_secret;
};

struct AccountInfo {
  std::string name;
};

// A lock as the engine needs to know it: bridged (online PINs) or algoPIN only.
struct LockInfo {
  std::string lock_id;
  std::optional<std::string> bridge_id;  // absent: bridge-less (algoPIN)
  LockKind kind() const { return bridge_id ? LockKind::bridge : LockKind::algopin; }
};

// jobType 4: create a custom PIN through the lock's bridge.
struct PinJob {
  std::string lock_id;
  std::string bridge_id;
  std::string pin;
  std::string access_name;
  Instant start{};          // valid_from
  Instant end{};            // valid_until
  Seconds start_offset{};   // property's UTC offset at start (C4)
  Seconds end_offset{};     // ... at end
};

enum class JobState { pending, completed, failed, expired };
std::string_view to_string(JobState s) noexcept;

struct JobStatus {
  JobState state = JobState::pending;
  std::string detail;
};

struct AlgoPinRequest {
  std::string lock_id;
  AlgoPinWindow window;  // type, start, end, offsets
  int variance = 1;      // 1..3
  std::string access_name;
};

struct AlgoPin {
  std::string pin;
  std::string pin_id;
};

class IgloohomeProvider {
 public:
  virtual ~IgloohomeProvider() = default;

  // L1: asks for a token with these credentials; on success they are kept for
  // later calls and the account is named.
  virtual ProviderResult<AccountInfo> connect(const Credentials& credentials) = 0;
  // L4: forget the credentials and any token. Makes no call.
  virtual void disconnect() = 0;

  virtual ProviderResult<LockInfo> describe_lock(const std::string& lock_id) = 0;

  // Returns the job id.
  virtual ProviderResult<std::string> create_pin(const PinJob& job) = 0;
  virtual ProviderResult<std::string> delete_pin(const std::string& lock_id,
                                                 const std::string& bridge_id,
                                                 const std::string& pin) = 0;
  virtual ProviderResult<JobStatus> job_status(const std::string& job_id) = 0;

  virtual ProviderResult<AlgoPin> create_algopin(const AlgoPinRequest& request) = 0;
};

}  // namespace lockstep
