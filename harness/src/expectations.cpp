#include "lockstep/harness/expectations.hpp"

#include <algorithm>
#include <regex>
#include <set>

#include <fmt/format.h>

namespace lockstep::harness {

using nlohmann::json;

bool glob_match(std::string_view pattern, std::string_view text) noexcept {
  // '*' any run, '?' one character; iterative, backtracking to the last '*'.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool json_contains(const json& j, const json& subset) {
  if (subset.is_object()) {
    if (!j.is_object()) return false;
    for (const auto& [key, value] : subset.items()) {
      auto it = j.find(key);
      if (it == j.end() || !json_contains(*it, value)) return false;
    }
    return true;
  }
  return j == subset;
}

namespace detail {
namespace {

std::string show(const std::optional<std::string>& s) { return s ? *s : "null"; }
std::string show(const std::optional<Instant>& t) { return t ? format_instant(*t) : "null"; }
std::string show_error(const ReplyError& e) { return fmt::format("error {} ({})", e.code, e.message); }

std::string show_times(const std::vector<Instant>& times) {
  std::string out = "[";
  for (std::size_t i = 0; i < times.size(); ++i) out += (i ? ", " : "") + format_instant(times[i]);
  return out + "]";
}

class Checker {
 public:
  Checker(const Scenario& s, const Trace& t, const std::vector<Notice>* n) : s_(s), t_(t), notices_(n) {}

  Judgement run() {
    commands();
    for (std::size_t i = 0; i < s_.expectations.size(); ++i) booking(i);
    probes();
    calls();
    std::sort(out_.skipped.begin(), out_.skipped.end());
    out_.skipped.erase(std::unique(out_.skipped.begin(), out_.skipped.end()), out_.skipped.end());
    return std::move(out_);
  }

 private:
  void fail(std::string rule, std::string booking, std::string what, std::string expected, std::string observed,
            std::string message, std::optional<Instant> at) {
    out_.failures.push_back(report::Failure{std::move(rule), std::move(booking), std::move(what), std::move(expected),
                                            std::move(observed), std::move(message), at});
  }

  void commands() {
    for (const auto& c : t_.commands) {
      const auto& e = s_.timeline[c.event_index];
      const std::string expected = e.expect_error ? "error " + *e.expect_error : "ok";
      const std::string observed = c.error ? show_error(*c.error) : "ok";
      const bool holds = e.expect_error ? (c.error && c.error->code == *e.expect_error) : !c.error.has_value();
      if (holds) continue;
      std::string booking = e.kind == EventKind::put_booking ? e.booking.booking_id : e.booking_id;
      fail(e.rule, booking, fmt::format("reply to {}", to_string(e.kind)), expected,
           c.error ? c.error->code : "ok",
           fmt::format("{}: {} at {} answered {}, expected {}", e.json_path, to_string(e.kind), format_instant(c.at),
                       observed, expected),
           c.at);
    }
  }

  // The first instant the booking was seen active (the snapshots' view of issued_at).
  std::optional<Instant> first_active(const std::string& booking, Instant until) const {
    for (const auto& snap : t_.snapshots) {
      if (snap.at > until) break;
      if (snap.booking == booking && snap.code.status == "active") return snap.at;
    }
    return std::nullopt;
  }

  void booking(std::size_t index) {
    const auto& x = s_.expectations[index];
    const auto& q = t_.queries[index];
    const std::string where = x.json_path + (x.note.empty() ? "" : " (" + x.note + ")");
    auto check = [&](const std::string& what, const std::string& expected, const std::string& observed) {
      if (expected == observed) return;
      fail(x.rule, x.booking, what, expected, observed,
           fmt::format("{}: booking {} {} at {}: expected {}, observed {}", where, x.booking, what,
                       format_instant(q.at), expected, observed),
           q.at);
    };
    if (!q.code) {
      fail(x.rule, x.booking, "read", "a reading", "none",
           fmt::format("{}: never read: the run stopped before {}", where, x.at ? format_instant(*x.at) : "the end"),
           x.at);
      return;
    }
    const auto& reply = *q.code;
    const CodeReply none{"error", std::nullopt, std::nullopt, std::nullopt, std::nullopt};
    const CodeReply& code = reply ? *reply : none;
    const std::string status = reply ? code.status : show_error(reply.error());

    if (x.status) check("status", *x.status, status);
    if (x.code) check("code", show(*x.code), show(code.code));
    if (x.code_pattern) {
      const bool ok = code.code && std::regex_match(*code.code, std::regex(*x.code_pattern));
      if (!ok) check("code", "matching /" + *x.code_pattern + "/", show(code.code));
    }
    if (x.code_differs_from && q.other_code) {
      std::optional<std::string> other = *q.other_code ? (*q.other_code)->code : std::nullopt;
      if (!code.code || !other || *code.code == *other)
        check("code", fmt::format("a code different from {}'s ({})", *x.code_differs_from, show(other)),
              show(code.code));
    }
    if (x.kind) check("kind", show(*x.kind), show(code.kind));
    if (x.valid_from) check("valid_from", show(*x.valid_from), show(code.valid_from));
    if (x.valid_until) check("valid_until", show(*x.valid_until), show(code.valid_until));
    if (x.render && q.render) {
      const auto& r = *q.render;
      const std::string observed = r ? "text \"" + *r + "\"" : "error " + r.error().code;
      const std::string expected = x.render->text ? "text \"" + *x.render->text + "\"" : "error " + *x.render->error;
      check("render", expected, observed);
    }

    const auto& v = q.engine_view;
    auto engine_only = [&](const char* what) {
      out_.skipped.push_back(fmt::format("{} {}: needs the engine's own record", x.json_path, what));
    };
    if (x.issued_at) {
      std::optional<Instant> observed = v ? v->issued_at : first_active(x.booking, q.at);
      check("issued_at", show(*x.issued_at), show(observed));
    }
    if (x.generate_at) v ? check("generate_at", show(x.generate_at), show(v->generate_at)) : engine_only("generate_at");
    if (x.retry_deadline)
      v ? check("retry_deadline", show(x.retry_deadline), show(v->retry_deadline)) : engine_only("retry_deadline");
    if (x.source)
      v ? check("source", *x.source, v->source ? std::string(to_string(*v->source)) : "null") : engine_only("source");
    if (x.fallback)
      v ? check("fallback", show(*x.fallback),
                v->fallback ? std::string(to_string(*v->fallback)) : "null")
        : engine_only("fallback");
    if (x.attempts)
      v ? check("attempts", std::to_string(*x.attempts), std::to_string(v->attempts.size())) : engine_only("attempts");
    if (x.attempt_times)
      v ? check("attempt_times", show_times(*x.attempt_times), show_times(v->attempts)) : engine_only("attempt_times");
    if (x.algopin) {
      if (!v) {
        engine_only("algopin");
      } else if (!v->algopin) {
        check("algopin", "an algoPIN window", "none");
      } else {
        if (x.algopin->type) check("algopin.type", *x.algopin->type, std::string(to_string(v->algopin->type)));
        if (x.algopin->start) check("algopin.start", show(x.algopin->start), format_instant(v->algopin->start));
        if (x.algopin->end) check("algopin.end", show(x.algopin->end), format_instant(v->algopin->end));
      }
    }
    if (x.variance)
      v ? check("variance", std::to_string(*x.variance), v->variance ? std::to_string(*v->variance) : "null")
        : engine_only("variance");
    if (!x.notices.empty() || !x.no_notices.empty()) {
      if (!notices_) {
        engine_only("notices");
      } else {
        std::set<std::string> seen;
        for (const auto& n : *notices_)
          if (n.booking_id == x.booking && n.at <= q.at) seen.insert(n.code);
        std::string all;
        for (const auto& c : seen) all += (all.empty() ? "" : ", ") + c;
        if (all.empty()) all = "none";
        for (const auto& c : x.notices)
          if (!seen.contains(c)) check("notices", "includes " + c, all);
        for (const auto& c : x.no_notices)
          if (seen.contains(c)) check("notices", "no " + c, all);
      }
    }
  }

  void probes() {
    for (const auto& p : t_.probes) {
      const auto& spec = s_.probes[p.probe_index];
      if (!spec.expect_open) continue;
      if (*spec.expect_open == p.opened) continue;
      const std::string expected = *spec.expect_open ? "open" : "closed";
      const std::string observed = (p.opened ? "open" : "closed") + (p.reason.empty() ? "" : " (" + p.reason + ")");
      const std::string who = spec.pin ? "PIN " + *spec.pin : "booking " + spec.booking + "'s code " + show(p.pin);
      fail(spec.rule, spec.booking, "door", expected, observed,
           fmt::format("{}: {} on {} at {}: expected the door {}, it stayed {}", spec.json_path, who,
                       p.lock.empty() ? "(no lock)" : p.lock, format_instant(p.at), expected,
                       p.opened ? "opened" : "closed" + (p.reason.empty() ? "" : " (" + p.reason + ")")),
           p.at);
    }
    // A probe the run never reached.
    std::set<std::size_t> done;
    for (const auto& p : t_.probes) done.insert(p.probe_index);
    for (std::size_t i = 0; i < s_.probes.size(); ++i)
      if (!done.contains(i) && s_.probes[i].expect_open)
        fail(s_.probes[i].rule, s_.probes[i].booking, "door", *s_.probes[i].expect_open ? "open" : "closed",
             "not tried", fmt::format("{}: never tried: the run stopped first", s_.probes[i].json_path), s_.probes[i].at);
  }

  void calls() {
    for (const auto& c : s_.calls) {
      int n = 0;
      for (const auto& entry : t_.journal) {
        if (c.from && entry.at < *c.from) continue;
        if (c.until && entry.at >= *c.until) continue;
        if (!c.method.empty() && entry.method != c.method) continue;
        if (!c.path_glob.empty() && !glob_match(c.path_glob, entry.path)) continue;
        if (c.status && entry.status != *c.status) continue;
        if (!c.body_contains.is_null() && !json_contains(entry.body(), c.body_contains)) continue;
        ++n;
      }
      std::string expected;
      bool holds = true;
      if (c.count) {
        expected = std::to_string(*c.count);
        holds = n == *c.count;
      } else {
        if (c.min && c.max) expected = fmt::format("{} to {}", *c.min, *c.max);
        else if (c.min) expected = fmt::format("at least {}", *c.min);
        else expected = fmt::format("at most {}", *c.max);
        holds = (!c.min || n >= *c.min) && (!c.max || n <= *c.max);
      }
      if (holds) continue;
      const std::string span = fmt::format("{} .. {}", c.from ? format_instant(*c.from) : "start",
                                           c.until ? format_instant(*c.until) : "end");
      fail(c.rule, "", "calls", expected + " calls", std::to_string(n) + " calls",
           fmt::format("{}{}: {} {} in [{}): expected {} calls, the mock saw {}", c.json_path,
                       c.note.empty() ? "" : " (" + c.note + ")", c.method.empty() ? "any" : c.method,
                       c.path_glob.empty() ? "*" : c.path_glob, span, expected, n),
           c.from);
    }
  }

  const Scenario& s_;
  const Trace& t_;
  const std::vector<Notice>* notices_;
  Judgement out_;
};

}  // namespace
}  // namespace detail

Judgement check_scenario(const Scenario& scenario, const Trace& trace, const std::vector<Notice>* notices) {
  return detail::Checker(scenario, trace, notices).run();
}

}  // namespace lockstep::harness
