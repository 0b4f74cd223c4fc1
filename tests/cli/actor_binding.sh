#!/usr/bin/env bash
# `stockroom serve --actor-map` end to end through the binary: nats-server from
# docs/security/actor-binding.conf, serve in the STOCKROOM account with the map
# docs/security/actor-binding.json, `stockroom send` as users of the other accounts.
set -euo pipefail
stockroom="$1"
docs="$(cd "$(dirname "$0")/../../docs/security" && pwd)"
source "$(dirname "$0")/lib.sh"
serve_pid=
kill_at_exit serve_pid

start_nats -c "$docs/actor-binding.conf"
port="${url##*:}"
as() { echo "nats://$1:$1-example@127.0.0.1:$port"; }

"$stockroom" serve --nats "$(as stockroom)" --data "$dir/data" --http off \
  --actor-map "$docs/actor-binding.json" 2>"$dir/serve.log" &
serve_pid=$!
for _ in $(seq 300); do
  "$stockroom" send --nats "$(as operator)" --timeout-ms 200 query.stock '{"sku":"none"}' \
    >/dev/null 2>&1 && break
  # NOT_FOUND (exit 1) is an answer too: serve is up.
  grep -q '"event":"serving"' "$dir/serve.log" && break
  sleep 0.1
done
grep -q '"event":"actor_map".*"identities":3.*"own_account":"trust"' "$dir/serve.log" ||
  fail "serve did not log the actor map it loaded"

define='{"command_id":"d1","actor":{"id":"ACTOR","role":"staff"},"sku":"SKU-1","name":"Lamp","price":{"amount":500,"currency":"EUR"}}'
rc=0
"$stockroom" send --nats "$(as shop1)" cmd.product.define "${define/ACTOR/inventory-svc}" \
  >"$dir/refused.txt" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "shop1 as staff: exit $rc, expected 1"
grep -q -F '"code":"FORBIDDEN"' "$dir/refused.txt" || fail "shop1 as staff: not FORBIDDEN"
grep -q -F "NATS account 'BACKEND' user 'shop1' may not act as staff 'inventory-svc'" \
  "$dir/refused.txt" || fail "shop1 as staff: the message does not name the sender and actor"

"$stockroom" send --nats "$(as stock-app)" cmd.product.define "${define/ACTOR/inventory-svc}" \
  >"$dir/accepted.txt" 2>&1 || fail "the inventory user as inventory-svc was refused"
grep -q -F '"ok":true' "$dir/accepted.txt" || fail "the inventory user: not accepted"
grep -q -F '"position":1,' "$dir/accepted.txt" || fail "the refused command wrote something"

kill -TERM "$serve_pid"
wait "$serve_pid" || fail "serve exited $? after SIGTERM"
serve_pid=
echo "actor binding: ok"
