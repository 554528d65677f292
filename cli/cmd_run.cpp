// `lockstep run [paths...]`: plays scenario suites against the reference engine
// and the mock igloohome in virtual time, and writes the reports.
// Exit status: 0 every scenario passed, 1 some failed, 2 bad input.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <thread>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "command.hpp"
#include "suite_progress.hpp"
#include "lockstep/harness/report.hpp"
#include "lockstep/harness/interrupt.hpp"
#include "lockstep/harness/runner.hpp"
#include "lockstep/harness/scenario_loader.hpp"
#include "lockstep/harness/shell_quote.hpp"

// A namespace of its own (not anonymous): the subcommands' files are compiled
// together in unity builds, and each has its Args, run() and registration.
namespace lockstep_cmd_run {

namespace h = lockstep::harness;
namespace report = lockstep::harness::report;

struct Args {
  std::vector<std::string> paths;
  std::uint64_t seed = 1;
  std::string transport = "in-process";
  lockstep::cli::SuiteFlags suite;
  int jobs = 0;  // 0: one per core
  int shard_index = -1;
  int shard_count = -1;
  std::string report_dir = "reports";
  std::string run_id;
  bool quiet = false;
};

std::optional<int> env_int(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  char* end = nullptr;
  long n = std::strtol(v, &end, 10);
  if (*end != '\0' || n < 0 || n > 1'000'000) return -1;
  return static_cast<int>(n);
}

int run(const Args& a) {
  // Sharding: flags first, else the GoogleTest variables a CI matrix already sets.
  int shard_index = a.shard_index, shard_count = a.shard_count;
  if (shard_count < 0) {
    auto total = env_int("GTEST_TOTAL_SHARDS");
    auto index = env_int("GTEST_SHARD_INDEX");
    if (total && index) {
      shard_count = *total;
      shard_index = *index;
    }
  }
  if (shard_count < 0) shard_count = 1;
  if (shard_index < 0) shard_index = 0;
  if (shard_count < 1 || shard_index >= shard_count) {
    std::cerr << fmt::format("lockstep run: shard index {} is not below shard count {}\n", shard_index, shard_count);
    return 2;
  }

  std::vector<std::filesystem::path> paths;
  for (const auto& p : a.paths) paths.emplace_back(p);
  if (paths.empty()) paths.emplace_back("scenarios/");
  auto loaded = h::load_scenarios(paths);
  if (!loaded) {
    std::cerr << "lockstep run: " << loaded.error().message << "\n";
    return 2;
  }
  const std::size_t total_loaded = loaded->size();
  const auto& selection = a.suite.selection;
  if (auto misses = h::selection_misses(*loaded, selection); !misses.empty()) {
    for (const auto& m : misses) std::cerr << "lockstep run: " << m << " (" << total_loaded << " loaded)\n";
    return 2;
  }
  // Rules only the scenarios this run does not play exercise: the coverage table
  // shows them as "in other shards" / "not selected", not as uncovered.
  const auto rules = h::rules_of_selection(*loaded, selection);
  auto scenarios = h::select_scenarios(std::move(*loaded), selection, shard_index, shard_count);
  std::set<std::string> rules_played;
  for (const auto& s : scenarios) rules_played.insert(s.rules.begin(), s.rules.end());
  if (a.suite.list) {
    lockstep::cli::print_scenario_list(scenarios, std::cout);
    return 0;
  }
  if (scenarios.empty() && !(shard_count > 1 && total_loaded > 0)) {
    std::cerr << fmt::format("lockstep run: no scenario matches{} ({} loaded)\n", selection.as_flags(), total_loaded);
    return 2;
  }

  h::RunOptions options;
  options.seed = a.seed;
  options.transport = a.transport == "http" ? h::TransportKind::http : h::TransportKind::in_process;
  options.jobs = a.jobs > 0 ? a.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  // Each scenario's verdict as it finishes; failures with the one command that
  // replays them. --fail-fast: the first scenario that does not pass stops the
  // run like a signal would (those still playing are left, listed as not run).
  options.binary = lockstep::cli::replay_binary();
  h::install_interrupt_handlers();
  lockstep::cli::SuiteProgress progress(
      a.suite, a.quiet, [&](const report::ScenarioResult& r, std::size_t done, std::size_t total, bool colour) {
        const bool ok = r.verdict == report::Verdict::pass || r.verdict == report::Verdict::skip;
        std::cout << fmt::format("[{}/{}] {} {}{}\n", done, total, lockstep::cli::verdict_word(r.verdict, colour),
                                 r.name, ok ? std::string() : " (" + r.file + ")");
        if (!r.error.empty()) std::cout << "  " << r.error << "\n";
        std::size_t shown = 0;
        for (const auto& f : r.failures) {
          if (++shown > 10) {
            std::cout << fmt::format("  ... and {} more\n", r.failures.size() - 10);
            break;
          }
          std::cout << fmt::format("  [{}] {}\n", f.rule.empty() ? "-" : f.rule, f.message);
        }
        if (!ok && a.suite.verbose) lockstep::cli::print_failure_audits(r, std::cout);
        if (!ok) std::cout << "  replay: " << r.replay << "\n";
      });
  options.stop = [&] { return progress.should_stop(); };
  const auto started = std::chrono::steady_clock::now();
  std::vector<bool> finished;
  auto all = h::run_scenarios(
      scenarios, options,
      [&](std::size_t done, std::size_t total, const report::ScenarioResult& r) { progress.finished(done, total, r); },
      &finished);
  auto [results, left] = lockstep::cli::split_finished(std::move(all), finished, scenarios);
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();

  report::RunInfo info;
  info.run_id = a.run_id.empty() ? lockstep::cli::run_id_now(a.seed) : a.run_id;
  info.tool = "run";
  info.started_at = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  info.seed = a.seed;
  std::string paths_text;
  for (const auto& p : paths) paths_text += (paths_text.empty() ? "" : " ") + h::shell_quote(p.string());
  info.options["paths"] = paths_text;
  info.options["transport"] = a.transport;
  if (!selection.empty()) info.options["selection"] = selection.as_flags().substr(1);
  if (shard_count > 1) info.options["shard"] = fmt::format("{}/{}", shard_index, shard_count);
  info.tz_database_version = lockstep::tz_database_version();
  info.lockstep_version = LOCKSTEP_VERSION;
  info.command_line = fmt::format("{} run {} --seed {}{}", h::shell_quote(lockstep::cli::replay_binary()), paths_text, a.seed,
                                  selection.as_flags());
  if (a.transport == "http") info.command_line += " --transport http";
  if (shard_count > 1) info.command_line += fmt::format(" --shard-index {} --shard-count {}", shard_index, shard_count);
  info.subject = "reference engine";
  info.shard_index = shard_index;
  info.shard_count = shard_count;
  for (const auto& rule : rules.matched)
    if (!rules_played.contains(rule)) info.rules_in_other_shards.push_back(rule);
  info.rules_not_selected = rules.not_selected;
  if (h::interrupted()) info.interrupted = true;
  info.not_run = left;  // interrupted, or --fail-fast

  report::ReportOptions report_options;
  report_options.secrets = h::scenario_secrets(scenarios);
  auto summary = report::RunSummary::of(results);
  summary.duration_ms = elapsed;
  auto written = report::write_report_dir(a.report_dir, info, results, report_options, summary);
  return lockstep::cli::finish_suite("run", summary, a.seed, elapsed, left, written);
}

const bool registered = lockstep::cli::register_subcommand(
    "run",
    "Play scenario suites (files or directories, default scenarios/) against the reference engine and the mock "
    "igloohome in virtual time; write JUnit, JSON, Markdown and HTML reports. Exit 0 all pass, 1 some fail, 2 bad "
    "input. See docs/scenario-format.md.",
    [](CLI::App& sub) -> lockstep::cli::Run {
      auto args = std::make_shared<Args>();
      sub.add_option("paths", args->paths, "Scenario files or directories (default: scenarios/)");
      sub.add_option("--seed", args->seed, "Seed for random PINs and random faults (default 1)");
      sub.add_option("--transport", args->transport, "in-process (default) or http (a mock on 127.0.0.1 sockets)")
          ->check(CLI::IsMember({"in-process", "http"}));
      lockstep::cli::add_suite_flags(sub, args->suite);
      sub.add_option("--jobs,-j", args->jobs, "Scenarios run in parallel (default: one per core)")
          ->check(CLI::Range(1, 256));
      sub.add_option("--shard-index", args->shard_index, "This shard's index (default: $GTEST_SHARD_INDEX or 0)")
          ->check(CLI::Range(0, 1'000'000));
      sub.add_option("--shard-count", args->shard_count, "Number of shards (default: $GTEST_TOTAL_SHARDS or 1)")
          ->check(CLI::Range(1, 1'000'000));
      sub.add_option("--report-dir", args->report_dir, "Where reports go: <dir>/<run-id>/ and <dir>/latest (default reports)");
      sub.add_option("--run-id", args->run_id, "Name of the run's report directory (default: <time>-seedN-p<pid>)");
      sub.add_flag("--quiet,-q", args->quiet, "Print only what did not pass, and the totals");
      return [args] { return run(*args); };
    });

}  // namespace lockstep_cmd_run
