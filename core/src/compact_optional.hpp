// Optional values in the space of the value: std::optional<Instant> is 16 bytes
// and std::optional of an enum 8, and a booking kept a dozen of them. These keep
// the part of std::optional's interface the engine uses (has_value, *, reset,
// value_or, comparison; as_optional for the public views).
//
// Internal to core/: not part of the public API.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>

#include "lockstep/time.hpp"

namespace lockstep::compact {

// An Instant or none, none being the earliest representable instant (which no
// planned or observed time reaches: the engine's instants are seconds since 1970
// from a zone's civil times).
class OptionalInstant {
 public:
  OptionalInstant() = default;
  OptionalInstant(Instant t) : t_(t) {}  // NOLINT: as std::optional's
  OptionalInstant(std::nullopt_t) {}     // NOLINT

  bool has_value() const { return t_ != kNone; }
  explicit operator bool() const { return has_value(); }
  Instant operator*() const { return t_; }
  void reset() { t_ = kNone; }
  std::optional<Instant> as_optional() const { return has_value() ? std::optional<Instant>(t_) : std::nullopt; }

 private:
  static constexpr Instant kNone = Instant::min();
  Instant t_ = kNone;
};

// A small enum or int (its values in -127..127) in one byte, or none.
template <class T>
class SmallOptional {
 public:
  SmallOptional() = default;
  SmallOptional(T v) : v_(static_cast<std::int8_t>(v)) {}  // NOLINT: as std::optional's
  SmallOptional(std::nullopt_t) {}                          // NOLINT

  bool has_value() const { return v_ != kNone; }
  explicit operator bool() const { return has_value(); }
  T operator*() const { return static_cast<T>(v_); }
  T value_or(T fallback) const { return has_value() ? **this : fallback; }
  void reset() { v_ = kNone; }
  std::optional<T> as_optional() const { return has_value() ? std::optional<T>(**this) : std::nullopt; }

  friend bool operator==(const SmallOptional& a, T b) { return a.has_value() && *a == b; }

 private:
  static constexpr std::int8_t kNone = std::numeric_limits<std::int8_t>::min();
  std::int8_t v_ = kNone;
};

}  // namespace lockstep::compact
