#!/usr/bin/env bash
# `stockroom checkpoint` and `stockroom restore` end to end: a checkpoint asked of a
# running serve under load (the admin subject), whose copy serve then runs on with the
# same head; an offline checkpoint; a restore that serve runs on; and the refusals
# (non-empty targets, a directory that is not a log, no serve answering), each exit 1
# with one line on stderr and nothing changed.
set -euo pipefail
stockroom="$1"
source "$(dirname "$0")/lib.sh"
serve_pid=
demo_pid=
kill_at_exit demo_pid serve_pid

start_nats

# serve PREFIX DATA: starts serve in the background and waits until it answers.
serve() {
  "$stockroom" serve --data "$2" --nats "$url" --prefix "$1" --http off 2>>"$dir/serve-$1.log" &
  serve_pid=$!
  for _ in $(seq 300); do
    "$stockroom" send --nats "$url" --prefix "$1" --timeout-ms 200 query.verify '{}' >/dev/null 2>&1 &&
      return 0
    sleep 0.1
  done
  fail "serve --prefix $1 did not answer"
}
stop_serve() {
  kill -TERM "$serve_pid"
  wait "$serve_pid" || fail "serve exited $?"
  serve_pid=
}
# verify PREFIX: "POSITION HASH" of the head, after checking that the chain verifies.
verify() {
  local reply
  reply=$("$stockroom" send --nats "$url" --prefix "$1" query.verify '{}') || fail "verify $1"
  grep -q '"ok":true' <<<"$reply" || fail "the chain of $1 does not verify: $reply"
  sed -n 's/.*"head_position":\([0-9]*\),"head_hash":"\([0-9a-f]*\)".*/\1 \2/p' <<<"$reply"
}
# printed FILE: "POSITION HASH" from a checkpoint's or restore's line.
printed() { sed -n 's/.*head position \([0-9]*\), hash \([0-9a-f]*\).*/\1 \2/p' "$1"; }
listing() { (cd "$1" && find . -printf '%p %s\n' | sort); }
# refused WHAT FILE: the command exited 1 with one line on stderr.
refused() {
  [ "$(wc -l <"$2")" -eq 1 ] || fail "$1: not one line on stderr"
}

# 1. Asked of the running serve while a load runs.
serve shop "$dir/data"
"$stockroom" demo --nats "$url" --prefix shop --load 3000 >"$dir/demo.txt" 2>&1 &
demo_pid=$!
while :; do
  head=$(verify shop | cut -d' ' -f1)
  [ "${head:-0}" -gt 200 ] && break
  kill -0 "$demo_pid" 2>/dev/null || fail "demo ended before the checkpoint"
  sleep 0.05
done
"$stockroom" checkpoint --data "$dir/data" --nats "$url" --prefix shop "$dir/live" \
  >"$dir/live.txt" 2>"$dir/live-err.txt" || fail "checkpoint of a running serve exited $?"
grep -q 'by the serve running on it' "$dir/live.txt" || fail "not asked of serve"
read -r live_position live_hash < <(printed "$dir/live.txt")
wait "$demo_pid" || fail "demo exited $?"
demo_pid=
read -r final_position final_hash < <(verify shop)
[ "$final_position" -gt "$live_position" ] || fail "the load did not go on past the checkpoint"

# With the wrong prefix nobody answers for the directory: exit 1, one line, no copy.
if "$stockroom" checkpoint --data "$dir/data" --nats "$url" --prefix other --timeout-ms 300 \
  "$dir/nobody" 2>"$dir/nobody.txt"; then fail "a checkpoint nobody wrote succeeded"; fi
refused "no serve" "$dir/nobody.txt"
grep -q 'in use by a running serve.*--prefix' "$dir/nobody.txt" || fail "no-serve message"
[ ! -e "$dir/nobody" ] || fail "a copy appeared"
stop_serve

# The live copy: serve runs on it with the head it was taken at and takes a command.
serve live "$dir/live"
[ "$(verify live)" = "$live_position $live_hash" ] || fail "the live copy's head"
"$stockroom" send --nats "$url" --prefix live cmd.product.define \
  '{"command_id":"def-copy","actor":{"id":"ops","role":"staff"},"sku":"COPY","name":"Copy","price":{"amount":1,"currency":"EUR"}}' \
  >"$dir/define.txt" || fail "a command on the copy"
grep -q "\"position\":$((live_position + 1))," "$dir/define.txt" || fail "position after the copy"
stop_serve

# 2. Offline (nobody holds the directory), then restored, and serve runs on the restore.
before=$(listing "$dir/data")
"$stockroom" checkpoint --data "$dir/data" "$dir/offline" >"$dir/offline.txt" ||
  fail "offline checkpoint exited $?"
grep -q '(offline)' "$dir/offline.txt" || fail "not offline"
[ "$(printed "$dir/offline.txt")" = "$final_position $final_hash" ] || fail "offline head"
[ "$(listing "$dir/data")" = "$before" ] || fail "the offline checkpoint changed the data dir"
mkdir "$dir/restored"
"$stockroom" restore "$dir/offline" --data "$dir/restored" >"$dir/restore.txt" ||
  fail "restore exited $?"
[ "$(printed "$dir/restore.txt")" = "$final_position $final_hash" ] || fail "restored head"
grep -q 'files linked' "$dir/restore.txt" || fail "restore summary"
serve restored "$dir/restored"
[ "$(verify restored)" = "$final_position $final_hash" ] || fail "serve on the restore"
stop_serve

# 3. Refusals: exit 1, one line, nothing changed.
before=$(listing "$dir/offline")
if "$stockroom" checkpoint --data "$dir/data" "$dir/offline" 2>"$dir/err1.txt"; then
  fail "a checkpoint into a non-empty directory succeeded"
fi
refused "non-empty target" "$dir/err1.txt"
grep -q 'not empty' "$dir/err1.txt" || fail "non-empty target message"
[ "$(listing "$dir/offline")" = "$before" ] || fail "the refused target changed"
before=$(listing "$dir/restored")
if "$stockroom" restore "$dir/offline" --data "$dir/restored" 2>"$dir/err2.txt"; then
  fail "a restore into a non-empty directory succeeded"
fi
refused "non-empty data dir" "$dir/err2.txt"
[ "$(listing "$dir/restored")" = "$before" ] || fail "the refused data dir changed"
mkdir "$dir/notes" && echo x >"$dir/notes/todo.txt"
if "$stockroom" restore "$dir/notes" --data "$dir/r2" 2>"$dir/err3.txt"; then
  fail "a restore from a directory that is not a log succeeded"
fi
refused "not a log (restore)" "$dir/err3.txt"
grep -q 'not a Stockroom log' "$dir/err3.txt" || fail "not-a-log message"
[ ! -e "$dir/r2" ] && [ ! -e "$dir/notes/LOCK" ] || fail "the refused restore left something"
if "$stockroom" checkpoint --data "$dir/notes" "$dir/c3" 2>"$dir/err4.txt"; then
  fail "a checkpoint of a directory that is not a log succeeded"
fi
refused "not a log (checkpoint)" "$dir/err4.txt"
[ ! -e "$dir/c3" ] || fail "a copy of a non-log appeared"

# Usage: --help exits 0, a missing argument 2.
"$stockroom" checkpoint --help >/dev/null || fail "checkpoint --help"
"$stockroom" restore --help >/dev/null || fail "restore --help"
set +e
"$stockroom" checkpoint --data "$dir/data" 2>/dev/null; code1=$?
"$stockroom" restore "$dir/offline" 2>/dev/null; code2=$?
set -e
[ "$code1" -eq 2 ] && [ "$code2" -eq 2 ] || fail "usage errors exit $code1, $code2 (want 2)"
echo ok
