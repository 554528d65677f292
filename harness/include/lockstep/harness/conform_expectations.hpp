// The expectations file: divergences a team knows about and accepts for now.
//
// Adopting lockstep on an existing implementation usually starts with a few
// known differences. Listing them lets the conformance run go green at once and
// stay a ratchet: an accepted divergence does not fail its scenario but is listed
// in the report with its reason, and an accepted divergence that no longer occurs
// is reported as "disappeared", so the entry can be removed.
//
//   {
//     "accepted": [
//       {"scenario": "outage-through-deadline", "rule": "T4", "booking": "b1",
//        "reason": "we stop retrying at check-in time; fixed in PLAT-123"}
//     ]
//   }
//
// `booking` may be omitted (or "*") to accept the rule for every booking of the
// scenario. Unknown keys, missing fields and an empty reason are refused with the
// entry's index, and nothing of the file is used.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lockstep/error.hpp"

namespace lockstep::harness {

struct AcceptedDivergence {
  std::string scenario;
  std::string rule;
  std::optional<std::string> booking;  // absent: any booking
  std::string reason;

  bool matches(std::string_view scenario_id, std::string_view rule_id, std::string_view booking_id) const;
};

struct Expectations {
  std::vector<AcceptedDivergence> accepted;

  // The first entry accepting this divergence, or nullptr.
  const AcceptedDivergence* find(std::string_view scenario_id, std::string_view rule_id,
                                 std::string_view booking_id) const;
};

// invalid_json when not a JSON object (a parse error reads "<file>:line:col: why",
// then the line and a caret; nesting is bounded as json_input's);
// invalid_argument naming the entry otherwise (an unknown rule id included).
Result<Expectations> parse_expectations(std::string_view text);
Result<Expectations> parse_expectations(std::string_view text, std::string_view file);
// Reads and parses a file; io_error when it cannot be read. Messages start with the path.
Result<Expectations> load_expectations(const std::string& path);

}  // namespace lockstep::harness
