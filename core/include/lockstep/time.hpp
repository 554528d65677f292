// Time as three value types, after abseil's civil-time design:
//   Instant        an absolute point on the UTC time line (seconds precision);
//   LocalDateTime  a civil (wall-clock) date-time with no zone attached;
//   Zone           an IANA time zone from the system tz database, mapping between them.
// Going from civil time to an instant can be ambiguous; Zone::lookup makes gaps
// (spring forward) and overlaps (fall back) visible in its return type, and
// Zone::resolve applies rule T1 (TC39 Temporal's `compatible`): a gap time moves
// forward by the gap's length, an overlap time takes the earlier instant.
// date's choose::earliest maps a gap time to the transition instant, which is NOT T1.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <date/date.h>

#include "lockstep/error.hpp"

namespace date {
class time_zone;
}

namespace lockstep {

using Seconds = std::chrono::seconds;
using Minutes = std::chrono::minutes;
using Instant = std::chrono::sys_seconds;
using LocalDateTime = date::local_seconds;
using LocalDate = date::local_days;

// What a civil time means in a zone.
struct LocalInfo {
  enum class Kind { unique, skipped, repeated };
  Kind kind = Kind::unique;
  // unique: first == second == the instant.
  // skipped: first = the civil time read with the offset before the transition
  //          (the T1 answer), second = read with the offset after; transition = the
  //          instant the clocks jumped.
  // repeated: first = earlier instant (T1 answer), second = later one.
  Instant first{};
  Instant second{};
  Instant transition{};
  Seconds offset_before{};
  Seconds offset_after{};
};

class Zone {
 public:
  // The zone named `name` in the system database, or invalid_timezone.
  static Result<Zone> locate(std::string_view name);

  std::string_view name() const noexcept;
  Seconds offset_at(Instant t) const;
  LocalDateTime to_local(Instant t) const;
  LocalInfo lookup(LocalDateTime civil) const;
  // Rule T1.
  Instant resolve(LocalDateTime civil) const;

  friend bool operator==(const Zone& a, const Zone& b) noexcept { return a.tz_ == b.tz_; }

 private:
  explicit Zone(const date::time_zone* tz) : tz_(tz) {}
  const date::time_zone* tz_;
};

// The version of the system tz database, e.g. "2025b" (first line of tzdata.zi).
std::string tz_database_version();

// Formatting and parsing at the contracts' edges.
std::string format_instant(Instant t);                    // 2026-03-29T01:30:00Z
void append_instant(std::string& out, Instant t);         // the same, appended to `out` (no temporary)
std::string format_local(LocalDateTime t);                // 2026-03-29T02:30
std::string format_with_offset(Instant t, Seconds offset);  // 2026-03-29T03:30:00+02:00
Result<Instant> parse_instant(std::string_view text);     // RFC 3339; Z or ±hh:mm
Result<LocalDateTime> parse_local(std::string_view text);  // YYYY-MM-DDTHH:MM[:SS]

inline LocalDate local_date_of(LocalDateTime t) { return date::floor<date::days>(t); }

}  // namespace lockstep
