// Lean report.json for large scenarios: a generated year of 4,800 stays wrote
// 12.6 MB, almost all of it audit trails and door probes of bookings that went
// exactly as they should. Past ReportOptions::detailed_bookings a scenario keeps
// full detail for its first bookings and for every booking a failure or a wrong
// door names, and counts what it leaves out, so a reader is told, never misled.
#include <set>
#include <string>
#include <vector>

#include "report_internal.hpp"

namespace lockstep::harness::report::detail {

ScenarioResult lean_for_json(const ScenarioResult& full, const ReportOptions& options) {
  if (full.bookings.size() <= options.detailed_bookings) return full;
  std::set<std::string> named;
  for (const auto& f : full.failures)
    if (!f.booking.empty()) named.insert(f.booking);
  for (const auto& p : full.probes)
    if (p.expected_open && *p.expected_open != p.opened) named.insert(p.booking);

  ScenarioResult lean = full;
  lean.bookings.clear();
  lean.probes.clear();
  std::set<std::string> kept;
  for (const auto& b : full.bookings) {
    if (kept.size() < options.detailed_bookings || named.contains(b.id)) {
      kept.insert(b.id);
      lean.bookings.push_back(b);
    } else {
      ++lean.omitted.bookings;
      ++lean.omitted.bookings_by_status[b.status];
    }
  }
  for (const auto& p : full.probes) {
    if (p.booking.empty() || kept.contains(p.booking) || named.contains(p.booking))
      lean.probes.push_back(p);
    else
      ++lean.omitted.probes;
  }
  return lean;
}

}  // namespace lockstep::harness::report::detail
