#!/usr/bin/env python3
"""The Python example's time rules (T1-T4, C5) against ../shared/vectors/plan.jsonl.

Usage: python_plan_vectors_test.py <source dir> <shared dir>   (ctest passes both)
Every vector must agree: the example engine is an independent second reading of
behaviour.md, so a disagreement is a bug in one of the two.
"""
import json
import os
import sys
import unittest
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..")
SHARED_DIR = sys.argv[2] if len(sys.argv) > 2 else os.path.join(SOURCE_DIR, "..", "shared")
sys.path.insert(0, os.path.join(SOURCE_DIR, "examples", "python-sut"))
import sut  # noqa: E402


def plan_line(engine, line):
    """What `lockstep plan` answers for one input line, from the example engine."""
    try:
        zone = sut.zone_named(line["timezone"])
        days, margin = line.get("days_before", 5), line.get("margin_minutes", 30)
        if not (1 <= days <= 14 and 0 <= margin <= 240):
            raise sut.Refusal("invalid_setting")
        valid_from, valid_until, generate_at, deadline, _ = engine.plan(
            zone, sut.parse_local(line["checkin"]), sut.parse_local(line["checkout"]), days, margin)
        if "booked_at" in line:
            generate_at = max(generate_at, sut.parse_instant(line["booked_at"]))
        algopin = None
        if line.get("lock") == "algopin":
            window = engine.algopin_window(zone, valid_from, valid_until)
            if window is None:
                raise sut.Refusal("stay_too_long")
            algopin = {"type": window[0], "start": sut.fmt_instant(window[1]), "end": sut.fmt_instant(window[3])}
    except sut.Refusal as r:
        return {"id": line["id"], "error": {"code": r.code}}
    return {"id": line["id"], "valid_from": sut.fmt_instant(valid_from), "valid_until": sut.fmt_instant(valid_until),
            "generate_at": sut.fmt_instant(generate_at), "retry_deadline": sut.fmt_instant(deadline),
            "algopin": algopin}


class PlanVectors(unittest.TestCase):
    def test_every_vector_agrees(self):
        path = os.path.join(SHARED_DIR, "vectors", "plan.jsonl")
        with open(path) as f:
            vectors = [json.loads(l) for l in f if l.strip()]
        self.assertGreater(len(vectors), 10)
        for v in vectors:
            with self.subTest(v["input"]["id"]):
                got = plan_line(sut.Engine(), v["input"])
                if "error" in v["expected"]:
                    self.assertEqual(got.get("error", {}).get("code"), v["expected"]["error"]["code"])
                else:
                    self.assertEqual({k: got.get(k) for k in v["expected"]}, v["expected"])

    def test_gap_moves_forward_and_overlap_takes_the_earlier_instant(self):
        e, paris = sut.Engine(), sut.zone_named("Europe/Paris")
        self.assertEqual(e.resolve(paris, datetime(2026, 3, 29, 2, 30)), datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc))
        self.assertEqual(e.resolve(paris, datetime(2026, 10, 25, 2, 30)), datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc))

    def test_forbidden_and_phone_codes(self):
        for pin in ("000000", "123456", "987654", "012345", "345678"):
            self.assertTrue(sut.Engine.forbidden(pin), pin)
        for pin in ("123457", "013579", "090909", "112233"):
            self.assertFalse(sut.Engine.forbidden(pin), pin)
        self.assertEqual(sut.Engine.phone_pin("+33 (6) 12.34-56 78"), ("345678", None))
        self.assertEqual(sut.Engine.phone_pin(None), (None, "missing"))
        self.assertEqual(sut.Engine.phone_pin("+33 6 12 34 5A 78"), (None, "invalid_character"))
        self.assertEqual(sut.Engine.phone_pin("12-345"), (None, "too_short"))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
