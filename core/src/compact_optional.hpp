// Values in less space than their usual types, for what a booking keeps:
// - time points in 4 bytes (Seconds32): seconds since 1970 in 32 bits, where
//   Instant and LocalDateTime take 8;
// - optional values in the space of the value: std::optional<Instant> is 16
//   bytes and std::optional of an enum 8, and a booking kept a dozen of them.
//   These keep the part of std::optional's interface the engine uses (has_value,
//   *, reset, value_or, comparison; as_optional for the public views).
//
// Internal to core/: not part of the public API.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <type_traits>

#include "lockstep/time.hpp"

namespace lockstep::compact {

// A time point of whole seconds (Instant or LocalDateTime) from 1970-01-01 00:00
// up to 2106-02-07 06:28:14, kept in 32 bits: at a million bookings each booking's
// ten time points were 80 of its bytes. The engine keeps only stays that lie well
// inside these years (kFirstKeptStay..kLastKeptStay in engine.cpp; put_booking
// refuses others with invalid_booking), and every time it keeps of a booking is
// within weeks of its stay, so the narrowing below never throws; it checks rather
// than wrap. Trivial, so that a pool of them can be left unwritten until used:
// value-initialise it (`Instant32 t{}`) for 1970-01-01.
template <class TimePoint>
class Seconds32 {
 public:
  // The largest value kept; one more is OptionalSeconds32's none.
  static constexpr std::int64_t kMax = std::numeric_limits<std::uint32_t>::max() - 1;

  Seconds32() = default;
  Seconds32(TimePoint t) : s_(narrow(t.time_since_epoch().count())) {}  // NOLINT: stands in for TimePoint

  TimePoint get() const { return TimePoint{Seconds{s_}}; }
  operator TimePoint() const { return get(); }  // NOLINT: stands in for TimePoint

  friend bool operator==(Seconds32 a, Seconds32 b) { return a.s_ == b.s_; }
  friend bool operator==(Seconds32 a, TimePoint b) { return a.get() == b; }
  friend auto operator<=>(Seconds32 a, Seconds32 b) { return a.s_ <=> b.s_; }
  friend auto operator<=>(Seconds32 a, TimePoint b) { return a.get() <=> b; }

 private:
  template <class> friend class OptionalSeconds32;
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

  static std::uint32_t narrow(std::int64_t s) {
    if (s < 0 || s > kMax) throw std::out_of_range("a time outside 1970..2106 kept in 32 bits");
    return static_cast<std::uint32_t>(s);
  }
  std::uint32_t s_;
};
static_assert(std::is_trivially_default_constructible_v<Seconds32<Instant>>);

using Instant32 = Seconds32<Instant>;
using LocalDateTime32 = Seconds32<LocalDateTime>;

// Seconds32 or none, in the same 4 bytes (none: the one value past kMax).
template <class TimePoint>
class OptionalSeconds32 {
 public:
  OptionalSeconds32() = default;
  OptionalSeconds32(TimePoint t) : s_(Seconds32<TimePoint>::narrow(t.time_since_epoch().count())) {}  // NOLINT: as std::optional's
  OptionalSeconds32(std::nullopt_t) {}  // NOLINT

  bool has_value() const { return s_ != Seconds32<TimePoint>::kNone; }
  explicit operator bool() const { return has_value(); }
  TimePoint operator*() const { return TimePoint{Seconds{s_}}; }
  void reset() { s_ = Seconds32<TimePoint>::kNone; }
  std::optional<TimePoint> as_optional() const {
    return has_value() ? std::optional<TimePoint>(**this) : std::nullopt;
  }

 private:
  std::uint32_t s_ = Seconds32<TimePoint>::kNone;
};

using OptionalInstant = OptionalSeconds32<Instant>;

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
