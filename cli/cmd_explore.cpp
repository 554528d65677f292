// `lockstep explore`: seeded random worlds and timelines, judged by invariants on
// the reference engine (or against it, with --sut), shrunk to a minimal scenario
// on failure. See harness/include/lockstep/harness/explore.hpp.
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "lockstep/harness/explore.hpp"
#include "lockstep/harness/scenario_loader.hpp"

namespace {

struct Args {
  std::uint64_t seed = 1;
  int runs = 100;
  std::string sut;
  bool check_determinism = false;
  bool no_shrink = false;
  std::string out = "reports/explore";
  std::string replay;
};

// --replay FILE: judge one saved scenario again, as the explorer did.
int replay(const Args& args) {
  std::ifstream in(args.replay);
  if (!in) {
    std::cerr << "lockstep explore: cannot read " << args.replay << "\n";
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  const auto scenario = nlohmann::json::parse(text.str(), nullptr, false);
  if (scenario.is_discarded() || !scenario.is_object()) {
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
  lockstep::harness::ExploreOptions options;
  options.seed = args.seed;
  options.runs = args.runs;
  options.sut_command = args.sut;
  options.check_determinism = args.check_determinism;
  options.shrink = !args.no_shrink;
  options.out_dir = args.out;
  options.lockstep_binary = "lockstep";
  options.log = [](std::string_view line) { std::cout << line << '\n' << std::flush; };
  const auto result = lockstep::harness::explore(options);
  if (!result.error.empty()) {
    std::cerr << "lockstep explore: " << result.error << "\n";
    return 2;
  }
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
      sub.add_option("--out", args->out, "Where the minimal failing scenario is written");
      sub.add_option("--replay", args->replay, "Judge one saved scenario again (with --seed, and --sut if given)");
      return [args] { return run(*args); };
    });

}  // namespace
