// Fuzz target: the time edges (parse_instant, parse_local) and rule T1 behind
// them. Whatever parses must format back to text that parses to the same value
// (to the second), and resolving a local time in a zone must honour T1: a unique or
// repeated time reads back as itself (the earlier instant of an overlap), a
// skipped time reads back later by the gap's length.
//
// Input: "ZONE|TEXT" resolves TEXT in the IANA zone ZONE (an unknown name must
// be refused cleanly); plain "TEXT" uses Europe/Paris.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "lockstep/time.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string_view zone_name = "Europe/Paris";
  if (const auto bar = text.find('|'); bar != std::string_view::npos) {
    zone_name = text.substr(0, bar);
    text.remove_prefix(bar + 1);
  }
  const std::string shown(text);

  if (auto t = lockstep::parse_instant(text)) {
    const std::string formatted = lockstep::format_instant(*t);
    auto again = lockstep::parse_instant(formatted);
    LOCKSTEP_FUZZ_CHECK(again && *again == *t, shown + " -> " + formatted);
  }

  auto local = lockstep::parse_local(text);
  if (!local) return 0;
  const std::string formatted = lockstep::format_local(*local);
  auto again = lockstep::parse_local(formatted);
  // format_local writes seconds only when there are any.
  LOCKSTEP_FUZZ_CHECK(again && *again == *local, shown + " -> " + formatted);

  // T1 on years the tz database describes; far years only need not crash.
  const auto zone = lockstep::Zone::locate(zone_name);
  if (!zone) {
    LOCKSTEP_FUZZ_CHECK(zone.error().code == lockstep::ErrorCode::invalid_timezone, shown);
    return 0;
  }
  const auto info = zone->lookup(*local);
  const auto resolved = zone->resolve(*local);
  const auto back = zone->to_local(resolved);
  switch (info.kind) {
    case lockstep::LocalInfo::Kind::unique:
      LOCKSTEP_FUZZ_CHECK(back == *local && resolved == info.first, shown);
      break;
    case lockstep::LocalInfo::Kind::repeated:
      LOCKSTEP_FUZZ_CHECK(back == *local && resolved == info.first && info.first < info.second, shown);
      break;
    case lockstep::LocalInfo::Kind::skipped: {
      const auto gap = info.offset_after - info.offset_before;
      LOCKSTEP_FUZZ_CHECK(gap > std::chrono::seconds{0}, shown);
      LOCKSTEP_FUZZ_CHECK(back == *local + gap && resolved == info.first, shown);
      break;
    }
  }
  return 0;
}
