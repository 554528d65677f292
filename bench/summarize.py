#!/usr/bin/env python3
"""Reads reports/bench/*.json (scripts/bench.sh) and prints the figures against the
targets of issue 16 as Markdown; writes the portfolio chart (time against bookings,
log-log, hand-written SVG) to the path given.
   summarize.py <reports/bench> <chart.svg>"""
import json, math, os, sys

out_dir, chart_path = sys.argv[1], sys.argv[2]

def runs_note(first, second, unit):
    """The runs a best-of figure was taken from, so that a noisy run shows."""
    def fmt_runs(runs):
        return " / ".join(f"{r:,.0f}" if r >= 100 else f"{r:g}" for r in runs)
    parts = [fmt_runs(r) for r in (first, second) if r]
    if not parts:
        return ""
    return f" (best of {len(first or second)}: " + " vs ".join(parts) + f" {unit})"

def load(name):
    path = os.path.join(out_dir, name)
    if not os.path.exists(path):
        return None
    text = open(path).read().strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]

def bench(name, prefix):
    data = load(name)
    if not data:
        return []
    return [b for b in data["benchmarks"] if b["name"].startswith(prefix)]

def seconds(b):
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b.get("time_unit", "ns")]
    return b["cpu_time"] * scale

rows = []
def row(what, target, measured, met):
    rows.append((what, target, measured, "met" if met else ("**missed**" if met is not None else "")))

# The targets of issue 16 (performance, second round), then figures kept for context.
cli = load("plan-cli.json")
if cli:
    cpu = cli["time"]["user_s"] + cli["time"]["sys_s"]
    wall = cli["time"]["elapsed_s"]
    rate = cli["lines"] / cpu if cpu else 0
    row(f"`lockstep plan` lines per second on one core ({cli['lines']:,} lines, CPU time; wall {wall:.1f} s)",
        ">= 1,000,000/s", f"{rate/1e3:,.0f}k/s" + runs_note(cli.get("runs_cpu_s"), None, "s CPU"), rate >= 1e6)
    py = cli.get("python") or {}
    if py.get("ratio_cpu"):
        row(f"`lockstep plan` against the Python zoneinfo baseline ({py['lines']:,} lines, CPU time per line)",
            ">= 100x", f"{py['ratio_cpu']:.1f}x (Python {py['lines_per_cpu_s']:,} lines/s"
            + (f"; its runs {' / '.join(f'{r:g}' for r in py['runs_cpu_s'])} s CPU" if py.get("runs_cpu_s") else "")
            + ")", py["ratio_cpu"] >= 100)
suite = load("suite.json")
if suite:
    row("default suite, `lockstep conform` against `lockstep sut` over `lockstep run` (wall)", "<= 3x",
        f"{suite['conform']['elapsed_s']} s / {suite['run']['elapsed_s']} s = {suite['conform_over_run_wall']}x"
        + runs_note(suite["conform"].get("runs_elapsed_s"), suite["run"].get("runs_elapsed_s"), "s"),
        suite["conform_over_run_wall"] <= 3)
def years(prefix):
    """Per portfolio size, the repetition with the least CPU time (its counters
    with it) and every repetition's seconds as `runs`."""
    by_size = {}
    for b in bench("bench_engine.json", prefix):
        if b.get("run_type", "iteration") != "iteration":
            continue  # the mean/median/stddev rows of repetitions
        by_size.setdefault(int(b["name"].split("/")[1]), []).append(b)
    best = {}
    for size, runs in by_size.items():
        b = dict(min(runs, key=seconds))
        b["runs"] = [round(seconds(r), 3) for r in runs]
        best[size] = b
    return best

def year_runs(b):
    return runs_note(b["runs"], None, "s") if len(b.get("runs", [])) > 1 else ""

fake = years("BM_PortfolioYear_Fake/")
mock = years("BM_PortfolioYear_Mock/")
if 10000 in fake:
    b = fake[10000]
    row(f"engine, 10,000-property year ({int(b['bookings']):,} bookings), fake igloohome", "<= 2 s CPU",
        f"{seconds(b):.2f} s" + year_runs(b), seconds(b) <= 2)
    if 1000 in fake:
        growth = seconds(b) / seconds(fake[1000])
        small = fake[1000]
        small_runs = (f"; the 100k year's runs {' / '.join(f'{r:g}' for r in small['runs'])} s"
                      if len(small.get("runs", [])) > 1 else "")
        row("engine, 10x the bookings (1,000 -> 10,000 properties) costs", "<= 12x",
            f"{growth:.1f}x ({seconds(b):.2f} s / {seconds(small):.3f} s{small_runs})", growth <= 12)
    row("engine memory per booking at 1M bookings (heap after loading the portfolio)", "<= 250 B",
        f"{b['engine_bytes_per_booking']:.0f} B", b["engine_bytes_per_booking"] <= 250)
if 100000 in fake and 10000 in fake:
    b = fake[100000]
    row(f"engine, 100,000-property year ({int(b['bookings']):,} bookings), fake igloohome", "-",
        f"{seconds(b):.1f} s CPU ({seconds(b) / seconds(fake[10000]):.1f}x the 1M year), "
        f"{b['engine_bytes_per_booking']:.0f} B a booking, peak RSS {b['peak_rss_mb'] / 1024:.1f} GB", None)
if 1000 in mock:
    b = mock[1000]
    total = seconds(b) + b.get("setup_s", 0)
    row(f"1,000-property year through the mock in-process ({int(b['bookings']):,} bookings), setup included",
        "<= 2 s", f"{total:.2f} s ({seconds(b):.2f} s + setup {b.get('setup_s', 0):.2f} s)" + year_runs(b), total <= 2)
wm = load("wiremock.json")
if wm and isinstance(wm, dict) and wm.get("ratio_lockstep_over_wiremock"):
    one = wm.get("one_core_each") or {}
    if one.get("ratio_lockstep_over_wiremock"):
        row("same device list, lockstep mock vs WireMock (16 connections), one server core each, wrk on the other",
            ">= 10x", f"{one['lockstep']['requests_per_s']:,.0f} vs {one['wiremock']['requests_per_s']:,.0f} req/s = "
            f"{one['ratio_lockstep_over_wiremock']:.1f}x"
            + runs_note(one["lockstep"].get("runs"), one["wiremock"].get("runs"), "req/s"),
            one["ratio_lockstep_over_wiremock"] >= 10)
    row("same device list, lockstep mock vs WireMock (16 connections), servers and wrk sharing both cores",
        "-" if one else ">= 10x",
        f"{wm['lockstep']['requests_per_s']:,.0f} vs {wm['wiremock']['requests_per_s']:,.0f} req/s = "
        f"{wm['ratio_lockstep_over_wiremock']:.1f}x"
        + runs_note(wm["lockstep"].get("runs"), wm["wiremock"].get("runs"), "req/s"),
        None if one else wm["ratio_lockstep_over_wiremock"] >= 10)
if suite:
    row("default suite, `lockstep run` wall time", "<= 1 s",
        f"{suite['run']['elapsed_s']} s" + runs_note(suite["run"].get("runs_elapsed_s"), None, "s"),
        suite["run"]["elapsed_s"] <= 1)

plan = bench("bench_plan.json", "BM_PlanBooking_Bridge")
if plan:
    rate = plan[0]["items_per_second"]
    row("bookings planned per second per core, in-process (bridge, Europe/Paris)", "-", f"{rate/1e6:.2f}M/s", None)
if cli:
    row("`lockstep plan` peak memory", "-", f"{cli['time']['max_rss_kb']/1024:.0f} MB", None)
if 1000 in fake:
    b = fake[1000]
    row(f"1,000-property year ({int(b['bookings']):,} bookings, {int(b['outages'])} outages), fake igloohome", "-",
        f"{seconds(b):.2f} s, {b['engine_bytes_per_booking']:.0f} B a booking", None)
    row("simulated bookings per second (whole lifecycle), fake igloohome", "-",
        f"{b['bookings']/seconds(b)/1e3:.0f}k/s ({1000/seconds(b):.0f} property-years/s)", None)
for n in sorted(mock):
    b = mock[n]
    row(f"{n}-property year through the mock in-process ({int(b['bookings']):,} bookings)", "-",
        f"{seconds(b):.2f} s ({b['bookings']/seconds(b):,.0f} bookings/s)", None)
http = load("mock-http.json")
if http:
    runs = [r for r in http if "requests_per_s" in r]
    best = max(runs, key=lambda r: r["requests_per_s"] or 0)
    row(f"mock HTTP requests/s, keep-alive, best of {[r['connections'] for r in runs]} connections", "-",
        f"{best['requests_per_s']:,.0f}/s at {best['connections']} connections "
        f"(p50 {best['p50_ms']:.2f} ms, p99 {best['p99_ms']:.2f} ms)", None)

machine = load("machine.json") or {}
print(f"Machine: {machine.get('cpu')}, {machine.get('cores')} cores, {machine.get('memory_gb')} GB; "
      f"{machine.get('compiler')}; load average at start {machine.get('load_average')}\n")
print("| figure | target | measured | |")
print("|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")

# ---- chart: CPU seconds against bookings, log-log -----------------------------
series = [("engine + fake igloohome", "#1f77b4", fake), ("engine + client + mock in-process", "#d62728", mock)]
points = [(b["bookings"], seconds(b)) for _, _, s in series for b in s.values()]
if points:
    W, H, L, R, T, B = 660, 400, 70, 50, 40, 60  # R: room for the last axis label
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    x0, x1 = math.floor(math.log10(min(xs))), math.ceil(math.log10(max(xs)))
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    X = lambda v: L + (math.log10(v) - x0) / max(x1 - x0, 1) * (W - L - R)
    Y = lambda v: H - B - (math.log10(v) - y0) / max(y1 - y0, 1) * (H - T - B)
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W/2}" y="20" text-anchor="middle" font-size="14">A year of bookings: CPU time against portfolio size (log-log)</text>']
    for e in range(x0, x1 + 1):
        x = X(10 ** e)
        svg.append(f'<line x1="{x:.1f}" y1="{T}" x2="{x:.1f}" y2="{H-B}" stroke="#ddd"/>')
        svg.append(f'<text x="{x:.1f}" y="{H-B+18}" text-anchor="middle">{10**e:,}</text>')
    for e in range(y0, y1 + 1):
        y = Y(10 ** e)
        svg.append(f'<line x1="{L}" y1="{y:.1f}" x2="{W-R}" y2="{y:.1f}" stroke="#ddd"/>')
        label = f"{10**e:g} s"
        svg.append(f'<text x="{L-6}" y="{y+4:.1f}" text-anchor="end">{label}</text>')
    svg.append(f'<text x="{(L+W-R)/2}" y="{H-15}" text-anchor="middle">bookings (about 100 per property, with bridge outages)</text>')
    svg.append(f'<text x="16" y="{(T+H-B)/2}" transform="rotate(-90 16 {(T+H-B)/2})" text-anchor="middle">CPU seconds</text>')
    # the target (issue 16): 1M bookings in 2 s
    svg.append(f'<circle cx="{X(1e6):.1f}" cy="{Y(2):.1f}" r="5" fill="none" stroke="#2ca02c" stroke-width="2"/>')
    svg.append(f'<text x="{X(1e6)-8:.1f}" y="{Y(2)-8:.1f}" text-anchor="end" fill="#2ca02c">target: 1M in 2 s</text>')
    for i, (name, colour, s) in enumerate(series):
        pts = sorted((b["bookings"], seconds(b)) for b in s.values())
        if not pts:
            continue
        path = " ".join(f"{'M' if j == 0 else 'L'}{X(x):.1f},{Y(y):.1f}" for j, (x, y) in enumerate(pts))
        svg.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in pts:
            svg.append(f'<circle cx="{X(x):.1f}" cy="{Y(y):.1f}" r="3.5" fill="{colour}"><title>{x:,.0f} bookings: {y:.3f} s</title></circle>')
            svg.append(f'<text x="{X(x)+6:.1f}" y="{Y(y)+14:.1f}" fill="{colour}" font-size="10">{y:.2g} s</text>')
        svg.append(f'<rect x="{L+10}" y="{T+8+i*18}" width="12" height="4" fill="{colour}"/>')
        svg.append(f'<text x="{L+28}" y="{T+14+i*18}">{name}</text>')
    svg.append("</svg>")
    with open(chart_path, "w") as f:
        f.write("\n".join(svg) + "\n")
    print(f"\nChart: {chart_path}")
