// summary.md: what a CI job summary ($GITHUB_STEP_SUMMARY) shows. Totals first,
// then what to act on (failures with rule, booking, expected, observed; the
// replay command per failing scenario; errors), then the rule-coverage table
// naming every rule without a scenario. GitHub caps a step summary at 1 MiB, so
// long lists are cut with a count of what was left out.
#include <algorithm>

#include <fmt/core.h>

#include "report_internal.hpp"

namespace lockstep::harness::report::detail {

namespace {

constexpr std::size_t kMaxFailureRows = 200;
constexpr std::size_t kMaxListed = 100;

std::string code_span(std::string_view text) {
  // A span fenced with more backticks than it contains cannot be broken out of.
  std::size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  std::string fence(longest + 1, '`');
  std::string body(text);
  std::replace(body.begin(), body.end(), '\n', ' ');
  std::replace(body.begin(), body.end(), '|', '/');  // a | ends a table cell even in code
  return fmt::format("{}{}{}{}{}", fence, longest ? " " : "", body, longest ? " " : "", fence);
}

std::string or_dash(std::string_view text) { return text.empty() ? std::string("—") : markdown_cell(text); }

}  // namespace

std::string render_markdown_from(const ScrubbedInput& input, const RunSummary& summary, const ReportOptions& options) {
  const RunInfo& run = input.run();
  const std::span<const ScenarioResult> results = input.results();
  std::string out;
  const bool green = summary.failed + summary.errors == 0;
  out += fmt::format("## lockstep {} — {} {}\n\n", run.tool.empty() ? "run" : markdown_cell(run.tool),
                     green ? "✅" : "❌", green ? "all scenarios passed" : "some scenarios did not pass");
  out += "| Scenarios | Passed | Failed | Errors | Skipped |\n|---:|---:|---:|---:|---:|\n";
  out += fmt::format("| {} | {} | {} | {} | {} |\n\n", summary.total, summary.passed, summary.failed,
                     summary.errors, summary.skipped);
  out += fmt::format("Seed `{}` · tz database {} · lockstep {}", run.seed, or_dash(run.tz_database_version),
                     or_dash(run.lockstep_version));
  if (!run.subject.empty()) out += fmt::format(" · subject: {}", markdown_cell(run.subject));
  if (run.shard_count > 1) out += fmt::format(" · shard {} of {}", run.shard_index + 1, run.shard_count);
  if (summary.duration_ms) out += fmt::format(" · {} s", seconds_text(*summary.duration_ms));
  out += "\n\n";
  if (!run.command_line.empty()) out += fmt::format("Command: {}\n\n", code_span(run.command_line));
  if (run.interrupted || !run.not_run.empty())
    out += fmt::format("**{}**: {} not run{}\n\n",
                       run.interrupted ? "Interrupted" : "Stopped at the first failure (--fail-fast)", run.not_run.size(),
                       run.not_run.empty() ? std::string() : " (first: " + markdown_cell(run.not_run.front()) + ")");

  // Lockout minutes: guest-minutes inside stays during which the code would not open.
  out += fmt::format("**Lockout**: {} guest-minute(s) inside stays", summary.lockout.minutes);
  if (!summary.lockout.by_cause.empty()) {
    std::string causes;
    for (const auto& [cause, minutes] : summary.lockout.by_cause)
      causes += fmt::format("{}{} {}", causes.empty() ? "" : ", ", cause, minutes);
    out += " (" + causes + ")";
  }
  out += "\n\n";
  {
    std::size_t listed = 0;
    std::string rows;
    for (const auto& r : results)
      for (const auto& b : r.bookings) {
        std::int64_t m = 0;
        for (const auto& l : b.lockouts) m += l.minutes();
        if (m == 0 || ++listed > kMaxListed) continue;
        std::string causes;
        for (const auto& l : b.lockouts) causes += (causes.empty() ? "" : ", ") + l.cause;
        rows += fmt::format("| {} | {} | {} | {} |\n", markdown_cell(r.name), markdown_cell(b.id), m,
                            markdown_cell(causes));
      }
    if (listed > 0) {
      out += "| Scenario | Booking | Lockout minutes | Causes |\n|---|---|---:|---|\n" + rows;
      if (listed > kMaxListed) out += fmt::format("\n… and {} more bookings\n", listed - kMaxListed);
      out += "\n";
    }
  }

  // Failures: one row per divergence.
  std::size_t failure_count = 0;
  for (const auto& r : results) failure_count += r.verdict == Verdict::fail ? r.failures.size() : 0;
  if (summary.failed > 0) {
    out += "### Failures\n\n| Scenario | Rule | Booking | What | Expected | Observed |\n|---|---|---|---|---|---|\n";
    std::size_t rows = 0;
    for (const auto& r : results) {
      if (r.verdict != Verdict::fail) continue;
      if (r.failures.empty() && rows < kMaxFailureRows) {
        out += fmt::format("| {} | — | — | — | — | — |\n", markdown_cell(r.name));
        ++rows;
      }
      for (const auto& f : r.failures) {
        if (rows++ >= kMaxFailureRows) break;
        out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", markdown_cell(r.name), or_dash(f.rule),
                           or_dash(f.booking), or_dash(f.what), or_dash(f.expected), or_dash(f.observed));
      }
    }
    if (failure_count > kMaxFailureRows)
      out += fmt::format("\n…and {} more divergences: see report.json.\n", failure_count - kMaxFailureRows);
    out += "\n";
  }

  if (summary.errors > 0) {
    out += "### Errors\n\n";
    std::size_t listed = 0;
    for (const auto& r : results) {
      if (r.verdict != Verdict::error || listed++ >= kMaxListed) continue;
      const auto first_line = r.error.substr(0, r.error.find('\n'));
      out += fmt::format("- **{}** — {}\n", markdown_cell(r.name), or_dash(first_line));
      if (!r.stderr_tail.empty()) {
        // A fence longer than any backtick run inside keeps the tail verbatim.
        std::size_t longest = 0, run_length = 0;
        for (char c : r.stderr_tail) {
          run_length = c == '`' ? run_length + 1 : 0;
          longest = std::max(longest, run_length);
        }
        const std::string fence(std::max<std::size_t>(3, longest + 1), '`');
        out += fmt::format("\n<details><summary>stderr of {} (last lines)</summary>\n\n{}\n{}\n{}\n\n</details>\n\n",
                           markdown_cell(r.name), fence, r.stderr_tail, fence);
      }
    }
    if (listed > kMaxListed) out += fmt::format("- …and {} more\n", listed - kMaxListed);
    out += "\n";
  }

  if (summary.failed + summary.errors > 0) {
    out += "### Replay\n\n";
    std::size_t listed = 0;
    for (const auto& r : results) {
      if (r.verdict != Verdict::fail && r.verdict != Verdict::error) continue;
      if (listed++ >= kMaxListed) continue;
      out += fmt::format("- **{}**: {}\n", markdown_cell(r.name),
                         r.replay.empty() ? std::string("(no replay command)") : code_span(r.replay));
    }
    if (listed > kMaxListed) out += fmt::format("- …and {} more\n", listed - kMaxListed);
    out += "\n";
  }

  if (summary.skipped > 0) {
    out += "### Skipped\n\n";
    std::size_t listed = 0;
    for (const auto& r : results) {
      if (r.verdict != Verdict::skip || listed++ >= kMaxListed) continue;
      std::string reasons;
      for (const auto& s : r.skipped) reasons += (reasons.empty() ? "" : "; ") + s;
      out += fmt::format("- **{}** — {}\n", markdown_cell(r.name), or_dash(reasons));
    }
    if (listed > kMaxListed) out += fmt::format("- …and {} more\n", listed - kMaxListed);
    out += "\n";
  }

  std::string known;
  for (const auto& r : results)
    for (const auto& k : r.known_divergences)
      known += fmt::format("| {} | {} | {} | {} |\n", markdown_cell(r.name),
                           k.disappeared ? "**disappeared**" : "accepted", markdown_cell(describe(k.divergence)),
                           or_dash(k.note));
  if (!known.empty())
    out += "### Known divergences\n\n| Scenario | State | Divergence | Note |\n|---|---|---|---|\n" + known + "\n";

  out += "### Rule coverage\n\nRules of `behaviour.md` × scenarios.\n\n";
  out += "| Rule | Scenarios | Passed | Failed | Errors | Skipped |\n|---|---:|---:|---:|---:|---:|\n";
  std::vector<std::string> uncovered, unknown;
  for (const auto& c : rule_coverage(results, run)) {
    if (!c.known) unknown.push_back(c.rule);
    if (c.scenarios.empty() && !c.elsewhere.empty()) {
      out += fmt::format("| {} | 0 here — {} | | | | |\n", markdown_cell(c.rule), c.elsewhere);
      continue;
    }
    if (c.scenarios.empty()) {
      uncovered.push_back(c.rule);
      out += fmt::format("| **{}** | **0 — no scenario** | | | | |\n", markdown_cell(c.rule));
      continue;
    }
    out += fmt::format("| {}{} | {} | {} | {} | {} | {} |\n", markdown_cell(c.rule), c.known ? "" : " (not in behaviour.md)",
                       c.scenarios.size(), c.passed, c.failed, c.errors, c.skipped);
  }
  out += "\n";
  if (uncovered.empty()) {
    out += "Every rule of behaviour.md has at least one scenario.\n";
  } else {
    out += "**Rules without a scenario:**";
    for (const auto& rule : uncovered) out += " " + markdown_cell(rule);
    out += "\n";
  }
  if (!unknown.empty()) {
    out += "\n**Rule ids cited but not in behaviour.md:**";
    for (const auto& rule : unknown) out += " " + markdown_cell(rule);
    out += "\n";
  }
  return final_scrub(std::move(out), options);
}

}  // namespace lockstep::harness::report::detail
