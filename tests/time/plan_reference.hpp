// The nlohmann implementation of `lockstep plan` that harness/src/plan_line.cpp
// (simdjson On Demand) replaced, kept as the reference the new one must match
// byte for byte (plan_differential_test.cpp). It is the code as it was, with the
// amendments made to both: blank lines skipped and counted, a line number in
// errors without a usable id, nesting bounded at json_input::kMaxDepth (judged
// once the line is known to be JSON), a NUL byte refused (nlohmann took it for the
// end of the input), an unsigned setting past INT64_MAX reported as out of range
// instead of wrapped.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "lockstep/harness/plan_line.hpp"

namespace lockstep::plan_reference {

harness::PlanLineResult plan_line(std::string_view line, std::size_t line_number);

// `input` through the CLI's old read loop: the whole output, and whether any line was bad.
std::string plan_stream(std::string_view input, bool& any_bad);

}  // namespace lockstep::plan_reference
