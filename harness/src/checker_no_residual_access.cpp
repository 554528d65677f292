#include "lockstep/harness/checkers/no_residual_access.hpp"

#include <fmt/format.h>

namespace lockstep::harness::checkers {

std::vector<Violation> check_no_residual_access(const RunView& run, const Profile& profile) {
  std::vector<Violation> out;
  if (!run.trace) return out;
  const auto& t = *run.trace;
  for (const auto& p : t.probes) {
    if (p.booking.empty() || !p.opened) continue;
    if (auto c = t.cancelled_at.find(p.booking); c != t.cancelled_at.end() && p.at >= c->second + profile.delete_retry_window) {
      out.push_back({Rule::B2, p.booking, "residual access", "refused (the booking was cancelled)", "opened",
                     fmt::format("at {} the code of {} still opened {}, {} min after the booking was cancelled at {}",
                                 format_instant(p.at), p.booking, p.lock,
                                 std::chrono::duration_cast<Minutes>(p.at - c->second).count(),
                                 format_instant(c->second)),
                     p.at});
      continue;
    }
    // The window as last reported before the probe.
    std::optional<Instant> until;
    for (const auto& o : t.observations)
      if (o.booking == p.booking && o.at <= p.at && o.code && o.code->valid_until) until = o.code->valid_until;
    if (until && p.at >= *until)
      out.push_back({Rule::C4, p.booking, "residual access", fmt::format("refused from {}", format_instant(*until)),
                     "opened",
                     fmt::format("at {} the code of {} still opened {} though its window ended at {}",
                                 format_instant(p.at), p.booking, p.lock, format_instant(*until)),
                     p.at});
  }
  return out;
}

}  // namespace lockstep::harness::checkers
