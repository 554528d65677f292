#!/usr/bin/env bash
# Every test, on an already-configured build/ (bootstrap.sh test calls this):
#  1. the whole ctest suite (unit, property, mock-over-sockets, CLI, fuzz corpus replay);
#  2. the shared plan vectors through the real binary;
#  3. the unit tests in scripts/sanitizer-targets.sh again under ASan+UBSan;
#  4. each libFuzzer target briefly.
# 3 and 4 share one instrumented tree (clang, build-fuzz/): CI compiles the
# project twice in all (gcc, and clang with sanitizers), not three times.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
shared=${LOCKSTEP_SHARED_DIR:-../shared}
status=0
# Each phase says how long it took: CI has a 20-minute budget on 2 cores, and the
# log is where a slow phase is found.
phase_start=$SECONDS
phase_done() { echo "-- $1: $((SECONDS - phase_start)) s"; phase_start=$SECONDS; }

echo "== ctest"
ctest --test-dir build -j "$jobs" --output-on-failure --timeout 300 || status=1
phase_done ctest

if [[ -x "$shared/checks/plan-vectors" ]]; then
  echo "== shared plan vectors"
  "$shared/checks/plan-vectors" build/lockstep || status=1
  phase_done "plan vectors"
fi

if [[ "${LOCKSTEP_SKIP_SANITIZERS:-}" != "1" ]]; then
  echo "== ASan+UBSan unit tests"
  asan_targets=$(bash scripts/sanitizer-targets.sh)
  asan_labels=$(echo $asan_targets | tr ' ' '|')
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  if command -v clang++ >/dev/null; then
    # In the fuzzers' instrumented tree (clang, ASan+UBSan): the libraries are
    # compiled with sanitizers once for both.
    LOCKSTEP_FUZZ_BUILD_ONLY="$asan_targets lockstep" bash scripts/fuzz.sh
    phase_done "ASan+UBSan build"
    ctest --test-dir build-fuzz -j "$jobs" --output-on-failure --timeout 600 -L "$asan_labels" || status=1
    phase_done "ASan+UBSan tests"
  else
    cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLOCKSTEP_SANITIZE=ON -DCMAKE_UNITY_BUILD=ON \
          -DLOCKSTEP_WERROR=ON -DLOCKSTEP_BUILD_BENCH=OFF >/dev/null
    cmake --build build-asan -j "$jobs" --target $asan_targets lockstep
    ctest --test-dir build-asan -j "$jobs" --output-on-failure --timeout 600 -L "$asan_labels" || status=1
  fi
fi

if [[ "${LOCKSTEP_SKIP_FUZZ:-}" != "1" ]] && command -v clang++ >/dev/null; then
  echo "== libFuzzer (brief)"
  # Repeatable in the gate: fixed seed and run count (10 s cap each), so the
  # same inputs every time and the corpus' regressions replayed; explore further
  # by hand with `bash scripts/fuzz.sh 600`.
  LOCKSTEP_FUZZ_SEED=${LOCKSTEP_FUZZ_SEED:-1} LOCKSTEP_FUZZ_RUNS=${LOCKSTEP_FUZZ_RUNS:-4000} \
    bash scripts/fuzz.sh "${LOCKSTEP_FUZZ_SECONDS:-10}" || status=1
  phase_done libFuzzer
fi

if ((status == 0)); then echo "lockstep tests: all passed"; else echo "lockstep tests: FAILED"; fi
exit $status
