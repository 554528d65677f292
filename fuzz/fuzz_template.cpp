// Fuzz target: M1 message rendering (lockstep::render_message). Rendering never
// throws, and the three code states must agree with each other: a template that
// names the code fails with code_pending / code_unavailable exactly when the code
// is pending / failed; a template that does not name it comes back unchanged in
// every state; and each {{smartlock_code}} / {{nuki_code}} placeholder becomes
// the code once (so the output grows by one code length per placeholder).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "lockstep/message.hpp"

namespace {

using lockstep::CodeForMessage;

CodeForMessage available(std::string code) {
  CodeForMessage c;
  c.state = CodeForMessage::State::available;
  c.code = std::move(code);
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view tmpl(reinterpret_cast<const char*>(data), size);
  const std::string shown(tmpl);

  CodeForMessage pending;
  CodeForMessage failed;
  failed.state = CodeForMessage::State::failed;
  const auto p = lockstep::render_message(tmpl, pending);
  const auto f = lockstep::render_message(tmpl, failed);
  const auto empty = lockstep::render_message(tmpl, available(""));
  const auto one = lockstep::render_message(tmpl, available("7"));
  const auto six = lockstep::render_message(tmpl, available("042917"));

  LOCKSTEP_FUZZ_CHECK(empty && one && six, shown);  // a code that exists always renders
  LOCKSTEP_FUZZ_CHECK(p.has_value() == f.has_value(), shown);
  if (p) {
    LOCKSTEP_FUZZ_CHECK(*p == tmpl && *f == tmpl && *six == tmpl, shown);
    return 0;
  }
  LOCKSTEP_FUZZ_CHECK(p.error().code == lockstep::ErrorCode::code_pending, shown);
  LOCKSTEP_FUZZ_CHECK(f.error().code == lockstep::ErrorCode::code_unavailable, shown);
  const std::size_t placeholders = one->size() - empty->size();
  LOCKSTEP_FUZZ_CHECK(one->size() > empty->size(), shown);
  LOCKSTEP_FUZZ_CHECK(six->size() == empty->size() + 6 * placeholders, shown);
  LOCKSTEP_FUZZ_CHECK(empty->size() < tmpl.size(), shown);
  LOCKSTEP_FUZZ_CHECK(six->find("042917") != std::string::npos, shown);
  return 0;
}
