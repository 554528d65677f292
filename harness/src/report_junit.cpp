#include "report_internal.hpp"

namespace lockstep::harness::report::detail {

std::string render_junit_with(const RunInfo&, std::span<const ScenarioResult>, const RunSummary&,
                             const ReportOptions&) {
  return {};
}

}  // namespace lockstep::harness::report::detail
