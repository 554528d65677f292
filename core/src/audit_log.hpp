// The engine's audit trails, kept small for simulations of a million bookings.
//
// An event keeps the fields of its message, not its text: which format string it
// uses and the values of its arguments, encoded in an engine-wide arena. The text
// is formatted when the trail is read (Engine::audit), by the same format string
// with the same values, so it is byte for byte what formatting at once gave.
// Formatting every message as it happened cost a large run ~7% of its time and
// ~85 bytes an event, for trails mostly never read.
//
// Events of all bookings live in one chunked pool, each booking's chained from its
// last back to its first: no per-booking vector (24 bytes of header, and the slack
// of its reserve) and no allocation per event. Backwards, so that recording an
// event writes only the new one: linking forwards wrote into the booking's
// previous event, a cache miss per event at a million bookings.
//
// Internal to core/: not part of the public API.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "lockstep/rule.hpp"
#include "lockstep/time.hpp"

namespace lockstep::audit_log {

// Audit texts name many instants; formatting them through date's streams
// dominated a large simulation, so they are written here directly.
struct Iso {
  Instant t;
};
struct IsoDay {
  LocalDate d;
};
// "first" or "next" (attempt), kept in one byte rather than as its text.
struct AttemptOrdinal {
  bool next;
};

}  // namespace lockstep::audit_log

template <>
struct fmt::formatter<lockstep::audit_log::Iso> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class Ctx>
  auto format(const lockstep::audit_log::Iso& v, Ctx& ctx) const {
    const auto day = date::floor<date::days>(v.t);
    const date::year_month_day ymd{day};
    const date::hh_mm_ss<lockstep::Seconds> tod{v.t - day};
    return fmt::format_to(ctx.out(), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()),
                          static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                          tod.hours().count(), tod.minutes().count(), tod.seconds().count());
  }
};

template <>
struct fmt::formatter<lockstep::audit_log::IsoDay> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class Ctx>
  auto format(const lockstep::audit_log::IsoDay& v, Ctx& ctx) const {
    const date::year_month_day ymd{v.d};
    return fmt::format_to(ctx.out(), "{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                          static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  }
};

template <>
struct fmt::formatter<lockstep::audit_log::AttemptOrdinal> : fmt::formatter<fmt::string_view> {
  template <class Ctx>
  auto format(const lockstep::audit_log::AttemptOrdinal& v, Ctx& ctx) const {
    return fmt::formatter<fmt::string_view>::format(v.next ? "next" : "first", ctx);
  }
};

namespace lockstep::audit_log {

using Index = std::uint32_t;
constexpr Index kNone = std::numeric_limits<Index>::max();
constexpr std::uint16_t kNoText = std::numeric_limits<std::uint16_t>::max();

// One audit event in 24 bytes.
struct Event {
  std::int64_t at;
  std::uint32_t args;  // offset of the encoded arguments in the arena
  Index prev;          // the booking's event before this one
  std::uint16_t attempt;
  std::uint16_t format;  // kNoText: no text kept
  std::uint8_t kind;     // AuditKind
  Rule rule;
};
static_assert(std::is_trivially_default_constructible_v<Event>);

// How an argument is kept: text by value (length, bytes), read back as a
// string_view into the arena; anything else (numbers, Iso, IsoDay) as its bytes.
template <class T>
constexpr bool is_text = std::is_convertible_v<const T&, std::string_view>;

template <class T>
using Stored = std::conditional_t<is_text<T>, std::string_view, T>;

template <class T>
void put(std::string& out, const T& value) {
  if constexpr (is_text<T>) {
    const std::string_view s = value;
    // One byte of length for the usual short text (a PIN, a lock id).
    if (s.size() < 0xFF) {
      out.push_back(static_cast<char>(s.size()));
    } else {
      out.push_back(static_cast<char>(0xFF));
      const auto n = static_cast<std::uint32_t>(s.size());
      out.append(reinterpret_cast<const char*>(&n), sizeof n);
    }
    out.append(s);
  } else {
    static_assert(std::is_trivially_copyable_v<T>, "audit arguments are text or plain values");
    out.append(reinterpret_cast<const char*>(&value), sizeof value);
  }
}

template <class S>
S take(const char*& p) {
  if constexpr (std::is_same_v<S, std::string_view>) {
    std::uint32_t n = static_cast<unsigned char>(*p++);
    if (n == 0xFF) {
      std::memcpy(&n, p, sizeof n);
      p += sizeof n;
    }
    const std::string_view s{p, n};
    p += n;
    return s;
  } else {
    S value;
    std::memcpy(&value, p, sizeof value);
    p += sizeof value;
    return value;
  }
}

using Render = void (*)(fmt::memory_buffer& out, fmt::string_view format, const char* args);

template <class... S>
void render(fmt::memory_buffer& out, fmt::string_view format, const char* args) {
  // A braced list is evaluated left to right: the arguments are read in order.
  const std::tuple<S...> values{take<S>(args)...};
  (void)args;  // a format without arguments reads none
  std::apply(
      [&](const auto&... v) { fmt::vformat_to(std::back_inserter(out), format, fmt::make_format_args(v...)); },
      values);
}

class Log {
 public:
  Log() { slots_.fill(kNoText); }
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Records one event (its text kept when `keep_text`), appended to the trail
  // whose last event is `last` (kNone: none yet). `format` was checked against the arguments
  // by the caller (fmt::format_string) and is a string literal: it is kept by address.
  template <class... Args>
  void append(Index& last, Event e, bool keep_text, fmt::string_view format, const Args&... args) {
    e.prev = last;
    e.format = kNoText;
    e.args = 0;
    if (keep_text) {
      e.format = format_id(format, &render<Stored<Args>...>);
      if constexpr (sizeof...(Args) > 0) {
        scratch_.clear();
        (put(scratch_, args), ...);
        e.args = arena_append(scratch_);
      }
    }
    last = push(e);
  }

  const Event& at(Index i) const { return chunks_[i >> kChunkBits][i & kChunkMask]; }

  // The text of an event ("" when none was kept).
  std::string text(const Event& e) const {
    if (e.format == kNoText) return {};
    const Format& f = formats_[e.format];
    fmt::memory_buffer out;
    f.render(out, f.text, blocks_.empty() ? nullptr : arena_at(e.args));
    return std::string(out.data(), out.size());
  }

 private:
  Event& at(Index i) { return chunks_[i >> kChunkBits][i & kChunkMask]; }

  Index push(const Event& e) {
    // kNone ends every trail: one event short of 2^32 is the most kept. A year of
    // ten million bookings records about a hundred million.
    if (size_ == kNone) throw std::length_error("more than 2^32 - 1 audit events");
    // Not zeroed (Event is trivial): a chunk's pages are touched only as events fill it.
    if ((size_ & kChunkMask) == 0) chunks_.push_back(std::make_unique_for_overwrite<Event[]>(kChunkMask + 1));
    at(size_) = e;
    return size_++;
  }

  struct Format {
    fmt::string_view text;
    Render render = nullptr;
  };

  // The formats in use are a few dozen string literals: each gets a small id
  // through a little open-addressed table keyed by (literal, renderer).
  std::uint16_t format_id(fmt::string_view text, Render r) {
    const auto key = reinterpret_cast<std::uintptr_t>(text.data());
    std::size_t slot = ((key >> 3) ^ (reinterpret_cast<std::uintptr_t>(r) >> 4)) & (kSlots - 1);
    for (;;) {
      const std::uint16_t id = slots_[slot];
      if (id == kNoText) break;
      const Format& f = formats_[id];
      if (f.text.data() == text.data() && f.text.size() == text.size() && f.render == r) return id;
      slot = (slot + 1) & (kSlots - 1);
    }
    const auto id = static_cast<std::uint16_t>(formats_.size());
    formats_.push_back(Format{text, r});
    slots_[slot] = id;
    return id;
  }

  // Appended in fixed blocks: no copy when it grows (a doubling buffer moved
  // hundreds of megabytes in a large run) and little slack.
  std::uint32_t arena_append(std::string_view bytes) {
    if (blocks_.empty() || used_ + bytes.size() > kBlock) {
      blocks_.push_back(std::make_unique_for_overwrite<char[]>(std::max(kBlock, bytes.size())));
      used_ = 0;
    }
    // An event keeps its arguments' offset in 32 bits: past 4 GiB of arguments
    // (some 150 million events) it would name another event's, so it stops.
    const std::size_t at = (blocks_.size() - 1) * kBlock + used_;
    if (at > std::numeric_limits<std::uint32_t>::max())
      throw std::length_error("more than 4 GiB of audit arguments");
    std::memcpy(blocks_.back().get() + used_, bytes.data(), bytes.size());
    const auto offset = static_cast<std::uint32_t>(at);
    used_ += bytes.size();
    return offset;
  }
  const char* arena_at(std::uint32_t offset) const { return blocks_[offset / kBlock].get() + offset % kBlock; }

  static constexpr unsigned kChunkBits = 16;
  static constexpr Index kChunkMask = (Index{1} << kChunkBits) - 1;
  std::vector<std::unique_ptr<Event[]>> chunks_;
  Index size_ = 0;

  // More formats than the engine has (~60) would only make the table slower;
  // 1024 slots keep it sparse for any number the engine could hold.
  static constexpr std::size_t kSlots = 1024;
  std::array<std::uint16_t, kSlots> slots_;  // kNoText: free
  std::vector<Format> formats_;

  static constexpr std::size_t kBlock = 1 << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::size_t used_ = 0;
  std::string scratch_;
};

}  // namespace lockstep::audit_log
