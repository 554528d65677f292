// Choosing a PIN value: random codes (C1) and guest-phone codes (C2).
// The engine decides what "in use" means (same lock, overlapping window); these
// functions only need to be told.
#pragma once

#include <expected>
#include <functional>
#include <string>
#include <string_view>

#include "lockstep/random.hpp"

namespace lockstep {

// C1: six equal digits, or a straight run up or down (123456, 987654, 012345...).
bool is_forbidden_pin(std::string_view pin) noexcept;

// C1: a uniform 6-digit code (leading zeros allowed) that is not forbidden and for
// which in_use(pin) is false. Draws until one fits.
std::string random_pin(RandomSource& rng, const std::function<bool(std::string_view)>& in_use);

// C2: why a guest phone could not give the code.
enum class PhoneFallback { missing, invalid_character, too_short, in_use, rejected };
std::string_view to_string(PhoneFallback f) noexcept;

// C2: the last 6 digits of the phone, after dropping '+', '(', ')', '.', '-' and
// spaces. missing (empty/absent), invalid_character (anything else), too_short.
std::expected<std::string, PhoneFallback> phone_pin(std::string_view phone);

}  // namespace lockstep
