// `lockstep explore`: seeded random worlds and timelines, judged by invariants on
// the reference engine (or against it, with --sut), shrunk to a minimal scenario
// on failure. See harness/include/lockstep/harness/explore.hpp.
#include <chrono>
#include <set>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "lockstep/harness/explore.hpp"
#include "lockstep/json_input.hpp"
#include "lockstep/mock/world.hpp"
#include "lockstep/harness/interrupt.hpp"
#include "lockstep/harness/report.hpp"
#include "lockstep/harness/scenario_loader.hpp"
#include "lockstep/harness/shell_quote.hpp"
#include "lockstep/time.hpp"

// A namespace of its own (not anonymous): the subcommands' files are compiled
// together in unity builds, and each has its Args, run() and registration.
namespace lockstep_cmd_explore {

struct Args {
  std::uint64_t seed = 1;
  int runs = 100;
  std::string sut;
  bool check_determinism = false;
  bool no_shrink = false;
  bool no_platform_traffic = false;
  std::string out = "reports/explore";
  std::string replay;
  int write_run = -1;  // --write-run N
  std::string report_dir = "reports";
  std::string run_id;
  int shard_index = 0;
  int shard_count = 1;
};

namespace report = lockstep::harness::report;

// The session as a report (docs/reports.md): one scenario a run; the failing one
// carries the divergences of its shrunk scenario.
report::ScenarioResult run_result(const Args& args, const lockstep::harness::PlayedRun& run,
                                  const lockstep::harness::ExploreResult& result) {
  report::ScenarioResult r;
  r.name = fmt::format("run {} (seed {})", run.index, run.seed);
  r.description = run.description;
  r.seed = run.seed;
  r.replay = fmt::format("{} explore --seed {} --runs {}{}", lockstep::cli::replay_binary(), args.seed, run.index + 1,
                         args.sut.empty() ? "" : fmt::format(" --sut '{}'", args.sut));
  if (run.passed || !result.finding || result.finding->run_index != run.index) return r;
  const auto& f = *result.finding;
  r.verdict = report::Verdict::fail;
  r.file = f.file.string();
  r.replay = f.replay;
  r.failures = f.failures;
  return r;
}

int write_report(const Args& args, const lockstep::harness::ExploreResult& result,
                 std::chrono::system_clock::time_point started) {
  report::RunInfo info;
  info.run_id = args.run_id.empty() ? lockstep::cli::run_id_now(args.seed, "explore") : args.run_id;
  info.shard_index = args.shard_index;
  info.shard_count = args.shard_count;
  if (args.shard_count > 1) info.options["shard"] = fmt::format("{}/{}", args.shard_index, args.shard_count);
  info.tool = "explore";
  info.started_at = std::chrono::floor<std::chrono::seconds>(started);
  info.seed = args.seed;
  info.options["runs"] = std::to_string(args.runs);
  if (!args.sut.empty()) info.options["sut"] = args.sut;
  if (args.check_determinism) info.options["check_determinism"] = "true";
  if (args.no_platform_traffic) info.options["platform_traffic"] = "false";
  info.tz_database_version = lockstep::tz_database_version();
  info.lockstep_version = LOCKSTEP_VERSION;
  info.command_line = fmt::format("{} explore --seed {} --runs {}{}{}", lockstep::cli::replay_binary(), args.seed, args.runs,
                                  args.sut.empty() ? "" : fmt::format(" --sut '{}'", args.sut),
                                  args.check_determinism ? " --check-determinism" : "");
  if (args.shard_count > 1)
    info.command_line += fmt::format(" --shard-index {} --shard-count {}", args.shard_index, args.shard_count);
  info.subject = args.sut.empty() ? "reference engine" : args.sut;
  if (result.interrupted) {
    info.interrupted = true;
    std::set<int> played;
    for (const auto& run : result.played) played.insert(run.index);
    const int last = result.played.empty() ? -1 : result.played.back().index;
    for (int i = last + 1; i < args.runs; ++i)
      if (i % args.shard_count == args.shard_index && !played.contains(i)) info.not_run.push_back(fmt::format("run {}", i));
  }
  std::vector<report::ScenarioResult> results;
  for (const auto& run : result.played) results.push_back(run_result(args, run, result));
  auto summary = report::RunSummary::of(results);
  summary.lockout = result.lockout;  // the headline figure: every run's, not only the failing one's
  summary.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now() - started).count();
  // Generated scenarios connect with the default world's accounts: their
  // secrets are never shown, like those of run's and conform's scenarios.
  report::ReportOptions report_options;
  for (const auto& account : lockstep::mock::default_world().accounts)
    report_options.secrets.push_back(account.client_secret);
  auto written = report::write_report_dir(args.report_dir, info, results, report_options, summary);
  if (!written) {
    std::cerr << "lockstep explore: the report could not be written: " << written.error().message << "\n";
    return 2;
  }
  std::cout << "HTML report: " << (*written / "report.html").string() << "\n";
  return 0;
}

// --write-run N: run N of the session as drawn, as a scenario file, so that any
// run (one that passed with many lockout minutes, say) can be opened with
// `lockstep run` and its report read booking by booking.
int write_run(const Args& args) {
  const std::uint64_t seed = lockstep::harness::run_seed(args.seed, args.write_run);
  auto scenario = lockstep::harness::generate_scenario(seed, !args.no_platform_traffic);
  std::error_code ec;
  std::filesystem::create_directories(args.out, ec);
  const auto file = std::filesystem::path(args.out) / fmt::format("run-{}-seed{}.json", args.write_run, args.seed);
  std::ofstream out(file);
  out << scenario.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  if (!out) {
    std::cerr << "lockstep explore: cannot write " << file.string() << (ec ? ": " + ec.message() : std::string()) << "\n";
    return 2;
  }
  std::cout << fmt::format("run {} of seed {} (run seed {}): {}\n", args.write_run, args.seed, seed,
                           scenario.value("description", std::string()));
  std::cout << "written: " << file.string() << "\n";
  std::cout << fmt::format("play it: {} run {} --seed {}\n", lockstep::cli::replay_binary(),
                           lockstep::harness::shell_quote(std::filesystem::absolute(file, ec).string()), seed);
  return 0;
}

// --replay FILE: judge one saved scenario again, as the explorer did.
int replay(const Args& args) {
  std::ifstream in(args.replay);
  if (!in) {
    std::cerr << "lockstep explore: cannot read " << args.replay << "\n";
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = lockstep::json_input::parse(text.str());
  if (!parsed) {
    std::cerr << "lockstep explore: " << args.replay << ": " << parsed.error().with_excerpt() << "\n";
    return 2;
  }
  const nlohmann::json scenario = std::move(*parsed);
  if (!scenario.is_object()) {
    std::cerr << "lockstep explore: " << args.replay << " is not a scenario object\n";
    return 2;
  }
  // A file that is no valid scenario is bad input (exit 2), not a failing one.
  if (auto loaded = lockstep::harness::parse_scenarios(scenario, args.replay); !loaded) {
    std::cerr << "lockstep explore: " << loaded.error().message << "\n";
    return 2;
  }
  const auto verdict = args.sut.empty() ? lockstep::harness::check_reference(scenario, args.seed)
                                        : lockstep::harness::check_sut(scenario, args.seed, args.sut);
  if (verdict.problems.empty()) {
    std::cout << fmt::format("{}: passes (trace {})\n", args.replay, verdict.trace_hash);
    return 0;
  }
  for (const auto& p : verdict.problems) std::cout << "FAIL " << p << "\n";
  return 1;
}

int run(const Args& args) {
  if (!args.sut.empty()) {
    if (auto problem = lockstep::cli::check_sut_command(args.sut)) {
      std::cerr << "lockstep explore: " << *problem << "\n";
      return 2;
    }
  }
  if (!args.replay.empty()) return replay(args);
  if (args.write_run >= 0) return write_run(args);
  lockstep::harness::ExploreOptions options;
  options.seed = args.seed;
  options.runs = args.runs;
  options.sut_command = args.sut;
  options.check_determinism = args.check_determinism;
  options.shrink = !args.no_shrink;
  options.platform_traffic = !args.no_platform_traffic;
  options.out_dir = args.out;
  if (args.shard_index >= args.shard_count) {
    std::cerr << fmt::format("lockstep explore: shard index {} is not below shard count {}\n", args.shard_index,
                             args.shard_count);
    return 2;
  }
  options.shard_index = args.shard_index;
  options.shard_count = args.shard_count;
  options.lockstep_binary = lockstep::cli::replay_binary();
  options.log = [](std::string_view line) { std::cout << line << '\n' << std::flush; };
  lockstep::harness::install_interrupt_handlers();
  options.stop = [] { return lockstep::harness::interrupted(); };
  const auto started = std::chrono::system_clock::now();
  const auto result = lockstep::harness::explore(options);
  if (!result.error.empty()) {
    std::cerr << "lockstep explore: " << result.error << "\n";
    return 2;
  }
  if (write_report(args, result, started) != 0) return 2;
  if (result.interrupted) return lockstep::harness::interrupted_exit_code();
  return result.finding ? 1 : 0;
}

const bool registered = lockstep::cli::register_subcommand(
    "explore",
    "Generate random worlds and timelines from a seed, check invariants on the reference engine (or "
    "conformance with --sut), and shrink a failure to a minimal scenario.",
    [](CLI::App& sub) -> lockstep::cli::Run {
      auto args = std::make_shared<Args>();
      sub.add_option("--seed", args->seed, "Session seed (each run's seed derives from it)");
      sub.add_option("--runs", args->runs, "Number of random runs")->check(CLI::Range(1, 1'000'000));
      sub.add_option("--sut", args->sut, "Implementation under test (lockstep-sut/1 command line)");
      sub.add_flag("--check-determinism", args->check_determinism, "Play each run twice and compare trace hashes");
      sub.add_flag("--no-shrink", args->no_shrink, "Write the failing scenario as drawn");
      sub.add_flag("--no-platform-traffic", args->no_platform_traffic,
                   "Draw runs without the platform traffic (re-sends, settings and zone changes, in-stay changes, "
                   "poll and delete faults)");
      sub.add_option("--out", args->out, "Where the minimal failing scenario is written");
      sub.add_option("--replay", args->replay, "Judge one saved scenario again (with --seed, and --sut if given)");
      sub.add_option("--write-run", args->write_run,
                     "Write run N of the session (--seed) as drawn to --out, to play it with `lockstep run`")
          ->check(CLI::Range(0, 1'000'000));
      sub.add_option("--report-dir", args->report_dir,
                     "Where the session's report (JSON, JUnit, Markdown, HTML) is written, in <dir>/<run-id>/")
          ->capture_default_str();
      sub.add_option("--run-id", args->run_id, "Name of the run's report directory (default: explore-<time>-seedN-p<pid>)");
      sub.add_option("--shard-index", args->shard_index, "This shard's index: plays runs i with i % count == index")
          ->check(CLI::Range(0, 1'000'000));
      sub.add_option("--shard-count", args->shard_count, "Number of shards the runs are split over (default 1)")
          ->check(CLI::Range(1, 1'000'000));
      return [args] { return run(*args); };
    });

}  // namespace lockstep_cmd_explore
