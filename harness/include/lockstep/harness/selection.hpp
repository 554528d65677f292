// Which scenarios of the loaded suites a run plays: the selection flags `run` and
// `conform` share, with one meaning on both (issue 15).
//
//   --filter TEXT    the name contains TEXT, or matches it as a glob (* ?)
//   --scenario NAME  exactly this name (repeatable; what replay commands use)
//   --rule ID        the scenario exercises this behaviour.md rule (repeatable)
//   --tag WORD       the scenario carries this tag (repeatable)
//
// Values of one flag are alternatives (any of them); different flags must all
// hold. An empty selection plays everything.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lockstep/harness/scenario.hpp"

namespace lockstep::harness {

struct Selection {
  std::string filter;
  std::vector<std::string> names;
  std::vector<std::string> rules;
  std::vector<std::string> tags;

  bool empty() const noexcept { return filter.empty() && names.empty() && rules.empty() && tags.empty(); }
  bool matches(const Scenario& scenario) const;
  // The flags as they would be typed (" --rule T4 --tag dst"), for messages and
  // the report's command line; "" when empty.
  std::string as_flags() const;
};

// True when `name` matches `filter`: a glob when the filter holds '*' or '?'
// (whole name), else a substring. An empty filter matches everything.
bool name_matches(std::string_view filter, std::string_view name) noexcept;

// The scenarios this shard plays: those the selection matches, then every
// shard_count-th one from shard_index (GTEST_SHARD_INDEX/GTEST_TOTAL_SHARDS
// semantics). shard_count >= 1, 0 <= shard_index < shard_count.
std::vector<Scenario> select_scenarios(std::vector<Scenario> all, const Selection& selection, int shard_index,
                                       int shard_count);

// What the selection asks for that no loaded scenario has: a `--scenario` name,
// a `--rule` or a `--tag` nothing carries. Told as bad input (a typo would
// otherwise select nothing, or less than meant, in silence).
std::vector<std::string> selection_misses(const std::vector<Scenario>& all, const Selection& selection);

// The rules the scenarios a selection matches exercise, and those only scenarios
// it leaves out exercise: a report shows the latter as "not selected" (and a
// shard, the matched ones it does not play as "in other shards"), not as rules
// without a scenario.
struct RulesOfSelection {
  std::set<std::string> matched;
  std::vector<std::string> not_selected;  // sorted
};
RulesOfSelection rules_of_selection(const std::vector<Scenario>& all, const Selection& selection);

}  // namespace lockstep::harness
