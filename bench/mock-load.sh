#!/usr/bin/env bash
# Loads `lockstep mock` over loopback HTTP with keep-alive: wrk (2 threads) on
# GET /igloohome/devices with a valid bearer token, over 1, 16, 64 and 256
# connections. Writes one JSON line per connection count to $2.
#   bench/mock-load.sh <lockstep binary> <out.json>
set -euo pipefail
lockstep=$1
out=$2
duration=${LOCKSTEP_BENCH_DURATION:-10s}
here=$(cd "$(dirname "$0")" && pwd)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
"$lockstep" mock --port "$port" --threads 2 >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -f "$log"' EXIT
base=http://127.0.0.1:$port
for _ in $(seq 100); do curl -fs "$base/__admin/health" >/dev/null 2>&1 && break; sleep 0.1; done
token=$(curl -fs -u demo-client:demo-secret -d grant_type=client_credentials "$base/oauth2/token" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
: > "$out"
for connections in 1 16 64 256; do
  curl -fs -X DELETE "$base/__admin/requests" >/dev/null || true  # the journal would grow with every run
  threads=$((connections < 2 ? 1 : 2))
  wrk -t "$threads" -c "$connections" -d "$duration" --latency -H "Authorization: Bearer $token" \
      "$base/igloohome/devices" | tee /dev/stderr |
    python3 "$here/wrk_parse.py" "{\"connections\": $connections, \"server_threads\": 2, \"path\": \"/igloohome/devices\"}" >> "$out"
done
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
echo "{\"mock_peak_rss_kb\": $rss_kb}" >> "$out"
cat "$out"
