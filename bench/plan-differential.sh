#!/usr/bin/env bash
# The simdjson `lockstep plan` against the nlohmann implementation it replaced, on
# 1,000,000 generated lines per check (ctest runs 50,000): every line's answer and
# the stream's output byte for byte (tests/time/plan_differential_test.cpp).
#
#   bash bench/plan-differential.sh [build-dir] [lines]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
lines=${2:-1000000}
bin=$build/tests/time/plan_differential_tests
[[ -x $bin ]] || { echo "plan-differential: build $bin first (ninja -C $build plan_differential_tests)" >&2; exit 2; }
LOCKSTEP_PLAN_DIFF_LINES=$lines /usr/bin/time -f 'plan-differential: %e s wall, %U s user' "$bin"
