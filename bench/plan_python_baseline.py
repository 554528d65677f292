#!/usr/bin/env python3
"""`lockstep plan` in Python, for a side-by-side baseline: the same JSON Lines in and
out, the rules T1-T4 and C5 as the Python example implementation
(examples/python-sut/sut.py, standard library `zoneinfo`) computes them. Reads
stdin, writes stdout; bench.sh times it on the same lines as the binary."""
import json, os, sys
from datetime import timedelta

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "python-sut"))
import sut  # noqa: E402

engine = sut.Engine()
zones = {}
FIELDS = {"id", "timezone", "checkin", "checkout", "days_before", "margin_minutes", "lock", "booked_at"}


def plan(b):
    unknown = sorted(set(b) - FIELDS)
    if unknown:
        raise sut.Refusal("invalid_json", f"unknown field '{unknown[0]}'")
    name = b.get("timezone")
    zone = zones.get(name) if isinstance(name, str) else None
    if zone is None:
        zone = zones[name] = sut.zone_named(name)
    days, margin = b.get("days_before", 5), b.get("margin_minutes", 30)
    if not isinstance(days, int) or not 1 <= days <= 14 or not isinstance(margin, int) or not 0 <= margin <= 240:
        raise sut.Refusal("invalid_setting", "days_before 1..14, margin_minutes 0..240")
    try:
        checkin, checkout = sut.parse_local(b.get("checkin")), sut.parse_local(b.get("checkout"))
        booked_at = sut.parse_instant(b["booked_at"]) if b.get("booked_at") else None
    except (ValueError, TypeError) as e:
        raise sut.Refusal("invalid_booking", str(e))
    valid_from, valid_until, generate_at, deadline, _ = engine.plan(zone, checkin, checkout, days, margin)
    if booked_at and booked_at > generate_at:
        generate_at = booked_at
    algopin = None
    if b.get("lock", "bridge") == "algopin":
        w = engine.algopin_window(zone, valid_from, valid_until)
        if w is None:
            raise sut.Refusal("stay_too_long", "an algoPIN stay over 367 days")
        algopin = {"type": w[0], "start": sut.fmt_instant(w[1]), "end": sut.fmt_instant(w[3])}
    return {"valid_from": sut.fmt_instant(valid_from), "valid_until": sut.fmt_instant(valid_until),
            "generate_at": sut.fmt_instant(generate_at), "retry_deadline": sut.fmt_instant(deadline),
            "algopin": algopin}


bad = False
out = sys.stdout
buf = []
for number, line in enumerate(sys.stdin, 1):
    if not line.strip():
        continue
    try:
        b = json.loads(line)
        if not isinstance(b, dict):
            raise sut.Refusal("invalid_json", f"line {number}: the line must be a JSON object")
        answer = {"id": b.get("id")}
        answer.update(plan(b))
    except json.JSONDecodeError:
        bad, answer = True, {"id": None, "error": {"code": "invalid_json", "message": f"line {number}: not JSON"}}
    except sut.Refusal as e:
        bad, answer = True, {"id": b.get("id"), "error": {"code": e.code, "message": e.message}}
    buf.append(json.dumps(answer, ensure_ascii=False, separators=(",", ":")))
    if len(buf) >= 1000:
        out.write("\n".join(buf) + "\n")
        buf.clear()
if buf:
    out.write("\n".join(buf) + "\n")
sys.exit(1 if bad else 0)
