#include "lockstep/codes.hpp"

#include <array>

namespace lockstep {
namespace {

constexpr std::size_t kPinLength = 6;

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

bool is_forbidden_pin(std::string_view pin) noexcept {
  if (pin.size() < 2 || !all_digits(pin)) return false;
  bool same = true, up = true, down = true;
  for (std::size_t i = 1; i < pin.size(); ++i) {
    const int step = pin[i] - pin[i - 1];
    same = same && step == 0;
    up = up && step == 1;
    down = down && step == -1;
  }
  return same || up || down;
}

std::string random_pin(RandomSource& rng, const std::function<bool(std::string_view)>& in_use) {
  // Uniform over the allowed codes: draw uniformly over all 10^6 and reject.
  // At most 199 PINs live on a lock, so this ends after a handful of draws.
  std::array<char, kPinLength> digits{};
  for (;;) {
    std::uint64_t n = rng.below(1'000'000);
    for (std::size_t i = kPinLength; i-- > 0;) {
      digits[i] = static_cast<char>('0' + n % 10);
      n /= 10;
    }
    std::string pin(digits.begin(), digits.end());
    if (is_forbidden_pin(pin)) continue;
    if (in_use && in_use(pin)) continue;
    return pin;
  }
}

std::string_view to_string(PhoneFallback f) noexcept {
  switch (f) {
    case PhoneFallback::missing: return "missing";
    case PhoneFallback::invalid_character: return "invalid_character";
    case PhoneFallback::too_short: return "too_short";
    case PhoneFallback::in_use: return "in_use";
    case PhoneFallback::rejected: return "rejected";
  }
  return "missing";
}

std::expected<std::string, PhoneFallback> phone_pin(std::string_view phone) {
  std::string digits;
  bool any_visible = false;
  for (char c : phone) {
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
      any_visible = true;
    } else if (c == '+' || c == '(' || c == ')' || c == '.' || c == '-') {
      any_visible = true;
    } else if (c == ' ') {
      continue;
    } else {
      return std::unexpected(PhoneFallback::invalid_character);
    }
  }
  // Only blanks (or nothing) is a missing number, not a malformed one.
  if (!any_visible) return std::unexpected(PhoneFallback::missing);
  if (digits.size() < kPinLength) return std::unexpected(PhoneFallback::too_short);
  return digits.substr(digits.size() - kPinLength);
}

}  // namespace lockstep
