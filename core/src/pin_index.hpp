// Bridge PINs on one lock, by value (C1): which of the engine's PIN records hold
// a given value there, in a fixed order.
//
// A lock holds a handful of entries at a time (a few stays ahead, 199 at most on
// igloohome), so the index is a flat vector scanned end to end: entries of 12
// bytes in one allocation, where the std::unordered_multimap<std::string, Index>
// it replaces cost a node, a hashed string and a cache miss each, and a delete's
// "does anyone else hold this value?" (value_held_by_another) was a quarter of a
// large run.
//
// The order among equal values decides which booking an audit text names (B1:
// "booking X holds the same value") and the order in which bookings sharing a
// deleted value are made again, so it is the multimap's, reproduced on purpose
// (libstdc++ 12, checked against it by a randomised comparison): an entry added
// while the lock holds at most 20 entries (libstdc++'s small-size threshold for
// non-trivial hashes, where it scans linearly) goes right after the first entry
// of its value; otherwise first among them. Removing an entry keeps the order of
// the others. tests/core/engine_pin_sharing_test.cpp holds both cases.
//
// Internal to core/: not part of the public API.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace lockstep::pin_index {

using Index = std::uint32_t;

// A PIN's exact text (digits, leading zeros kept) inline: 8 bytes, no
// allocation, compared as one word. Bridge PINs are 6 digits (C1: random_pin,
// C2: phone_pin); up to 7 characters fit. Empty: no PIN.
class PinText {
 public:
  static constexpr std::size_t kCapacity = 7;

  PinText() = default;
  explicit PinText(std::string_view s) {
    if (s.size() > kCapacity) throw std::length_error("bridge PIN longer than 7 characters");
    std::memcpy(bytes_.data(), s.data(), s.size());
    bytes_[kCapacity] = static_cast<char>(s.size());
  }

  std::string_view view() const { return {bytes_.data(), size()}; }
  operator std::string_view() const { return view(); }  // NOLINT: reads as the text it is
  std::size_t size() const { return static_cast<unsigned char>(bytes_[kCapacity]); }
  bool empty() const { return size() == 0; }

  friend bool operator==(const PinText& a, const PinText& b) {
    return std::memcmp(a.bytes_.data(), b.bytes_.data(), sizeof a.bytes_) == 0;
  }
  friend bool operator==(const PinText& a, std::string_view b) { return a.view() == b; }

 private:
  std::array<char, kCapacity + 1> bytes_{};  // text, zero padding, its length last
};

class LockPins {
 public:
  void add(const PinText& pin, Index record) {
    const auto first = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.pin == pin; });
    if (first == entries_.end()) {
      entries_.push_back(Entry{pin, record});
    } else if (entries_.size() <= kSmallSize) {
      entries_.insert(first + 1, Entry{pin, record});
    } else {
      entries_.insert(first, Entry{pin, record});
    }
  }

  void remove(const PinText& pin, Index record) {
    const auto it = std::find_if(entries_.begin(), entries_.end(),
                                 [&](const Entry& e) { return e.record == record && e.pin == pin; });
    if (it != entries_.end()) entries_.erase(it);
  }

  // Calls visit(record) for each record holding `pin`, in the index's order,
  // until visit returns false.
  template <class Visit>
  void each(const PinText& pin, Visit&& visit) const {
    for (const Entry& e : entries_) {
      if (e.pin == pin && !visit(e.record)) return;
    }
  }

 private:
  static constexpr std::size_t kSmallSize = 20;
  struct Entry {
    PinText pin;
    Index record;
  };
  std::vector<Entry> entries_;
};

}  // namespace lockstep::pin_index

template <>
struct fmt::formatter<lockstep::pin_index::PinText> : fmt::formatter<fmt::string_view> {
  template <class Ctx>
  auto format(const lockstep::pin_index::PinText& p, Ctx& ctx) const {
    const std::string_view v = p.view();
    return fmt::formatter<fmt::string_view>::format(fmt::string_view(v.data(), v.size()), ctx);
  }
};
