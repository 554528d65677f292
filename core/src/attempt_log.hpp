// The start of each generation attempt of every booking (T4, shown in CodeView),
// in one chunked pool, each booking's chained from its last back to its first
// (as audit_log.hpp keeps events). A std::vector per booking was 24 bytes inline
// whether or not the booking ever made an attempt, and an allocation for each
// that did; most make one or two.
//
// A booking's list starts again (T3: a new plan) by forgetting its last entry:
// the entries stay in the pool, as audit events do.
//
// Internal to core/: not part of the public API.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "lockstep/time.hpp"

namespace lockstep::attempt_log {

using Index = std::uint32_t;
constexpr Index kNone = std::numeric_limits<Index>::max();

class Log {
 public:
  // Appends `at` to the list whose last entry is `last` (kNone: empty).
  void add(Index& last, Instant at) {
    // Not zeroed: a chunk's pages are touched only as entries fill them, so a
    // small run does not pay for a whole chunk (a conform scenario starts two).
    if ((size_ & kChunkMask) == 0) chunks_.push_back(std::make_unique_for_overwrite<Entry[]>(kChunkMask + 1));
    chunks_[size_ >> kChunkBits][size_ & kChunkMask] = Entry{at.time_since_epoch().count(), last};
    last = size_++;
  }

  // The list, oldest first.
  std::vector<Instant> list(Index last) const {
    std::vector<Instant> out;
    for (Index i = last; i != kNone; i = entry(i).prev) out.push_back(Instant{Instant::duration{entry(i).at}});
    return {out.rbegin(), out.rend()};
  }

 private:
  // Trivial (seconds as a plain integer) so that a new chunk is left unwritten.
  struct Entry {
    Instant::rep at;
    Index prev;
  };
  static_assert(std::is_trivially_default_constructible_v<Entry>);
  const Entry& entry(Index i) const { return chunks_[i >> kChunkBits][i & kChunkMask]; }

  static constexpr unsigned kChunkBits = 14;
  static constexpr Index kChunkMask = (Index{1} << kChunkBits) - 1;
  std::vector<std::unique_ptr<Entry[]>> chunks_;
  Index size_ = 0;
};

}  // namespace lockstep::attempt_log
