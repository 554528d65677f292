#include "lockstep/rules.hpp"

#include <fmt/format.h>

namespace lockstep {
namespace {

constexpr int kMinDaysBefore = 1, kMaxDaysBefore = 14;
constexpr int kMinMargin = 0, kMaxMargin = 240;
constexpr auto kMaxHourly = std::chrono::hours{672};
constexpr auto kMinDailyDays = date::days{29};
constexpr auto kMaxDailyDays = date::days{367};

// The instant on the hour at or before / at or after t, "on the hour" read in
// the given UTC offset (so +05:45 rounds to :15 UTC).
Instant floor_to_hour(Instant t, Seconds offset) {
  return date::floor<std::chrono::hours>(t + offset) - offset;
}
Instant ceil_to_hour(Instant t, Seconds offset) {
  return date::ceil<std::chrono::hours>(t + offset) - offset;
}

}  // namespace

std::string_view to_string(RetryDeadline d) noexcept {
  switch (d) {
    case RetryDeadline::end_of_checkin_day: return "end_of_checkin_day";
    case RetryDeadline::start_of_checkin_day: return "start_of_checkin_day";
    case RetryDeadline::checkin_time: return "checkin_time";
  }
  return "end_of_checkin_day";
}

std::optional<RetryDeadline> retry_deadline_from_string(std::string_view s) noexcept {
  if (s == "end_of_checkin_day") return RetryDeadline::end_of_checkin_day;
  if (s == "start_of_checkin_day") return RetryDeadline::start_of_checkin_day;
  if (s == "checkin_time") return RetryDeadline::checkin_time;
  return std::nullopt;
}

std::string_view to_string(CodeSource s) noexcept {
  return s == CodeSource::guest_phone ? "guest_phone" : "random";
}

std::optional<CodeSource> code_source_from_string(std::string_view s) noexcept {
  if (s == "random") return CodeSource::random;
  if (s == "guest_phone") return CodeSource::guest_phone;
  return std::nullopt;
}

std::string_view to_string(LockKind k) noexcept { return k == LockKind::bridge ? "bridge" : "algopin"; }

std::string_view to_string(AlgoPinType t) noexcept {
  switch (t) {
    case AlgoPinType::hourly: return "hourly";
    case AlgoPinType::daily: return "daily";
    case AlgoPinType::onetime: return "onetime";
    case AlgoPinType::permanent: return "permanent";
  }
  return "hourly";
}

Result<void> validate_settings(const LockSettings& s) {
  if (s.days_before < kMinDaysBefore || s.days_before > kMaxDaysBefore) {
    return fail(ErrorCode::invalid_setting,
                fmt::format("days_before must be an integer from {} to {}, got {}", kMinDaysBefore,
                            kMaxDaysBefore, s.days_before),
                "days_before");
  }
  if (s.margin_minutes < kMinMargin || s.margin_minutes > kMaxMargin) {
    return fail(ErrorCode::invalid_setting,
                fmt::format("margin_minutes must be an integer from {} to {}, got {}", kMinMargin,
                            kMaxMargin, s.margin_minutes),
                "margin_minutes");
  }
  return {};
}

Result<LockSettings> apply_patch(const LockSettings& current, const SettingsPatch& patch) {
  LockSettings next = current;
  if (patch.days_before) next.days_before = *patch.days_before;
  if (patch.margin_minutes) next.margin_minutes = *patch.margin_minutes;
  if (patch.code_source) next.code_source = *patch.code_source;
  if (auto ok = validate_settings(next); !ok) return std::unexpected(ok.error());
  return next;
}

Result<AlgoPinWindow> algopin_window(const Zone& zone, Instant valid_from, Instant valid_until,
                                     std::optional<Instant> requested_at) {
  AlgoPinWindow w;
  const Seconds from_offset = zone.offset_at(valid_from);
  const Seconds until_offset = zone.offset_at(valid_until);
  w.start = floor_to_hour(valid_from, from_offset);
  w.start_offset = from_offset;
  // igloohome refuses a startDate before the start of the current hour: a code
  // asked for after its start (a booking made inside its margin, a retry) starts
  // at the current hour, read in the offset in force now.
  if (requested_at && *requested_at > w.start) {
    const Seconds now_offset = zone.offset_at(*requested_at);
    const Instant current_hour = floor_to_hour(*requested_at, now_offset);
    if (current_hour > w.start) {
      w.start = current_hour;
      w.start_offset = now_offset;
    }
  }
  w.end = ceil_to_hour(valid_until, until_offset);
  w.end_offset = until_offset;
  if (w.end - w.start <= kMaxHourly) {
    w.type = AlgoPinType::hourly;
    return w;
  }
  // Daily: ends at start's local time of day, on the first day that is at or
  // after valid_until and at least 29 local days after start. A day on which
  // that time of day falls in a DST gap is skipped: T1 would move the end off
  // start's time of day, which igloohome refuses.
  w.type = AlgoPinType::daily;
  const LocalDateTime start_local = zone.to_local(w.start);
  const LocalDate start_day = local_date_of(start_local);
  const auto time_of_day = start_local - start_day;
  LocalDate day = std::max(start_day + kMinDailyDays, local_date_of(zone.to_local(valid_until)) - date::days{1});
  for (;; day += date::days{1}) {
    const LocalInfo info = zone.lookup(day + time_of_day);
    if (info.kind == LocalInfo::Kind::skipped) continue;
    if (info.first >= valid_until) {
      w.end = info.first;
      break;
    }
  }
  if (day - start_day > kMaxDailyDays) {
    return fail(ErrorCode::stay_too_long,
                fmt::format("an algoPIN lasts at most {} days; this stay needs {} days",
                            kMaxDailyDays.count(), (day - start_day).count()));
  }
  w.end_offset = zone.offset_at(w.end);
  return w;
}

Result<BookingPlan> plan_booking(const Zone& zone, LocalDateTime checkin, LocalDateTime checkout,
                                 const LockSettings& settings, LockKind kind, const Profile& profile) {
  if (auto ok = validate_settings(settings); !ok) return std::unexpected(ok.error());
  BookingPlan p;
  p.checkin = zone.resolve(checkin);
  p.checkout = zone.resolve(checkout);
  if (p.checkout <= p.checkin) {
    return fail(ErrorCode::invalid_booking,
                fmt::format("check-out {} is not after check-in {} in {}", format_local(checkout),
                            format_local(checkin), zone.name()),
                "checkout");
  }
  const Minutes margin{settings.margin_minutes};
  p.valid_from = p.checkin - margin;
  p.valid_until = p.checkout + margin;
  p.checkin_day = local_date_of(zone.to_local(p.checkin));
  p.generate_at =
      zone.resolve(p.checkin_day - date::days{settings.days_before} + profile.generation_local_time);
  switch (profile.retry_deadline) {
    case RetryDeadline::end_of_checkin_day:
      p.retry_deadline = zone.resolve(p.checkin_day + date::days{1});
      break;
    case RetryDeadline::start_of_checkin_day:
      p.retry_deadline = zone.resolve(LocalDateTime{p.checkin_day});
      break;
    case RetryDeadline::checkin_time:
      p.retry_deadline = p.checkin;
      break;
  }
  if (kind == LockKind::algopin) {
    auto w = algopin_window(zone, p.valid_from, p.valid_until);
    if (!w) return std::unexpected(w.error());
    p.algopin = *w;
  }
  return p;
}

}  // namespace lockstep
