#include "lockstep/provider.hpp"

namespace lockstep {

std::string_view to_string(FailureKind k) noexcept {
  switch (k) {
    case FailureKind::retryable: return "retryable";
    case FailureKind::rejected_value: return "rejected_value";
    case FailureKind::needs_reconnect: return "needs_reconnect";
    case FailureKind::lock_missing: return "lock_missing";
    case FailureKind::invalid_request: return "invalid_request";
    case FailureKind::limit_reached: return "limit_reached";
  }
  return "retryable";
}

std::string_view to_string(JobState s) noexcept {
  switch (s) {
    case JobState::pending: return "pending";
    case JobState::completed: return "completed";
    case JobState::failed: return "failed";
    case JobState::expired: return "expired";
  }
  return "pending";
}

}  // namespace lockstep
