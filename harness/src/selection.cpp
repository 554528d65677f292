#include "lockstep/harness/selection.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "lockstep/harness/expectations.hpp"
#include "lockstep/harness/shell_quote.hpp"

namespace lockstep::harness {

namespace {

bool any_of_in(const std::vector<std::string>& wanted, const std::vector<std::string>& has) {
  return std::any_of(wanted.begin(), wanted.end(),
                     [&](const std::string& w) { return std::find(has.begin(), has.end(), w) != has.end(); });
}

}  // namespace

bool name_matches(std::string_view filter, std::string_view name) noexcept {
  if (filter.empty()) return true;
  if (filter.find_first_of("*?") == std::string_view::npos) return name.find(filter) != std::string_view::npos;
  return glob_match(filter, name);
}

bool Selection::matches(const Scenario& s) const {
  if (!name_matches(filter, s.name)) return false;
  if (!names.empty() && std::find(names.begin(), names.end(), s.name) == names.end()) return false;
  if (!rules.empty() && !any_of_in(rules, s.rules)) return false;
  if (!tags.empty() && !any_of_in(tags, s.tags)) return false;
  return true;
}

std::string Selection::as_flags() const {
  std::string out;
  if (!filter.empty()) out += " --filter " + shell_quote(filter);
  for (const auto& n : names) out += " --scenario " + shell_quote(n);
  for (const auto& r : rules) out += " --rule " + shell_quote(r);
  for (const auto& t : tags) out += " --tag " + shell_quote(t);
  return out;
}

std::vector<Scenario> select_scenarios(std::vector<Scenario> all, const Selection& selection, int shard_index,
                                       int shard_count) {
  std::vector<Scenario> out;
  std::size_t matched = 0;
  for (auto& s : all) {
    if (!selection.matches(s)) continue;
    if (shard_count <= 1 || static_cast<int>(matched % static_cast<std::size_t>(shard_count)) == shard_index)
      out.push_back(std::move(s));
    ++matched;
  }
  return out;
}

std::vector<std::string> selection_misses(const std::vector<Scenario>& all, const Selection& selection) {
  std::set<std::string> names, rules, tags;
  for (const auto& s : all) {
    names.insert(s.name);
    rules.insert(s.rules.begin(), s.rules.end());
    tags.insert(s.tags.begin(), s.tags.end());
  }
  std::vector<std::string> out;
  for (const auto& n : selection.names)
    if (!names.contains(n)) out.push_back(fmt::format("no scenario is named '{}'", n));
  for (const auto& r : selection.rules)
    if (!rules.contains(r)) out.push_back(fmt::format("no scenario exercises rule '{}'", r));
  for (const auto& t : selection.tags)
    if (!tags.contains(t)) out.push_back(fmt::format("no scenario has tag '{}'", t));
  return out;
}

RulesOfSelection rules_of_selection(const std::vector<Scenario>& all, const Selection& selection) {
  RulesOfSelection out;
  std::set<std::string> unmatched;
  for (const auto& s : all) (selection.matches(s) ? out.matched : unmatched).insert(s.rules.begin(), s.rules.end());
  for (const auto& rule : unmatched)
    if (!out.matched.contains(rule)) out.not_selected.push_back(rule);
  return out;
}

}  // namespace lockstep::harness
