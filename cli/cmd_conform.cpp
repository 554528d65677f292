// `lockstep conform --sut 'COMMAND ARGS' [options] [scenarios...]`: judges an
// implementation under test against the reference engine, scenario by scenario,
// over lockstep-sut/1 (docs/conformance.md). Exit 0 when every scenario is PASS
// or SKIP, 1 when any is FAIL or ERROR, 2 for bad input (options, files).
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
#include "lockstep/harness/child_process.hpp"
#include "lockstep/harness/conform.hpp"
#include "lockstep/harness/conform_expectations.hpp"
#include "lockstep/harness/interrupt.hpp"
#include "lockstep/harness/profile.hpp"
#include "lockstep/harness/report.hpp"
#include "lockstep/harness/runner.hpp"
#include "lockstep/harness/scenario_loader.hpp"
#include "lockstep/time.hpp"

namespace {

namespace fs = std::filesystem;
namespace h = lockstep::harness;
namespace report = lockstep::harness::report;

struct ConformArgs {
  std::string sut;
  std::string profile;
  std::string expectations;
  std::uint64_t seed = 1;
  std::string filter;
  int jobs = 0;  // 0: one per core
  int timeout_ms = 10'000;
  std::string report_dir = "reports";
  std::string run_id;
  std::vector<std::string> scenarios;
  bool quiet = false;
  std::string argv0;
};

int bad_input(const std::string& message) {
  std::cerr << "lockstep conform: " << message << "\n";
  return 2;
}

// The program must exist before dozens of scenarios each report it missing.
std::string self_path(const std::string& argv0) {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return argv0;
  auto rel = fs::relative(exe, fs::current_path(ec), ec);
  if (ec || rel.empty() || rel.native().rfind("..", 0) == 0) return exe.string();
  // A bare name would be looked up on PATH when the replay command is pasted.
  return rel.has_parent_path() ? rel.string() : "./" + rel.string();
}

void print_result(const report::ScenarioResult& r) {
  std::cout << fmt::format("{:<5} {}\n", report::to_string(r.verdict), r.name);
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
  options.lockstep_binary = self_path(args.argv0);
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
  std::vector<h::Scenario> scenarios;
  for (auto& s : *loaded)
    if (h::name_matches(args.filter, s.name)) scenarios.push_back(std::move(s));
  if (scenarios.empty()) return bad_input(args.filter.empty() ? "no scenario to run" : "no scenario matches --filter '" + args.filter + "'");

  const auto started = std::chrono::system_clock::now();
  h::install_interrupt_handlers();
  const int jobs = args.jobs > 0 ? args.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Each verdict as it comes, flushed, whether stdout is a terminal or a pipe.
  auto stream = [&](const report::ScenarioResult& r) {
    if (!args.quiet || r.verdict != report::Verdict::pass) print_result(r);
  };
  std::vector<bool> finished;
  auto all = h::conform_all(scenarios, options, jobs, stream, [] { return h::interrupted(); }, &finished);
  std::vector<report::ScenarioResult> results;
  std::vector<std::string> left;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (finished[i]) results.push_back(std::move(all[i]));
    else left.push_back(scenarios[i].name);
  }
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now() - started).count();

  report::RunInfo run;
  const auto started_at = std::chrono::time_point_cast<std::chrono::seconds>(started);
  run.run_id = !args.run_id.empty() ? args.run_id
                                    : fmt::format("conform-{}", [&] {
                                        auto text = lockstep::format_instant(started_at);  // 2026-03-29T01:30:00Z
                                        std::string id;
                                        for (char c : text)
                                          if (c >= '0' && c <= '9') id += c;
                                        return id.substr(0, 8) + "-" + id.substr(8);
                                      }());
  run.tool = "conform";
  run.started_at = started_at;
  run.seed = args.seed;
  run.options["sut"] = args.sut;
  run.options["jobs"] = std::to_string(jobs);
  run.options["timeout_ms"] = std::to_string(args.timeout_ms);
  run.options["profile"] = h::profile_to_json(options.profile);
  if (!args.profile.empty()) run.options["profile_file"] = args.profile;
  if (!args.expectations.empty()) run.options["expectations_file"] = args.expectations;
  if (!args.filter.empty()) run.options["filter"] = args.filter;
  run.tz_database_version = lockstep::tz_database_version();
  run.lockstep_version = LOCKSTEP_VERSION;
  run.command_line = fmt::format("{} conform --sut '{}' --seed {}", options.lockstep_binary, args.sut, args.seed);
  run.subject = args.sut;

  if (h::interrupted()) {
    run.interrupted = true;
    run.not_run = left;
  }

  report::ReportOptions report_options;
  for (const auto& s : scenarios)
    for (const auto& e : s.timeline)
      if (e.kind == h::EventKind::connect && !e.client_secret.empty()) report_options.secrets.push_back(e.client_secret);
  auto summary = report::RunSummary::of(results);
  summary.duration_ms = elapsed;
  auto written = report::write_report_dir(args.report_dir, run, results, report_options, summary);
  std::cout << fmt::format("conform: {} scenario(s): {} passed, {} failed, {} errors, {} skipped ({} ms)\n",
                           summary.total, summary.passed, summary.failed, summary.errors, summary.skipped, elapsed);
  if (written)
    std::cout << "report: " << (*written / "report.html").string() << "\n";
  else
    std::cerr << "lockstep conform: the report could not be written: " << written.error().message << "\n";
  if (h::interrupted()) {
    std::cout << fmt::format("conform: interrupted by signal {}: {} scenario(s) not run\n", h::interrupt_signal(),
                             left.size());
    std::cout.flush();
    return h::interrupted_exit_code();
  }
  return summary.exit_code();
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
      sub.add_option("--filter", args->filter, "Only scenarios whose name contains this (or matches this glob)");
      sub.add_option("--jobs,-j", args->jobs, "Scenarios run in parallel (default: one per core)")->check(CLI::Range(0, 256));
      sub.add_option("--timeout", args->timeout_ms, "Per-request timeout, in ms")
          ->check(CLI::Range(1, 3'600'000))
          ->capture_default_str();
      sub.add_option("--report-dir", args->report_dir, "Where <run-id>/ and latest go")->capture_default_str();
      sub.add_option("--run-id", args->run_id, "Name of the run's report directory (default: conform-<time>)");
      sub.add_flag("--quiet,-q", args->quiet, "Print only what did not pass, and the totals");
      sub.add_option("scenarios", args->scenarios, "Scenario files or directories (default: scenarios/)");
      return [args] { return run_conform(*args); };
    });

}  // namespace
