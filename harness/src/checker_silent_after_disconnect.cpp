#include "lockstep/harness/checkers/silent_after_disconnect.hpp"

#include <fmt/format.h>

namespace lockstep::harness::checkers {

std::vector<Violation> check_silent_after_disconnect(const RunView& run) {
  std::vector<Violation> out;
  for (const auto& [lo, hi] : run.disconnected) {
    std::vector<const ApiCall*> calls;
    for (const auto& c : run.calls)
      if (c.index >= lo && c.index < hi) calls.push_back(&c);
    if (calls.empty()) continue;
    const auto& first = *calls.front();
    out.push_back({Rule::L4, first.booking, "calls after disconnect", "no igloohome call",
                   fmt::format("{} call(s), first {} {} at {}", calls.size(), first.method, first.path,
                               format_instant(first.at)),
                   fmt::format("after disconnect igloohome was still called {} time(s), first {} {} at {}",
                               calls.size(), first.method, first.path, format_instant(first.at)),
                   first.at});
  }
  return out;
}

}  // namespace lockstep::harness::checkers
