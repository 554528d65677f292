#!/usr/bin/env bash
# The project's one entry point on a fresh Debian 12 machine (as root):
#   bash scripts/bootstrap.sh run    install, build, run the default scenario suite
#   bash scripts/bootstrap.sh test   install, build, run every test (what CI runs)
# Both leave the binary at build/lockstep.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
jobs=$(nproc 2>/dev/null || echo 2)

bash scripts/setup.sh
echo "-- setup: ${SECONDS} s"

werror=OFF
[[ "${CI:-}" == "true" || "$mode" == "test" ]] && werror=ON
build_options=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOCKSTEP_WERROR=$werror)
if [[ "$mode" == "test" ]]; then
  # The test build is made to compile fast (CI: under 20 minutes on 2 cores, and
  # the tree is compiled twice): unity batches, -O1 with line tables, no
  # benchmarks (scripts/bench.sh builds those with the release flags).
  build_options+=(-DCMAKE_UNITY_BUILD=ON -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG"
                  -DLOCKSTEP_BUILD_BENCH=OFF)
else
  build_options+=(-DCMAKE_UNITY_BUILD=ON -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g -DNDEBUG"
                  -DLOCKSTEP_BUILD_BENCH=ON)
fi
cmake -S . -B build -G Ninja "${build_options[@]}"
cmake --build build -j "$jobs"
echo "-- build: ${SECONDS} s since start"

case "$mode" in
  run)
    shift || true
    exec build/lockstep run scenarios/ "$@"
    ;;
  test)
    bash scripts/test.sh
    ;;
  *)
    echo "usage: bootstrap.sh run|test" >&2
    exit 2
    ;;
esac
