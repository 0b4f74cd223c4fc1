#!/usr/bin/env bash
# Actor binding on a cluster (docs/security.md, "Actor binding", "On a cluster"):
# three nats-servers with JetStream and routes, each including
# docs/security/actor-binding-cluster.conf as it is (accounts STOCKROOM, BACKEND,
# INVENTORY, the partition mapping in each), two `serve --cluster` engines in STOCKROOM
# with the map docs/security/actor-binding.json. Then, with `stockroom send` as users of
# the client accounts, each sent to every node in turn (the header the server writes
# must survive the routes):
# - INVENTORY's user defines and receives a product in each partition as staff
#   inventory-svc;
# - BACKEND's shop1 is FORBIDDEN as staff in both partitions (send exits 1, nothing is
#   written: the product is not found afterwards), and as customer mallory; shop2, in
#   no identity, is FORBIDDEN as alice;
# - shop1 as customer alice opens a cart in partition 0, adds both products and checks
#   out an order that lands in partition 1: the saga's own commands between the
#   partitions (order.place, stock.hold) travel inside STOCKROOM without the header
#   and pass as "own_account": "trust"; the order awaits payment and both products
#   hold 2 units.
set -euo pipefail
stockroom="$1"
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cluster_lib.sh"
docs="$(cd "$(dirname "$0")/../../docs/security" && pwd)"

cp "$docs/actor-binding-cluster.conf" "$dir/actor-binding-cluster.conf"
start_cluster ab "include ./actor-binding-cluster.conf"

for m in 0 1; do
  STOCKROOM_NATS_PASSWORD=stockroom-example "$stockroom" serve --cluster --nats "$urls" \
    --nats-user stockroom --node-id "engine$m" --partitions "$partitions" --replicas 3 \
    --standbys 1 --lease-ttl 10 --data "$dir/engine$m" --signing-key "$dir/engine$m.key" \
    --http off --actor-map "$docs/actor-binding.json" 2>"$dir/engine$m.log" &
  engine_pids+=($!)
done

sends=0
as() { # USER FILE SUBJECT JSON: stockroom send as that user, to the nodes in turn
  local user="$1" file="$2" port="${client_ports[$((sends % 3))]}" rc=0
  sends=$((sends + 1))
  shift 2
  STOCKROOM_NATS_PASSWORD="$user-example" "$stockroom" send --timeout-ms 2000 \
    --nats "nats://127.0.0.1:$port" --nats-user "$user" "$@" >"$dir/$file.txt" 2>&1 || rc=$?
  return "$rc"
}
forbidden() { # USER FILE SUBJECT JSON NAMED: FORBIDDEN, send exits 1, the message says NAMED
  local user="$1" file="$2" named="$5" rc=0
  as "$1" "$2" "$3" "$4" || rc=$?
  [ "$rc" -eq 1 ] || fail "$file: send exited $rc, expected 1: $(cat "$dir/$file.txt")"
  grep -q -F '"code":"FORBIDDEN"' "$dir/$file.txt" || fail "$file: not FORBIDDEN"
  grep -q -F "$named" "$dir/$file.txt" || fail "$file: the message does not say $named: $(cat "$dir/$file.txt")"
  echo "ok: $file refused: $named"
}
staff='"actor":{"id":"inventory-svc","role":"staff"}'
alice='"actor":{"id":"alice","role":"customer"}'

stock_both stock-app "$staff"

# ---- refused: nothing written ----------------------------------------------------------
for p in 0 1; do
  sku="$(id_in FORGED "$p")"
  for _ in 1 2 3; do # through each node
    forbidden shop1 "staff-$sku" cmd.product.define \
      "{\"command_id\":\"f-$sku\",$staff,\"sku\":\"$sku\",\"name\":\"x\",\"price\":{\"amount\":1,\"currency\":\"EUR\"}}" \
      "NATS account 'BACKEND' user 'shop1' may not act as staff 'inventory-svc'"
  done
  rc=0
  as shop1 "stock-$sku" query.stock "{\"sku\":\"$sku\"}" || rc=$?
  grep -q '"code":"NOT_FOUND"' "$dir/stock-$sku.txt" ||
    fail "a refused define of $sku left a trace: $(cat "$dir/stock-$sku.txt")"
  [ "$rc" -eq 1 ] || fail "query of a missing product: send exited $rc"
done
echo "ok: the refused defines wrote nothing in either partition"
forbidden shop1 mallory cmd.cart.open \
  "{\"command_id\":\"m-1\",\"actor\":{\"id\":\"mallory\",\"role\":\"customer\"},\"cart_id\":\"$cart\",\"customer_id\":\"mallory\",\"currency\":\"EUR\"}" \
  "may not act as customer 'mallory'"
forbidden shop2 shop2 cmd.cart.open \
  "{\"command_id\":\"s-1\",$alice,\"cart_id\":\"$cart\",\"customer_id\":\"alice\",\"currency\":\"EUR\"}" \
  "NATS account 'BACKEND' user 'shop2' may not send commands"

# ---- allowed: a checkout across the partitions ----------------------------------------
checkout_both shop1 "$alice" alice shop1

for pid in "${engine_pids[@]}"; do kill -TERM "$pid"; done
for pid in "${engine_pids[@]}"; do wait "$pid" || fail "an engine exited $? after SIGTERM"; done
engine_pids=()
echo "cluster actor binding: all checks passed"
