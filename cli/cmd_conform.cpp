// `lockstep conform --sut 'COMMAND ARGS' [options] [scenarios...]`: judges an
// implementation under test against the reference engine, scenario by scenario,
// over lockstep-sut/1 (docs/conformance.md). Exit 0 when every scenario is PASS
// or SKIP, 1 when any is FAIL or ERROR, 2 for bad input (options, files).
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "command.hpp"
#include "suite_progress.hpp"
#include "lockstep/harness/child_process.hpp"
#include "lockstep/harness/conform.hpp"
#include "lockstep/harness/conform_expectations.hpp"
#include "lockstep/harness/interrupt.hpp"
#include "lockstep/harness/profile.hpp"
#include "lockstep/harness/report.hpp"
#include "lockstep/harness/runner.hpp"
#include "lockstep/harness/scenario_loader.hpp"
#include "lockstep/harness/shell_quote.hpp"
#include "lockstep/time.hpp"

// A namespace of its own (not anonymous): the subcommands' files are compiled
// together in unity builds, and each has its Args, run() and registration.
namespace lockstep_cmd_conform {

namespace fs = std::filesystem;
namespace h = lockstep::harness;
namespace report = lockstep::harness::report;

struct ConformArgs {
  std::string sut;
  std::string profile;
  std::string expectations;
  std::uint64_t seed = 1;
  lockstep::cli::SuiteFlags suite;
  int jobs = 0;  // 0: one per core
  int timeout_ms = 10'000;
  std::string report_dir = "reports";
  std::string run_id;
  std::vector<std::string> scenarios;
  bool quiet = false;
  bool spread_cpus = false;
  std::string argv0;
};

int bad_input(const std::string& message) {
  std::cerr << "lockstep conform: " << message << "\n";
  return 2;
}

void print_result(const report::ScenarioResult& r, std::size_t done, std::size_t total, bool colour, bool verbose) {
  // The same line as `run`: "[3/12] PASS name".
  std::cout << fmt::format("[{}/{}] {} {}\n", done, total, lockstep::cli::verdict_word(r.verdict, colour), r.name);
  for (const auto& f : r.failures)
    std::cout << fmt::format("      [{}] {}{}: expected {}, observed {}\n", f.rule, f.booking.empty() ? "" : f.booking + " ",
                             f.what, f.expected, f.observed);
  for (const auto& k : r.known_divergences) {
    if (k.disappeared)
      std::cout << fmt::format("      disappeared: [{}] {} — remove it from the expectations file\n",
                               k.divergence.rule, k.divergence.booking);
    else
      std::cout << fmt::format("      accepted: [{}] {}{} ({})\n", k.divergence.rule, k.divergence.booking,
                               k.divergence.what.empty() ? "" : " " + k.divergence.what, k.note);
  }
  if (!r.error.empty()) std::cout << "      " << r.error << "\n";
  if (!r.stderr_tail.empty()) {
    // The last few lines are enough on a terminal; the report keeps the rest.
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < r.stderr_tail.size()) {
      auto end = r.stderr_tail.find('\n', start);
      if (end == std::string::npos) end = r.stderr_tail.size();
      lines.push_back(r.stderr_tail.substr(start, end - start));
      start = end + 1;
    }
    std::cout << "      stderr (last lines):\n";
    for (std::size_t i = lines.size() > 8 ? lines.size() - 8 : 0; i < lines.size(); ++i)
      std::cout << "        | " << lines[i].substr(0, 300) << "\n";
  }
  for (const auto& s : r.skipped) std::cout << "      skipped: " << s << "\n";
  if (verbose && (r.verdict == report::Verdict::fail || r.verdict == report::Verdict::error))
    lockstep::cli::print_failure_audits(r, std::cout);
  if (r.verdict == report::Verdict::fail || r.verdict == report::Verdict::error)
    std::cout << "      replay: " << r.replay << "\n";
  std::cout.flush();
}

int run_conform(const ConformArgs& args) {
  if (auto problem = lockstep::cli::check_sut_command(args.sut)) return bad_input(*problem);

  h::ConformOptions options;
  options.sut_command = args.sut;
  options.seed = args.seed;
  options.request_timeout = std::chrono::milliseconds(args.timeout_ms);
  options.one_cpu_per_scenario = !args.spread_cpus;
  options.lockstep_binary = lockstep::cli::replay_binary();
  if (!args.profile.empty()) {
    auto profile = h::load_profile(args.profile);
    if (!profile) return bad_input(profile.error().message);
    options.profile = *profile;
    options.profile_file = args.profile;
  }
  if (!args.expectations.empty()) {
    auto expectations = h::load_expectations(args.expectations);
    if (!expectations) return bad_input(expectations.error().message);
    options.expectations = std::move(*expectations);
    options.expectations_file = args.expectations;
  }

  std::vector<fs::path> paths;
  for (const auto& s : args.scenarios) paths.emplace_back(s);
  if (paths.empty()) paths.emplace_back("scenarios");
  auto loaded = h::load_scenarios(paths);
  if (!loaded) return bad_input(loaded.error().message);
  const auto& selection = args.suite.selection;
  if (auto misses = h::selection_misses(*loaded, selection); !misses.empty()) {
    for (const auto& m : misses) std::cerr << "lockstep conform: " << m << "\n";
    return 2;
  }
  const auto rules_not_selected = h::rules_of_selection(*loaded, selection).not_selected;
  auto scenarios = h::select_scenarios(std::move(*loaded), selection, 0, 1);
  if (args.suite.list) {
    lockstep::cli::print_scenario_list(scenarios, std::cout);
    return 0;
  }
  if (scenarios.empty()) return bad_input("no scenario matches" + (selection.empty() ? std::string(" (none loaded)") : selection.as_flags()));

  const auto started = std::chrono::system_clock::now();
  h::install_interrupt_handlers();
  const int jobs = args.jobs > 0 ? args.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  lockstep::cli::SuiteProgress progress(
      args.suite, args.quiet, [&](const report::ScenarioResult& r, std::size_t done, std::size_t total, bool colour) {
        print_result(r, done, total, colour, args.suite.verbose);
      });
  std::size_t done = 0;
  auto stream = [&](const report::ScenarioResult& r) { progress.finished(++done, scenarios.size(), r); };
  std::vector<bool> finished;
  auto all = h::conform_all(scenarios, options, jobs, stream, [&] { return progress.should_stop(); }, &finished);
  auto [results, left] = lockstep::cli::split_finished(std::move(all), finished, scenarios);
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now() - started).count();

  report::RunInfo run;
  const auto started_at = std::chrono::time_point_cast<std::chrono::seconds>(started);
  // One run-id format for run, conform and explore, unique per process (issue 14 item 5).
  run.run_id = !args.run_id.empty() ? args.run_id : lockstep::cli::run_id_now(args.seed, "conform");
  run.tool = "conform";
  run.started_at = started_at;
  run.seed = args.seed;
  run.options["sut"] = args.sut;
  run.options["jobs"] = std::to_string(jobs);
  run.options["timeout_ms"] = std::to_string(args.timeout_ms);
  run.options["profile"] = h::profile_to_json(options.profile);
  if (!args.profile.empty()) run.options["profile_file"] = args.profile;
  if (!args.expectations.empty()) run.options["expectations_file"] = args.expectations;
  if (!selection.empty()) run.options["selection"] = selection.as_flags().substr(1);
  run.rules_not_selected = rules_not_selected;  // "not selected" in the coverage table, as on `run`
  run.tz_database_version = lockstep::tz_database_version();
  run.lockstep_version = LOCKSTEP_VERSION;
  // The whole command, pasteable: the paths too (as run's header has them).
  std::string paths_text;
  for (const auto& p : paths) paths_text += " " + h::shell_quote(p.string());
  run.command_line = fmt::format("{} conform --sut {} --seed {}{}{}", h::shell_quote(options.lockstep_binary),
                                 h::shell_quote(args.sut), args.seed, selection.as_flags(), paths_text);
  run.subject = args.sut;

  if (h::interrupted()) run.interrupted = true;
  run.not_run = left;  // interrupted, or --fail-fast

  report::ReportOptions report_options;
  report_options.secrets = h::scenario_secrets(scenarios);
  auto summary = report::RunSummary::of(results);
  summary.duration_ms = elapsed;
  auto written = report::write_report_dir(args.report_dir, run, results, report_options, summary);
  return lockstep::cli::finish_suite("conform", summary, args.seed, elapsed, left, written);
}

const bool registered = lockstep::cli::register_subcommand(
    "conform",
    "Judge an implementation under test (a child process speaking lockstep-sut/1) against the reference "
    "engine, scenario by scenario. Exit 0 all PASS/SKIP, 1 any FAIL/ERROR, 2 bad input. See docs/conformance.md.",
    [](CLI::App& sub) -> lockstep::cli::Run {
      auto args = std::make_shared<ConformArgs>();
      sub.add_option("--sut", args->sut, "The implementation's command line, e.g. 'python3 adapter.py --fast'")
          ->required();
      sub.add_option("--profile", args->profile, "Profile file (JSON): the behaviour knobs, see docs/conformance.md");
      sub.add_option("--expectations", args->expectations, "Expectations file (JSON): accepted known divergences");
      sub.add_option("--seed", args->seed, "Seed of the reference run (random PINs, random faults)")
          ->capture_default_str();
      lockstep::cli::add_suite_flags(sub, args->suite);
      sub.add_option("--jobs,-j", args->jobs, "Scenarios run in parallel (default: one per core)")->check(CLI::Range(0, 256));
      sub.add_option("--timeout", args->timeout_ms, "Per-request timeout, in ms")
          ->check(CLI::Range(1, 3'600'000))
          ->capture_default_str();
      sub.add_option("--report-dir", args->report_dir, "Where <run-id>/ and latest go")->capture_default_str();
      sub.add_option("--run-id", args->run_id, "Name of the run's report directory (default: conform-<time>-seedN-p<pid>)");
      sub.add_flag("--quiet,-q", args->quiet, "Print only what did not pass, and the totals");
      sub.add_flag("--spread-cpus", args->spread_cpus,
                   "Let the implementation use every CPU (default: each scenario's processes share one, "
                   "which is faster for one request at a time)");
      sub.add_option("scenarios", args->scenarios, "Scenario files or directories (default: scenarios/)");
      return [args] { return run_conform(*args); };
    });

}  // namespace lockstep_cmd_conform
