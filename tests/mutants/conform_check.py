#!/usr/bin/env python3
"""Runs `lockstep conform` against one implementation and checks the verdict.

    conform_check.py --lockstep BIN --sut 'COMMAND' --expect fail --rule T4 SCENARIO...
    conform_check.py --lockstep BIN --sut 'COMMAND' --expect pass SCENARIO...

--expect fail: conform must exit 1 and report.json must hold a FAIL whose failures
cite every --rule given (the mutant's bug is caught, for the right reason).
--expect pass: every scenario must be PASS or SKIP. A scenario the *reference*
could not play (ERROR "the reference run failed ...") says nothing about the
implementation: it is listed as a warning, not counted against it.
The report goes to a temporary directory, removed afterwards. Exit 0 when the
expectation holds, 1 when not, 77 (ctest SKIP) when this lockstep has no
`conform` command yet.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


def tail(text, lines=40):
    return "\n".join(text.splitlines()[-lines:])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lockstep", required=True)
    parser.add_argument("--sut", required=True)
    parser.add_argument("--expect", choices=("pass", "fail"), required=True)
    parser.add_argument("--rule", action="append", default=[], help="a rule id the failures must cite")
    parser.add_argument("--jobs", default="2")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("scenarios", nargs="+")
    args = parser.parse_args()

    probe = subprocess.run([args.lockstep, "conform", "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        print(f"SKIP: {args.lockstep} has no working `conform` command:\n{tail(probe.stderr, 5)}")
        return SKIP

    report_dir = tempfile.mkdtemp(prefix="lockstep-conform-check-")
    try:
        command = [args.lockstep, "conform", "--sut", args.sut, "--jobs", args.jobs,
                   "--report-dir", report_dir, *args.scenarios]
        print("$", " ".join(command), flush=True)
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            print(f"FAILED: conform did not finish within {args.timeout:.0f} s")
            return 1
        report_path = os.path.join(report_dir, "latest", "report.json")
        if not os.path.exists(report_path):
            print(f"FAILED: conform exited {run.returncode} without {report_path}\n"
                  f"stdout:\n{tail(run.stdout)}\nstderr:\n{tail(run.stderr)}")
            return 1
        with open(report_path) as f:
            report = json.load(f)
        scenarios = report.get("scenarios", [])
        for s in scenarios:
            rules = sorted({f.get("rule", "") for f in s.get("failures", [])})
            print(f"  {s.get('verdict', '?'):5} {s.get('name')}  {' '.join(r for r in rules if r)}")
            for f in s.get("failures", [])[:8]:
                print(f"        [{f.get('rule')}] {f.get('booking')} {f.get('what')}: "
                      f"expected {f.get('expected')!r}, observed {f.get('observed')!r}")
            if s.get("error"):
                print(f"        error: {s['error']}\n{tail(s.get('stderr_tail', ''), 15)}")
            if s.get("skipped"):
                print(f"        skipped: {s['skipped']}")
        verdicts = [s.get("verdict") for s in scenarios]
        if not scenarios:
            print("FAILED: the report lists no scenario")
            return 1

        if args.expect == "pass":
            reference_broken = [s["name"] for s in scenarios if s.get("verdict") == "ERROR"
                                and str(s.get("error", "")).startswith("the reference run failed")]
            bad = [s["name"] for s in scenarios
                   if s.get("verdict") not in ("PASS", "SKIP") and s["name"] not in reference_broken]
            if bad or run.returncode not in (0, 1) or (run.returncode == 1 and not reference_broken):
                print(f"FAILED: expected every scenario to pass; exit {run.returncode}, not passing: {bad}\n"
                      f"stderr:\n{tail(run.stderr)}")
                return 1
            if reference_broken:
                print(f"WARNING: the reference itself could not play {reference_broken} (not the implementation's doing)")
            print(f"OK: {verdicts.count('PASS')} passed, {verdicts.count('SKIP')} skipped")
            return 0

        if "ERROR" in verdicts:
            print("FAILED: a scenario ended in ERROR: the mutant must be caught by a FAIL, not break the run")
            return 1
        cited = {f.get("rule") for s in scenarios if s.get("verdict") == "FAIL" for f in s.get("failures", [])}
        missing = [r for r in args.rule if r not in cited]
        if run.returncode != 1 or "FAIL" not in verdicts or missing:
            print(f"FAILED: expected conform to fail citing {args.rule}; exit {run.returncode}, "
                  f"verdicts {verdicts}, rules cited {sorted(r for r in cited if r)}\nstderr:\n{tail(run.stderr)}")
            return 1
        print(f"OK: caught, citing {sorted(r for r in cited if r)}")
        return 0
    finally:
        shutil.rmtree(report_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
