// The parts every report form shares: rule ids, verdict names, totals and the
// secret scrub. Writing the report directory is in report_directory.cpp.
#include "lockstep/rule.hpp"
#include "lockstep/harness/report.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <ostream>
#include <system_error>

#include <fmt/core.h>

#include "report_internal.hpp"

namespace lockstep::harness::report {

namespace {

// ../shared/contracts/behaviour.md, in its order (lockstep/rule.hpp).
constexpr auto kRuleIds = lockstep::kRuleNames;

constexpr std::string_view kRedacted = "[redacted]";

bool is_identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Parts of a name that make it a secret's (client_secret, access_token, ...).
constexpr std::array<std::string_view, 8> kSecretWords = {
    "secret", "token", "password", "passwd", "authorization", "apikey", "api_key", "api-key"};
// Authorization schemes, whose value follows after a space.
constexpr std::array<std::string_view, 2> kAuthSchemes = {"bearer", "basic"};

bool names_a_secret(std::string_view lowered_identifier) {
  return std::any_of(kSecretWords.begin(), kSecretWords.end(), [&](std::string_view w) {
    return lowered_identifier.find(w) != std::string_view::npos;
  });
}

// The end of the value that starts at `pos`: a quoted string (through its closing
// quote), the rest of the line when `to_line_end`, else one word.
std::size_t value_end(std::string_view text, std::size_t pos, bool to_line_end) {
  if (pos < text.size() && (text[pos] == '"' || text[pos] == '\'')) {
    const char quote = text[pos];
    std::size_t i = pos + 1;
    while (i < text.size() && text[i] != quote && text[i] != '\n') {
      if (text[i] == '\\' && i + 1 < text.size()) ++i;
      ++i;
    }
    return std::min(i + 1, text.size());
  }
  std::size_t i = pos;
  if (to_line_end) {
    while (i < text.size() && text[i] != '\n' && text[i] != '\r' && text[i] != '"') ++i;
    while (i > pos && text[i - 1] == ' ') --i;
    return i;
  }
  while (i < text.size()) {
    const char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c)) != 0 || c == ',' || c == ';' || c == '&' ||
        c == '}' || c == ')' || c == ']' || c == '"' || c == '\'')
      break;
    ++i;
  }
  return i;
}

}  // namespace

std::span<const std::string_view> behaviour_rule_ids() noexcept { return kRuleIds; }

std::string_view to_string(Verdict v) noexcept {
  switch (v) {
    case Verdict::pass: return "PASS";
    case Verdict::fail: return "FAIL";
    case Verdict::error: return "ERROR";
    case Verdict::skip: return "SKIP";
  }
  return "ERROR";
}

RunSummary RunSummary::of(std::span<const ScenarioResult> results) {
  RunSummary s;
  for (const auto& r : results) {
    ++s.total;
    switch (r.verdict) {
      case Verdict::pass: ++s.passed; break;
      case Verdict::fail: ++s.failed; break;
      case Verdict::error: ++s.errors; break;
      case Verdict::skip: ++s.skipped; break;
    }
    const auto l = lockout_of(r);
    s.lockout.minutes += l.minutes;
    for (const auto& [cause, minutes] : l.by_cause) s.lockout.by_cause[cause] += minutes;
  }
  return s;
}

LockoutTotal lockout_of(const ScenarioResult& result) {
  LockoutTotal total;
  for (const auto& b : result.bookings)
    for (const auto& span : b.lockouts) total.add(span);
  return total;
}

std::string scrub_secrets(std::string_view text, std::span<const std::string> secrets) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_identifier_char(text[i]) || (i > 0 && is_identifier_char(text[i - 1]))) {
      out += text[i++];
      continue;
    }
    const std::size_t start = i;
    std::size_t end = i;
    while (end < text.size() && is_identifier_char(text[end])) ++end;
    const std::string word = lower(text.substr(i, end - i));
    out.append(text.substr(i, end - i));
    i = end;

    const bool bearer = std::find(kAuthSchemes.begin(), kAuthSchemes.end(), word) != kAuthSchemes.end();
    const bool flag = word.starts_with("--") && names_a_secret(word);
    if (!bearer && !flag && !names_a_secret(word)) continue;

    // What separates the name from its value: `": "`, `=`, `: `, or (Bearer,
    // --flag) plain spaces.
    std::size_t j = i;
    if (j < text.size() && (text[j] == '"' || text[j] == '\'')) ++j;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
    bool separated = false;
    if (j < text.size() && text[j] == '=') {
      ++j;
      separated = true;
    } else if (j < text.size() && text[j] == ':') {
      // "token: needs_reconnect" is prose; a colon only introduces a secret after
      // a quoted key ("token": ...), a compound name (access_token:, client-secret:)
      // or a name that is never anything else (password:, Authorization:).
      const bool quoted_key = start > 0 && (text[start - 1] == '"' || text[start - 1] == '\'');
      const std::string_view bare =
          std::string_view(word).substr(std::min(word.find_first_not_of('-'), word.size()));
      const bool compound = bare.find_first_of("_-") != std::string_view::npos;
      const bool unmistakable = bare == "password" || bare == "passwd" || bare == "authorization" ||
                                bare == "apikey" || bare == "client_secret";
      if (quoted_key || compound || unmistakable) {
        ++j;
        separated = true;
      }
    } else if ((bearer || flag) && j > i) {
      separated = true;
    }
    if (!separated) continue;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
    if (j >= text.size() || text[j] == '\n' || text[j] == ',' || text[j] == '}') continue;
    if (text.substr(j).starts_with(kRedacted)) continue;
    if (text[j] == '{' || text[j] == '[') continue;  // a structure, not a value: its keys are scrubbed in turn
    const bool whole_line = word == "authorization" || word.ends_with("-authorization");
    const std::size_t stop = value_end(text, j, whole_line);
    if (stop == j) continue;
    out.append(text.substr(i, j - i));
    const bool quoted = text[j] == '"' || text[j] == '\'';
    if (quoted) out += text[j];
    out.append(kRedacted);
    if (quoted && stop - 1 > j && text[stop - 1] == text[j]) out += text[j];
    i = stop;
  }
  for (const auto& secret : secrets) {
    if (secret.size() < 3) continue;  // too short to tell from ordinary text
    for (std::size_t at = out.find(secret); at != std::string::npos;
         at = out.find(secret, at + kRedacted.size()))
      out.replace(at, secret.size(), kRedacted);
  }
  return out;
}

namespace detail {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string markdown_cell(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '|': out += "\\|"; break;
      case '\n': out += "<br>"; break;
      case '\r': break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '`': out += "'"; break;
      default: out += c;
    }
  }
  return out;
}

std::string iso(Instant t) { return format_instant(t); }
std::string iso(const std::optional<Instant>& t) { return t ? format_instant(*t) : std::string(); }

std::string clean_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  while (i < text.size()) {
    const unsigned char c = byte(i);
    if (c < 0x80) {
      if (c >= 0x20 || c == '\n' || c == '\t') out += static_cast<char>(c);
      else if (c != '\r') out += ' ';  // control characters are not allowed in XML 1.0
      ++i;
      continue;
    }
    std::size_t len = 0;
    if ((c & 0xE0) == 0xC0 && c >= 0xC2) len = 2;
    else if ((c & 0xF0) == 0xE0) len = 3;
    else if ((c & 0xF8) == 0xF0 && c <= 0xF4) len = 4;
    bool valid = len > 0 && i + len <= text.size();
    for (std::size_t k = 1; valid && k < len; ++k) valid = (byte(i + k) & 0xC0) == 0x80;
    if (valid && len == 3) {
      const unsigned cp = ((c & 0x0Fu) << 12) | ((byte(i + 1) & 0x3Fu) << 6) | (byte(i + 2) & 0x3Fu);
      valid = cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF) && cp != 0xFFFE && cp != 0xFFFF;
    }
    if (valid && len == 4) {
      const unsigned cp = ((c & 0x07u) << 18) | ((byte(i + 1) & 0x3Fu) << 12) |
                          ((byte(i + 2) & 0x3Fu) << 6) | (byte(i + 3) & 0x3Fu);
      valid = cp >= 0x10000 && cp <= 0x10FFFF;
    }
    if (valid) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    }
  }
  return out;
}

namespace {

constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

// Whether `text`, read without case, holds one of the lowered `words` anywhere.
// One pass, comparing only where a word's first letter stands.
template <std::size_t N>
bool holds_any_ignoring_case(std::string_view text, const std::array<std::string_view, N>& words) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char first = ascii_lower(text[i]);
    for (const auto word : words) {
      if (word.front() != first || word.size() > text.size() - i) continue;
      bool same = true;
      for (std::size_t k = 1; same && k < word.size(); ++k) same = ascii_lower(text[i + k]) == word[k];
      if (same) return true;
    }
  }
  return false;
}

// True when scrub() would return `text` as it is: printable ASCII that names no
// secret, says no "Bearer"/"Basic", and holds no secret value. Most of a report
// (ids, statuses, instants) is such text, and a year of 200 properties has
// hundreds of thousands of fields: they are checked, not copied.
bool scrub_keeps(std::string_view text, const ReportOptions& options) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80 || (byte < 0x20 && c != '\n' && c != '\t')) return false;
  }
  if (holds_any_ignoring_case(text, kSecretWords) || holds_any_ignoring_case(text, kAuthSchemes)) return false;
  for (const auto& secret : options.secrets)
    if (secret.size() >= 3 && text.find(secret) != std::string_view::npos) return false;
  return true;
}

}  // namespace

std::string scrub(std::string_view text, const ReportOptions& options) {
  if (scrub_keeps(text, options)) return std::string(text);
  return scrub_secrets(clean_text(text), options.secrets);
}

namespace {

void scrub_in_place(std::string& s, const ReportOptions& o) {
  if (!scrub_keeps(s, o)) s = scrub(s, o);
}
void scrub_in_place(std::optional<std::string>& s, const ReportOptions& o) {
  if (s) scrub_in_place(*s, o);
}
void scrub_in_place(Failure& f, const ReportOptions& o) {
  for (auto* s : {&f.rule, &f.booking, &f.what, &f.expected, &f.observed, &f.message})
    scrub_in_place(*s, o);
}

void scrub_in_place(BookingTimeline& b, const ReportOptions& o) {
  for (auto* s : {&b.id, &b.property, &b.lock, &b.bridge, &b.timezone, &b.checkin_local, &b.checkout_local,
                  &b.status, &b.kind, &b.source, &b.fallback})
    scrub_in_place(*s, o);
  scrub_in_place(b.code, o);
  for (auto& a : b.attempts) scrub_in_place(a.detail, o);
  for (auto& a : b.audit)
    for (auto* s : {&a.kind, &a.rule, &a.message}) scrub_in_place(*s, o);
  for (auto& n : b.notices)
    for (auto* s : {&n.code, &n.rule, &n.message}) scrub_in_place(*s, o);
  for (auto& p : b.probes)
    for (auto* s : {&p.lock, &p.booking, &p.reason}) scrub_in_place(*s, o);
  for (auto& lane : b.reference) scrub_in_place(lane, o);
}

}  // namespace

RunInfo scrubbed(const RunInfo& run, const ReportOptions& o) {
  RunInfo r = run;
  for (auto* s : {&r.run_id, &r.tool, &r.tz_database_version, &r.lockstep_version,
                  &r.command_line, &r.subject})
    scrub_in_place(*s, o);
  for (auto& n : r.not_run) scrub_in_place(n, o);
  std::map<std::string, std::string> options;
  for (const auto& [key, value] : run.options) {
    // An option named like a secret keeps its name, never its value.
    options[scrub(key, o)] = names_a_secret(lower(key)) ? std::string(kRedacted) : scrub(value, o);
  }
  r.options = std::move(options);
  return r;
}

ScenarioResult scrubbed(const ScenarioResult& result, const ReportOptions& o) {
  ScenarioResult r = result;
  for (auto* s : {&r.name, &r.file, &r.description, &r.error, &r.stderr_tail, &r.replay})
    scrub_in_place(*s, o);
  for (auto& s : r.rules) scrub_in_place(s, o);
  for (auto& s : r.skipped) scrub_in_place(s, o);
  for (auto& f : r.failures) scrub_in_place(f, o);
  for (auto& k : r.known_divergences) {
    scrub_in_place(k.divergence, o);
    scrub_in_place(k.note, o);
  }
  for (auto& b : r.bookings) scrub_in_place(b, o);
  for (auto& x : r.outages)
    for (auto* s : {&x.kind, &x.target}) scrub_in_place(*s, o);
  for (auto& p : r.probes)
    for (auto* s : {&p.lock, &p.booking, &p.reason}) scrub_in_place(*s, o);
  return r;
}

std::vector<ScenarioResult> scrubbed(std::span<const ScenarioResult> results, const ReportOptions& o) {
  std::vector<ScenarioResult> out;
  out.reserve(results.size());
  for (const auto& r : results) out.push_back(scrubbed(r, o));
  return out;
}

ScrubbedInput scrub_input(const RunInfo& run, std::span<const ScenarioResult> results, const ReportOptions& o) {
  return ScrubbedInput(scrubbed(run, o), scrubbed(results, o));
}

std::string render_json_with(const RunInfo& run, std::span<const ScenarioResult> results, const RunSummary& summary,
                             const ReportOptions& o) {
  return render_json_from(scrub_input(run, results, o), summary, o);
}
std::string render_junit_with(const RunInfo& run, std::span<const ScenarioResult> results, const RunSummary& summary,
                              const ReportOptions& o) {
  return render_junit_from(scrub_input(run, results, o), summary, o);
}
std::string render_markdown_with(const RunInfo& run, std::span<const ScenarioResult> results,
                                 const RunSummary& summary, const ReportOptions& o) {
  return render_markdown_from(scrub_input(run, results, o), summary, o);
}
std::string render_html_with(const RunInfo& run, std::span<const ScenarioResult> results, const RunSummary& summary,
                             const ReportOptions& o) {
  return render_html_from(scrub_input(run, results, o), summary, o);
}

std::string final_scrub(std::string text, const ReportOptions& o) {
  for (const auto& secret : o.secrets) {
    if (secret.size() < 3) continue;
    // The value may have reached the output escaped for XML/HTML.
    for (const std::string& form : {secret, xml_escape(secret)}) {
      for (std::size_t at = text.find(form); at != std::string::npos;
           at = text.find(form, at + kRedacted.size()))
        text.replace(at, form.size(), kRedacted);
    }
  }
  return text;
}

std::string describe(const Failure& f) {
  std::string out = f.rule.empty() ? std::string("(no rule)") : f.rule;
  if (!f.booking.empty()) out += fmt::format(" · booking {}", f.booking);
  if (!f.what.empty()) out += fmt::format(" · {}", f.what);
  if (!f.expected.empty() || !f.observed.empty())
    out += fmt::format(": expected {}, observed {}", f.expected.empty() ? "(nothing)" : f.expected,
                       f.observed.empty() ? "(nothing)" : f.observed);
  if (f.at) out += fmt::format(" at {}", format_instant(*f.at));
  if (!f.message.empty()) out += fmt::format(" — {}", f.message);
  return out;
}

std::string seconds_text(std::int64_t milliseconds) {
  const bool negative = milliseconds < 0;
  const auto ms = negative ? -milliseconds : milliseconds;
  return fmt::format("{}{}.{:03}", negative ? "-" : "", ms / 1000, ms % 1000);
}

std::vector<RuleCoverage> rule_coverage(std::span<const ScenarioResult> results, const RunInfo& run) {
  std::vector<RuleCoverage> table;
  for (auto id : kRuleIds) {
    RuleCoverage row;
    row.rule = std::string(id);
    table.push_back(std::move(row));
  }
  const auto row = [&](const std::string& rule) -> RuleCoverage& {
    for (auto& r : table)
      if (r.rule == rule) return r;
    RuleCoverage unknown;
    unknown.rule = rule;
    unknown.known = false;
    table.push_back(std::move(unknown));
    return table.back();
  };
  for (const auto& result : results) {
    std::vector<std::string> cited = result.rules;
    for (const auto& f : result.failures)
      if (!f.rule.empty()) cited.push_back(f.rule);
    std::sort(cited.begin(), cited.end());
    cited.erase(std::unique(cited.begin(), cited.end()), cited.end());
    for (const auto& rule : cited) {
      if (rule.empty()) continue;
      auto& r = row(rule);
      r.scenarios.push_back(result.name);
      switch (result.verdict) {
        case Verdict::pass: ++r.passed; break;
        case Verdict::fail: ++r.failed; break;
        case Verdict::error: ++r.errors; break;
        case Verdict::skip: ++r.skipped; break;
      }
      if (std::any_of(result.failures.begin(), result.failures.end(),
                      [&](const Failure& f) { return f.rule == rule; }))
        ++r.failing;
    }
  }
  const auto mark = [&](const std::vector<std::string>& rules, std::string_view where) {
    for (const auto& rule : rules) {
      auto& r = row(rule);
      if (r.scenarios.empty() && r.elsewhere.empty()) r.elsewhere = std::string(where);
    }
  };
  mark(run.rules_in_other_shards, "in other shards");
  mark(run.rules_not_selected, "not selected");
  // Unknown ids after the known ones, sorted, so the table's order is stable.
  std::sort(table.begin() + static_cast<std::ptrdiff_t>(kRuleIds.size()), table.end(),
            [](const RuleCoverage& a, const RuleCoverage& b) { return a.rule < b.rule; });
  return table;
}

void BufferedReporter::end(const RunSummary& summary) {
  out_ << render(run_, results_, summary, options_);
  out_.flush();
}

}  // namespace detail

std::string render_json(const RunInfo& run, std::span<const ScenarioResult> results,
                        const ReportOptions& options) {
  return detail::render_json_with(run, results, RunSummary::of(results), options);
}
std::string render_junit(const RunInfo& run, std::span<const ScenarioResult> results,
                         const ReportOptions& options) {
  return detail::render_junit_with(run, results, RunSummary::of(results), options);
}
std::string render_markdown(const RunInfo& run, std::span<const ScenarioResult> results,
                            const ReportOptions& options) {
  return detail::render_markdown_with(run, results, RunSummary::of(results), options);
}
std::string render_html(const RunInfo& run, std::span<const ScenarioResult> results,
                        const ReportOptions& options) {
  return detail::render_html_with(run, results, RunSummary::of(results), options);
}

std::string JsonReporter::render(const RunInfo& run, std::span<const ScenarioResult> results,
                                 const RunSummary& summary, const ReportOptions& options) const {
  return detail::render_json_with(run, results, summary, options);
}
std::string JunitReporter::render(const RunInfo& run, std::span<const ScenarioResult> results,
                                  const RunSummary& summary, const ReportOptions& options) const {
  return detail::render_junit_with(run, results, summary, options);
}
std::string MarkdownReporter::render(const RunInfo& run, std::span<const ScenarioResult> results,
                                     const RunSummary& summary, const ReportOptions& options) const {
  return detail::render_markdown_with(run, results, summary, options);
}
std::string HtmlReporter::render(const RunInfo& run, std::span<const ScenarioResult> results,
                                 const RunSummary& summary, const ReportOptions& options) const {
  return detail::render_html_with(run, results, summary, options);
}

void ReportDirReporter::end(const RunSummary& summary) {
  written_ = write_report_dir(base_dir_, run_, results_, options_, summary);
}

}  // namespace lockstep::harness::report
