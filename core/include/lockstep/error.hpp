// Errors as values. Every failure lockstep can report has exactly one name, an
// ErrorCode, that a machine can act on (the contracts' snake_case codes), plus a
// message for people and, where a field is at fault, the field's name. Functions
// return Result<T> = std::expected<T, Error>; exceptions are used only at the
// edges (CLI, network, JSON parsing) and never cross into the engine.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace lockstep {

enum class ErrorCode {
  // behaviour.md / sut-protocol.md / plan-cli.md codes
  invalid_timezone,
  invalid_booking,
  invalid_setting,
  code_source_unavailable,
  invalid_credentials,
  already_connected,
  property_has_other_lock,
  lock_already_assigned,
  unknown_lock,
  not_connected,
  not_found,
  stay_too_long,
  invalid_json,
  code_pending,
  code_unavailable,
  unsupported,
  // provider (igloohome) outcomes, see C6
  needs_reconnect,
  lock_missing,
  provider_unavailable,
  // everything else at the edges
  invalid_argument,
  io_error,
  protocol_error,
  internal,
};

// The contract spelling of a code, e.g. "invalid_timezone".
std::string_view to_string(ErrorCode code) noexcept;

struct Error {
  ErrorCode code;
  std::string message;
  std::string field;  // the offending field's name, when one is at fault

  Error(ErrorCode c, std::string msg, std::string f = {})
      : code(c), message(std::move(msg)), field(std::move(f)) {}
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string message, std::string field = {}) {
  return std::unexpected<Error>(Error(code, std::move(message), std::move(field)));
}

}  // namespace lockstep
