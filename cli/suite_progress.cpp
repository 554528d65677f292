#include "suite_progress.hpp"

#include <iostream>

#include <fmt/format.h>
#include <unistd.h>

#include "lockstep/harness/interrupt.hpp"

namespace lockstep::cli {

namespace report = harness::report;

SuiteProgress::SuiteProgress(const SuiteFlags& flags, bool quiet, Printer print)
    : quiet_(quiet),
      fail_fast_(flags.fail_fast),
      colour_(colour_wanted(STDOUT_FILENO)),
      terminal_(::isatty(STDOUT_FILENO) == 1),
      print_(std::move(print)),
      last_progress_(std::chrono::steady_clock::now()) {}

void SuiteProgress::finished(std::size_t done, std::size_t total, const report::ScenarioResult& result) {
  const bool ok = result.verdict == report::Verdict::pass || result.verdict == report::Verdict::skip;
  if (!ok) failed_once_ = true;
  if (quiet_ && ok) {
    const auto now = std::chrono::steady_clock::now();
    if (!terminal_ && now - last_progress_ >= std::chrono::seconds(5)) {
      last_progress_ = now;
      std::cout << fmt::format("... {}/{} done\n", done, total) << std::flush;
    }
    return;
  }
  print_(result, done, total, colour_);
  std::cout.flush();
}

bool SuiteProgress::should_stop() const { return harness::interrupted() || (fail_fast_ && failed_once_.load()); }

SuiteOutcome split_finished(std::vector<report::ScenarioResult> all, const std::vector<bool>& finished,
                            const std::vector<harness::Scenario>& scenarios) {
  SuiteOutcome out;
  for (std::size_t i = 0; i < all.size() && i < scenarios.size(); ++i) {
    if (i < finished.size() && finished[i])
      out.results.push_back(std::move(all[i]));
    else
      out.not_run.push_back(scenarios[i].name);
  }
  return out;
}

int finish_suite(std::string_view subcommand, const report::RunSummary& summary, std::uint64_t seed,
                 long long elapsed_ms, const std::vector<std::string>& not_run,
                 const Result<std::filesystem::path>& written) {
  std::cout << summary_line(summary, seed, elapsed_ms) << "\n";
  if (!not_run.empty() && !harness::interrupted())
    std::cout << fmt::format("--fail-fast: stopped after the first failure; {} not run\n",
                             count_of(not_run.size(), "scenario"));
  int status = summary.exit_code();
  if (written) {
    std::cout << "HTML report: " << (*written / "report.html").string() << "\n";
  } else {
    std::cerr << fmt::format("lockstep {}: the report could not be written: {}\n", subcommand, written.error().message);
    status = kExitBadInput;
  }
  if (harness::interrupted()) {
    std::cout << fmt::format("{}: interrupted by signal {}: {} not run\n", subcommand, harness::interrupt_signal(),
                             count_of(not_run.size(), "scenario"));
    status = harness::interrupted_exit_code();
  }
  std::cout.flush();
  return status;
}

}  // namespace lockstep::cli
