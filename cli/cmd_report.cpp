// `lockstep report merge DIR... [--report-dir OUT]`: one report from the shard
// reports of one CI matrix run, identical in verdicts and rule coverage to the
// run unsharded. Each DIR is a run's report directory (holding report.json), or a
// report base directory whose `latest` is taken. Shards of different runs, or a
// missing shard, are refused (exit 2) naming the first difference.
// Exit status: 0 the merged run passed, 1 some scenario failed, 2 bad input.
// g++ 12 reports a "potential null pointer dereference" inside std::string when
// the report model is moved through std::expected here (a known false positive of
// its -Wnull-dereference with -O2); nothing in this file dereferences a pointer.
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "command.hpp"
#include "lockstep/harness/report.hpp"

// A namespace of its own (not anonymous): the subcommands' files are compiled
// together in unity builds, and each has its Args, run() and registration.
namespace lockstep_cmd_report {

namespace fs = std::filesystem;
namespace report = lockstep::harness::report;

struct Args {
  std::vector<std::string> dirs;
  std::string report_dir = "reports";
  std::string run_id;
};

lockstep::Result<report::ReportDocument> read_shard(const fs::path& dir) {
  fs::path file = dir / "report.json";
  if (!fs::exists(file) && fs::exists(dir / "latest" / "report.json")) file = dir / "latest" / "report.json";
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return lockstep::fail(lockstep::ErrorCode::io_error,
                          fmt::format("{}: no report.json there (nor under {}/latest)", dir.string(), dir.string()));
  std::ostringstream text;
  text << in.rdbuf();
  auto doc = report::parse_json_report(text.str());
  if (!doc) return lockstep::fail(doc.error().code, fmt::format("{}: {}", file.string(), doc.error().message));
  return doc;
}

int merge(const Args& a) {
  std::vector<report::ReportDocument> shards;
  for (const auto& dir : a.dirs) {
    auto doc = read_shard(dir);
    if (!doc) {
      std::cerr << "lockstep report merge: " << doc.error().message << "\n";
      return 2;
    }
    shards.push_back(std::move(*doc));
  }
  const auto tool = shards.empty() ? std::string("run") : shards.front().run.tool;
  auto merged = report::merge_shard_reports(std::move(shards));
  if (!merged) {
    std::cerr << "lockstep report merge: " << merged.error().message << "\n";
    return 2;
  }
  merged->run.run_id = a.run_id.empty() ? lockstep::cli::run_id_now(merged->run.seed, tool + "-merged") : a.run_id;
  auto written =
      report::write_report_dir(a.report_dir, merged->run, merged->scenarios, report::ReportOptions{}, merged->summary);
  const auto& s = merged->summary;
  std::cout << fmt::format("merged {} shards: {} scenarios: {} passed, {} failed, {} errors, {} skipped\n",
                           a.dirs.size(), s.total, s.passed, s.failed, s.errors, s.skipped);
  if (!written) {
    std::cerr << "lockstep report merge: reports not written: " << written.error().message << "\n";
    return 2;
  }
  std::cout << "HTML report: " << (*written / "report.html").string() << "\n";
  return s.exit_code();
}

const bool registered = lockstep::cli::register_subcommand(
    "report",
    "Work with written reports. `report merge DIR...`: one report (JSON, JUnit, Markdown, HTML) from the shard "
    "reports of one sharded run.",
    [](CLI::App& sub) -> lockstep::cli::Run {
      auto args = std::make_shared<Args>();
      sub.require_subcommand(1);
      auto* m = sub.add_subcommand(
          "merge",
          "Merge shard reports of one run (same suite, seed and subject; every shard once) into the report the "
          "unsharded run writes. Exit 0 all passed, 1 some failed, 2 bad input (shards of different runs, a "
          "missing shard, an unreadable report).");
      m->add_option("dirs", args->dirs, "Shard report directories (with report.json), or report dirs with latest/")
          ->required();
      m->add_option("--report-dir", args->report_dir, "Where the merged report goes: <dir>/<run-id>/ (default reports)");
      m->add_option("--run-id", args->run_id, "Name of the merged report's directory (default: <tool>-merged-<time>)");
      return [args] { return merge(*args); };
    });

}  // namespace lockstep_cmd_report
