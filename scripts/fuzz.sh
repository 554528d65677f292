#!/usr/bin/env bash
# Runs every libFuzzer target (fuzz/fuzz_<target>.cpp) for a while each:
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]        (default 20 s, every target)
# Builds them with clang in build-fuzz/ — the whole project instrumented for
# coverage (-fsanitize=fuzzer-no-link) with ASan+UBSan, the targets linked with
# libFuzzer — then runs each starting from its seed corpus, fuzz/corpus/<target>/.
# New inputs go to build-fuzz/corpus/<target>/, never into the source tree.
# A crash, leak, sanitizer report, timeout or out-of-memory fails the script
# (exit 1); the input is saved in fuzz/artifacts/ and the command replaying it,
# in this build and in the normal gcc build, is printed. To keep a crasher as a
# regression test once fixed, copy it into fuzz/corpus/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
shift || true
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2; }

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ not found (scripts/setup.sh installs clang and libclang-rt-14-dev)" >&2
  exit 2
fi

build=build-fuzz
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# fuzz/compat supplies std::expected where clang 14 cannot use libstdc++ 12's (see the file).
# -fno-sanitize=function: clang 14 cannot emit that check in coroutines (the
# mock server's Asio awaitables): "Cannot represent a difference across sections".
# -O0 with line tables: half the compile time of -O1 under ASan (45 s -> 22 s for
# the largest unit), and CI builds this tree on 2 cores within its 20 minutes;
# the brief fuzzing pass runs a fixed number of inputs, so slower execution costs
# seconds, not coverage. LOCKSTEP_FUZZ_OPT=-O1 (libFuzzer's advice) for long runs.
flags="-isystem $PWD/fuzz/compat -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -fno-sanitize=function"
# Tests are configured too (not built unless asked): scripts/test.sh builds the
# ASan+UBSan unit tests in this same instrumented tree, so CI compiles the
# libraries with sanitizers once, not twice.
CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="${LOCKSTEP_FUZZ_OPT:--O0} -gline-tables-only -DNDEBUG" -DCMAKE_UNITY_BUILD=ON \
  -DLOCKSTEP_BUILD_FUZZERS=ON -DLOCKSTEP_BUILD_TESTS=ON -DLOCKSTEP_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="$flags" "${launcher[@]}" >/dev/null

# LOCKSTEP_FUZZ_BUILD_ONLY="target..." (scripts/test.sh): build those targets in
# this tree and stop.
if [[ -n "${LOCKSTEP_FUZZ_BUILD_ONLY:-}" ]]; then
  # shellcheck disable=SC2086
  exec cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" --target $LOCKSTEP_FUZZ_BUILD_ONLY
fi

targets=("$@")
if ((${#targets[@]} == 0)); then
  for source in fuzz/fuzz_*.cpp; do
    name=$(basename "$source" .cpp)
    targets+=("${name#fuzz_}")
  done
fi
binaries=()
for t in "${targets[@]}"; do binaries+=("fuzz_$t"); done
jobs=$(nproc 2>/dev/null || echo 2)
cmake --build "$build" -j "$jobs" --target "${binaries[@]}"

mkdir -p fuzz/artifacts
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# LOCKSTEP_FUZZ_SEED / LOCKSTEP_FUZZ_RUNS make a run repeatable (CI gates on
# them: the same inputs every time, so a red gate is a finding someone can
# replay, not luck); without them libFuzzer draws a new seed and runs for the time.
repeatable=()
[[ -n "${LOCKSTEP_FUZZ_SEED:-}" ]] && repeatable+=(-seed="$LOCKSTEP_FUZZ_SEED")
[[ -n "${LOCKSTEP_FUZZ_RUNS:-}" ]] && repeatable+=(-runs="$LOCKSTEP_FUZZ_RUNS")
status=0
for t in "${targets[@]}"; do
  seeds=fuzz/corpus/$t
  work=$build/corpus/$t
  mkdir -p "$work"
  [[ -d "$seeds" ]] || { echo "fuzz.sh: no seed corpus $seeds" >&2; status=1; continue; }
  log=$build/fuzz_$t.log
  echo "== fuzz_$t for ${seconds}s (seeds: $(ls "$seeds" | wc -l))"
  # Seeds are read but not written (only the first directory receives new inputs).
  if "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 "${repeatable[@]}" \
       -artifact_prefix="fuzz/artifacts/$t-" -print_final_stats=1 "$work" "$seeds" >"$log" 2>&1; then
    grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE" "$log" | tail -2 || true
  else
    status=1
    echo "!! fuzz_$t FAILED — last lines of $log:"
    tail -40 "$log"
    artifact=$(grep -oE "fuzz/artifacts/$t-[A-Za-z0-9_-]+" "$log" | tail -1 || true)
    if [[ -n "$artifact" ]]; then
      echo "   input saved: $artifact"
      echo "   replay:      $build/fuzz/fuzz_$t $artifact"
      echo "   gcc build:   build/fuzz/fuzz_$t $artifact"
    fi
  fi
done
if ((status == 0)); then echo "fuzz: every target ran clean"; else echo "fuzz: FAILED"; fi
exit $status
