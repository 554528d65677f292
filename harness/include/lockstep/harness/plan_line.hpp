// One line of `lockstep plan` (../shared/contracts/plan-cli.md): a JSON object
// describing a booking in, a JSON object with its schedule (or an error) out.
// Kept apart from the CLI so tests, fuzzers and benchmarks call it directly.
#pragma once

#include <string>
#include <string_view>

namespace lockstep::harness {

struct PlanLineResult {
  std::string json;  // one line, no trailing newline
  bool ok = true;    // false when the line was answered with an error
};

PlanLineResult plan_line(std::string_view line);

}  // namespace lockstep::harness
