#include "lockstep/error.hpp"

namespace lockstep {

std::string_view to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::invalid_timezone: return "invalid_timezone";
    case ErrorCode::invalid_booking: return "invalid_booking";
    case ErrorCode::invalid_setting: return "invalid_setting";
    case ErrorCode::code_source_unavailable: return "code_source_unavailable";
    case ErrorCode::invalid_credentials: return "invalid_credentials";
    case ErrorCode::already_connected: return "already_connected";
    case ErrorCode::property_has_other_lock: return "property_has_other_lock";
    case ErrorCode::lock_already_assigned: return "lock_already_assigned";
    case ErrorCode::unknown_lock: return "unknown_lock";
    case ErrorCode::not_connected: return "not_connected";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::stay_too_long: return "stay_too_long";
    case ErrorCode::invalid_json: return "invalid_json";
    case ErrorCode::code_pending: return "code_pending";
    case ErrorCode::code_unavailable: return "code_unavailable";
    case ErrorCode::unsupported: return "unsupported";
    case ErrorCode::needs_reconnect: return "needs_reconnect";
    case ErrorCode::lock_missing: return "lock_missing";
    case ErrorCode::provider_unavailable: return "provider_unavailable";
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::io_error: return "io_error";
    case ErrorCode::protocol_error: return "protocol_error";
    case ErrorCode::internal: return "internal";
  }
  return "internal";
}

}  // namespace lockstep
