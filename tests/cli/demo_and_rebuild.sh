#!/usr/bin/env bash
# The demo runs to the end on a fresh data dir, and `stockroom rebuild` then rebuilds
# its views from the log, all and one (byte equality is views_test.cc's job).
set -euo pipefail
stockroom="$1"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT

"$stockroom" demo --data "$dir/data" --reservation-ttl-ms 100 >"$dir/demo.txt"
grep -q '^  stock  LAMP .*"available":2,' "$dir/demo.txt" || { cat "$dir/demo.txt"; exit 1; }
grep -q 'hash chain verified over' "$dir/demo.txt"

"$stockroom" rebuild --data "$dir/data" >"$dir/all.txt"
grep -q '^rebuilt 4 view(s) (order, stock, rating, cart): ' "$dir/all.txt" || { cat "$dir/all.txt"; exit 1; }
"$stockroom" rebuild --data "$dir/data" --view rating >"$dir/one.txt"
grep -q '^rebuilt 1 view(s) (rating): ' "$dir/one.txt" || { cat "$dir/one.txt"; exit 1; }
if "$stockroom" rebuild --data "$dir/data" --view nonsense 2>/dev/null; then
  echo "an unknown view was accepted"; exit 1
fi
echo ok
