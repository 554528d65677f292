// The start of each generation attempt of every booking (T4, shown in CodeView),
// in one chunked pool, each booking's chained from its last back to its first
// (as audit_log.hpp keeps events). A std::vector per booking was 24 bytes inline
// whether or not the booking ever made an attempt, and an allocation for each
// that did; most make one or two.
//
// A booking's list starts again (T3: a new plan) by forgetting its last entry:
// the entries stay in the pool, as audit events do.
//
// An entry is 8 bytes: the attempt's start in 32 bits (compact::Seconds32; an
// attempt starts within the stay the engine keeps, as every time of a booking
// does) and the link to the one before.
//
// Internal to core/: not part of the public API.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "compact_optional.hpp"
#include "lockstep/time.hpp"

namespace lockstep::attempt_log {

using Index = std::uint32_t;
constexpr Index kNone = std::numeric_limits<Index>::max();

class Log {
 public:
  // Appends `at` to the list whose last entry is `last` (kNone: empty).
  void add(Index& last, Instant at) {
    if (size_ == kNone) throw std::length_error("more than 2^32 - 1 generation attempts");
    const compact::Instant32 start(at);  // checked before anything is written
    // Not zeroed: a chunk's pages are touched only as entries fill them, so a
    // small run does not pay for a whole chunk (a conform scenario starts two).
    if ((size_ & kChunkMask) == 0) chunks_.push_back(std::make_unique_for_overwrite<Entry[]>(kChunkMask + 1));
    Entry& e = chunks_[size_ >> kChunkBits][size_ & kChunkMask];
    e.at = start;
    e.prev = last;
    last = size_++;
  }

  // The list, oldest first.
  std::vector<Instant> list(Index last) const {
    std::vector<Instant> out;
    for (Index i = last; i != kNone; i = entry(i).prev) out.push_back(entry(i).at);
    return {out.rbegin(), out.rend()};
  }

 private:
  // Trivial so that a new chunk is left unwritten.
  struct Entry {
    compact::Instant32 at;
    Index prev;
  };
  static_assert(std::is_trivially_default_constructible_v<Entry>);
  static_assert(sizeof(Entry) == 8);
  const Entry& entry(Index i) const { return chunks_[i >> kChunkBits][i & kChunkMask]; }

  static constexpr unsigned kChunkBits = 14;
  static constexpr Index kChunkMask = (Index{1} << kChunkBits) - 1;
  std::vector<std::unique_ptr<Entry[]>> chunks_;
  Index size_ = 0;
};

}  // namespace lockstep::attempt_log
