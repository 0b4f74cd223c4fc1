#!/usr/bin/env bash
# The analysts' and auditors' tools end to end (cli.md: replay, history, verify) on a
# data directory that a real `stockroom serve` fills over a real nats-server:
# - replay and verify while serve holds the directory under load; --follow picking up
#   what serve appends; CSV read back by Python's csv module;
# - the worked examples of docs/auditing.md and docs/analytics.md, taken from the docs
#   themselves and run as written, checked against independent computations;
# - clear one-line errors and exit codes; nothing an offline tool does changes the log.
set -euo pipefail
stockroom="$1"
docs="$(cd "$(dirname "$0")/../../docs" && pwd)"
source "$(dirname "$0")/lib.sh"
serve_pid=
load_pid=
follow_pid=
kill_at_exit follow_pid load_pid serve_pid
mkdir -p "$dir/bin"
ln -s "$stockroom" "$dir/bin/stockroom"
export PATH="$dir/bin:$PATH"
data="$dir/data"

start_nats
stockroom serve --data "$data" --nats "$url" --http off 2>"$dir/serve.log" &
serve_pid=$!
for _ in $(seq 300); do
  stockroom send --nats "$url" --timeout-ms 200 query.verify '{}' >/dev/null 2>&1 && break
  sleep 0.1
done

send() { stockroom send --nats "$url" "$@" >>"$dir/send.txt" || fail "send $*"; }
staff='"actor":{"id":"ops-1","role":"staff"}'
# A name that needs care in CSV and JSON: a comma, quotes, a line break, non-ASCII.
send cmd.product.define '{"command_id":"odd-1",'"$staff"',"sku":"ODD","name":"Tasse, \"gro\u00df\"\nzweite Zeile \u2615","price":{"amount":990,"currency":"EUR"}}'
send cmd.inventory.receive '{"command_id":"odd-2",'"$staff"',"sku":"ODD","quantity":3,"reference":"a,b \"c\""}'
stockroom demo --nats "$url" --load 300 >"$dir/demo.txt" || fail "demo"

# Under load: replay, history and a quick verify read a directory serve holds.
stockroom demo --nats "$url" --load 3000 >"$dir/demo-load.txt" &
load_pid=$!
sleep 0.5
stockroom replay --data "$data" >"$dir/live.jsonl" 2>"$dir/replay-live.log" || fail "replay beside serve"
n_live=$(wc -l <"$dir/live.jsonl")
[ "$n_live" -gt 100 ] || fail "replay beside serve wrote only $n_live events"
# Positions are 1..n without a gap, in order.
jq -r .position "$dir/live.jsonl" | awk '$1 != NR { exit 1 }' || fail "replay positions not 1..n"
stockroom verify --data "$data" --quick >"$dir/verify-live.txt" || fail "verify --quick beside serve"
stockroom history --data "$data" product-ODD >"$dir/history.txt" || fail "history beside serve"
grep -q 'StockReceived' "$dir/history.txt" || fail "history table"

# --follow: starts at the beginning and keeps up with serve until SIGINT.
stockroom replay --data "$data" --follow --type StockReceived >"$dir/follow.jsonl" 2>"$dir/follow.log" &
follow_pid=$!
wait "$load_pid" || fail "demo under load"
load_pid=
send cmd.inventory.receive '{"command_id":"late-1",'"$staff"',"sku":"ODD","quantity":7,"reference":"after follow started"}'
found=
for _ in $(seq 100); do
  grep -q '"command_id":"late-1"' "$dir/follow.jsonl" && { found=yes; break; }
  sleep 0.1
done
[ -n "$found" ] || fail "--follow did not show an event appended after it started"
kill -INT "$follow_pid"
wait "$follow_pid" || fail "replay --follow exited $? on SIGINT"
follow_pid=
stockroom replay --data "$data" --type StockReceived >"$dir/received.jsonl"
cmp -s "$dir/received.jsonl" "$dir/follow.jsonl" || fail "--follow output differs from a replay"

kill -TERM "$serve_pid"
wait "$serve_pid" || fail "serve exited $? after SIGTERM"
serve_pid=

# Offline from here: nothing below may change the directory.
snapshot() { (cd "$data" && find . -type f ! -name 'LOG*' -printf '%p %s %T@\n' | sort); }
snapshot >"$dir/before.txt"

stockroom replay --data "$data" >"$dir/all.jsonl"
last=$(tail -n 1 "$dir/all.jsonl")
head_pos=$(jq -r .position <<<"$last")
head_hash=$(jq -r .hash <<<"$last")
stockroom verify --data "$data" >"$dir/verify.txt" || fail "verify"
grep -q "^ok: $head_pos events; checked chain, table files, indexes, command records, commands recorded, view checkpoints, views, snapshots$" \
  "$dir/verify.txt" || fail "verify summary"
grep -q "^head $head_pos $head_hash$" "$dir/verify.txt" || fail "verify head"
stockroom verify --data "$data" --expect "$head_pos:$head_hash" >/dev/null || fail "--expect of the head"
out=$(stockroom verify --data "$data" --expect "$head_pos:$(printf '0%.0s' $(seq 64))") && fail "a wrong receipt passed"
grep -q "^FAIL receipt: " <<<"$out" || fail "receipt failure line"
grep -q "^first bad position: $head_pos$" <<<"$out" || fail "receipt first bad position"

# The worked examples, as the docs write them.
example() {  # example FILE NAME: the sh block after <!-- example: NAME -->
  awk -v name="$2" '
    $0 == "<!-- example: " name " -->" { armed = 1; next }
    armed && /^```sh$/ { inside = 1; next }
    inside && /^```$/ { exit }
    inside { print }' "$1"
}
run_example() {
  local script
  script=$(example "$1" "$2")
  [ -n "$script" ] || fail "no example $2 in $1"
  (cd "$dir" && DATA="$data" bash -euo pipefail -c "$script")
}
chain=$(run_example "$docs/auditing.md" chain-python) || fail "chain-python example"
[ "$chain" = "head $head_pos $head_hash" ] || fail "chain-python printed '$chain'"
one=$(run_example "$docs/auditing.md" chain-shell) || fail "chain-shell example"
[ "$one" = "position 2: $(sed -n 2p "$dir/all.jsonl" | jq -r .hash)" ] || fail "chain-shell printed '$one'"

units=$(run_example "$docs/analytics.md" units-per-day) || fail "units-per-day example"
units_expected=$(jq -rs '[.[] | select(.type == "StockShipped") | {day: .time[0:10], sku: .data.sku, q: .data.quantity}]
  | group_by([.day, .sku]) | .[] | "\(.[0].day),\(.[0].sku),\(map(.q) | add)"' "$dir/all.jsonl")
[ -n "$units_expected" ] || fail "the store shipped nothing"
[ "$units" = "$units_expected" ] || fail "units-per-day: '$units' vs '$units_expected'"
revenue=$(run_example "$docs/analytics.md" revenue-per-day) || fail "revenue-per-day example"
revenue_expected=$(jq -rs '[.[] | select(.type == "PaymentCaptured" or .type == "PaymentRefunded")
  | {day: .time[0:10], c: .data.amount.currency,
     a: ((if .type == "PaymentCaptured" then 1 else -1 end) * .data.amount.amount)}]
  | group_by([.day, .c]) | .[] | "\(.[0].day),\(.[0].c),\(map(.a) | add)"' "$dir/all.jsonl")
[ -n "$revenue_expected" ] || fail "the store captured nothing"
[ "$revenue" = "$revenue_expected" ] || fail "revenue-per-day: '$revenue' vs '$revenue_expected'"

# CSV, read back by a real CSV reader: one row per event, data equal to the JSON's.
stockroom replay --data "$data" --format csv --with-raw >"$dir/all.csv"
python3 - "$dir/all.csv" "$dir/all.jsonl" <<'PY' || fail "CSV read back"
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
events = [json.loads(line) for line in open(sys.argv[2], encoding="utf-8")]
assert rows[0] == ["position", "time", "stream", "version", "type", "command_id", "actor_id",
                   "actor_role", "hash", "data", "prev_hash", "record"], rows[0]
assert len(rows) == len(events) + 1, (len(rows), len(events))
for row, e in zip(rows[1:], events):
    assert int(row[0]) == e["position"] and row[1] == e["time"] and row[2] == e["stream"]
    assert row[4] == e["type"] and row[5] == e["command_id"] and row[8] == e["hash"]
    assert json.loads(row[9]) == e["data"], (row[9], e["data"])
odd = [e for e in events if e["stream"] == "product-ODD" and e["type"] == "ProductDefined"]
assert odd[0]["data"]["name"] == 'Tasse, "gro\u00df"\nzweite Zeile \u2615', odd[0]["data"]["name"]
PY

# history and --as-of.
stockroom history --data "$data" product-ODD --json >"$dir/odd.jsonl"
[ "$(wc -l <"$dir/odd.jsonl")" -eq 3 ] || fail "history --json of product-ODD"
first_receive=$(jq -r 'select(.type == "StockReceived") | .position' "$dir/odd.jsonl" | head -n 1)
asof=$(stockroom history --data "$data" product-ODD --as-of "$first_receive")
jq -e '.on_hand == 3 and .sku == "ODD"' <<<"$asof" >/dev/null || fail "--as-of position: $asof"
asof_time=$(stockroom history --data "$data" product-ODD --as-of "$(jq -r .time <<<"$(tail -n 1 "$dir/odd.jsonl")")")
jq -e '.on_hand == 10' <<<"$asof_time" >/dev/null || fail "--as-of time: $asof_time"

# Errors: one line on stderr, exit 1 for a failed operation, 2 for bad usage.
expect_exit() {  # expect_exit CODE PATTERN command...
  local code=$1 pattern=$2
  shift 2
  local got=0
  "$@" >/dev/null 2>"$dir/err.txt" || got=$?
  [ "$got" -eq "$code" ] || fail "$* exited $got, expected $code: $(cat "$dir/err.txt")"
  [ "$(wc -l <"$dir/err.txt")" -eq 1 ] || fail "$*: not one line: $(cat "$dir/err.txt")"
  grep -q -- "$pattern" "$dir/err.txt" || fail "$*: '$(cat "$dir/err.txt")' lacks '$pattern'"
}
mkdir -p "$dir/empty"
ln -s "$dir/nowhere" "$dir/dangling"
expect_exit 1 "does not exist" stockroom replay --data "$dir/missing"
expect_exit 1 "symbolic link" stockroom verify --data "$dir/dangling"
expect_exit 1 "not a Stockroom data directory" stockroom history --data "$dir/empty" order-x
expect_exit 2 "RFC 3339" stockroom replay --data "$data" --since yesterday
expect_exit 2 "not before" stockroom replay --data "$data" --since 2026-12-02 --until 2026-12-01
expect_exit 2 "after --to-position" stockroom replay --data "$data" --from-position 9 --to-position 3
expect_exit 2 "unknown event type" stockroom replay --data "$data" --type StockStolen
expect_exit 2 "unknown kind" stockroom replay --data "$data" --kind warehouse
expect_exit 2 "POSITION:HASH" stockroom verify --data "$data" --expect 12
expect_exit 1 "no events" stockroom history --data "$data" order-nobody
expect_exit 2 "neither a position" stockroom history --data "$data" product-ODD --as-of soon
[ ! -e "$dir/missing" ] || fail "an offline tool created the missing directory"

snapshot >"$dir/after.txt"
cmp -s "$dir/before.txt" "$dir/after.txt" || fail "offline tools changed the data directory: $(diff "$dir/before.txt" "$dir/after.txt")"
echo ok
