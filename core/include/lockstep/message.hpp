// M1: rendering a guest message template. {{smartlock_code}} and the legacy
// {{nuki_code}} (spaces allowed inside the braces) become the booking's code; other
// {{...}} placeholders are left as written.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "lockstep/error.hpp"

namespace lockstep {

// What the booking's code is at render time.
struct CodeForMessage {
  enum class State { pending, available, failed } state = State::pending;
  std::string code;  // when available
};

// code_pending / code_unavailable when the template names the code and there is none.
// A template that does not name the code renders whatever the state.
Result<std::string> render_message(std::string_view tmpl, const CodeForMessage& code);

}  // namespace lockstep
