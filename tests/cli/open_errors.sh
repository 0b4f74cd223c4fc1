#!/usr/bin/env bash
# `stockroom serve --data` that cannot be opened says what is wrong, exit 1: a dangling
# symlink, a file, a missing parent, and a directory another serve process holds.
# No nats-server is needed: serve keeps trying to connect in the background.
set -euo pipefail
stockroom="$1"
dir="$(mktemp -d)"
holder=
cleanup() {
  [ -n "$holder" ] && kill -9 "$holder" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAILED: $*"; cat "$dir/err.txt" 2>/dev/null; exit 1; }
nowhere="nats://127.0.0.1:1"

expect_refusal() {  # <data dir> <expected text on the one stockroom line>
  local rc=0
  "$stockroom" serve --data "$1" --nats "$nowhere" --http off 2>"$dir/err.txt" || rc=$?
  [ "$rc" -eq 1 ] || fail "--data $1: exit $rc, expected 1"
  grep -F "stockroom serve: cannot open the data directory: $2" "$dir/err.txt" >/dev/null ||
    fail "--data $1: expected \"$2\""
  if grep -q "another serve" "$dir/err.txt" && [ "$3" != lock ]; then
    fail "--data $1: blames another serve"
  fi
}

ln -s "$dir/nowhere" "$dir/dangling"
expect_refusal "$dir/dangling" "$dir/dangling is a symbolic link to $dir/nowhere, which does not exist" path
: >"$dir/file"
expect_refusal "$dir/file" "$dir/file exists and is not a directory" path
expect_refusal "$dir/missing/data" \
  "the parent directory $dir/missing of $dir/missing/data does not exist" path

"$stockroom" serve --data "$dir/data" --nats "$nowhere" --http off 2>"$dir/holder.log" &
holder=$!
for _ in $(seq 100); do
  grep -q engine_open "$dir/holder.log" && break
  sleep 0.1
done
grep -q '"event":"engine_open"' "$dir/holder.log" || fail "the first serve did not open"
expect_refusal "$dir/data" "$dir/data is in use by another process" lock
echo "open errors: ok"
