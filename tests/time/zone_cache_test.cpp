// Zone keeps the last offset span date gave it (core/src/time.cpp) and answers
// from it when it can. This holds those answers to date's own, computed fresh,
// for every zone of the system database and every transition from 1900 to 2040:
// civil times and instants around each transition, asked right after a question
// deep inside the neighbouring span, so that the span kept is the wrong one
// exactly when a careless shortcut would still use it.
#include <array>
#include <string>

#include <date/tz.h>
#include <gtest/gtest.h>

#include "lockstep/time.hpp"

namespace lockstep {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

LocalInfo::Kind kind_of(const date::local_info& info) {
  switch (info.result) {
    case date::local_info::unique: return LocalInfo::Kind::unique;
    case date::local_info::nonexistent: return LocalInfo::Kind::skipped;
    default: return LocalInfo::Kind::repeated;
  }
}

// Date's answer and Zone's for civil time `civil` and instant `t`; counts
// disagreements into `failures` with one message for the first few.
struct Comparison {
  const date::time_zone* tz;
  Zone zone;
  int failures = 0;

  void instant(Instant t) {
    const date::sys_info info = tz->get_info(t);
    const Seconds offset = zone.offset_at(t);
    const LocalDateTime local = zone.to_local(t);
    if (offset != info.offset || local != LocalDateTime{t.time_since_epoch() + info.offset}) {
      if (++failures <= 5) ADD_FAILURE() << tz->name() << " at " << format_instant(t);
    }
  }

  void civil(LocalDateTime c) {
    const date::local_info info = tz->get_info(c);
    const LocalInfo got = zone.lookup(c);
    const Instant first{c.time_since_epoch() - info.first.offset};
    bool same = got.kind == kind_of(info) && got.first == first && got.offset_before == info.first.offset;
    if (info.result != date::local_info::unique) {
      const Instant second{c.time_since_epoch() - info.second.offset};
      same = same && got.second == second && got.offset_after == info.second.offset &&
             got.transition == info.first.end;
    } else {
      same = same && got.second == first && got.offset_after == info.first.offset;
    }
    if (!same && ++failures <= 5) ADD_FAILURE() << tz->name() << " civil " << format_local(c);
  }
};

TEST(ZoneSpanCache, AnswersAsDateDoesAroundEveryTransitionOfEveryZone) {
  const Instant from{date::sys_days{date::year{1900} / 1 / 1}.time_since_epoch()};
  const Instant until{date::sys_days{date::year{2040} / 1 / 1}.time_since_epoch()};
  static constexpr std::array<Seconds, 13> kNear{
      Seconds{0},      seconds{1},   seconds{-1},  minutes{30}, minutes{-30}, hours{1},   hours{-1},
      hours{2},        hours{-2},    hours{25},    hours{-25},  hours{49},    hours{-49}};
  std::size_t transitions = 0;
  int failures = 0;
  for (const date::time_zone& tz : date::get_tzdb().zones) {
    Comparison compare{&tz, Zone::locate(tz.name()).value()};
    for (Instant t = from; t < until;) {
      const date::sys_info span = tz.get_info(t);
      if (span.end >= until) break;
      const Instant edge = span.end;
      const Instant before_edge = edge - (edge - t) / 2;  // deep in the span before
      for (const Seconds d : kNear) {
        compare.instant(before_edge);                     // the kept span: the one before
        compare.instant(edge + d);
        compare.civil(LocalDateTime{before_edge.time_since_epoch() + span.offset});
        compare.civil(LocalDateTime{edge.time_since_epoch() + span.offset + d});
        const date::sys_info next = tz.get_info(edge);
        compare.civil(LocalDateTime{(edge + hours{72}).time_since_epoch() + next.offset});  // the span after
        compare.civil(LocalDateTime{edge.time_since_epoch() + next.offset + d});
      }
      ++transitions;
      t = edge;
    }
    failures += compare.failures;
  }
  EXPECT_EQ(failures, 0);
  // The walk saw the database, not an empty list (Debian's has ~600 zones and
  // tens of thousands of transitions in these years).
  EXPECT_GT(transitions, 10000u);
}

}  // namespace
}  // namespace lockstep
