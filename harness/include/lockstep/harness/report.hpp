// Reports: what a run of `lockstep run`, `lockstep conform` or `lockstep explore`
// tells people and CI. A tool fills a plain result model (RunInfo, one
// ScenarioResult per scenario, a RunSummary) and hands it to Reporters, each
// writing one form (after google benchmark's reporter.h):
//   JsonReporter      report.json: the full model, schema "lockstep-report/2"
//                     (docs/report.schema.json), byte-identical for identical runs;
//   JunitReporter     junit.xml: a testsuite per run, a testcase per scenario;
//   MarkdownReporter  summary.md: totals, failures, replay commands and the
//                     rule-coverage table, fit for $GITHUB_STEP_SUMMARY;
//   HtmlReporter      report.html: one self-contained page with an SVG timeline
//                     per scenario (stays, margins, codes, attempts, outages, probes).
// write_report_dir() writes all four into <base>/<run-id>/ and points <base>/latest
// at it.
//
// The model holds only what a report shows: there is no field for credentials,
// tokens or headers, and every writer scrubs its output once more
// (scrub_secrets) in case one slipped into free text such as a child's stderr.
// Wall-clock values (started_at, duration_ms) stay out of report.json unless
// ReportOptions::include_wall_clock asks for them, so identical seeds give
// identical bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lockstep/error.hpp"
#include "lockstep/time.hpp"

namespace lockstep::harness::report {

inline constexpr std::string_view schema_version = "lockstep-report/2";

// Every rule id of ../shared/contracts/behaviour.md, in its order. The coverage
// table lists each one, so a rule no scenario exercises cannot go unnoticed.
// Keep in step with behaviour.md when a rule is added.
std::span<const std::string_view> behaviour_rule_ids() noexcept;

enum class Verdict { pass, fail, error, skip };
std::string_view to_string(Verdict v) noexcept;  // "PASS", "FAIL", "ERROR", "SKIP"

// Who ran, how, on what. Identical for two runs with identical inputs, except
// started_at (wall clock) which report.json leaves out by default.
struct RunInfo {
  std::string run_id;                   // also the report directory's name
  std::string tool;                     // "run", "conform" or "explore"
  std::optional<Instant> started_at;    // wall clock, passed in by the tool
  std::uint64_t seed = 0;
  std::map<std::string, std::string> options;  // as given on the command line (sorted)
  std::string tz_database_version;      // tz_database_version(), e.g. "2025b"
  std::string lockstep_version;
  std::string command_line;             // the command that reproduces the whole run
  std::string subject;                  // what was exercised: "reference engine", or
                                        // the SUT's name and version from `init`
  // A run is often one part of a larger one: shard `shard_index` of `shard_count`
  // (0-based) of a CI matrix, or a filtered selection of a suite. The rules that
  // only scenarios this run did not play exercise are listed here, so that its
  // coverage table says "in other shards" or "not selected" rather than showing
  // them as uncovered; `lockstep report merge` puts the shards back together.
  int shard_index = 0;
  int shard_count = 1;
  std::vector<std::string> rules_in_other_shards;
  std::vector<std::string> rules_not_selected;
  // Stopped by SIGINT/SIGTERM: the results are those that finished; not_run
  // names the scenarios (or explore runs) left.
  bool interrupted = false;
  std::vector<std::string> not_run;
};

// One divergence from an expectation or from the reference.
struct Failure {
  std::string rule;      // behaviour.md id, e.g. "T4"; empty when none applies
  std::string booking;   // booking id; empty when not about one booking
  std::string what;      // the checked quantity: "attempts", "valid_from", "door", ...
  std::string expected;
  std::string observed;
  std::string message;   // for people: the sentence that explains it
  std::optional<Instant> at;  // the virtual instant it concerns, if one
};

// A generation attempt (T4) as seen by the tool.
struct Attempt {
  Instant at{};
  bool ok = false;
  std::string detail;  // "503 from igloohome", "bridge job expired", ...
};

// One entry of a booking's audit trail (engine AuditEvent, flattened).
struct AuditEntry {
  Instant at{};
  std::string kind;     // engine AuditKind spelling: "attempt_failed", "code_created", ...
  std::string rule;     // behaviour.md id
  std::string message;
};

// A host alert or B3 warning about the booking.
struct NoticeEntry {
  Instant at{};
  std::string code;     // generation_failed, needs_reconnect, cancel_residual, ...
  std::string rule;
  std::string message;
};

// A guest at the door: would the code open the lock at that instant?
struct DoorProbe {
  Instant at{};
  std::string lock;
  std::string booking;
  std::optional<bool> expected_open;  // absent when the scenario did not say
  bool opened = false;
  std::string reason;  // "outside window", "no code", "revoked", "first use after 24 h", ...
};

// A span of a stay during which the guest's code would not have opened the
// door (lockout.hpp), with its cause: not_yet_made, outage, failed_code,
// deleted_early, drifted_lock.
struct LockoutSpan {
  Instant from{};
  Instant until{};
  std::string cause;
  std::int64_t minutes() const noexcept {
    return std::chrono::duration_cast<std::chrono::minutes>(until - from).count();
  }
};

// Lockout minutes of a set of spans, in all and by cause.
struct LockoutTotal {
  std::int64_t minutes = 0;
  std::map<std::string, std::int64_t> by_cause;
  void add(const LockoutSpan& s) {
    minutes += s.minutes();
    by_cause[s.cause] += s.minutes();
  }
};

// Everything the timeline shows about one booking. Instants are absent when the
// event never happened (no code created, booking never cancelled, ...).
struct BookingTimeline {
  std::string id;
  std::string property;
  std::string lock;
  std::string bridge;          // the lock's bridge, if any: outages often target it
  std::string timezone;
  std::string checkin_local;   // as written, "YYYY-MM-DDTHH:MM"
  std::string checkout_local;
  std::optional<Instant> checkin;     // the stay, by T1
  std::optional<Instant> checkout;
  std::optional<Instant> valid_from;  // the window, by T2 (margins)
  std::optional<Instant> valid_until;
  std::optional<Instant> booked_at;
  std::optional<Instant> cancelled_at;
  std::optional<Instant> generate_at;     // T3
  std::optional<Instant> retry_deadline;  // T4
  std::string status;                 // scheduled, retrying, active, failed, revoked, none
  std::optional<std::string> code;    // the PIN (a guest's door code is not a secret of the platform)
  std::string kind;                   // "pin", "algopin" or empty
  std::string source;                 // "random", "guest_phone", "algopin" or empty
  std::string fallback;               // C2: why guest_phone was not used, or empty
  std::optional<Instant> created_at;  // the code's life on igloohome
  std::optional<Instant> deleted_at;
  std::vector<Attempt> attempts;
  std::vector<AuditEntry> audit;      // oldest first
  std::vector<NoticeEntry> notices;
  std::vector<DoorProbe> probes;      // conform: this lane's guests at the door for the booking
  std::vector<LockoutSpan> lockouts;  // inside the stay, oldest first
  // conform: the reference's lane for the same booking (one entry; none in run
  // and explore), drawn under the implementation's on the same time axis.
  std::vector<BookingTimeline> reference;
};

// An outage or injected fault, drawn as a band across the lanes it touches.
struct Outage {
  std::string kind;    // "bridge_offline", "http_503", "http_429", "timeout", "token_expired", ...
  std::string target;  // lock id, or empty / "*" for the whole service
  Instant from{};
  std::optional<Instant> until;  // absent: until the end of the scenario
};

// conform: a divergence the expectations file marks as known.
struct KnownDivergence {
  Failure divergence;
  std::string note;          // the expectations file's reason
  bool disappeared = false;  // marked known but not observed this time
};

// What report.json left out of a large scenario (ReportOptions::detailed_bookings):
// the bookings no failure names past the first ones, and the door probes of those
// bookings that went as expected, counted so nothing disappears silently.
struct OmittedDetail {
  int bookings = 0;
  int probes = 0;
  std::map<std::string, int> bookings_by_status;  // status -> count
  bool any() const noexcept { return bookings > 0 || probes > 0; }
  friend bool operator==(const OmittedDetail&, const OmittedDetail&) = default;
};

struct ScenarioResult {
  std::string name;
  std::string file;
  std::string description;
  std::vector<std::string> rules;  // behaviour.md ids the scenario exercises
  Verdict verdict = Verdict::pass;
  std::vector<Failure> failures;   // FAIL: every divergence
  std::string error;               // ERROR: protocol violation, crash, timeout ...
  std::string stderr_tail;         // ERROR (conform): the child's last stderr lines
  std::vector<std::string> skipped;  // SKIP reasons, or checks skipped in a PASS/FAIL
  std::string replay;              // the one command that replays this scenario
  std::optional<std::uint64_t> seed;  // per-scenario seed when it differs from the run's
  std::optional<std::int64_t> duration_ms;  // wall clock: out of report.json by default
  std::optional<Instant> first;    // virtual time span the scenario covers
  std::optional<Instant> last;
  std::vector<BookingTimeline> bookings;
  std::vector<Outage> outages;
  std::vector<DoorProbe> probes;
  std::vector<KnownDivergence> known_divergences;  // conform only
  OmittedDetail omitted;           // set when read back from a lean report.json
};

// Lockout minutes of a scenario's bookings (the implementation's lane in conform).
LockoutTotal lockout_of(const ScenarioResult& result);

struct RunSummary {
  int total = 0;
  int passed = 0;
  int failed = 0;
  int errors = 0;
  int skipped = 0;
  std::optional<std::int64_t> duration_ms;  // wall clock
  LockoutTotal lockout;  // every scenario's bookings

  static RunSummary of(std::span<const ScenarioResult> results);
  // The tools' convention: 0 when nothing failed or errored, else 1.
  int exit_code() const noexcept { return failed + errors > 0 ? 1 : 0; }
};

struct ReportOptions {
  // Put started_at and duration_ms in report.json (off: byte-identical reruns).
  bool include_wall_clock = false;
  // HTML: booking lanes drawn per scenario; the rest are counted ("N more").
  std::size_t max_lanes = 40;
  // HTML: scenarios drawn with a timeline; the rest are listed without one.
  std::size_t max_timelines = 500;
  // report.json: a scenario with more bookings than this keeps full detail (audit
  // trail, attempts, probes) for the first ones and for every booking a failure
  // names, and counts the rest (ScenarioResult::omitted), so that a generated
  // year of thousands of stays stays a file people and tools can open.
  std::size_t detailed_bookings = 100;
  // Values never to appear in any report (client secrets, tokens): replaced by
  // "[redacted]" on top of the pattern-based scrub. Not written anywhere.
  std::vector<std::string> secrets = {};
};

// Removes secrets from free text: the values in `secrets`, Authorization headers,
// Bearer tokens, and the values of keys named like client_secret, access_token,
// refresh_token, password, api_key (JSON "key": "value" and key=value forms).
std::string scrub_secrets(std::string_view text, std::span<const std::string> secrets = {});

// Receives a run as it happens: begin once, scenario per scenario in a stable
// order (the tool sorts them, whatever --jobs did), end once. The file writers
// below buffer and write on end(), since every form starts with totals.
class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void begin(const RunInfo& run) = 0;
  virtual void scenario(const ScenarioResult& result) = 0;
  virtual void end(const RunSummary& summary) = 0;
};

namespace detail {
// Shared buffering for the writers.
class BufferedReporter : public Reporter {
 public:
  BufferedReporter(std::ostream& out, ReportOptions options)
      : out_(out), options_(std::move(options)) {}
  void begin(const RunInfo& run) override { run_ = run; results_.clear(); }
  void scenario(const ScenarioResult& result) override { results_.push_back(result); }
  void end(const RunSummary& summary) override;

 protected:
  virtual std::string render(const RunInfo& run, std::span<const ScenarioResult> results,
                             const RunSummary& summary, const ReportOptions& options) const = 0;

 private:
  std::ostream& out_;
  ReportOptions options_;
  RunInfo run_;
  std::vector<ScenarioResult> results_;
};
}  // namespace detail

class JsonReporter final : public detail::BufferedReporter {
 public:
  explicit JsonReporter(std::ostream& out, ReportOptions options = {})
      : BufferedReporter(out, std::move(options)) {}

 protected:
  std::string render(const RunInfo&, std::span<const ScenarioResult>, const RunSummary&,
                     const ReportOptions&) const override;
};

class JunitReporter final : public detail::BufferedReporter {
 public:
  explicit JunitReporter(std::ostream& out, ReportOptions options = {})
      : BufferedReporter(out, std::move(options)) {}

 protected:
  std::string render(const RunInfo&, std::span<const ScenarioResult>, const RunSummary&,
                     const ReportOptions&) const override;
};

class MarkdownReporter final : public detail::BufferedReporter {
 public:
  explicit MarkdownReporter(std::ostream& out, ReportOptions options = {})
      : BufferedReporter(out, std::move(options)) {}

 protected:
  std::string render(const RunInfo&, std::span<const ScenarioResult>, const RunSummary&,
                     const ReportOptions&) const override;
};

class HtmlReporter final : public detail::BufferedReporter {
 public:
  explicit HtmlReporter(std::ostream& out, ReportOptions options = {})
      : BufferedReporter(out, std::move(options)) {}

 protected:
  std::string render(const RunInfo&, std::span<const ScenarioResult>, const RunSummary&,
                     const ReportOptions&) const override;
};

// The four forms as strings (what the reporters write), for tools and tests.
std::string render_json(const RunInfo& run, std::span<const ScenarioResult> results,
                        const ReportOptions& options = {});
std::string render_junit(const RunInfo& run, std::span<const ScenarioResult> results,
                         const ReportOptions& options = {});
std::string render_markdown(const RunInfo& run, std::span<const ScenarioResult> results,
                            const ReportOptions& options = {});
std::string render_html(const RunInfo& run, std::span<const ScenarioResult> results,
                        const ReportOptions& options = {});

// report.json read back: for tools that compare runs, and for tests. Fields the
// file leaves out (wall clock by default) stay empty. invalid_json naming the JSON
// path at fault when the text is not a lockstep-report/1 document.
struct ReportDocument {
  RunInfo run;
  RunSummary summary;
  std::vector<ScenarioResult> scenarios;
};
Result<ReportDocument> parse_json_report(std::string_view json);

// The shards of one run (same tool, suite, seed, subject and versions; shard
// indices 0..n-1 each exactly once, in any order) as the one report the unsharded
// run would have written: scenarios back in suite order, coverage over all of
// them, the run's options and command line without the shard. invalid_argument
// naming the first field in which two shards differ, a missing or repeated shard,
// or a report that is not a shard.
Result<ReportDocument> merge_shard_reports(std::vector<ReportDocument> shards);

// Writes <base_dir>/<run.run_id>/{report.json, junit.xml, summary.md, report.html}
// and replaces the symlink <base_dir>/latest with one to that directory
// (atomically: a new link renamed over the old). Returns the run's directory;
// io_error naming the path that could not be written, invalid_argument for a
// run_id that is empty or not a plain directory name.
Result<std::filesystem::path> write_report_dir(const std::filesystem::path& base_dir,
                                               const RunInfo& run,
                                               std::span<const ScenarioResult> results,
                                               const ReportOptions& options = {});
// The same with the tool's own summary (its wall-clock duration_ms).
Result<std::filesystem::path> write_report_dir(const std::filesystem::path& base_dir,
                                               const RunInfo& run,
                                               std::span<const ScenarioResult> results,
                                               const ReportOptions& options,
                                               const RunSummary& summary);

// The same as a Reporter, for tools that stream results: writes on end().
class ReportDirReporter final : public Reporter {
 public:
  explicit ReportDirReporter(std::filesystem::path base_dir, ReportOptions options = {})
      : base_dir_(std::move(base_dir)), options_(std::move(options)) {}
  void begin(const RunInfo& run) override { run_ = run; results_.clear(); }
  void scenario(const ScenarioResult& result) override { results_.push_back(result); }
  void end(const RunSummary& summary) override;
  // After end(): the run's directory, or why it could not be written.
  const std::optional<Result<std::filesystem::path>>& written() const noexcept { return written_; }

 private:
  std::filesystem::path base_dir_;
  ReportOptions options_;
  RunInfo run_;
  std::vector<ScenarioResult> results_;
  std::optional<Result<std::filesystem::path>> written_;
};

}  // namespace lockstep::harness::report
