// The report directory: where every run of `lockstep run`, `conform` and
// `explore` leaves <base>/<run-id>/ and the symlink <base>/latest, safely when
// many runs share one base at the same time (CI shards, parallel jobs) and when
// a run is killed half-way.
//
// A run's four files are written into a private staging directory
// (<base>/.staging-<run-id>-<host>-<pid>-<n>) which is then renamed to
// <base>/<run-id> in one step, so a reader, a pruner or a second writer never
// sees half a run, and two writers never share a temporary file. `latest` is a
// new relative symlink renamed over the old one (atomic). A run killed while it
// writes leaves only its staging directory; the next writer into the same base
// removes staging directories whose writer is no longer alive on this host (or
// that are a day old, whoever wrote them). No fsync: the renames make a killed
// process safe; a power cut may lose the newest run, never corrupt an older one.
//
// write_report_dir() itself is declared in report.hpp (with the report model);
// this header adds what manages the directory as a whole: pruning old runs.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "lockstep/error.hpp"

namespace lockstep::harness::report {

// Runs kept per report directory when the user says nothing (--keep).
inline constexpr std::size_t kDefaultKeptRuns = 20;

struct PruneOutcome {
  std::vector<std::string> removed;  // run ids, oldest first
};

// Removes all but the `keep` newest runs of `base_dir` (newest by the time
// their report.json was written; 0 keeps everything), never the run `latest`
// points at, and only directories that hold a report.json, so pointing
// --report-dir at a directory with other things in it loses nothing else.
// Also removes abandoned staging directories. Runs another process removes at
// the same time are not errors; io_error only when base_dir cannot be listed.
Result<PruneOutcome> prune_report_dir(const std::filesystem::path& base_dir, std::size_t keep);

}  // namespace lockstep::harness::report
