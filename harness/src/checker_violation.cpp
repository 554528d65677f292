#include "lockstep/harness/checkers/violation.hpp"

namespace lockstep::harness::checkers {

RunView view_of(const Scenario& scenario, const Trace& trace) {
  return view_of(scenario, trace, read_api_calls(scenario, trace));
}

RunView view_of(const Scenario& scenario, const Trace& trace, std::vector<ApiCall> calls) {
  RunView v;
  v.scenario = &scenario;
  v.trace = &trace;
  v.calls = std::move(calls);
  for (const auto& [b, _] : trace.cancelled_at) v.cancelled.insert(b);
  // Where the current silent span began; npos while connected.
  constexpr std::size_t connected = static_cast<std::size_t>(-1);
  std::size_t from = connected;
  for (const auto& c : trace.commands) {
    if (c.error || !c.journal_size) continue;
    const auto kind = scenario.timeline[c.event_index].kind;
    if (kind == EventKind::disconnect && from == connected) from = *c.journal_size;
    if (kind == EventKind::connect && from != connected) {
      v.disconnected.push_back({from, *c.journal_size});
      from = connected;
    }
  }
  if (from != connected) v.disconnected.push_back({from});
  return v;
}

report::Failure to_failure(const Violation& v) {
  report::Failure f;
  f.rule = std::string(to_string(v.rule));
  f.booking = v.booking;
  f.what = v.what;
  f.expected = v.expected;
  f.observed = v.observed;
  f.message = v.message;
  f.at = v.at;
  return f;
}

}  // namespace lockstep::harness::checkers
