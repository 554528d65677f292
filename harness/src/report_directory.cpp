// Writing <base>/<run-id>/ and <base>/latest, and pruning old runs: see
// lockstep/harness/report_directory.hpp for why it is staged and renamed.
#include "lockstep/harness/report_directory.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <optional>
#include <chrono>
#include <system_error>

#include <signal.h>
#include <unistd.h>

#include <fmt/core.h>

#include "lockstep/harness/report.hpp"
#include "report_internal.hpp"

namespace lockstep::harness::report {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kStagingPrefix = ".staging-";
constexpr auto kAbandonedAfter = std::chrono::hours(24);

bool plain_directory_name(std::string_view name) {
  // A leading '.' is kept for staging directories, which pruning skips.
  if (name.empty() || name.front() == '.' || name == "latest" || name.size() > 200) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
  });
}

std::string host_name() {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0) return "host";
  std::string name;
  for (char c : std::string_view(buffer))
    name += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
  return name.empty() ? "host" : name.substr(0, 64);
}

// A name no other writer uses, now or later: host, pid and a per-process count.
std::string writer_tag() {
  static std::atomic<unsigned> count{0};
  return fmt::format("{}-{}-{}", host_name(), ::getpid(), count.fetch_add(1));
}

Result<void> write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return fail(ErrorCode::io_error, fmt::format("cannot write {}", path.string()));
  out << content;
  out.flush();
  if (!out) return fail(ErrorCode::io_error, fmt::format("cannot write {}", path.string()));
  return {};
}

// A staging directory is abandoned when its writer (host-pid in its name) is
// gone from this host, or when it is older than a day whoever wrote it.
bool abandoned(const fs::path& staging, const std::string& this_host) {
  std::error_code ec;
  const auto written = fs::last_write_time(staging, ec);
  if (!ec && fs::file_time_type::clock::now() - written > kAbandonedAfter) return true;
  // .staging-<run-id>-<host>-<pid>-<n>: the pid is the second field from the end.
  const std::string name = staging.filename().string();
  const auto last = name.rfind('-');
  if (last == std::string::npos || last == 0) return false;
  const auto before = name.rfind('-', last - 1);
  if (before == std::string::npos) return false;
  const std::string pid_text = name.substr(before + 1, last - before - 1);
  const std::string host_suffix = "-" + this_host + "-" + pid_text + "-";
  if (name.find(host_suffix) == std::string::npos) return false;
  if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) return false;
  const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
  return pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH;
}

void remove_abandoned_staging(const fs::path& base_dir) {
  const std::string this_host = host_name();
  std::error_code ec;
  for (fs::directory_iterator it(base_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(kStagingPrefix) || !abandoned(it->path(), this_host)) continue;
    std::error_code ignored;
    fs::remove_all(it->path(), ignored);
  }
}

// Moves `staging` to `dir`. rename(2) cannot replace a non-empty directory, so
// a run id used again (--run-id) first moves the old run aside, then drops it.
Result<void> publish(const fs::path& staging, const fs::path& dir) {
  std::error_code ec;
  fs::rename(staging, dir, ec);
  if (!ec) return {};
  if (ec == std::errc::directory_not_empty || ec == std::errc::file_exists) {
    const auto aside = dir.parent_path() / fmt::format("{}old-{}", kStagingPrefix, writer_tag());
    std::error_code moved;
    fs::rename(dir, aside, moved);
    fs::rename(staging, dir, ec);
    std::error_code ignored;
    fs::remove_all(aside, ignored);
    if (!ec) return {};
  }
  std::error_code ignored;
  fs::remove_all(staging, ignored);
  return fail(ErrorCode::io_error, fmt::format("cannot write {}: {}", dir.string(), ec.message()));
}

Result<void> point_latest_at(const fs::path& base_dir, const std::string& run_id) {
  // latest -> <run-id>, relative so the directory can be moved or archived whole.
  const auto latest = base_dir / "latest";
  const auto staging = base_dir / fmt::format("{}latest-{}", kStagingPrefix, writer_tag());
  std::error_code ec;
  fs::create_directory_symlink(run_id, staging, ec);
  if (ec) return fail(ErrorCode::io_error, fmt::format("cannot create link {}: {}", staging.string(), ec.message()));
  fs::rename(staging, latest, ec);  // rename(2) replaces a symlink atomically
  if (ec) {
    std::error_code ignored;
    fs::remove(staging, ignored);
    return fail(ErrorCode::io_error, fmt::format("cannot point {} at {}", latest.string(), run_id));
  }
  return {};
}

}  // namespace

Result<fs::path> write_report_dir(const fs::path& base_dir, const RunInfo& run,
                                  std::span<const ScenarioResult> results, const ReportOptions& options,
                                  const RunSummary& summary) {
  if (!plain_directory_name(run.run_id))
    return fail(ErrorCode::invalid_argument,
                fmt::format("run id '{}' is not a plain directory name (letters, digits, '-', '_', '.', not first '.')",
                            scrub_secrets(run.run_id)),
                "run_id");
  std::error_code ec;
  fs::create_directories(base_dir, ec);
  if (ec) return fail(ErrorCode::io_error, fmt::format("cannot create {}: {}", base_dir.string(), ec.message()));
  remove_abandoned_staging(base_dir);

  const auto dir = base_dir / run.run_id;
  const auto staging = base_dir / fmt::format("{}{}-{}", kStagingPrefix, run.run_id, writer_tag());
  fs::create_directory(staging, ec);
  if (ec) return fail(ErrorCode::io_error, fmt::format("cannot create {}: {}", staging.string(), ec.message()));

  // Scrubbed once for the four files.
  const detail::ScrubbedInput input = detail::scrub_input(run, results, options);
  const std::pair<const char*, std::string> files[] = {
      {"report.json", detail::render_json_from(input, summary, options)},
      {"junit.xml", detail::render_junit_from(input, summary, options)},
      {"summary.md", detail::render_markdown_from(input, summary, options)},
      {"report.html", detail::render_html_from(input, summary, options)},
  };
  for (const auto& [name, content] : files) {
    if (auto written = write_file(staging / name, content); !written) {
      std::error_code ignored;
      fs::remove_all(staging, ignored);
      return std::unexpected(written.error());
    }
  }
  if (auto published = publish(staging, dir); !published) return std::unexpected(published.error());
  if (auto linked = point_latest_at(base_dir, run.run_id); !linked) return std::unexpected(linked.error());
  return dir;
}

Result<fs::path> write_report_dir(const fs::path& base_dir, const RunInfo& run,
                                  std::span<const ScenarioResult> results, const ReportOptions& options) {
  return write_report_dir(base_dir, run, results, options, RunSummary::of(results));
}

Result<PruneOutcome> prune_report_dir(const fs::path& base_dir, std::size_t keep) {
  std::error_code ec;
  if (!fs::is_directory(base_dir, ec))
    return fail(ErrorCode::io_error, fmt::format("cannot list {}: not a directory", base_dir.string()));
  remove_abandoned_staging(base_dir);
  PruneOutcome outcome;
  if (keep == 0) return outcome;

  std::optional<std::string> latest;
  if (auto target = fs::read_symlink(base_dir / "latest", ec); !ec) latest = target.filename().string();

  struct Run {
    fs::file_time_type written;
    std::string id;
  };
  std::vector<Run> runs;
  fs::directory_iterator it(base_dir, ec);
  if (ec) return fail(ErrorCode::io_error, fmt::format("cannot list {}: {}", base_dir.string(), ec.message()));
  for (fs::directory_iterator end; it != end; it.increment(ec)) {
    if (ec) break;
    const std::string id = it->path().filename().string();
    std::error_code entry_ec;
    if (id.starts_with('.') || id == "latest" || it->is_symlink(entry_ec) || !it->is_directory(entry_ec)) continue;
    const auto written = fs::last_write_time(it->path() / "report.json", entry_ec);
    if (entry_ec) continue;  // not a run: leave it alone
    runs.push_back({written, id});
  }
  // Newest first; the id breaks ties so two pruners agree on the order.
  std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) {
    return a.written != b.written ? a.written > b.written : a.id > b.id;
  });
  for (std::size_t i = keep; i < runs.size(); ++i) {
    if (latest && runs[i].id == *latest) continue;
    std::error_code removed;
    fs::remove_all(base_dir / runs[i].id, removed);
    if (!removed) outcome.removed.push_back(runs[i].id);
  }
  std::reverse(outcome.removed.begin(), outcome.removed.end());
  return outcome;
}

}  // namespace lockstep::harness::report
