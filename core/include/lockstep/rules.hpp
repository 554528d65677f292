// The scheduling rules of behaviour.md as pure functions: a booking's validity
// window (T2), when its code is generated (T3), until when retries run (T4), and
// the algoPIN window igloohome is asked for (C5). The engine and `lockstep plan`
// both compute through here, so there is one answer to "when?".
// Profile is every knob behaviour.md names, with the reference defaults.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "lockstep/error.hpp"
#include "lockstep/time.hpp"

namespace lockstep {

enum class RetryDeadline { end_of_checkin_day, start_of_checkin_day, checkin_time };
std::string_view to_string(RetryDeadline d) noexcept;
std::optional<RetryDeadline> retry_deadline_from_string(std::string_view s) noexcept;

// Knobs of behaviour.md, reference defaults.
struct Profile {
  Minutes generation_local_time{0};   // T3: local time of day of generation
  Minutes retry_interval{60};         // T4
  RetryDeadline retry_deadline = RetryDeadline::end_of_checkin_day;  // T4
  Minutes schedule_tolerance{0};      // T5 (used by the conformance checker)
  bool disconnect_deletes_future_codes = false;  // L4
  Minutes delete_retry_window{24 * 60};          // C4: failed delete retried hourly for 24 h
  Minutes job_poll_interval{1};       // how soon a pending bridge job is looked at again
  int max_values_per_attempt = 5;     // C3
};

enum class CodeSource { random, guest_phone };
std::string_view to_string(CodeSource s) noexcept;
std::optional<CodeSource> code_source_from_string(std::string_view s) noexcept;

// S1-S3: per-lock settings.
struct LockSettings {
  int days_before = 5;       // 1..14
  int margin_minutes = 30;   // 0..240
  CodeSource code_source = CodeSource::random;
};

// S4: a partial change; absent fields stay as they are.
struct SettingsPatch {
  std::optional<int> days_before;
  std::optional<int> margin_minutes;
  std::optional<CodeSource> code_source;
};
// Checks ranges (S4) and returns the settings with the patch applied, or
// invalid_setting naming the field. Never clamps.
Result<LockSettings> apply_patch(const LockSettings& current, const SettingsPatch& patch);

enum class LockKind { bridge, algopin };
std::string_view to_string(LockKind k) noexcept;

enum class AlgoPinType { hourly, daily, onetime, permanent };
std::string_view to_string(AlgoPinType t) noexcept;

struct AlgoPinWindow {
  AlgoPinType type = AlgoPinType::hourly;
  Instant start{};
  Instant end{};
  Seconds start_offset{};  // UTC offset in force at start (for the request's dates)
  Seconds end_offset{};
  friend bool operator==(const AlgoPinWindow&, const AlgoPinWindow&) = default;
};

// Everything the rules say about one booking's timing.
struct BookingPlan {
  Instant checkin{};         // T1
  Instant checkout{};        // T1
  Instant valid_from{};      // T2
  Instant valid_until{};     // T2
  LocalDate checkin_day{};   // T3: local date of the check-in instant
  Instant generate_at{};     // T3 (not yet moved to a later booking time)
  Instant retry_deadline{};  // T4: attempts must start strictly before this
  std::optional<AlgoPinWindow> algopin;  // C5, for algoPIN locks
};

// T1-T4 (+ C5 when kind == algopin). Errors: invalid_booking (check-out not after
// check-in), invalid_setting (settings out of range), stay_too_long (algoPIN > 367 days).
Result<BookingPlan> plan_booking(const Zone& zone, LocalDateTime checkin, LocalDateTime checkout,
                                 const LockSettings& settings, LockKind kind,
                                 const Profile& profile = {});

// C5 alone: the algoPIN window for a validity window in a zone. `requested_at`:
// when the request is sent; after the window's start, the start becomes the
// start of the current hour (igloohome refuses a startDate before it).
Result<AlgoPinWindow> algopin_window(const Zone& zone, Instant valid_from, Instant valid_until,
                                     std::optional<Instant> requested_at = std::nullopt);

// Checks S1/S2 ranges.
Result<void> validate_settings(const LockSettings& s);

}  // namespace lockstep
