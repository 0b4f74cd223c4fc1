#!/usr/bin/env bash
# follow_load: does a `stockroom replay --follow` beside serve slow serve down?
# Starts `serve --durability sync` on a fresh directory against the given nats-server,
# then alternates, ROUNDS times: `stockroom demo --load N` alone, and the same with a
# `replay --follow --from-position <head+1> > /dev/null` running on the same directory
# (started a second before, stopped with SIGINT after). Prints each load's line (rate,
# p50, p99) and the follower's CPU seconds. Used by scripts/bench; no thresholds.
#
#   bench/follow_load.sh STOCKROOM_BIN NATS_URL [N] [ROUNDS]
set -euo pipefail
bin=${1:?the stockroom binary}
url=${2:?a nats-server URL}
n=${3:-20000}
rounds=${4:-5}
dir=$(mktemp -d "${TMPDIR:-/tmp}/stockroom-follow-load-XXXXXX")
prefix="follow$$"
serve_pid=
follow_pid=
cleanup() {
  [ -n "$follow_pid" ] && kill -9 "$follow_pid" 2>/dev/null || true
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

"$bin" serve --data "$dir/data" --nats "$url" --prefix "$prefix" --http off 2>/dev/null &
serve_pid=$!
for _ in $(seq 100); do
  "$bin" send --nats "$url" --prefix "$prefix" --timeout-ms 200 query.verify '{}' >/dev/null 2>&1 && break
  sleep 0.1
done
load() { "$bin" demo --nats "$url" --prefix "$prefix" --load "$1" | grep "commands in" | sed 's/^ *//'; }
load 2000 >/dev/null  # the demo's store and a first log
for round in $(seq "$rounds"); do
  echo "round $round alone:  $(load "$n")"
  head=$("$bin" send --nats "$url" --prefix "$prefix" query.verify '{}' | jq .head_position)
  "$bin" replay --data "$dir/data" --follow --from-position $((head + 1)) >/dev/null 2>&1 &
  follow_pid=$!
  sleep 1
  line=$(load "$n")
  cpu=$(awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$follow_pid/stat")
  kill -INT "$follow_pid"
  wait "$follow_pid" || true
  follow_pid=
  echo "round $round follow: $line; follower CPU ${cpu} s"
done
