#!/usr/bin/env bash
# The command line end to end: a nats-server on a free loopback port, `stockroom
# serve` on a fresh data dir, `stockroom demo` and `stockroom send` against it,
# SIGTERM (serve must exit 0), then `stockroom rebuild` on the same data dir, offline
# (byte equality of rebuilt views is views_test.cc's job).
set -euo pipefail
stockroom="$1"
source "$(dirname "$0")/lib.sh"
serve_pid=
kill_at_exit serve_pid

start_nats
"$stockroom" serve --data "$dir/data" --nats "$url" --http off 2>"$dir/serve.log" &
serve_pid=$!
for _ in $(seq 300); do
  "$stockroom" send --nats "$url" --timeout-ms 200 query.verify '{}' >/dev/null 2>&1 && break
  sleep 0.1
done

"$stockroom" demo --nats "$url" --load 200 >"$dir/demo.txt" || fail "demo exited $?"
grep -q -- '-> 3 orders for 3 lamps' "$dir/demo.txt" || fail "race"
grep -q '^  stock  {"sku":"LAMP-[0-9a-f]*",.*"on_hand":2,"reserved":1,"available":1,' "$dir/demo.txt" ||
  fail "stock view"
grep -q '(duplicate: nothing written)' "$dir/demo.txt" || fail "duplicate"
grep -q '200 commands in .* 0 not ok' "$dir/demo.txt" || fail "load"
"$stockroom" send --nats "$url" query.verify '{}' >"$dir/verify.txt" || fail "send"
grep -q '"ok":true' "$dir/verify.txt" || fail "verify"
if "$stockroom" send --nats "$url" cmd.inventory.receive '{"x":1}' >"$dir/refused.txt"; then
  fail "a refused command must exit 1"
fi
grep -q '"code":"MALFORMED"' "$dir/refused.txt" || fail "refusal printed"

kill -TERM "$serve_pid"
wait "$serve_pid" || fail "serve exited $? after SIGTERM"
serve_pid=
grep -q '"event":"stopped","drained":true' "$dir/serve.log" || fail "drained"

# The TOML file's [serve] section configures serve; the environment fills the rest.
printf '[serve]\nprefix = "fromfile"\nhttp = "off"\ndata = "%s"\n' "$dir/cfgdata" >"$dir/serve.toml"
STOCKROOM_NATS="$url" "$stockroom" --config "$dir/serve.toml" serve 2>"$dir/serve-config.log" &
serve_pid=$!
answered=
for _ in $(seq 300); do
  if "$stockroom" send --nats "$url" --prefix fromfile --timeout-ms 200 query.verify '{}' \
    >/dev/null 2>&1; then answered=yes; break; fi
  sleep 0.1
done
[ -n "$answered" ] || fail "serve configured by file"
[ -d "$dir/cfgdata" ] || fail "data dir from the file"
kill -TERM "$serve_pid"
wait "$serve_pid" || fail "serve (config) exited $?"
serve_pid=

"$stockroom" rebuild --data "$dir/data" >"$dir/all.txt" || fail "rebuild"
grep -q '^rebuilt 4 view(s) (order, stock, rating, cart): ' "$dir/all.txt" || fail "rebuild all"
"$stockroom" rebuild --data "$dir/data" --view rating >"$dir/one.txt" || fail "rebuild one"
grep -q '^rebuilt 1 view(s) (rating): ' "$dir/one.txt" || fail "rebuild rating"
if "$stockroom" rebuild --data "$dir/data" --view nonsense 2>/dev/null; then
  fail "an unknown view was accepted"
fi
# A mistyped directory is refused, not created as an empty store.
if "$stockroom" rebuild --data "$dir/no-such-dir" 2>"$dir/rebuild-missing.txt"; then
  fail "rebuild of a missing directory succeeded"
fi
grep -q "does not exist" "$dir/rebuild-missing.txt" || fail "rebuild's message for a missing dir"
[ ! -e "$dir/no-such-dir" ] || fail "rebuild created the missing directory"
echo ok
