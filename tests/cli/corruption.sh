#!/usr/bin/env bash
# Corruption on open, end to end (docs/storage.md, "Corruption on open"): a data
# directory made by two runs of `stockroom serve` (the first run's events in table files,
# the second's in the write-ahead log), then, each on a fresh copy: a WAL cut in half, a
# WAL torn at its end by a crash, a damaged WAL record, damaged table files, a missing
# table file, MANIFEST, CURRENT or WAL. Each refusal is exit 1 with "DIR is damaged:
# <what>" on stderr from serve and from verify, no crash, and nothing that answers as if
# the log were whole; a torn tail after kill -9 is the one thing opened.
set -euo pipefail
stockroom="$1"
source "$(dirname "$0")/lib.sh"
serve_pid=
kill_at_exit serve_pid
start_nats

serve_on() {  # DATA: starts serve on it and waits until it answers
  "$stockroom" serve --data "$1" --nats "$url" --http off 2>>"$dir/serve.log" &
  serve_pid=$!
  for _ in $(seq 300); do
    "$stockroom" send --nats "$url" --timeout-ms 200 query.head '{}' >/dev/null 2>&1 && return 0
    kill -0 "$serve_pid" 2>/dev/null || fail "serve on $1 exited"
    sleep 0.1
  done
  fail "serve on $1 did not answer"
}
stop_serve() {
  kill -TERM "$serve_pid"
  wait "$serve_pid" || fail "serve exited $? after SIGTERM"
  serve_pid=
}
crash_serve() {
  kill -9 "$serve_pid"
  wait "$serve_pid" 2>/dev/null || true
  serve_pid=
}
define() {  # ID: one command, acknowledged (exit 0) once durable
  "$stockroom" send --nats "$url" cmd.product.define \
    "{\"command_id\":\"$1\",\"actor\":{\"id\":\"ops\",\"role\":\"staff\"},\"sku\":\"$1\",\"name\":\"x\",\"price\":{\"amount\":1,\"currency\":\"EUR\"}}" \
    >/dev/null || fail "define $1"
}
copy() { rm -rf "$dir/$1" && cp -a "$dir/base" "$dir/$1" && rm -f "$dir/$1/LOCK"; }
listing() { (cd "$1" && find . ! -name 'LOG*' -printf '%p %s\n' | sort); }
newest_wal() { find "$1" -name '*.log' | sort | tail -n 1; }
largest_sst() { find "$1" -name '*.sst' -printf '%s %p\n' | sort -n | tail -n 1 | cut -d' ' -f2; }
damage() {  # FILE OFFSET: 16 bytes that were not there
  printf 'XXXXXXXXXXXXXXXX' | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
no_crash() {  # FILE: no signal death or sanitizer report in a command's output
  if grep -Eq 'Segmentation fault|Aborted|core dumped|terminate called|Sanitizer|runtime error' "$1"; then
    fail "a crash in $1: $(cat "$1")"
  fi
}
# refused CASE DATA PHRASE: serve and verify both exit 1, each with one line on stderr
# saying "DATA is damaged: PHRASE…"; verify prints no "ok"; serve never opened.
refused() {
  local rc=0
  timeout 30 "$stockroom" serve --data "$2" --nats "$url" --http off \
    >"$dir/$1-serve.out" 2>"$dir/$1-serve.txt" || rc=$?
  no_crash "$dir/$1-serve.txt"
  [ "$rc" -eq 1 ] || fail "$1: serve exited $rc, expected 1"
  grep -F "stockroom serve: cannot open the data directory: $2 is damaged: $3" \
    "$dir/$1-serve.txt" >/dev/null || fail "$1: serve's message, expected \"$3\""
  ! grep -q '"event":"engine_open"' "$dir/$1-serve.txt" || fail "$1: serve opened"
  rc=0
  "$stockroom" verify --data "$2" >"$dir/$1-verify.out" 2>"$dir/$1-verify.txt" || rc=$?
  no_crash "$dir/$1-verify.txt"
  [ "$rc" -eq 1 ] || fail "$1: verify exited $rc, expected 1"
  [ "$(wc -l <"$dir/$1-verify.txt")" -eq 1 ] || fail "$1: not one line from verify"
  grep -F "stockroom verify: cannot open $2: $2 is damaged: $3" "$dir/$1-verify.txt" \
    >/dev/null || fail "$1: verify's message, expected \"$3\""
  ! grep -q '^ok' "$dir/$1-verify.out" || fail "$1: verify said ok"
}
opened_head() {  # the head serve's last engine_open in serve.log reported
  grep '"event":"engine_open"' "$dir/serve.log" | tail -n 1 | sed 's/.*"head":\([0-9]*\).*/\1/'
}
verify_ok() {  # DATA: verify passes; prints the head "POSITION HASH"
  "$stockroom" verify --data "$1" >"$dir/ok.out" 2>&1 || fail "verify of $1: $(cat "$dir/ok.out")"
  sed -n 's/^head \([0-9]*\) \([0-9a-f]*\)$/\1 \2/p' "$dir/ok.out"
}

# The history: the second open's recovery moves the first run's events from the WAL
# into table files; the second run's stay in the WAL, which serve's clean stop syncs
# and whose head it records in CLEAN_STOP.
serve_on "$dir/base"
"$stockroom" demo --nats "$url" --load 100 >"$dir/demo1.txt" 2>&1 || fail "demo 1"
stop_serve
serve_on "$dir/base"
"$stockroom" demo --nats "$url" --load 400 >"$dir/demo2.txt" 2>&1 || fail "demo 2"
stop_serve
[ -n "$(find "$dir/base" -name '*.sst')" ] || fail "no table files"
wal=$(newest_wal "$dir/base")
wal_size=$(stat -c %s "$wal")
[ "$wal_size" -gt 98304 ] || fail "the WAL ($wal_size bytes) spans fewer than four 32 KiB blocks"
[ -f "$dir/base/CLEAN_STOP" ] || fail "no clean-stop record"
read -r head head_hash < <(verify_ok "$dir/base")
[ "$head" -gt 300 ] || fail "only $head events"

# 1. The WAL cut in half after a clean stop. RocksDB alone would open the half (it
# cannot tell a cut from a crash's torn last write) and verify would pass it.
copy cut
truncate -s $((wal_size / 2)) "$(newest_wal "$dir/cut")"
before=$(listing "$dir/cut")
refused cut "$dir/cut" "it was stopped cleanly at position $head, but its log now ends at position "
[ "$(listing "$dir/cut")" = "$before" ] || fail "the refused directory changed"
# Deleting the record is the operator accepting the loss; a kept receipt still shows it.
rm "$dir/cut/CLEAN_STOP"
read -r cut_head _ < <(verify_ok "$dir/cut")
[ "$cut_head" -lt "$head" ] || fail "the cut lost nothing"
if "$stockroom" verify --data "$dir/cut" --expect "$head:$head_hash" >"$dir/receipt.out" 2>&1; then
  fail "a receipt of a lost event passed"
fi
no_crash "$dir/receipt.out"

# 2. kill -9: every acknowledged command is there. Then the same crash with the last
# record half written, as a crash in the middle of its append leaves it: opened
# without that write alone (in sync durability it was not acknowledged yet).
copy crash
serve_on "$dir/crash"
for i in 1 2 3 4; do define "crash-$i"; done
crash_wal=$(newest_wal "$dir/crash")
before_last=$(stat -c %s "$crash_wal")
define crash-5
after_last=$(stat -c %s "$crash_wal")
[ "$after_last" -gt "$before_last" ] || fail "the last command wrote nothing to $crash_wal"
crash_serve
[ ! -f "$dir/crash/CLEAN_STOP" ] || fail "a clean-stop record after kill -9"
rm -rf "$dir/torn" && cp -a "$dir/crash" "$dir/torn"
serve_on "$dir/crash"
[ "$(opened_head)" -eq $((head + 5)) ] || fail "after kill -9: head $(opened_head), not $((head + 5))"
stop_serve
verify_ok "$dir/crash" >/dev/null
truncate -s $((before_last + (after_last - before_last) / 2)) "$dir/torn/$(basename "$crash_wal")"
serve_on "$dir/torn"
[ "$(opened_head)" -eq $((head + 4)) ] || fail "torn tail: head $(opened_head), not $((head + 4))"
stop_serve
verify_ok "$dir/torn" >/dev/null

# 3. A damaged record in the WAL (a block that is not its last): refused after a clean
# stop and after a crash. RocksDB's default recovery would stop before it silently.
copy badwal
damage "$(newest_wal "$dir/badwal")" $((32768 + 1000))
refused badwal "$dir/badwal" "a record in a write-ahead log (*.log) is corrupt"
rm "$dir/badwal/CLEAN_STOP"
refused badwal-crashed "$dir/badwal" "a record in a write-ahead log (*.log) is corrupt"

# 4. A damaged data block: open does not read it (reads check each block they load);
# whatever reads it answers an error naming the file, and verify fails. Then each table
# file damaged in its middle, where no event read may go: verify never passes it.
copy badsst
sst=$(largest_sst "$dir/badsst")
damage "$sst" 100
serve_on "$dir/badsst"
"$stockroom" send --nats "$url" query.events '{"from_position":1,"limit":1000}' \
  >"$dir/events.txt" 2>&1 && fail "query.events over a damaged block succeeded"
grep -q '"code":"INVALID_STATE".*Corruption.*'"$(basename "$sst")" "$dir/events.txt" ||
  fail "query.events: $(cat "$dir/events.txt")"
"$stockroom" send --nats "$url" query.verify '{}' >"$dir/qverify.txt" 2>&1 || true
grep -q '"code":"INVALID_STATE".*Corruption' "$dir/qverify.txt" ||
  fail "query.verify: $(cat "$dir/qverify.txt")"
stop_serve
rc=0
"$stockroom" verify --data "$dir/badsst" >"$dir/badsst.out" 2>"$dir/badsst.txt" || rc=$?
no_crash "$dir/badsst.txt"
[ "$rc" -eq 1 ] || fail "verify of a damaged table file exited $rc"
grep -q "Corruption: block checksum mismatch.*$(basename "$sst")" "$dir/badsst.txt" ||
  fail "verify's message: $(cat "$dir/badsst.txt")"
for sst in $(find "$dir/base" -name '*.sst' | sort); do
  copy onesst
  name=$(basename "$sst")
  damage "$dir/onesst/$name" $(($(stat -c %s "$sst") / 2))
  rc=0
  "$stockroom" verify --data "$dir/onesst" >"$dir/onesst.out" 2>"$dir/onesst.txt" || rc=$?
  no_crash "$dir/onesst.txt"
  [ "$rc" -eq 1 ] || fail "verify passed $name damaged: $(cat "$dir/onesst.out")"
  grep -q "Corruption.*$name" "$dir/onesst.out" "$dir/onesst.txt" ||
    fail "verify of $name damaged: $(cat "$dir/onesst.out" "$dir/onesst.txt")"
done

# 5. Missing files.
copy nosst
sst=$(largest_sst "$dir/nosst")
rm "$sst"
refused nosst "$dir/nosst" "its table file $(basename "$sst"), which its MANIFEST lists, is missing"

copy nomanifest
manifest=$(cat "$dir/nomanifest/CURRENT")
rm "$dir/nomanifest/$manifest"
refused nomanifest "$dir/nomanifest" "its $manifest, which CURRENT names, is missing"

# Without CURRENT, RocksDB took the store for a new one: serve wrote a new MANIFEST
# and CURRENT, and the next serve deleted every table file. Now nothing changes.
copy nocurrent
rm "$dir/nocurrent/CURRENT"
before=$(listing "$dir/nocurrent")
refused nocurrent "$dir/nocurrent" "it holds a RocksDB store's files ("
refused nocurrent-again "$dir/nocurrent" "it holds a RocksDB store's files ("
grep -q "but no CURRENT file" "$dir/nocurrent-serve.txt" || fail "nocurrent: CURRENT not named"
[ "$(listing "$dir/nocurrent")" = "$before" ] || fail "the directory without CURRENT changed"
echo "$manifest" >"$dir/nocurrent/CURRENT"  # the repair docs/storage.md describes
[ "$(verify_ok "$dir/nocurrent")" = "$head $head_hash" ] || fail "the repaired store's head"

copy nowal
rm "$(newest_wal "$dir/nowal")"
refused nowal "$dir/nowal" "it was stopped cleanly at position $head, but its log now ends at position "
echo "corruption: ok"
