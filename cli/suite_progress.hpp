// How `run` and `conform` tell a suite as it plays and when it ends — one way for
// both. While it plays: each scenario's lines as it finishes, flushed whether
// stdout is a terminal or a pipe (a CI log shows progress, not everything at the
// end); with --quiet only what did not pass, plus "... 40/101 done" every few
// seconds on a pipe so a log shows it is alive. The stop condition handed to the
// runner: a signal, or --fail-fast once something did not pass. At the end: the
// finished results apart from those left, then the summary line, the --fail-fast
// note, the report's path and the interruption, and the exit status.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "command.hpp"
#include "lockstep/error.hpp"
#include "lockstep/harness/report.hpp"
#include "lockstep/harness/scenario.hpp"

namespace lockstep::cli {

class SuiteProgress {
 public:
  // Writes the lines of one finished scenario (the verdict line first: "[3/12] PASS name").
  using Printer = std::function<void(const harness::report::ScenarioResult&, std::size_t done, std::size_t total,
                                     bool colour)>;
  SuiteProgress(const SuiteFlags& flags, bool quiet, Printer print);

  // One scenario finished (the runners call this one at a time).
  void finished(std::size_t done, std::size_t total, const harness::report::ScenarioResult& result);
  // True once the suite should start nothing more: a signal, or --fail-fast after a failure.
  bool should_stop() const;

 private:
  bool quiet_;
  bool fail_fast_;
  bool colour_;
  bool terminal_;
  Printer print_;
  std::chrono::steady_clock::time_point last_progress_;
  std::atomic<bool> failed_once_{false};
};

// The results of the scenarios that finished, in suite order, and the names of
// those that did not (a signal, or --fail-fast).
struct SuiteOutcome {
  std::vector<harness::report::ScenarioResult> results;
  std::vector<std::string> not_run;
};
SuiteOutcome split_finished(std::vector<harness::report::ScenarioResult> all, const std::vector<bool>& finished,
                            const std::vector<harness::Scenario>& scenarios);

// The closing lines once the report is written (or could not be): the summary,
// the --fail-fast note, "HTML report: <path>", the interruption. Returns the
// exit status: 2 when the report could not be written, 130/143 after a signal,
// else the summary's.
int finish_suite(std::string_view subcommand, const harness::report::RunSummary& summary, std::uint64_t seed,
                 long long elapsed_ms, const std::vector<std::string>& not_run,
                 const Result<std::filesystem::path>& written);

}  // namespace lockstep::cli
