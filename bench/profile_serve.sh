#!/usr/bin/env bash
# The CPU profile of serve under the NATS receipts load (docs/benchmarks.md): starts a
# nats-server on a free loopback port, runs `nats_bench compare` (64 clients, sync,
# 8 s) under `perf record -g -a`, stops the server by pid, and prints the top frames
# of serve's threads (self time, relative to serve's samples).
#
#   bench/profile_serve.sh BUILD_DIR OUT_PREFIX [--dwarf]
#     BUILD_DIR   a Release build (build-release)
#     OUT_PREFIX  OUT_PREFIX.data (perf), .bench.txt, .top.txt are written
#     --dwarf     instead: DWARF call graphs of serve alone for 4 s of the run, and the
#                 top frames with their children (where the time goes, by caller)
#
# Needs perf (Debian linux-perf) and nats-server. A profile, not a benchmark: the
# figures of record come from scripts/bench.
set -euo pipefail
bin=${1:?usage: bench/profile_serve.sh BUILD_DIR OUT_PREFIX [--dwarf]}
out=${2:?usage: bench/profile_serve.sh BUILD_DIR OUT_PREFIX [--dwarf]}
mode=${3:-}
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nats-server -a 127.0.0.1 -p "$port" >/dev/null 2>&1 &
nats_pid=$!
trap 'kill "$nats_pid" 2>/dev/null || true' EXIT
sleep 0.5
bench=("$bin/bench/nats_bench" compare --url "nats://127.0.0.1:$port" --stockroom "$bin/stockroom"
  --clients 64 --seconds 8 --durability sync --out "$out.runs.jsonl")
report=(perf report -i "$out.data" --comm stockroom --percentage relative --sort sym -g none)
if [ "$mode" = --dwarf ]; then
  "${bench[@]}" >"$out.bench.txt" 2>&1 &
  bench_pid=$!
  sleep 3
  serve_pid=$(pgrep -f "$bin/stockroom serve" | head -1)
  perf record --call-graph dwarf,16384 -F 299 -p "$serve_pid" -o "$out.data" -- sleep 4 2>/dev/null
  wait "$bench_pid"
  "${report[@]}" --children --percent-limit 2 2>/dev/null | grep -v '^#' | grep -v '^$' >"$out.top.txt"
else
  perf record -F 999 -g -a -o "$out.data" -- "${bench[@]}" >"$out.bench.txt" 2>&1
  "${report[@]}" --no-children 2>/dev/null | grep -v '^#' | grep -v '^$' | head -25 >"$out.top.txt"
fi
grep -h receipts "$out.bench.txt" || true
cat "$out.top.txt"
