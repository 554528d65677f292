// report.html: one self-contained page (inline CSS and SVG, no script, no
// external asset) that a person reads at a glance: totals, rule coverage, and per
// scenario an SVG timeline with a lane per booking (stay, validity window, the
// code's life, attempts, cancellation), outages and faults as bands across the
// lanes, and guests at the door as markers, a wrong outcome drawn in red.
// Tooltips are SVG <title>s. Large scenarios draw at most max_lanes lanes, the
// bookings with failures first, and say how many were left out.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include <date/date.h>
#include <fmt/core.h>

#include "report_internal.hpp"

namespace lockstep::harness::report::detail {

namespace {

using std::chrono::duration_cast;
using std::chrono::hours;

std::string esc(std::string_view text) { return xml_escape(text); }

std::string verdict_class(Verdict v) {
  switch (v) {
    case Verdict::pass: return "pass";
    case Verdict::fail: return "fail";
    case Verdict::error: return "error";
    case Verdict::skip: return "skip";
  }
  return "error";
}

std::string shorten(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  // Cut on a UTF-8 character boundary.
  std::size_t cut = max - 1;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "…";
}

std::string anchor(std::size_t index) { return fmt::format("s{}", index + 1); }

constexpr const char* kStyle = R"CSS(
:root{--ink:#1d2430;--muted:#5d6778;--line:#d9dee7;--bg:#f6f7f9;--pass:#1f8a4c;--fail:#c62f2f;--error:#9b3bb5;--skip:#8a8f98}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--ink);background:var(--bg)}
header.top{background:#fff;border-bottom:1px solid var(--line);padding:18px 28px 14px}
h1{font-size:22px;margin:0 0 6px}
h2{font-size:17px;margin:26px 0 10px}
.meta{color:var(--muted);font-size:13px}
.meta code,code{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#eef1f5;padding:1px 5px;border-radius:4px;word-break:break-all}
main{padding:0 28px 40px;max-width:1500px}
.cards{display:flex;gap:12px;margin:14px 0 4px;flex-wrap:wrap}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:110px}
.card b{display:block;font-size:24px;line-height:1.1}
.card span{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card.pass b{color:var(--pass)}.card.fail b{color:var(--fail)}.card.error b{color:var(--error)}.card.skip b{color:var(--skip)}
.badge{display:inline-block;font-size:11px;font-weight:700;letter-spacing:.05em;padding:2px 7px;border-radius:10px;color:#fff;vertical-align:middle}
.badge.pass{background:var(--pass)}.badge.fail{background:var(--fail)}.badge.error{background:var(--error)}.badge.skip{background:var(--skip)}
table{border-collapse:collapse;background:#fff;border:1px solid var(--line);font-size:13px}
th,td{padding:5px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow-x:auto}
table.coverage th,table.coverage td{text-align:center;padding:4px 7px;min-width:34px}
table.coverage tbody th{text-align:left;font-weight:500;color:var(--muted);background:#fff}
table.coverage th.group{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);border-left:2px solid var(--line)}
table.coverage .uncovered{background:#fde8e8;color:var(--fail);font-weight:700}
table.coverage .elsewhere{background:#eef1f5;color:#667085}
table.coverage td.zero{color:#c3c8d0}
table.coverage tr.total td{font-weight:700}
table.coverage tr.pass td.num:not(.zero){color:var(--pass);font-weight:600}
table.coverage tr.fail td.num:not(.zero){background:#fdecec;color:var(--fail);font-weight:700}
table.coverage tr.error td.num:not(.zero){color:var(--error);font-weight:700}
.uncoveredList{color:var(--fail)}
.index{display:flex;flex-wrap:wrap;gap:6px}
.index a{text-decoration:none;font-size:12px;padding:2px 8px;border-radius:10px;border:1px solid var(--line);background:#fff;color:var(--ink)}
.index a.fail{border-color:var(--fail);color:var(--fail)}.index a.error{border-color:var(--error);color:var(--error)}.index a.skip{color:var(--skip)}
section.scenario{scroll-margin-top:64px;background:#fff;border:1px solid var(--line);border-left:5px solid var(--pass);border-radius:8px;padding:14px 18px;margin:16px 0}
section.scenario.fail{border-left-color:var(--fail)}section.scenario.error{border-left-color:var(--error)}section.scenario.skip{border-left-color:var(--skip)}
section.scenario h3{margin:0 0 4px;font-size:16px}
.rules span{display:inline-block;font-size:11px;background:#eef1f5;border-radius:4px;padding:0 5px;margin-right:3px}
svg.timeline{width:100%;height:auto;display:block;margin:10px 0 6px}
.note{color:var(--muted);font-size:12.5px}
pre{background:#1d2430;color:#e8ecf2;padding:10px 12px;border-radius:6px;overflow:auto;font-size:12px;max-height:320px;white-space:pre-wrap}
.failures td:nth-child(1){font-weight:700;color:var(--fail)}
.legend{position:sticky;top:0;z-index:2;background:rgba(255,255,255,.96);border-bottom:1px solid var(--line);padding:6px 28px;font-size:12px;color:var(--muted);display:flex;flex-wrap:wrap;gap:4px 16px;align-items:center}
.legend svg{vertical-align:middle;margin-right:4px}
#onlyproblems{margin-left:auto}
body:has(#onlyproblems:checked) section.scenario.pass,body:has(#onlyproblems:checked) section.scenario.skip{display:none}
details summary{cursor:pointer;color:var(--muted);font-size:12.5px;margin-top:6px}
.audit td{font-size:12px}
)CSS";

// --- the time axis -------------------------------------------------------------

struct Span {
  Instant from{};
  Instant to{};
};

struct Axis {
  Span span;
  double left = 0;
  double width = 0;
  double x(Instant t) const {
    const double total = static_cast<double>((span.to - span.from).count());
    const double at = static_cast<double>((t - span.from).count());
    return left + width * std::clamp(at / total, 0.0, 1.0);
  }
};

Span span_of(const ScenarioResult& r, std::span<const BookingTimeline* const> lanes) {
  std::optional<Instant> lo, hi;
  const auto see = [&](const std::optional<Instant>& t) {
    if (!t) return;
    if (!lo || *t < *lo) lo = *t;
    if (!hi || *t > *hi) hi = *t;
  };
  // What is drawn sets the span; booked_at is left out (often weeks earlier, it
  // would squeeze the interesting part into a corner), and the scenario's own
  // span only counts when nothing else is known.
  for (const auto* b : lanes) {
    for (const auto& t : {b->checkin, b->checkout, b->valid_from, b->valid_until, b->cancelled_at,
                          b->generate_at, b->created_at, b->deleted_at})
      see(t);
    for (const auto& a : b->attempts) see(a.at);
    for (const auto& ref : b->reference) {
      for (const auto& t : {ref.checkin, ref.checkout, ref.valid_from, ref.valid_until, ref.created_at, ref.deleted_at})
        see(t);
      for (const auto& a : ref.attempts) see(a.at);
    }
  }
  for (const auto& o : r.outages) {
    see(o.from);
    see(o.until);
  }
  for (const auto& p : r.probes) see(p.at);
  for (const auto& f : r.failures) see(f.at);
  if (!lo) {
    see(r.first);
    see(r.last);
  }
  if (!lo) return {};
  Instant from = *lo, to = *hi;
  if (to - from < hours(6)) to = from + hours(6);
  // A little air on both sides so end markers are not cut in half.
  const auto pad = std::max<Seconds>(duration_cast<Seconds>((to - from) / 60), Seconds(600));
  return {from - pad, to + pad};
}

// Tick instants and labels: whole hours (from UTC midnight) for short spans,
// days or weeks for medium ones, first days of months for long ones.
std::vector<std::pair<Instant, std::string>> ticks(Span span, int max_ticks) {
  std::vector<std::pair<Instant, std::string>> out;
  const auto length = span.to - span.from;
  static const std::array<Seconds, 9> steps = {hours(1),  hours(2),  hours(3),      hours(6),     hours(12),
                                               hours(24), hours(48), hours(24 * 7), hours(24 * 14)};
  for (auto step : steps) {
    if (length / step > max_ticks) continue;
    Instant t = date::floor<date::days>(span.from);
    while (t < span.from) t += step;
    for (; t <= span.to; t += step) {
      const bool midnight = date::floor<date::days>(t) == t;
      out.emplace_back(t, midnight ? date::format("%d %b", date::floor<date::days>(t)) : date::format("%H:%M", t));
    }
    return out;
  }
  const date::year_month_day first{date::floor<date::days>(span.from)};
  for (int months : {1, 2, 3, 6, 12}) {
    const auto count = static_cast<int>(length / hours(24 * 30)) / months;
    if (count > max_ticks && months != 12) continue;
    date::year_month month = first.year() / first.month();
    for (;; month += date::months(months)) {
      const Instant t{date::sys_days(month / 1)};
      if (t > span.to) break;
      if (t < span.from) continue;
      out.emplace_back(t, month.month() == date::January || out.empty()
                              ? date::format("%b %Y", date::sys_days(month / 1))
                              : date::format("%b", date::sys_days(month / 1)));
    }
    return out;
  }
  return out;
}

std::string axis_svg(const Axis& axis, double top, double bottom) {
  std::string out;
  for (const auto& [t, label] : ticks(axis.span, 12)) {
    const double x = axis.x(t);
    const bool midnight = date::floor<date::days>(t) == t;
    out += fmt::format(R"(<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" class="{3}"/>)", x, top, bottom,
                       midnight ? "grid day" : "grid");
    // Labels at the edges are anchored inwards so they are not cut off.
    const char* anchor = x > axis.left + axis.width - 28 ? " end" : x < axis.left + 20 ? " start" : "";
    out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" class="tick{}{}">{}</text>)", x, top - 7,
                       midnight ? " strong" : "", anchor, esc(label));
  }
  return out;
}

// --- one scenario's timeline -----------------------------------------------------

constexpr double kWidth = 1200;
constexpr double kLabelWidth = 200;
constexpr double kRightPad = 16;
constexpr double kAxisTopWithOutages = 58;  // room for outage labels, then tick labels
constexpr double kAxisTopPlain = 30;
constexpr double kLaneHeight = 36;

std::string tip(std::string_view text) { return fmt::format("<title>{}</title>", esc(text)); }

std::string rect(double x1, double x2, double y, double h, std::string_view cls, std::string_view title) {
  const double w = std::max(x2 - x1, 1.5);
  return fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" class="{}">{}</rect>)", x1, y, w,
                     h, cls, tip(title));
}

bool probe_is_wrong(const DoorProbe& p) { return p.expected_open && *p.expected_open != p.opened; }

std::string probe_svg(const DoorProbe& p, double x, double y) {
  const std::string expectation = p.expected_open ? (*p.expected_open ? "expected open" : "expected refused")
                                                  : "no expectation";
  const std::string title = fmt::format("{}door {} at {}: {} ({}){}{}", probe_is_wrong(p) ? "WRONG OUTCOME — " : "",
                                        p.lock, iso(p.at), p.opened ? "opened" : "refused", expectation,
                                        p.reason.empty() ? "" : " — ", p.reason);
  if (probe_is_wrong(p))
    return fmt::format(
        R"(<g class="probe wrong">{}<circle cx="{:.1f}" cy="{:.1f}" r="8"/><text x="{:.1f}" y="{:.1f}">!</text></g>)",
        tip(title), x, y, x, y + 4);
  return fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="5" class="probe {}">{}</circle>)", x, y,
                     p.opened ? "open" : "refused", tip(title));
}

// Which side a lane draws: a booking of run/explore, or in conform the
// reference's or the implementation's lane of a booking.
enum class Side { only, reference, implementation };

std::string lane_svg(const Axis& axis, const BookingTimeline& b, double y0, const ScenarioResult& r, Instant end,
                     Side side = Side::only) {
  std::string out;
  // Divergences are marked on the implementation's lane (the observed side).
  const bool marks = side != Side::reference;
  const bool failing = marks && std::any_of(r.failures.begin(), r.failures.end(),
                                            [&](const Failure& f) { return f.booking == b.id; });
  out += fmt::format(R"(<g class="lane{}{}">)", failing ? " failing" : "", side == Side::reference ? " ref" : "");
  out += fmt::format(R"(<rect x="0" y="{:.1f}" width="{}" height="{}" class="laneBg"/>)", y0, kWidth, kLaneHeight);
  // The label: booking (and side), then lock / status / code.
  const char* tag = side == Side::reference ? " · reference" : side == Side::implementation ? " · implementation" : "";
  out += fmt::format(R"(<text x="8" y="{:.1f}" class="lbl">{}{}{}</text>)", y0 + 15, failing ? "⚠ " : "",
                     esc(shorten(b.id, side == Side::only ? 26 : 10)), tag);
  std::string sub = b.lock.empty() ? b.property : b.lock;
  if (!b.status.empty()) sub += " · " + b.status;
  if (b.code) sub += " · " + *b.code;
  else if (!b.kind.empty()) sub += " · " + b.kind;
  out += fmt::format(R"(<text x="8" y="{:.1f}" class="sub">{}</text>)", y0 + 29, esc(shorten(sub, 34)));

  // Validity window (margins) under the stay.
  if (b.valid_from && b.valid_until)
    out += rect(axis.x(*b.valid_from), axis.x(*b.valid_until), y0 + 10, 15, "window",
                fmt::format("window (T2): {} → {}", iso(*b.valid_from), iso(*b.valid_until)));
  if (b.checkin && b.checkout)
    out += rect(axis.x(*b.checkin), axis.x(*b.checkout), y0 + 13, 9, b.cancelled_at ? "stay cancelled" : "stay",
                fmt::format("stay {} {} → {} ({} → {}){}", b.id, b.checkin_local, b.checkout_local, iso(*b.checkin),
                            iso(*b.checkout), b.timezone.empty() ? "" : " " + b.timezone));
  // Lockout: the parts of the stay when the guest's code would not have opened, in red.
  for (const auto& l : b.lockouts)
    out += rect(axis.x(l.from), axis.x(l.until), y0 + 13, 9, "lockout",
                fmt::format("lockout {} min ({}): {} → {}", l.minutes(), l.cause, iso(l.from), iso(l.until)));
  // The code's life on igloohome.
  if (b.created_at) {
    const Instant until = b.deleted_at ? *b.deleted_at : end;
    out += rect(axis.x(*b.created_at), axis.x(until), y0 + 28, 4, b.kind == "algopin" ? "life algopin" : "life",
                fmt::format("{} {} on the lock: created {}{}", b.kind.empty() ? "code" : b.kind, b.code.value_or(""),
                            iso(*b.created_at),
                            b.deleted_at ? " · deleted " + iso(*b.deleted_at) : std::string(" · not deleted")));
    if (b.deleted_at)
      out += fmt::format(R"(<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" class="lifeEnd"/>)",
                         axis.x(*b.deleted_at), y0 + 26, y0 + 34);
  }
  if (b.generate_at) {
    const double x = axis.x(*b.generate_at);
    out += fmt::format(R"(<path d="M{:.1f} {:.1f} l-4 -6 h8 z" class="gen">{}</path>)", x, y0 + 9,
                       tip(fmt::format("generation planned (T3) {}", iso(*b.generate_at))));
  }
  if (b.retry_deadline) {
    const double x = axis.x(*b.retry_deadline);
    out += fmt::format(R"(<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" class="deadline">{3}</line>)", x,
                       y0 + 2, y0 + 34, tip(fmt::format("retry deadline (T4) {}", iso(*b.retry_deadline))));
  }
  for (const auto& a : b.attempts) {
    const double x = axis.x(a.at);
    out += fmt::format(R"(<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" class="att {3}">{4}</line>)", x,
                       y0 + 1, y0 + 9, a.ok ? "ok" : "ko",
                       tip(fmt::format("attempt {} {}{}{}", iso(a.at), a.ok ? "ok" : "failed",
                                       a.detail.empty() ? "" : ": ", a.detail)));
  }
  if (b.cancelled_at) {
    const double x = axis.x(*b.cancelled_at);
    out += fmt::format(R"(<path d="M{0:.1f} {1:.1f} l8 8 m0 -8 l-8 8" class="cancel">{2}</path>)", x - 4, y0 + 13,
                       tip(fmt::format("cancelled {}", iso(*b.cancelled_at))));
  }
  for (const auto& f : r.failures) {
    if (!marks || f.booking != b.id || !f.at) continue;
    const double x = axis.x(*f.at);
    out += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="6" class="failmark">{}</circle>)", x, y0 + 17,
                       tip(describe(f)));
    if (side == Side::implementation && !f.rule.empty())
      out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" class="failRule">{}</text>)", x + 8, y0 + 8, esc(f.rule));
  }
  if (side == Side::only) {
    for (const auto& p : r.probes)
      if (p.booking == b.id) out += probe_svg(p, axis.x(p.at), y0 + 17);
  } else {
    // Each side's own guests at the door; the implementation's judged against the reference's.
    for (std::size_t i = 0; i < b.probes.size(); ++i) {
      DoorProbe p = b.probes[i];
      if (side == Side::implementation && !b.reference.empty() && i < b.reference.front().probes.size())
        p.expected_open = b.reference.front().probes[i].opened;
      out += probe_svg(p, axis.x(p.at), y0 + 17);
    }
  }
  out += "</g>";
  return out;
}

std::string timeline_svg(const ScenarioResult& r, std::size_t max_lanes, std::size_t& not_drawn) {
  // Lanes: bookings with failures or wrong door outcomes first, then the rest in order.
  std::set<std::string> urgent;
  for (const auto& f : r.failures) urgent.insert(f.booking);
  for (const auto& p : r.probes)
    if (probe_is_wrong(p)) urgent.insert(p.booking);
  std::vector<const BookingTimeline*> lanes;
  for (const auto& b : r.bookings)
    if (urgent.contains(b.id) && lanes.size() < max_lanes) lanes.push_back(&b);
  for (const auto& b : r.bookings)
    if (!urgent.contains(b.id) && lanes.size() < max_lanes) lanes.push_back(&b);
  not_drawn = r.bookings.size() - lanes.size();
  // Keep the scenario's order among the lanes drawn.
  std::stable_sort(lanes.begin(), lanes.end(),
                   std::less<const BookingTimeline*>());

  std::set<std::string> drawn_ids;
  for (const auto* b : lanes) drawn_ids.insert(b->id);
  std::set<std::string> all_ids, all_targets, locks;
  for (const auto& b : r.bookings) {
    locks.insert(b.lock);
    all_ids.insert(b.id);
    for (const auto* t : {&b.lock, &b.bridge, &b.property})
      if (!t->empty()) all_targets.insert(*t);
  }
  const std::size_t distinct_locks = locks.size();
  // Probes of no known booking get a lane of their own ("doors"); probes of
  // bookings left out are left out with them. Wrong outcomes first, then capped.
  std::vector<const DoorProbe*> loose_probes;
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& p : r.probes)
      if (!all_ids.contains(p.booking) && probe_is_wrong(p) == (pass == 0) && loose_probes.size() < 400)
        loose_probes.push_back(&p);

  const Span span = span_of(r, lanes);
  if (span.from == span.to) return {};
  const Axis axis{span, kLabelWidth, kWidth - kLabelWidth - kRightPad};
  // conform: two rows a booking, the reference's above the implementation's.
  struct Row {
    const BookingTimeline* b;
    Side side;
  };
  std::vector<Row> rows;
  for (const auto* b : lanes) {
    if (b->reference.empty()) {
      rows.push_back({b, Side::only});
    } else {
      rows.push_back({&b->reference.front(), Side::reference});
      rows.push_back({b, Side::implementation});
    }
  }
  const std::size_t lane_count = rows.size() + (loose_probes.empty() ? 0 : 1);
  const double axis_top = r.outages.empty() ? kAxisTopPlain : kAxisTopWithOutages;
  const double lanes_bottom = axis_top + kLaneHeight * static_cast<double>(std::max<std::size_t>(lane_count, 1));
  const double height = lanes_bottom + 22;

  std::string out = fmt::format(
      R"(<svg class="timeline" viewBox="0 0 {} {:.0f}" role="img" aria-label="timeline of {}">)",
      kWidth, height, esc(r.name));
  out += fmt::format(R"(<rect x="0" y="{}" width="{}" height="{:.1f}" class="plot"/>)", axis_top, kWidth,
                     lanes_bottom - axis_top);
  out += axis_svg(axis, axis_top, lanes_bottom);

  double y = axis_top;
  const Instant end = r.last.value_or(span.to);
  for (const auto& row : rows) {
    out += lane_svg(axis, *row.b, y, r, end, row.side);
    y += kLaneHeight;
  }
  if (!loose_probes.empty()) {
    out += fmt::format(R"(<text x="8" y="{:.1f}" class="lbl">doors</text>)", y + 15);
    out += fmt::format(R"(<text x="8" y="{:.1f}" class="sub">probes of other bookings</text>)", y + 29);
    for (const auto* p : loose_probes) out += probe_svg(*p, axis.x(p->at), y + 17);
  }
  if (lanes.empty() && loose_probes.empty())
    out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" class="sub">no bookings</text>)", kLabelWidth + 8,
                       axis_top + 22);

  // Outages over the lanes they touch: the lanes of their lock, bridge or
  // property; none when those bookings are not drawn; all lanes for the whole
  // service or a target no booking names. Labels go on two rows above the axis
  // where there is room; the rest keep their tooltip.
  std::array<double, 2> label_row_end = {-1e9, -1e9};
  for (const auto& o : r.outages) {
    const double x1 = axis.x(o.from);
    const double x2 = axis.x(o.until.value_or(span.to));
    const std::string title = fmt::format("{}{}{}: {} → {}", o.kind, o.target.empty() ? "" : " on ", o.target,
                                          iso(o.from), o.until ? iso(*o.until) : std::string("end"));
    const bool whole_service = o.target.empty() || o.target == "*";
    const bool targeted = !whole_service && all_targets.contains(o.target);
    // A target no booking names (a bridge the tool did not report) is surely
    // theirs when every booking is on one lock; otherwise only the axis marks it.
    const bool unplaced = !whole_service && !targeted && distinct_locks > 1;
    bool any_lane = false;
    if (unplaced) {
      // cap and label only
    } else if (targeted) {
      double ly = axis_top;
      for (const auto& row : rows) {
        const auto* b = row.b;
        if (b->lock == o.target || b->bridge == o.target || b->property == o.target) {
          out += rect(x1, x2, ly, kLaneHeight, "outage", title);
          any_lane = true;
        }
        ly += kLaneHeight;
      }
      if (!any_lane) continue;  // its bookings are among those not drawn
    } else {
      out += rect(x1, x2, axis_top, lanes_bottom - axis_top, "outage", title);
    }
    out += rect(x1, x2, axis_top - 4, 4, "outageCap", title);
    const std::string label = shorten(title.substr(0, title.find(':')), 30);
    const double label_width = 6.0 * static_cast<double>(label.size());
    for (std::size_t row = 0; row < label_row_end.size(); ++row) {
      if (x1 < label_row_end[row] + 6 || x1 + label_width > kWidth) continue;
      out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" class="outageLbl">{}</text>)", x1 + 2, 24.0 + 12.0 * row,
                         esc(label));
      label_row_end[row] = x1 + label_width;
      break;
    }
  }
  out += fmt::format(R"(<text x="{}" y="{:.1f}" class="axisNote">UTC · {} → {}</text>)", kLabelWidth,
                     lanes_bottom + 16, iso(span.from), iso(span.to));
  if (not_drawn > 0)
    out += fmt::format(R"(<text x="{:.1f}" y="{:.1f}" class="more">+ {} more bookings not drawn</text>)",
                       kWidth - kRightPad, lanes_bottom + 16, not_drawn);
  out += "</svg>";
  return out;
}

// One <style> for every SVG on the page keeps each timeline small.
constexpr const char* kSvgStyle = R"CSS(
svg .plot{fill:#fbfcfd}
svg .laneBg{fill:transparent;stroke:#eef0f4}
svg .lane.failing .laneBg{fill:#fff6f6}
svg .grid{stroke:#e7eaf0}svg .grid.day{stroke:#cfd5df}
svg .tick{font-size:11px;fill:#6b7585;text-anchor:middle}svg .tick.strong{fill:#2b3340;font-weight:600}
svg .tick.end{text-anchor:end}svg .tick.start{text-anchor:start}
svg .lbl{font-size:12.5px;font-weight:600;fill:#1d2430}
svg .lane.failing .lbl{fill:#c62f2f}
svg .lane.ref .laneBg{fill:#f5f7fb}
svg .lockout{fill:#d62728}
svg .failRule{font-size:10px;font-weight:bold;fill:#c62f2f}
svg .sub{font-size:10.5px;fill:#6b7585}
svg .window{fill:#cfe0fb}
svg .stay{fill:#3b6fd8}svg .stay.cancelled{fill:#9aa6bb}
svg .life{fill:#1f8a4c}svg .life.algopin{fill:#7a55c7}
svg .lifeEnd{stroke:#1d2430;stroke-width:2}
svg .gen{fill:#8a93a3}
svg .deadline{stroke:#c62f2f;stroke-width:1;stroke-dasharray:3 3;opacity:.7}
svg .att{stroke-width:2.5}svg .att.ok{stroke:#1f8a4c}svg .att.ko{stroke:#d64541}
svg .cancel{stroke:#1d2430;stroke-width:2;fill:none}
svg .failmark{fill:none;stroke:#c62f2f;stroke-width:2.5}
svg .probe.open{fill:#1f8a4c;stroke:#fff;stroke-width:1.5}
svg .probe.refused{fill:#fff;stroke:#1d2430;stroke-width:2}
svg .probe.wrong circle{fill:#c62f2f;stroke:#fff;stroke-width:2}
svg .probe.wrong text{fill:#fff;font-size:12px;font-weight:800;text-anchor:middle}
svg .outage{fill:#f2a33a;fill-opacity:.16;stroke:#e08a1e;stroke-opacity:.5;stroke-dasharray:4 3}
svg .outageCap{fill:#e08a1e}
svg .outageLbl{font-size:10.5px;fill:#a85f07}
svg .axisNote{font-size:10.5px;fill:#8a93a3}
svg .more{font-size:11.5px;fill:#c62f2f;text-anchor:end;font-weight:600}
)CSS";

std::string legend_html() {
  const auto swatch = [](std::string_view shape, std::string_view label) {
    return fmt::format(R"(<span><svg width="26" height="16" viewBox="0 0 26 16">{}</svg>{}</span>)", shape, label);
  };
  std::string out = R"(<div class="legend"><b>Legend</b>)";
  out += swatch(R"(<rect x="1" y="3" width="24" height="10" class="window"/>)", "validity window (margins)");
  out += swatch(R"(<rect x="4" y="5" width="18" height="6" class="stay"/>)", "stay");
  out += swatch(R"(<rect x="1" y="6" width="24" height="4" class="life"/>)", "PIN on lock");
  out += swatch(R"(<rect x="1" y="6" width="24" height="4" class="life algopin"/>)", "algoPIN");
  out += swatch(R"(<line x1="9" y1="2" x2="9" y2="14" class="att ok"/><line x1="17" y1="2" x2="17" y2="14" class="att ko"/>)",
                "attempt ok / failed");
  out += swatch(R"(<path d="M13 12 l-5 -8 h10 z" class="gen"/>)", "generation planned");
  out += swatch(R"(<line x1="13" y1="1" x2="13" y2="15" class="deadline"/>)", "retry deadline");
  out += swatch(R"(<rect x="1" y="1" width="24" height="14" class="outage"/>)", "outage / fault");
  out += swatch(R"(<circle cx="8" cy="8" r="5" class="probe open"/><circle cx="19" cy="8" r="5" class="probe refused"/>)",
                "door opened / refused");
  out += swatch(R"(<g class="probe wrong"><circle cx="13" cy="8" r="7"/><text x="13" y="12">!</text></g>)",
                "wrong door outcome");
  out += swatch(R"(<circle cx="13" cy="8" r="5" class="failmark"/>)", "failure");
  out += swatch(R"(<path d="M9 4 l8 8 m0 -8 l-8 8" class="cancel"/>)", "cancelled");
  out += R"(<label id="onlyproblemsLabel"><input type="checkbox" id="onlyproblems"> only failures and errors</label>)";
  out += "</div>";
  return out;
}

std::string_view group_of(const RuleCoverage& c) {
  if (!c.known) return "Not in behaviour.md";
  switch (c.rule.front()) {
    case 'T': return "Time";
    case 'S': return "Settings";
    case 'L': return "Locks";
    case 'C': return "Codes";
    case 'B': return "Booking changes";
    case 'M': return "Messages";
  }
  return "Other";
}

std::string_view coverage_class(const RuleCoverage& c) {
  if (!c.scenarios.empty()) return "";
  return c.elsewhere.empty() ? "uncovered" : "elsewhere";
}

// Rules as columns (grouped as in behaviour.md), verdict counts as rows: the
// whole matrix fits on one screen and an uncovered rule is a red column.
std::string coverage_html(std::span<const ScenarioResult> results, const RunInfo& run) {
  const auto table = rule_coverage(results, run);
  std::string out = R"(<h2>Rule coverage</h2><div class="scroll"><table class="coverage"><thead><tr><th></th>)";
  for (std::size_t i = 0; i < table.size();) {
    std::size_t j = i;
    while (j < table.size() && group_of(table[j]) == group_of(table[i])) ++j;
    out += fmt::format(R"(<th colspan="{}" class="group">{}</th>)", j - i, esc(group_of(table[i])));
    i = j;
  }
  out += "</tr><tr><th>rule</th>";
  for (const auto& c : table)
    out += c.elsewhere.empty()
               ? fmt::format(R"(<th class="{}">{}</th>)", coverage_class(c), esc(c.rule))
               : fmt::format(R"(<th class="{}" title="{}">{}</th>)", coverage_class(c), esc(c.elsewhere), esc(c.rule));
  out += "</tr></thead><tbody>";
  const auto row = [&](std::string_view label, std::string_view cls, auto value) {
    out += fmt::format(R"(<tr class="{}"><th>{}</th>)", cls, label);
    for (const auto& c : table) {
      const int v = value(c);
      if (c.scenarios.empty())
        out += fmt::format(R"(<td class="{}">–</td>)", coverage_class(c));
      else
        out += fmt::format(R"(<td class="num{}">{}</td>)", v == 0 ? " zero" : "", v);
    }
    out += "</tr>";
  };
  row("scenarios", "total", [](const RuleCoverage& c) { return static_cast<int>(c.scenarios.size()); });
  row("passed", "pass", [](const RuleCoverage& c) { return c.passed; });
  row("failed", "fail", [](const RuleCoverage& c) { return c.failed; });
  row("errors", "error", [](const RuleCoverage& c) { return c.errors; });
  row("skipped", "skip", [](const RuleCoverage& c) { return c.skipped; });
  out += "</tbody></table></div>";
  std::vector<std::string> uncovered;
  for (const auto& c : table)
    if (c.scenarios.empty() && c.elsewhere.empty()) uncovered.push_back(c.rule);
  std::string elsewhere;
  for (const auto& c : table)
    if (c.scenarios.empty() && !c.elsewhere.empty())
      elsewhere += fmt::format("{}{} ({})", elsewhere.empty() ? "" : ", ", c.rule, c.elsewhere);
  if (!elsewhere.empty())
    out += fmt::format(R"(<p class="note"><b>Exercised outside this run:</b> {}</p>)", esc(elsewhere));
  if (uncovered.empty()) {
    out += R"(<p class="note">Every rule of behaviour.md has at least one scenario.</p>)";
  } else {
    std::string list;
    for (const auto& rule : uncovered) list += (list.empty() ? "" : ", ") + rule;
    out += fmt::format(R"X(<p class="uncoveredList"><b>Rules without a scenario:</b> {}</p>)X", esc(list));
  }
  return out;
}

std::string failures_table(std::span<const Failure> failures, std::string_view cls) {
  std::string out = fmt::format(
      R"(<table class="{}"><thead><tr><th>Rule</th><th>Booking</th><th>What</th><th>Expected</th><th>Observed</th><th>At</th><th>Why</th></tr></thead><tbody>)",
      cls);
  for (const auto& f : failures)
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                       esc(f.rule), esc(f.booking), esc(f.what), esc(f.expected), esc(f.observed),
                       esc(iso(f.at)), esc(f.message));
  out += "</tbody></table>";
  return out;
}

std::string scenario_html(const ScenarioResult& r, std::size_t index, const ReportOptions& options, bool draw) {
  const auto cls = verdict_class(r.verdict);
  std::string out = fmt::format(R"(<section class="scenario {}" id="{}"><h3><span class="badge {}">{}</span> {}</h3>)",
                                cls, anchor(index), cls, to_string(r.verdict), esc(r.name));
  std::string meta;
  if (!r.file.empty()) meta += fmt::format("<code>{}</code>", esc(r.file));
  if (r.seed) meta += fmt::format(" · seed {}", *r.seed);
  if (r.duration_ms) meta += fmt::format(" · {} s", seconds_text(*r.duration_ms));
  meta += fmt::format(" · {} booking{}", r.bookings.size(), r.bookings.size() == 1 ? "" : "s");
  out += fmt::format(R"(<div class="meta">{}</div>)", meta);
  if (!r.description.empty()) out += fmt::format("<p>{}</p>", esc(r.description));
  if (!r.rules.empty()) {
    out += R"(<div class="rules">)";
    for (const auto& rule : r.rules) out += fmt::format("<span>{}</span>", esc(rule));
    out += "</div>";
  }
  if (draw) {
    std::size_t not_drawn = 0;
    out += timeline_svg(r, options.max_lanes, not_drawn);
    if (not_drawn > 0)
      out += fmt::format(R"(<p class="note">{} of {} bookings drawn (failing ones first); all are in report.json.</p>)",
                         r.bookings.size() - not_drawn, r.bookings.size());
  } else if (!r.bookings.empty()) {
    out += R"(<p class="note">Timeline not drawn (too many scenarios in this run); see report.json.</p>)";
  }
  if (!r.failures.empty()) out += failures_table(r.failures, "failures");
  if (!r.error.empty()) out += fmt::format("<p><b>Error:</b></p><pre>{}</pre>", esc(r.error));
  if (!r.stderr_tail.empty()) out += fmt::format("<p><b>stderr (last lines):</b></p><pre>{}</pre>", esc(r.stderr_tail));
  if (!r.skipped.empty()) {
    out += R"(<p class="note"><b>Skipped:</b> )";
    for (std::size_t i = 0; i < r.skipped.size(); ++i) out += (i ? "; " : "") + esc(r.skipped[i]);
    out += "</p>";
  }
  if (!r.known_divergences.empty()) {
    out += R"(<p class="note"><b>Known divergences</b> (accepted by the expectations file):</p><ul class="note">)";
    for (const auto& k : r.known_divergences)
      out += fmt::format("<li>{}{}{}</li>", k.disappeared ? "<b>disappeared</b>: " : "", esc(describe(k.divergence)),
                         k.note.empty() ? "" : " — " + esc(k.note));
    out += "</ul>";
  }
  if ((r.verdict == Verdict::fail || r.verdict == Verdict::error) && !r.replay.empty())
    out += fmt::format(R"(<p class="note">Replay: <code>{}</code></p>)", esc(r.replay));
  // Audit trails of the bookings that failed: the engine's own account.
  std::set<std::string> failing;
  for (const auto& f : r.failures) failing.insert(f.booking);
  std::size_t trails = 0;
  for (const auto& b : r.bookings) {
    if (!failing.contains(b.id) || b.audit.empty() || trails++ >= 10) continue;
    out += fmt::format(R"(<details><summary>audit trail of {} ({} entries)</summary><table class="audit"><tbody>)",
                       esc(b.id), b.audit.size());
    for (const auto& a : b.audit)
      out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", esc(iso(a.at)), esc(a.rule),
                         esc(a.kind), esc(a.message));
    out += "</tbody></table></details>";
  }
  out += "</section>";
  return out;
}

}  // namespace

std::string render_html_from(const ScrubbedInput& input, const RunSummary& summary, const ReportOptions& options) {
  const RunInfo& run = input.run();
  const std::span<const ScenarioResult> results = input.results();
  const std::string tool = run.tool.empty() ? "run" : run.tool;
  const bool green = summary.failed + summary.errors == 0;

  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  out += R"(<meta name="viewport" content="width=device-width, initial-scale=1">)";
  out += fmt::format("<title>lockstep {} — {} / {} passed</title>", esc(tool), summary.passed, summary.total);
  out += fmt::format("<style>{}{}</style></head><body>", kStyle, kSvgStyle);

  out += fmt::format(R"(<header class="top"><h1>lockstep {} <span class="badge {}">{}</span></h1><div class="meta">)",
                     esc(tool), green ? "pass" : "fail", green ? "PASSED" : "FAILED");
  std::string meta = fmt::format("seed <code>{}</code>", run.seed);
  if (!run.subject.empty()) meta += fmt::format(" · subject {}", esc(run.subject));
  meta += fmt::format(" · tz database {} · lockstep {}", esc(run.tz_database_version), esc(run.lockstep_version));
  if (run.started_at) meta += fmt::format(" · started {}", esc(iso(*run.started_at)));
  if (summary.duration_ms) meta += fmt::format(" · {} s", seconds_text(*summary.duration_ms));
  out += meta;
  if (run.shard_count > 1) out += fmt::format(" · shard {} of {}", run.shard_index + 1, run.shard_count);
  if (!run.command_line.empty()) out += fmt::format("<br>command <code>{}</code>", esc(run.command_line));
  if (!run.options.empty()) {
    out += "<br>options";
    for (const auto& [key, value] : run.options) out += fmt::format(" <code>{}={}</code>", esc(key), esc(value));
  }
  out += "</div>";
  out += R"(<div class="cards">)";
  for (const auto& [count, label, cls] :
       {std::tuple{summary.total, "scenarios", ""}, std::tuple{summary.passed, "passed", "pass"},
        std::tuple{summary.failed, "failed", "fail"}, std::tuple{summary.errors, "errors", "error"},
        std::tuple{summary.skipped, "skipped", "skip"}})
    out += fmt::format(R"(<div class="card {}"><b>{}</b><span>{}</span></div>)", cls, count, label);
  {
    std::string causes;
    for (const auto& [cause, minutes] : summary.lockout.by_cause)
      causes += fmt::format("{}{} {}", causes.empty() ? "" : ", ", cause, minutes);
    out += fmt::format(R"(<div class="card {}" title="guest-minutes inside stays when the code would not open{}"><b>{}</b><span>lockout min</span></div>)",
                       summary.lockout.minutes > 0 ? "fail" : "", causes.empty() ? "" : ": " + esc(causes),
                       summary.lockout.minutes);
  }
  out += "</div>";
  if (run.interrupted || !run.not_run.empty())
    out += fmt::format(R"(<div class="meta"><b>{}</b>: {} not run</div>)",
                       run.interrupted ? "Interrupted" : "Stopped at the first failure (--fail-fast)", run.not_run.size());
  out += "</header>";
  out += legend_html();
  out += "<main>";

  if (!results.empty()) {
    out += R"(<h2>Scenarios</h2><div class="index">)";
    for (std::size_t i = 0; i < results.size(); ++i)
      out += fmt::format(R"(<a href="#{}" class="{}">{}</a>)", anchor(i), verdict_class(results[i].verdict),
                         esc(shorten(results[i].name, 48)));
    out += "</div>";
  }
  out += coverage_html(results, run);

  // Problems first, so the page opens on what to act on.
  std::vector<std::size_t> order(results.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto rank = [&](std::size_t i) {
    switch (results[i].verdict) {
      case Verdict::error: return 0;
      case Verdict::fail: return 1;
      case Verdict::pass: return 2;
      case Verdict::skip: return 3;
    }
    return 3;
  };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return rank(a) < rank(b); });
  out += "<h2>Timelines</h2>";
  std::size_t drawn = 0;
  for (auto i : order) {
    const bool draw = !results[i].bookings.empty() || !results[i].probes.empty();
    out += scenario_html(results[i], i, options, draw && drawn < options.max_timelines);
    if (draw) ++drawn;
  }
  out += R"(<p class="note">Generated by lockstep. Times on the axes are UTC; hover a shape for details.</p>)";
  out += "</main></body></html>\n";
  return final_scrub(std::move(out), options);
}

}  // namespace lockstep::harness::report::detail
