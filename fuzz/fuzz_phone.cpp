// Fuzz target: C2's guest-phone code (lockstep::phone_pin). Checked against an
// oracle written straight from the rule: digits are kept; '+', '(', ')', '.',
// '-' and spaces are dropped; any other byte is invalid_character; nothing but
// blanks is missing; fewer than 6 digits is too_short; otherwise the last 6 digits.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "lockstep/codes.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view phone(reinterpret_cast<const char*>(data), size);
  const std::string shown(phone);
  const auto got = lockstep::phone_pin(phone);

  std::string digits;
  bool invalid = false, visible = false;
  for (char c : phone) {
    if (c >= '0' && c <= '9') {
      digits += c;
      visible = true;
    } else if (std::string_view("+().-").find(c) != std::string_view::npos) {
      visible = true;
    } else if (c != ' ') {
      invalid = true;
    }
  }
  if (invalid) {
    LOCKSTEP_FUZZ_CHECK(!got && got.error() == lockstep::PhoneFallback::invalid_character, shown);
  } else if (!visible) {
    LOCKSTEP_FUZZ_CHECK(!got && got.error() == lockstep::PhoneFallback::missing, shown);
  } else if (digits.size() < 6) {
    LOCKSTEP_FUZZ_CHECK(!got && got.error() == lockstep::PhoneFallback::too_short, shown);
  } else {
    LOCKSTEP_FUZZ_CHECK(got.has_value(), shown);
    LOCKSTEP_FUZZ_CHECK(*got == digits.substr(digits.size() - 6), shown);
  }
  if (!got) LOCKSTEP_FUZZ_CHECK(!lockstep::to_string(got.error()).empty(), shown);
  return 0;
}
