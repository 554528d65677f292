#!/usr/bin/env bash
# Installs everything lockstep needs on a Debian 12 machine, as root. Idempotent:
# a second run only re-checks. Every dependency the project uses is listed here,
# so a fresh machine (even one without a compiler or cmake) can build and test.
set -euo pipefail

packages=(
  build-essential g++ cmake ninja-build git pkg-config ca-certificates
  clang libclang-rt-14-dev
  libboost1.81-dev
  nlohmann-json3-dev
  librapidcheck-dev
  libhowardhinnant-date-dev tzdata
  libfmt-dev
  libcli11-dev
  libsimdjson-dev  # plan: on-demand JSON parsing at GB/s (issue 16)
  libyaml-cpp-dev  # YAML scenario files with comments (issue 15)
  libgtest-dev libgmock-dev
  libbenchmark-dev
  libxml2-utils
  python3
  curl
  wrk            # HTTP load for scripts/bench.sh (mock requests/s, p50/p99)
  time           # /usr/bin/time -v: peak memory in scripts/bench.sh
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present" >&2
fi
