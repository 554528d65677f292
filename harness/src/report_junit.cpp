// junit.xml: the de-facto JUnit format CI systems read (GitHub test reporters,
// GitLab, Jenkins): one <testsuite> for the tool run, one <testcase> per
// scenario with classname = its file. A FAIL carries one <failure> whose message
// is the first divergence (rule, booking, expected, observed) and whose body lists
// them all; an ERROR carries <error> with the child's stderr tail; SKIP, <skipped>.
#include <fmt/core.h>

#include "report_internal.hpp"

namespace lockstep::harness::report::detail {

namespace {

std::string attr(std::string_view text) { return xml_escape(text); }

void property(std::string& out, std::string_view name, std::string_view value) {
  out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", attr(name), attr(value));
}

std::string failure_message(const ScenarioResult& r) {
  if (r.failures.empty()) return "scenario failed";
  auto message = describe(r.failures.front());
  if (r.failures.size() > 1) message += fmt::format(" (and {} more)", r.failures.size() - 1);
  return message;
}

void testcase(std::string& out, const ScenarioResult& r, std::string_view tool) {
  const std::string classname = r.file.empty() ? fmt::format("lockstep.{}", tool) : r.file;
  out += fmt::format("    <testcase name=\"{}\" classname=\"{}\"", attr(r.name), attr(classname));
  if (r.duration_ms) out += fmt::format(" time=\"{}\"", seconds_text(*r.duration_ms));
  out += ">\n";
  switch (r.verdict) {
    case Verdict::pass: break;
    case Verdict::fail: {
      const auto type = r.failures.empty() ? std::string("divergence") : r.failures.front().rule;
      out += fmt::format("      <failure message=\"{}\" type=\"{}\">", attr(failure_message(r)), attr(type));
      for (const auto& f : r.failures) {
        out += xml_escape(describe(f));
        out += '\n';
      }
      if (!r.replay.empty()) out += xml_escape(fmt::format("replay: {}\n", r.replay));
      out += "</failure>\n";
      break;
    }
    case Verdict::error: {
      const auto first_line = r.error.substr(0, r.error.find('\n'));
      out += fmt::format("      <error message=\"{}\" type=\"error\">",
                         attr(first_line.empty() ? std::string("error") : first_line));
      out += xml_escape(r.error);
      if (!r.stderr_tail.empty()) out += xml_escape(fmt::format("\n--- stderr (last lines) ---\n{}", r.stderr_tail));
      if (!r.replay.empty()) out += xml_escape(fmt::format("\nreplay: {}", r.replay));
      out += "</error>\n";
      break;
    }
    case Verdict::skip: {
      std::string reasons;
      for (const auto& s : r.skipped) reasons += (reasons.empty() ? "" : "; ") + s;
      out += fmt::format("      <skipped message=\"{}\"/>\n", attr(reasons.empty() ? "skipped" : reasons));
      break;
    }
  }
  // Accepted (known) divergences and partial skips do not change the verdict but
  // must stay visible.
  std::string notes;
  for (const auto& k : r.known_divergences)
    notes += fmt::format("{} divergence: {}{}\n", k.disappeared ? "disappeared known" : "accepted",
                         describe(k.divergence), k.note.empty() ? "" : fmt::format(" ({})", k.note));
  if (r.verdict != Verdict::skip)
    for (const auto& s : r.skipped) notes += fmt::format("skipped check: {}\n", s);
  if (!r.rules.empty()) {
    notes += "rules:";
    for (const auto& rule : r.rules) notes += " " + rule;
    notes += '\n';
  }
  if (!r.replay.empty() && r.verdict == Verdict::pass) notes += fmt::format("replay: {}\n", r.replay);
  if (!notes.empty()) out += fmt::format("      <system-out>{}</system-out>\n", xml_escape(notes));
  out += "    </testcase>\n";
}

}  // namespace

std::string render_junit_from(const ScrubbedInput& input, const RunSummary& summary, const ReportOptions& options) {
  const RunInfo& run = input.run();
  const std::span<const ScenarioResult> results = input.results();
  const std::string suite = fmt::format("lockstep {}", run.tool.empty() ? "run" : run.tool);
  const std::string counts =
      fmt::format("tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\"", summary.total, summary.failed,
                  summary.errors, summary.skipped);
  const std::string time =
      summary.duration_ms ? fmt::format(" time=\"{}\"", seconds_text(*summary.duration_ms)) : std::string();

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"{}\" {}{}>\n", attr(suite), counts, time);
  out += fmt::format("  <testsuite name=\"{}\" {}{}", attr(suite), counts, time);
  if (run.started_at) out += fmt::format(" timestamp=\"{}\"", iso(*run.started_at));
  out += ">\n    <properties>\n";
  property(out, "seed", std::to_string(run.seed));
  if (!run.subject.empty()) property(out, "subject", run.subject);
  property(out, "tz_database_version", run.tz_database_version);
  property(out, "lockstep_version", run.lockstep_version);
  if (!run.command_line.empty()) property(out, "command_line", run.command_line);
  for (const auto& [key, value] : run.options) property(out, fmt::format("option.{}", key), value);
  out += "    </properties>\n";
  for (const auto& r : results) testcase(out, r, run.tool);
  out += "  </testsuite>\n</testsuites>\n";
  return final_scrub(std::move(out), options);
}

}  // namespace lockstep::harness::report::detail
