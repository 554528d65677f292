#include "lockstep/time.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <unordered_map>

#include <charconv>
#include <fstream>

#include <date/tz.h>
#include <fmt/format.h>

namespace lockstep {
namespace {

// Reads exactly `width` digits at text[pos...]; false when any is not a digit.
bool read_digits(std::string_view text, std::size_t pos, std::size_t width, int& out) {
  if (pos + width > text.size()) return false;
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

struct CivilFields {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::size_t consumed = 0;
};

// YYYY-MM-DDTHH:MM[:SS], checked for range (a 2026-02-30 is refused).
Result<CivilFields> read_civil(std::string_view text, bool seconds_required) {
  CivilFields f;
  auto bad = [&](std::string why) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("'{}' is not a date-time YYYY-MM-DDTHH:MM{}: {}", text,
                            seconds_required ? ":SS" : "[:SS]", why));
  };
  if (!read_digits(text, 0, 4, f.year) || text.size() < 16 || text[4] != '-' ||
      !read_digits(text, 5, 2, f.month) || text[7] != '-' || !read_digits(text, 8, 2, f.day) ||
      (text[10] != 'T' && text[10] != 't') || !read_digits(text, 11, 2, f.hour) || text[13] != ':' ||
      !read_digits(text, 14, 2, f.minute)) {
    return bad("wrong shape");
  }
  f.consumed = 16;
  if (text.size() >= 19 && text[16] == ':') {
    if (!read_digits(text, 17, 2, f.second)) return bad("wrong shape");
    f.consumed = 19;
  } else if (seconds_required) {
    return bad("seconds missing");
  }
  const date::year_month_day ymd{date::year{f.year}, date::month{static_cast<unsigned>(f.month)},
                                 date::day{static_cast<unsigned>(f.day)}};
  if (!ymd.ok()) return bad("no such date");
  if (f.hour > 23 || f.minute > 59 || f.second > 59) return bad("no such time of day");
  return f;
}

LocalDateTime to_local_seconds(const CivilFields& f) {
  const date::year_month_day ymd{date::year{f.year}, date::month{static_cast<unsigned>(f.month)},
                                 date::day{static_cast<unsigned>(f.day)}};
  return LocalDateTime{date::local_days{ymd}.time_since_epoch()} + std::chrono::hours{f.hour} +
         Minutes{f.minute} + Seconds{f.second};
}

// The last offset span date gave for a zone: [begin, end) in seconds since the
// epoch, and the offset in force. date's get_info is a binary search over the
// zone's transitions that also builds a sys_info with its abbreviation string;
// a plan line asks a zone for ten offsets, nearly always within one span, and a
// portfolio's engine asks a handful of zones millions of times. A few slots a
// thread, chosen by the zone's address: a hit answers exactly what date would.
struct OffsetSpan {
  const date::time_zone* tz = nullptr;
  std::int64_t begin = 0;
  std::int64_t end = 0;
  Seconds offset{};
};

OffsetSpan& span_slot(const date::time_zone* tz) {
  thread_local std::array<OffsetSpan, 16> slots;
  const auto key = reinterpret_cast<std::uintptr_t>(tz);
  return slots[(key >> 4) % slots.size()];
}

// True when `x` lies in [begin + margin, end - margin), without overflowing at
// the unbounded first and last spans.
bool deep_inside(const OffsetSpan& s, std::int64_t x, std::uint64_t margin) {
  if (x < s.begin || x >= s.end) return false;
  const std::uint64_t after_begin = static_cast<std::uint64_t>(x) - static_cast<std::uint64_t>(s.begin);
  const std::uint64_t before_end = static_cast<std::uint64_t>(s.end) - static_cast<std::uint64_t>(x);
  return after_begin >= margin && before_end > margin;
}

void remember(OffsetSpan& slot, const date::time_zone* tz, const date::sys_info& info) {
  slot = OffsetSpan{tz, info.begin.time_since_epoch().count(), info.end.time_since_epoch().count(), info.offset};
}

Seconds offset_in_force(const date::time_zone* tz, Instant t) {
  OffsetSpan& slot = span_slot(tz);
  if (slot.tz == tz && deep_inside(slot, t.time_since_epoch().count(), 0)) return slot.offset;
  const date::sys_info info = tz->get_info(t);
  remember(slot, tz, info);
  return info.offset;
}

// Any two offsets of the tz database differ by less than this (they range over
// -15:56 to +15:13 in local mean times, -12:00 to +14:00 since): a civil time
// whose candidate instant lies this far inside a span can be read in no other.
constexpr std::uint64_t kOffsetSpread = 48 * 3600;

Instant as_instant(const date::sys_info& info, LocalDateTime civil) {
  return Instant{civil.time_since_epoch() - info.offset};
}

}  // namespace

Result<Zone> Zone::locate(std::string_view name) {
  if (name.empty()) return fail(ErrorCode::invalid_timezone, "time zone is empty", "timezone");
  // date's lookup is a binary search over ~600 names per call; a plan stream
  // names a handful of zones millions of times. Only found zones are kept.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
  };
  thread_local std::unordered_map<std::string, const date::time_zone*, NameHash, std::equal_to<>> found;
  if (auto it = found.find(name); it != found.end()) return Zone{it->second};
  try {
    const date::time_zone* tz = date::locate_zone(name);
    found.emplace(std::string(name), tz);
    return Zone{tz};
  } catch (const std::exception&) {
    return fail(ErrorCode::invalid_timezone,
                fmt::format("unknown time zone '{}' (not in the system tz database)", name),
                "timezone");
  }
}

std::string_view Zone::name() const noexcept { return tz_->name(); }

Seconds Zone::offset_at(Instant t) const { return offset_in_force(tz_, t); }

LocalDateTime Zone::to_local(Instant t) const { return LocalDateTime{t.time_since_epoch() + offset_in_force(tz_, t)}; }

LocalInfo Zone::lookup(LocalDateTime civil) const {
  LocalInfo out;
  OffsetSpan& slot = span_slot(tz_);
  if (slot.tz == tz_) {
    const Instant candidate{civil.time_since_epoch() - slot.offset};
    if (deep_inside(slot, candidate.time_since_epoch().count(), kOffsetSpread)) {
      out.kind = LocalInfo::Kind::unique;
      out.first = out.second = candidate;
      out.offset_before = out.offset_after = slot.offset;
      return out;
    }
  }
  const date::local_info info = tz_->get_info(civil);
  if (info.result == date::local_info::unique) remember(slot, tz_, info.first);
  switch (info.result) {
    case date::local_info::unique:
      out.kind = LocalInfo::Kind::unique;
      out.first = out.second = as_instant(info.first, civil);
      out.offset_before = out.offset_after = info.first.offset;
      break;
    case date::local_info::nonexistent:
    case date::local_info::ambiguous:
      out.kind = info.result == date::local_info::nonexistent ? LocalInfo::Kind::skipped
                                                               : LocalInfo::Kind::repeated;
      out.first = as_instant(info.first, civil);
      out.second = as_instant(info.second, civil);
      out.transition = info.first.end;
      out.offset_before = info.first.offset;
      out.offset_after = info.second.offset;
      break;
  }
  return out;
}

// T1: `first` is, for a gap, the civil time read with the offset before the
// jump — i.e. moved forward by the gap's length — and for an overlap the earlier
// instant. Both are Temporal's `compatible`.
Instant Zone::resolve(LocalDateTime civil) const { return lookup(civil).first; }

std::string tz_database_version() {
  std::ifstream in("/usr/share/zoneinfo/tzdata.zi");
  std::string line;
  if (in && std::getline(in, line) && line.rfind("# version ", 0) == 0) return line.substr(10);
  return "unknown";
}

namespace {
// YYYY-MM-DDTHH:MM:SS of a seconds count since the epoch. Hand-rolled because
// date::format goes through an ostringstream, which was a third of the cost of a
// `lockstep plan` line (docs/performance.md).
// Appends YYYY-MM-DDTHH:MM:SS and `suffix` to `out`, without a temporary:
// every plan line writes six of these and every report thousands.
void append_civil(std::string& out, Seconds since_epoch, std::string_view suffix) {
  const auto day = date::floor<date::days>(since_epoch);
  const date::year_month_day ymd{date::sys_days{day}};
  const auto in_day = (since_epoch - day).count();
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) {  // outside what the contracts write; fmt handles the sign and width
    fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}", year,
                   static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), in_day / 3600,
                   (in_day % 3600) / 60, in_day % 60, suffix);
    return;
  }
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  char text[19] = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0', 'T', '0', '0', ':', '0', '0', ':', '0', '0'};
  auto pair = [&text](int at, unsigned value) {
    text[at] = kPairs[2 * value];
    text[at + 1] = kPairs[2 * value + 1];
  };
  pair(0, static_cast<unsigned>(year / 100));
  pair(2, static_cast<unsigned>(year % 100));
  pair(5, static_cast<unsigned>(ymd.month()));
  pair(8, static_cast<unsigned>(ymd.day()));
  pair(11, static_cast<unsigned>(in_day / 3600));
  pair(14, static_cast<unsigned>((in_day % 3600) / 60));
  pair(17, static_cast<unsigned>(in_day % 60));
  out.append(text, sizeof text).append(suffix);
}

std::string format_civil(Seconds since_epoch, std::string_view suffix) {
  std::string out;
  out.reserve(19 + suffix.size());
  append_civil(out, since_epoch, suffix);
  return out;
}
}  // namespace

std::string format_instant(Instant t) { return format_civil(t.time_since_epoch(), "Z"); }

void append_instant(std::string& out, Instant t) { append_civil(out, t.time_since_epoch(), "Z"); }

std::string format_local(LocalDateTime t) {
  const auto minutes = date::floor<Minutes>(t);
  if (minutes == t) return date::format("%FT%H:%M", minutes);
  return date::format("%FT%T", t);
}

std::string format_with_offset(Instant t, Seconds offset) {
  const LocalDateTime local{t.time_since_epoch() + offset};
  const auto total = offset.count();
  const char sign = total < 0 ? '-' : '+';
  const auto magnitude = total < 0 ? -total : total;
  return format_civil(local.time_since_epoch(),
                      fmt::format("{}{:02}:{:02}", sign, magnitude / 3600, (magnitude % 3600) / 60));
}

Result<Instant> parse_instant(std::string_view text) {
  auto civil = read_civil(text, /*seconds_required=*/true);
  if (!civil) return std::unexpected(civil.error());
  std::size_t pos = civil->consumed;
  if (pos < text.size() && text[pos] == '.') {  // fractional seconds: accepted, truncated
    ++pos;
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) {
      return fail(ErrorCode::invalid_argument, fmt::format("'{}': empty fraction", text));
    }
  }
  Seconds offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int hh = 0, mm = 0;
    if (!read_digits(text, pos + 1, 2, hh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !read_digits(text, pos + 4, 2, mm) || hh > 23 || mm > 59) {
      return fail(ErrorCode::invalid_argument,
                  fmt::format("'{}' has a malformed UTC offset (want Z or ±hh:mm)", text));
    }
    offset = std::chrono::hours{hh} + Minutes{mm};
    if (text[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return fail(ErrorCode::invalid_argument,
                fmt::format("'{}' is not an instant: it needs Z or a ±hh:mm offset", text));
  }
  if (pos != text.size()) {
    return fail(ErrorCode::invalid_argument, fmt::format("'{}' has trailing characters", text));
  }
  const Instant instant{to_local_seconds(*civil).time_since_epoch() - offset};
  // RFC 3339 writes four-digit years: an offset that carries the UTC date out of
  // 0000-9999 gives an instant no contract could write back.
  const auto utc_year = static_cast<int>(date::year_month_day{date::floor<date::days>(instant)}.year());
  if (utc_year < 0 || utc_year > 9999) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("'{}' is outside the years 0000-9999 once in UTC", text));
  }
  return instant;
}

Result<LocalDateTime> parse_local(std::string_view text) {
  auto civil = read_civil(text, /*seconds_required=*/false);
  if (!civil) return std::unexpected(civil.error());
  if (civil->consumed != text.size()) {
    return fail(ErrorCode::invalid_argument,
                fmt::format("'{}' is not a local date-time YYYY-MM-DDTHH:MM (no offset or zone)",
                            text));
  }
  return to_local_seconds(*civil);
}

}  // namespace lockstep
