// `lockstep report merge`: the shards of one CI matrix run put back together as
// the report the unsharded run would have written.
//
// Sharding deals the selected scenarios round-robin (select_scenarios: the k-th
// selected scenario goes to shard k mod n), so scenario j of shard i stood at
// position j*n + i of the whole: interleaving the shards restores suite order
// exactly, and with it every form's bytes. Shards of different runs are refused:
// a merged report must never mix two suites, seeds or subjects.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "lockstep/harness/report.hpp"

namespace lockstep::harness::report {

namespace {

// The run as the unsharded command would have described it.
std::string without_shard_flags(std::string command_line) {
  for (const std::string flag : {" --shard-index ", " --shard-count "}) {
    auto pos = command_line.find(flag);
    if (pos == std::string::npos) continue;
    auto end = command_line.find(' ', pos + flag.size());
    command_line.erase(pos, end == std::string::npos ? std::string::npos : end - pos);
  }
  return command_line;
}

std::map<std::string, std::string> without_shard_option(std::map<std::string, std::string> options) {
  options.erase("shard");
  return options;
}

// The first field in which two shards' runs differ, or empty.
std::string first_difference(const RunInfo& a, const RunInfo& b) {
  if (a.tool != b.tool) return fmt::format("tool ('{}' vs '{}')", a.tool, b.tool);
  if (a.seed != b.seed) return fmt::format("seed ({} vs {})", a.seed, b.seed);
  if (a.subject != b.subject) return fmt::format("subject ('{}' vs '{}')", a.subject, b.subject);
  if (a.shard_count != b.shard_count) return fmt::format("shard count ({} vs {})", a.shard_count, b.shard_count);
  if (a.lockstep_version != b.lockstep_version)
    return fmt::format("lockstep version ({} vs {})", a.lockstep_version, b.lockstep_version);
  if (a.tz_database_version != b.tz_database_version)
    return fmt::format("tz database ({} vs {})", a.tz_database_version, b.tz_database_version);
  const auto oa = without_shard_option(a.options), ob = without_shard_option(b.options);
  if (oa != ob) {
    for (const auto& [key, value] : oa) {
      auto it = ob.find(key);
      if (it == ob.end()) return fmt::format("option {} (only in one shard)", key);
      if (it->second != value) return fmt::format("option {} ('{}' vs '{}')", key, value, it->second);
    }
    for (const auto& [key, value] : ob)
      if (!oa.contains(key)) return fmt::format("option {} (only in one shard)", key);
  }
  if (without_shard_flags(a.command_line) != without_shard_flags(b.command_line))
    return fmt::format("command line ('{}' vs '{}')", without_shard_flags(a.command_line),
                       without_shard_flags(b.command_line));
  return {};
}

}  // namespace

Result<ReportDocument> merge_shard_reports(std::vector<ReportDocument> shards) {
  if (shards.empty()) return fail(ErrorCode::invalid_argument, "no shard reports to merge");
  const int count = shards.front().run.shard_count;
  std::vector<const ReportDocument*> by_index(static_cast<std::size_t>(count), nullptr);
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const auto& run = shards[i].run;
    if (auto diff = first_difference(shards.front().run, run); !diff.empty())
      return fail(ErrorCode::invalid_argument,
                  fmt::format("shard reports 1 and {} are not of one run: they differ in {}", i + 1, diff));
    if (run.shard_index < 0 || run.shard_index >= count)
      return fail(ErrorCode::invalid_argument,
                  fmt::format("shard report {} says it is shard {} of {}", i + 1, run.shard_index, count));
    auto& slot = by_index[static_cast<std::size_t>(run.shard_index)];
    if (slot)
      return fail(ErrorCode::invalid_argument,
                  fmt::format("shard {} of {} is given twice", run.shard_index + 1, count));
    slot = &shards[i];
  }
  std::string missing;
  for (int i = 0; i < count; ++i)
    if (!by_index[static_cast<std::size_t>(i)]) missing += fmt::format("{}{}", missing.empty() ? "" : ", ", i + 1);
  if (!missing.empty())
    return fail(ErrorCode::invalid_argument,
                fmt::format("shard{} {} of {} missing: merge needs every shard of the run",
                            missing.find(',') == std::string::npos ? " is" : "s are", missing, count));

  ReportDocument merged;
  merged.run = by_index.front()->run;
  merged.run.shard_index = 0;
  merged.run.shard_count = 1;
  merged.run.options = without_shard_option(merged.run.options);
  merged.run.command_line = without_shard_flags(merged.run.command_line);
  merged.run.rules_in_other_shards.clear();
  merged.run.started_at.reset();
  merged.run.run_id.clear();

  // A shard stopped by SIGINT/SIGTERM leaves the merged run interrupted too.
  for (const auto* shard : by_index) {
    if (shard == by_index.front()) continue;
    merged.run.interrupted = merged.run.interrupted || shard->run.interrupted;
    merged.run.not_run.insert(merged.run.not_run.end(), shard->run.not_run.begin(), shard->run.not_run.end());
  }
  merged.run.interrupted = merged.run.interrupted || by_index.front()->run.interrupted;

  // Round-robin back into suite order.
  std::size_t longest = 0;
  for (const auto* shard : by_index) longest = std::max(longest, shard->scenarios.size());
  for (std::size_t j = 0; j < longest; ++j)
    for (const auto* shard : by_index)
      if (j < shard->scenarios.size()) merged.scenarios.push_back(shard->scenarios[j]);

  // A rule a filter left out of every shard is still "not selected"; one that
  // some shard played is covered now.
  std::set<std::string> covered, not_selected;
  for (const auto& s : merged.scenarios) covered.insert(s.rules.begin(), s.rules.end());
  for (const auto* shard : by_index)
    for (const auto& rule : shard->run.rules_not_selected)
      if (!covered.contains(rule)) not_selected.insert(rule);
  merged.run.rules_not_selected.assign(not_selected.begin(), not_selected.end());

  merged.summary = RunSummary::of(merged.scenarios);
  if (merged.run.tool == "explore") {
    // An explore run's lockout is the sum over all its runs, kept in its summary
    // (its scenarios carry no booking lanes): the shards' add up.
    merged.summary.lockout = {};
    for (const auto* shard : by_index) {
      merged.summary.lockout.minutes += shard->summary.lockout.minutes;
      for (const auto& [cause, minutes] : shard->summary.lockout.by_cause) merged.summary.lockout.by_cause[cause] += minutes;
    }
  }
  std::optional<std::int64_t> duration;
  for (const auto* shard : by_index)
    if (shard->summary.duration_ms) duration = std::max(duration.value_or(0), *shard->summary.duration_ms);
  merged.summary.duration_ms = duration;  // the matrix's wall time: its slowest shard
  return merged;
}

}  // namespace lockstep::harness::report
