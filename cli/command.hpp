// The subcommand registry, and what every subcommand shares. Each cmd_*.cpp
// registers one subcommand at static initialisation: its setup declares options
// on the CLI11 sub-app and returns the function main() runs when that subcommand
// is chosen (its exit status). main() adds to each what is the same everywhere:
// the exit codes in --help, and --keep where there is a --report-dir.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "lockstep/harness/report.hpp"
#include "lockstep/harness/selection.hpp"

namespace lockstep::cli {

using Run = std::function<int()>;
using Setup = std::function<Run(CLI::App& sub)>;

struct Subcommand {
  std::string name;
  std::string description;
  Setup setup;
};

std::vector<Subcommand>& subcommands();

inline bool register_subcommand(std::string name, std::string description, Setup setup) {
  subcommands().push_back({std::move(name), std::move(description), std::move(setup)});
  return true;
}

// Exit statuses, the same for every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;    // the run found something: a FAIL, an ERROR, a finding
inline constexpr int kExitBadInput = 2;  // a flag, a file, a scenario or a port we cannot use

// The "Exit status" block of a subcommand's --help (main() sets it as the footer).
std::string exit_codes_help(std::string_view subcommand);

// "1 scenario", "2 scenarios", "0 errors"; `plural_form` when adding an s is wrong.
std::string count_of(std::size_t n, std::string_view singular, std::string_view plural_form = {});

// A report directory name, the one format of every subcommand:
// [TOOL-]YYYYMMDD-HHMMSS-mmm-seedN-pPID[-K] (UTC, milliseconds). The pid makes it
// unique among processes running at once on a host; K counts further ids made
// by the same process (second and later).
std::string run_id_now(std::uint64_t seed, std::string_view tool = {});

// How to name this binary in a replay command that is pasted into a shell
// elsewhere: as invoked when it was found on PATH (`lockstep`), else its
// absolute path. `argv0` is main's argv[0]; `path_env` the PATH to search.
std::string replay_binary_name(std::string_view argv0, std::string_view path_env);
// The same for this process (main() records argv[0]).
std::string replay_binary();
void record_invocation(std::string_view argv0);

// --keep N for a subcommand that writes a report directory (default
// report::kDefaultKeptRuns), and the pruning after a run: problems are told on
// `err` and never change the run's exit status.
void add_keep_option(CLI::App& sub, std::size_t& keep);
void prune_reports(const std::string& report_dir, std::size_t keep, std::string_view subcommand, std::ostream& err);

// Why `--sut COMMAND` cannot be run (bad quoting, program not found or not
// executable), or nothing when it can: checked before any run starts, so a typo
// is bad input (exit 2) rather than a failure of every scenario.
std::optional<std::string> check_sut_command(const std::string& command);

// What `run` and `conform` share beyond the selection: --list, --fail-fast, -v.
struct SuiteFlags {
  harness::Selection selection;
  bool list = false;
  bool fail_fast = false;
  bool verbose = false;
};
// Declares --filter, --scenario, --rule, --tag, --list, --fail-fast and -v on `sub`.
void add_suite_flags(CLI::App& sub, SuiteFlags& flags);
// --list: one line per scenario (name, file, rules, tags) on `out`.
void print_scenario_list(const std::vector<harness::Scenario>& scenarios, std::ostream& out);
// -v: the audit trail of each booking a failure names, indented, on `out`.
void print_failure_audits(const harness::report::ScenarioResult& result, std::ostream& out);

// Colour for verdicts on a terminal: on when `fd` is a terminal, NO_COLOR is not
// set (https://no-color.org) and TERM is not "dumb".
bool colour_wanted(int fd);
// The verdict word, coloured when `colour` (PASS green, FAIL/ERROR red, SKIP yellow).
std::string verdict_word(harness::report::Verdict verdict, bool colour);
// The one summary line of run, conform and explore's suites:
// "12 scenarios: 11 passed, 1 failed, 0 errors, 0 skipped (seed 1, 2.3 s)".
std::string summary_line(const harness::report::RunSummary& summary, std::uint64_t seed, long long elapsed_ms);

}  // namespace lockstep::cli
