// Shared by the subcommands: exit codes, plurals, run ids, the binary's name in
// replay commands, report pruning, and checking an implementation's command.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <ostream>
#include <set>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "command.hpp"
#include "lockstep/harness/child_process.hpp"
#include "lockstep/harness/report_directory.hpp"

namespace lockstep::cli {

namespace fs = std::filesystem;

namespace {

bool runnable(const fs::path& p) {
  std::error_code ec;
  return ::access(p.c_str(), X_OK) == 0 && !fs::is_directory(p, ec);
}

// Where a bare program name is found on `path_env`, as a shell would look.
std::optional<fs::path> find_on_path(std::string_view program, std::string_view path_env) {
  std::string_view dirs = path_env;
  for (;;) {
    const auto colon = dirs.find(':');
    const auto dir = dirs.substr(0, colon);
    auto candidate = fs::path(dir.empty() ? "." : std::string(dir)) / std::string(program);
    if (runnable(candidate)) return candidate;
    if (colon == std::string_view::npos) return std::nullopt;
    dirs.remove_prefix(colon + 1);
  }
}

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  return fs::equivalent(a, b, ec) && !ec;
}

std::string& invocation() {
  static std::string argv0;
  return argv0;
}

}  // namespace

std::string exit_codes_help(std::string_view subcommand) {
  std::string_view zero = "success";
  std::string_view one;
  std::string_view two = "bad input: an unknown flag, a file that cannot be read or is not valid";
  if (subcommand == "run" || subcommand == "conform") {
    zero = "every scenario passed (or was skipped)";
    one = "some scenario failed (FAIL or ERROR)";
  } else if (subcommand == "explore") {
    zero = "no finding";
    one = "a finding (its shrunk scenario and replay command are printed)";
  } else if (subcommand == "plan") {
    zero = "every line was planned";
    one = "some line was refused (its answer says why)";
  } else if (subcommand == "mock") {
    zero = "stopped by SIGINT or SIGTERM";
    two = "bad input: a flag or world file we cannot use, or the port is in use";
  } else if (subcommand == "sut") {
    zero = "stdin closed (the harness is done)";
  }
  std::string text = fmt::format("Exit status:\n  {}  {}\n", kExitOk, zero);
  if (!one.empty()) text += fmt::format("  {}  {}\n", kExitFailed, one);
  text += fmt::format("  {}  {}\n", kExitBadInput, two);
  return text;
}

std::string count_of(std::size_t n, std::string_view singular, std::string_view plural_form) {
  if (n == 1) return fmt::format("1 {}", singular);
  if (plural_form.empty()) return fmt::format("{} {}s", n, singular);
  return fmt::format("{} {}", n, plural_form);
}

std::string run_id_now(std::uint64_t seed, std::string_view tool) {
  static std::atomic<unsigned> made{0};
  const unsigned index = made.fetch_add(1);
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const auto secs = std::chrono::floor<std::chrono::seconds>(now);
  const auto day = std::chrono::floor<std::chrono::days>(secs);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{secs - day};
  return fmt::format("{}{}{:04}{:02}{:02}-{:02}{:02}{:02}-{:03}-seed{}-p{}{}", tool, tool.empty() ? "" : "-",
                     static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()), hms.hours().count(), hms.minutes().count(),
                     hms.seconds().count(), ms, seed, ::getpid(),
                     index == 0 ? std::string() : fmt::format("-{}", index));
}

std::string replay_binary_name(std::string_view argv0, std::string_view path_env) {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (argv0.empty()) return ec ? std::string("lockstep") : self.string();
  if (argv0.find('/') == std::string_view::npos) {
    // Bare: a shell found it on PATH; pasted, it is found again — if it is us.
    if (auto found = find_on_path(argv0, path_env); found && (ec || same_file(*found, self)))
      return std::string(argv0);
    return ec ? std::string(argv0) : self.string();
  }
  // A path (build/lockstep, ./lockstep): made absolute, it works from anywhere.
  const auto absolute = fs::absolute(fs::path(argv0), ec).lexically_normal();
  if (!ec && runnable(absolute)) return absolute.string();
  return self.empty() ? std::string(argv0) : self.string();
}

void record_invocation(std::string_view argv0) { invocation() = std::string(argv0); }

std::string replay_binary() {
  const char* path = std::getenv("PATH");
  return replay_binary_name(invocation(), path ? path : "/usr/bin:/bin");
}

void add_keep_option(CLI::App& sub, std::size_t& keep) {
  keep = harness::report::kDefaultKeptRuns;
  sub.add_option("--keep", keep,
                 "Keep the newest N runs in the report directory, remove older ones (0: keep all; the run "
                 "'latest' points at is always kept)")
      ->capture_default_str();
}

void prune_reports(const std::string& report_dir, std::size_t keep, std::string_view subcommand,
                   std::ostream& err) {
  if (keep == 0 || report_dir.empty()) return;
  std::error_code ec;
  if (!fs::is_directory(report_dir, ec)) return;  // nothing written, nothing to prune
  auto pruned = harness::report::prune_report_dir(report_dir, keep);
  if (!pruned) err << "lockstep " << subcommand << ": --keep: " << pruned.error().message << "\n";
}

std::optional<std::string> check_sut_command(const std::string& command) {
  auto argv = harness::split_command_line(command);
  if (!argv) return "--sut: " + argv.error().message;
  const std::string& program = argv->front();
  if (program.find('/') != std::string::npos)
    return runnable(program) ? std::nullopt
                             : std::optional<std::string>(fmt::format("--sut: '{}' is not an executable file", program));
  const char* path = std::getenv("PATH");
  if (find_on_path(program, path ? path : "/usr/bin:/bin")) return std::nullopt;
  return fmt::format("--sut: '{}' is not found on PATH", program);
}

}  // namespace lockstep::cli

namespace lockstep::cli {

void add_suite_flags(CLI::App& sub, SuiteFlags& f) {
  sub.add_option("--filter", f.selection.filter,
                 "Only scenarios whose name contains this, or matches it as a glob (* ?)");
  // One value per flag, repeated for more: a vector option would otherwise take
  // every word after it, so `--scenario NAME scenarios/` read the path as a name
  // (and conform's printed replays, which end with the file, did not work).
  sub.add_option("--scenario", f.selection.names, "Only the scenario of exactly this name (repeatable)")
      ->allow_extra_args(false);
  sub.add_option("--rule", f.selection.rules, "Only scenarios that exercise this behaviour.md rule, e.g. T4 (repeatable)")
      ->allow_extra_args(false);
  sub.add_option("--tag", f.selection.tags, "Only scenarios with this tag (repeatable)")->allow_extra_args(false);
  sub.add_flag("--list", f.list, "List the selected scenarios (name, file, rules, tags) and exit");
  sub.add_flag("--fail-fast", f.fail_fast,
               "Stop at the first scenario that does not pass (the report lists the ones not run)");
  sub.add_flag("--verbose,-v", f.verbose, "With each failure, the audit trail of the bookings it names");
}

void print_scenario_list(const std::vector<harness::Scenario>& scenarios, std::ostream& out) {
  std::size_t width = 0;
  for (const auto& s : scenarios) width = std::max(width, s.name.size());
  for (const auto& s : scenarios) {
    out << fmt::format("{:<{}}  {}  rules {}", s.name, width, s.file.empty() ? "-" : s.file,
                       s.rules.empty() ? "-" : fmt::format("{}", fmt::join(s.rules, ",")));
    if (!s.tags.empty()) out << fmt::format("  tags {}", fmt::join(s.tags, ","));
    out << "\n";
  }
  out << count_of(scenarios.size(), "scenario") << "\n";
}

void print_failure_audits(const harness::report::ScenarioResult& r, std::ostream& out) {
  std::set<std::string> named;
  for (const auto& f : r.failures)
    if (!f.booking.empty()) named.insert(f.booking);
  for (const auto& b : r.bookings) {
    if (!named.contains(b.id)) continue;
    // conform: an implementation has no audit trail; the reference's lane does.
    const auto& trail = !b.audit.empty() || b.reference.empty() ? b.audit : b.reference.front().audit;
    out << fmt::format("  audit of {} ({}):\n", b.id, count_of(trail.size(), "entry", "entries"));
    for (const auto& a : trail)
      out << fmt::format("    {} [{}] {}: {}\n", format_instant(a.at), a.rule.empty() ? "-" : a.rule, a.kind, a.message);
  }
}

bool colour_wanted(int fd) {
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour && *no_colour) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string_view(term) == "dumb") return false;
  return ::isatty(fd) == 1;
}

std::string verdict_word(harness::report::Verdict v, bool colour) {
  const auto word = harness::report::to_string(v);
  if (!colour) return std::string(word);
  std::string_view code = "32";  // green
  if (v == harness::report::Verdict::fail || v == harness::report::Verdict::error) code = "31";
  if (v == harness::report::Verdict::skip) code = "33";
  return fmt::format("\x1b[{}m{}\x1b[0m", code, word);
}

std::string summary_line(const harness::report::RunSummary& s, std::uint64_t seed, long long elapsed_ms) {
  return fmt::format("{}: {} passed, {} failed, {}, {} skipped (seed {}, {:.1f} s)",
                     count_of(static_cast<std::size_t>(s.total), "scenario"), s.passed, s.failed,
                     count_of(static_cast<std::size_t>(s.errors), "error"), s.skipped, seed,
                     static_cast<double>(elapsed_ms) / 1000.0);
}

}  // namespace lockstep::cli
