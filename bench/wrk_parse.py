#!/usr/bin/env python3
"""Reads wrk --latency output on stdin; prints {"requests_per_s", "p50_ms", "p99_ms", ...} as JSON."""
import json, re, sys

def ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

raw = sys.stdin.read()
result = {}
m = re.search(r"Requests/sec:\s+([\d.]+)", raw)
result["requests_per_s"] = float(m.group(1)) if m else None
for pct in ("50", "75", "90", "99"):
    m = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", raw, re.M)
    result[f"p{pct}_ms"] = ms(m.group(1)) if m else None
m = re.search(r"(\d+) requests in", raw)
result["requests"] = int(m.group(1)) if m else None
m = re.search(r"Non-2xx or 3xx responses: (\d+)", raw)
result["non_2xx"] = int(m.group(1)) if m else 0
m = re.search(r"Socket errors: (.*)", raw)
result["socket_errors"] = m.group(1).strip() if m else None
if len(sys.argv) > 1:
    result.update(json.loads(sys.argv[1]))
print(json.dumps(result))
