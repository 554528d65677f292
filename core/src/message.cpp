#include "lockstep/message.hpp"

#include <vector>

namespace lockstep {
namespace {

constexpr std::string_view kOpen = "{{";
constexpr std::string_view kClose = "}}";

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool names_the_code(std::string_view inner) {
  const std::string_view name = trim_spaces(inner);
  return name == "smartlock_code" || name == "nuki_code";
}

struct Placeholder {
  std::size_t begin;  // of "{{"
  std::size_t end;    // one past "}}"
};

// Placeholders that name the code, left to right, never overlapping.
std::vector<Placeholder> code_placeholders(std::string_view tmpl) {
  std::vector<Placeholder> found;
  std::size_t from = 0;
  while (from < tmpl.size()) {
    const std::size_t open = tmpl.find(kOpen, from);
    if (open == std::string_view::npos) break;
    const std::size_t close = tmpl.find(kClose, open + kOpen.size());
    if (close == std::string_view::npos) break;
    const std::string_view inner = tmpl.substr(open + kOpen.size(), close - open - kOpen.size());
    if (names_the_code(inner)) {
      found.push_back({open, close + kClose.size()});
      from = close + kClose.size();
    } else {
      // Another placeholder stays as written; a "{{" inside it may still open ours.
      from = open + 1;
    }
  }
  return found;
}

}  // namespace

Result<std::string> render_message(std::string_view tmpl, const CodeForMessage& code) {
  const auto placeholders = code_placeholders(tmpl);
  if (placeholders.empty()) return std::string(tmpl);
  switch (code.state) {
    case CodeForMessage::State::pending:
      return fail(ErrorCode::code_pending,
                  "the template names the code but the booking has no code yet");
    case CodeForMessage::State::failed:
      return fail(ErrorCode::code_unavailable,
                  "the template names the code but the booking's code could not be generated");
    case CodeForMessage::State::available: break;
  }
  std::string out;
  out.reserve(tmpl.size() + placeholders.size() * code.code.size());
  std::size_t at = 0;
  for (const auto& p : placeholders) {
    out.append(tmpl.substr(at, p.begin - at));
    out.append(code.code);
    at = p.end;
  }
  out.append(tmpl.substr(at));
  return out;
}

}  // namespace lockstep
