// Helpers the report writers share: escaping for each output language, instant
// formatting, and the final scrub. Private to harness/src.
#pragma once

#include <span>
#include <string>
#include <vector>
#include <string_view>

#include "lockstep/harness/report.hpp"

namespace lockstep::harness::report::detail {

std::string xml_escape(std::string_view text);        // also right for HTML text and attributes
std::string markdown_cell(std::string_view text);      // one table cell: no | or newline breaks
std::string iso(Instant t);                            // 2026-03-29T01:30:00Z
std::string iso(const std::optional<Instant>& t);      // "" when absent

// Drops bytes that are not valid UTF-8 or are control characters XML 1.0 forbids,
// so a child's garbage stderr cannot make junit.xml or report.json unreadable.
std::string clean_text(std::string_view text);

// scrub_secrets with the options' secrets.
std::string scrub(std::string_view text, const ReportOptions& options);

// Copies of the model with every string cleaned and scrubbed: what the writers render.
RunInfo scrubbed(const RunInfo& run, const ReportOptions& options);
ScenarioResult scrubbed(const ScenarioResult& result, const ReportOptions& options);
std::vector<ScenarioResult> scrubbed(std::span<const ScenarioResult> results, const ReportOptions& options);
// The last pass over a finished document: the options' secret values, raw or escaped.
std::string final_scrub(std::string text, const ReportOptions& options);

// Rules x scenarios, for the coverage tables: every behaviour.md rule in order
// (exercised or not), then any other id a scenario cites (a typo, or a rule
// behaviour.md does not have yet), marked unknown.
struct RuleCoverage {
  std::string rule;
  bool known = true;  // listed in behaviour.md
  std::vector<std::string> scenarios;  // names of the scenarios exercising it
  int passed = 0, failed = 0, errors = 0, skipped = 0;
  // scenarios whose failures cite this rule
  int failing = 0;
  // Not exercised here but by scenarios of the same suite this run did not play:
  // "in other shards" or "not selected" (RunInfo); empty otherwise.
  std::string elsewhere;
};
// The scenario as report.json shows it: large ones lean (ReportOptions::detailed_bookings).
ScenarioResult lean_for_json(const ScenarioResult& full, const ReportOptions& options);
std::vector<RuleCoverage> rule_coverage(std::span<const ScenarioResult> results, const RunInfo& run = {});

// One line for people: "T4 · booking b1 · attempts: expected 5, observed 3 — message".
std::string describe(const Failure& failure);
// Wall-clock milliseconds as seconds with three decimals ("1.250").
std::string seconds_text(std::int64_t milliseconds);

// The run and its results with every string cleaned and scrubbed, made only by
// scrub_input: what the four forms render. A report directory makes it once for
// its four files (copying and scrubbing a year of 200 properties four times over
// was a quarter of `lockstep run` on it).
class ScrubbedInput {
 public:
  const RunInfo& run() const { return run_; }
  std::span<const ScenarioResult> results() const { return results_; }

 private:
  friend ScrubbedInput scrub_input(const RunInfo&, std::span<const ScenarioResult>, const ReportOptions&);
  ScrubbedInput(RunInfo run, std::vector<ScenarioResult> results)
      : run_(std::move(run)), results_(std::move(results)) {}
  RunInfo run_;
  std::vector<ScenarioResult> results_;
};
ScrubbedInput scrub_input(const RunInfo& run, std::span<const ScenarioResult> results, const ReportOptions& options);

// The four forms of a scrubbed input; each also scrubs its output (final_scrub).
std::string render_json_from(const ScrubbedInput& input, const RunSummary& summary, const ReportOptions& options);
std::string render_junit_from(const ScrubbedInput& input, const RunSummary& summary, const ReportOptions& options);
std::string render_markdown_from(const ScrubbedInput& input, const RunSummary& summary, const ReportOptions& options);
std::string render_html_from(const ScrubbedInput& input, const RunSummary& summary, const ReportOptions& options);

// The same from the raw model, scrubbing it first.
std::string render_json_with(const RunInfo& run, std::span<const ScenarioResult> results,
                             const RunSummary& summary, const ReportOptions& options);
std::string render_junit_with(const RunInfo& run, std::span<const ScenarioResult> results,
                              const RunSummary& summary, const ReportOptions& options);
std::string render_markdown_with(const RunInfo& run, std::span<const ScenarioResult> results,
                                 const RunSummary& summary, const ReportOptions& options);
std::string render_html_with(const RunInfo& run, std::span<const ScenarioResult> results,
                             const RunSummary& summary, const ReportOptions& options);

}  // namespace lockstep::harness::report::detail
