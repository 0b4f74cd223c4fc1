#!/usr/bin/env bash
# `stockroom serve --actor-map FILE` (or STOCKROOM_ACTOR_MAP) with a file that does not
# load: exit 1, one line naming the file and the problem, the data directory untouched.
# No nats-server is needed: the map is read before serve connects.
set -euo pipefail
stockroom="$1"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAILED: $*"; cat "$dir/err.txt" 2>/dev/null; exit 1; }
nowhere="nats://127.0.0.1:1"

expect_refusal() {  # <map file> <expected text after "stockroom serve: --actor-map: ">
  local rc=0
  "$stockroom" serve --data "$dir/data" --nats "$nowhere" --http off --actor-map "$1" \
    2>"$dir/err.txt" || rc=$?
  [ "$rc" -eq 1 ] || fail "--actor-map $1: exit $rc, expected 1"
  [ "$(grep -c -F "stockroom serve: --actor-map: $2" "$dir/err.txt")" -eq 1 ] ||
    fail "--actor-map $1: expected one line \"$2\""
  [ ! -e "$dir/data" ] || fail "--actor-map $1: the data directory was created"
}

expect_refusal "$dir/none.json" "actor map $dir/none.json: cannot read: No such file or directory"
echo '{"own_account": "trust", "identities": [' >"$dir/cut.json"
expect_refusal "$dir/cut.json" "actor map $dir/cut.json: not JSON at offset"
echo '{"own_account": "trust", "identities": [{"account": "A", "roles": ["admin"], "actors": ["*"]}]}' \
  >"$dir/role.json"
expect_refusal "$dir/role.json" \
  "actor map $dir/role.json: identities[0]: unknown role \"admin\" (customer, staff or service)"
echo '{"identities": []}' >"$dir/own.json"
expect_refusal "$dir/own.json" "actor map $dir/own.json: \"own_account\" must be"

# The environment names the file as the flag does.
rc=0
STOCKROOM_ACTOR_MAP="$dir/role.json" "$stockroom" serve --data "$dir/data" --nats "$nowhere" \
  --http off 2>"$dir/err.txt" || rc=$?
[ "$rc" -eq 1 ] || fail "STOCKROOM_ACTOR_MAP: exit $rc, expected 1"
grep -q -F "stockroom serve: --actor-map: actor map $dir/role.json: identities[0]" "$dir/err.txt" ||
  fail "STOCKROOM_ACTOR_MAP: not named"
echo "actor map errors: ok"
