#!/usr/bin/env bash
# Side by side with a mock server people already use: the same device-list
# response (taken from lockstep's mock) served by WireMock and by `lockstep mock`,
# both loaded alike by wrk (2 threads, 16 keep-alive connections, after warm-up
# loads that let the JVM compile until its rate stops rising), then the ratio;
# then again with each server on one core of its own and wrk on the others.
# Installs the npm package `wiremock` (it bundles the standalone jar; Java 17
# runs it) into the git-ignored node_modules/ at the project root on first use.
# Each figure is the best of LOCKSTEP_BENCH_REPEATS loads (3; every run's rate
# is kept beside it): on a shared 2-core machine one load in a few comes out
# several times slower than the others (a WireMock run at 2.5k requests/s where
# the runs around it made 15-17k), and one such run would decide the ratio.
#   bench/wiremock-compare.sh <lockstep binary> <out.json>
set -euo pipefail
lockstep=$(realpath "$1")
out=$2
duration=${LOCKSTEP_BENCH_DURATION:-10s}
connections=${LOCKSTEP_BENCH_CONNECTIONS:-16}
repeats=${LOCKSTEP_BENCH_REPEATS:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

if ! ls "$root"/node_modules/wiremock/build/wiremock-standalone-*.jar >/dev/null 2>&1; then
  echo "wiremock-compare: installing the npm package wiremock into $root/node_modules" >&2
  (cd "$root" && npm install --no-save --no-package-lock --no-audit --no-fund wiremock@3 >&2)
fi
jar=$(ls "$root"/node_modules/wiremock/build/wiremock-standalone-*.jar | head -1)

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 300); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "not up: $1" >&2; return 1; }

work=$(mktemp -d)
pids=()
cleanup() {
  local status=$?
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

mock_port=$(free_port)
"$lockstep" mock --port "$mock_port" --threads 2 >"$work/mock.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$mock_port/__admin/health"
token=$(curl -fs -u demo-client:demo-secret -d grant_type=client_credentials "http://127.0.0.1:$mock_port/oauth2/token" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$mock_port/igloohome/devices" > "$work/devices.json"

mkdir -p "$work/wiremock/mappings"
python3 - "$work/devices.json" > "$work/wiremock/mappings/devices.json" <<'PY'
import json, sys
body = open(sys.argv[1]).read()
print(json.dumps({"request": {"method": "GET", "url": "/igloohome/devices"},
                  "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": body}}))
PY
wm_port=$(free_port)
java -jar "$jar" --port "$wm_port" --root-dir "$work/wiremock" --disable-banner >"$work/wiremock.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$wm_port/igloohome/devices"
cmp -s <(curl -fs "http://127.0.0.1:$wm_port/igloohome/devices") "$work/devices.json" ||
  { echo "wiremock-compare: the two servers do not answer the same body" >&2; exit 1; }

load() {  # name url
  curl -fs -X DELETE "$2/__admin/requests" >/dev/null 2>&1 || true
  wrk -t 2 -c "$connections" -d "$duration" --latency -H "Authorization: Bearer $token" "$2/igloohome/devices" |
    python3 "$here/wrk_parse.py" "{\"server\": \"$1\", \"connections\": $connections}"
}
# The fastest of `repeats` loads, with every run's requests/s under "runs".
best_of() {  # load-function name url
  local runs=()
  for _ in $(seq "$repeats"); do runs+=("$("$1" "$2" "$3")"); done
  printf '%s\n' "${runs[@]}" | python3 -c '
import json, sys
runs = [json.loads(line) for line in sys.stdin if line.strip()]
best = max(runs, key=lambda r: r["requests_per_s"])
best["runs"] = [r["requests_per_s"] for r in runs]
print(json.dumps(best))'
}
# JIT warm-up, not counted: loads until WireMock's rate stops rising (within 10%
# of the load before, at most 6 loads). One fixed 10-second load was not enough
# on a busy machine: the three counted runs then rose 2.4k -> 3.8k -> 6.5k.
warm_up() {  # load-function url
  local before=0 now
  for _ in 1 2 3 4 5 6; do
    now=$("$1" warmup "$2" | python3 -c 'import json, sys; print(int(json.load(sys.stdin)["requests_per_s"]))')
    echo "wiremock-compare: warm-up load at $now requests/s" >&2
    ((now * 10 <= before * 11)) && return 0
    before=$now
  done
}
warm_up load "http://127.0.0.1:$wm_port"
wiremock=$(best_of load wiremock "http://127.0.0.1:$wm_port")
lockstep_json=$(best_of load lockstep "http://127.0.0.1:$mock_port")

# Then one core each: both servers moved (every thread) to the last CPU and wrk,
# one thread, on the others, so the load generator takes nothing from the server
# it measures: requests/s per server core, the usual way to compare servers. The
# shared figure above stays in the output beside it.
cpus=$(nproc)
pinned_wiremock='null'
pinned_lockstep='null'
if [[ $cpus -ge 2 ]] && command -v taskset >/dev/null; then
  server_cpu=$((cpus - 1))
  taskset -a -p -c "$server_cpu" "${pids[0]}" >/dev/null
  taskset -a -p -c "$server_cpu" "${pids[1]}" >/dev/null
  load_pinned() {  # name url
    curl -fs -X DELETE "$2/__admin/requests" >/dev/null 2>&1 || true
    taskset -c "0-$((server_cpu - 1))" wrk -t 1 -c "$connections" -d "$duration" --latency \
      -H "Authorization: Bearer $token" "$2/igloohome/devices" |
      python3 "$here/wrk_parse.py" "{\"server\": \"$1\", \"connections\": $connections, \"server_cpus\": 1}"
  }
  warm_up load_pinned "http://127.0.0.1:$wm_port"   # the JVM again, on its one core
  pinned_wiremock=$(best_of load_pinned wiremock "http://127.0.0.1:$wm_port")
  pinned_lockstep=$(best_of load_pinned lockstep "http://127.0.0.1:$mock_port")
fi
python3 - "$wiremock" "$lockstep_json" "$(basename "$jar")" "$pinned_wiremock" "$pinned_lockstep" > "$out" <<'PY'
import json, sys
wm, ls = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ratio = ls["requests_per_s"] / wm["requests_per_s"] if wm["requests_per_s"] else None
result = {"wiremock": wm, "lockstep": ls, "wiremock_jar": sys.argv[3], "ratio_lockstep_over_wiremock": ratio}
pwm, pls = json.loads(sys.argv[4]), json.loads(sys.argv[5])
if pwm and pls:
    result["one_core_each"] = {"wiremock": pwm, "lockstep": pls,
                               "ratio_lockstep_over_wiremock":
                                   pls["requests_per_s"] / pwm["requests_per_s"] if pwm["requests_per_s"] else None}
print(json.dumps(result, indent=1))
PY
cat "$out"
python3 - "$out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("lockstep mock / WireMock requests/s, sharing the cores with wrk: %.2fx" % r["ratio_lockstep_over_wiremock"])
if "one_core_each" in r:
    print("lockstep mock / WireMock requests/s, one server core each: %.2fx" % r["one_core_each"]["ratio_lockstep_over_wiremock"])
PY
