#!/usr/bin/env bash
# Least privilege on a cluster (docs/security.md, "Least privilege"):
# docs/security/least-privilege.conf as it is, included by three nats-servers with
# JetStream, routes and the partition mapping (docs/scale-out.md); two
# `serve --cluster` engines log in as its stockroom-engine user on their own inbox
# prefix. Then:
# - the engines claim both partitions and a checkout that spans them (the cart and a
#   product on one, the order and another product on the other) goes through: the
#   engine's user reaches everything a cluster needs (the JetStream API, its streams
#   and KV buckets, the partition subjects, the pushes), and no engine logged a
#   permissions violation;
# - inventory, backend and analyst are answered on their subjects;
# - behind the mapping (the server checks publish permissions on the mapped subject)
#   each reaches only its own groups: stockroom.p.<i>.cmd.<another group>.> is refused
#   by the server, and a command of its own group sent by hand to the wrong partition is
#   refused by the engine;
# - none of them reaches into the engines' machinery: publishing to stockroom.log.>
#   (the replicated log), $JS.API.> or a lease key in $KV.> is refused by the server,
#   and so is subscribing to them, to stockroom.p.> or to the engine's inbox.
set -euo pipefail
stockroom="$1"
source "$(dirname "$0")/lib.sh"
docs="$(cd "$(dirname "$0")/../../docs/security" && pwd)"
source "$(dirname "$0")/cluster_lib.sh"
rand() { openssl rand -hex 16; }
engine_pw="e$(rand)"
backend_pw="b$(rand)"
inventory_pw="i$(rand)"
analyst_pw="a$(rand)"

# ---- three nats-servers, each including the file --------------------------------------
cp "$docs/least-privilege.conf" "$dir/least-privilege.conf"
STOCKROOM_ENGINE_PASSWORD="$engine_pw" STOCKROOM_BACKEND_PASSWORD="$backend_pw" \
  STOCKROOM_INVENTORY_PASSWORD="$inventory_pw" STOCKROOM_ANALYST_PASSWORD="$analyst_pw" \
  start_cluster lp "mappings = {
  \"stockroom.cmd.*.*.*\": \"stockroom.p.{{partition($partitions,3)}}.cmd.{{wildcard(1)}}.{{wildcard(2)}}.{{wildcard(3)}}\"
  \"stockroom.query.*.*\": \"stockroom.p.{{partition($partitions,2)}}.query.{{wildcard(1)}}.{{wildcard(2)}}\"
}
include ./least-privilege.conf"

# ---- two engines as stockroom-engine ---------------------------------------------------
for m in 0 1; do
  STOCKROOM_NATS_PASSWORD="$engine_pw" "$stockroom" serve --cluster --nats "$urls" \
    --nats-user stockroom-engine --nats-inbox-prefix _INBOX_engine --node-id "engine$m" \
    --partitions "$partitions" --replicas 3 --standbys 1 --lease-ttl 10 \
    --data "$dir/engine$m" --signing-key "$dir/engine$m.key" --http off \
    2>"$dir/engine$m.log" &
  engine_pids+=($!)
done

as() { # USER FILE SUBJECT JSON: stockroom send as that user on its own inbox prefix
  local user="$1" file="$2" pw
  shift 2
  case "$user" in
    backend) pw="$backend_pw" ;; inventory) pw="$inventory_pw" ;; analyst) pw="$analyst_pw" ;;
  esac
  STOCKROOM_NATS_PASSWORD="$pw" "$stockroom" send --timeout-ms 2000 --nats "$urls" \
    --nats-user "$user" --nats-inbox-prefix "_INBOX_$user" "$@" >"$dir/$file.txt" 2>&1
}
staff='"actor":{"id":"ops","role":"staff"}'
ann='"actor":{"id":"ann","role":"customer"}'

# ---- the engines' user reaches what a cluster needs ------------------------------------
stock_both inventory "$staff"
checkout_both backend "$ann" ann analyst
grep -Eil "permi" "$dir"/engine*.log && fail "an engine met a permissions violation"
echo "ok: no engine logged a permissions violation"

# ---- and the clients reach nothing else ------------------------------------------------
if as backend define-by-backend cmd.product.define \
  "{\"command_id\":\"d-x\",$staff,\"sku\":\"$near\",\"name\":\"x\",\"price\":{\"amount\":1,\"currency\":\"EUR\"}}"; then
  fail "the backend may define a product"
fi
grep -q "Permissions Violation for Publish" "$dir/define-by-backend.txt" ||
  fail "backend define: $(cat "$dir/define-by-backend.txt")"
echo "ok: the backend may not define a product"
port="${client_ports[0]}"
refused() { # USER PASSWORD Publish|Subscription SUBJECT: the server refuses it
  local line="PUB $4 2\r\n{}\r\n"
  [ "$3" = Subscription ] && line="SUB $4 1\r\n"
  raw_nats "$port" "$1" "$2" "$dir/raw.txt" "$line"
  raw_stop
  grep -q "Permissions Violation for $3 to \"$4\"" "$dir/raw.txt" ||
    fail "$1 may $3 $4: $(cat "$dir/raw.txt")"
  echo "ok: $1 refused $3 to $4"
}
refused_pub() { refused "$1" "$2" Publish "$3"; }
refused_sub() { refused "$1" "$2" Subscription "$3"; }
# The control: the same raw client is answered where it may go.
raw_nats "$port" backend "$backend_pw" "$dir/raw.txt" "SUB _INBOX_backend.x 1\r\n"
raw_stop
grep -q "Violation" "$dir/raw.txt" && fail "raw control: $(cat "$dir/raw.txt")"
echo "ok: the raw client may subscribe to its own inbox"
# Behind the mapping a client may reach its own groups only (least-privilege.conf) ...
refused_pub backend "$backend_pw" "stockroom.p.0.cmd.product.define.$near"
refused_pub backend "$backend_pw" "stockroom.p.0.query.stock.$near"
refused_pub inventory "$inventory_pw" "stockroom.p.0.cmd.cart.open.$cart"
refused_pub analyst "$analyst_pw" "stockroom.p.0.cmd.cart.open.$cart"
refused_pub analyst "$analyst_pw" "stockroom.p.1.cmd.inventory.receive.$far"
# ... and a command it sends to a partition subject by hand is the engine's to refuse
# unless its key lives there.
stray="$(id_in cart-stray 0)"
for _ in $(seq 20); do
  as backend stray p.1.cmd.cart.open.$stray \
    "{\"command_id\":\"o-stray\",$ann,\"cart_id\":\"$stray\",\"customer_id\":\"ann\",\"currency\":\"EUR\"}" || true
  grep -q "belongs to partition 0" "$dir/stray.txt" && break
  sleep 0.5
done
grep -q "belongs to partition 0" "$dir/stray.txt" || fail "stray: $(cat "$dir/stray.txt")"
echo "ok: a cart command sent by hand to the wrong partition is refused"
for user in backend inventory analyst; do
  pw_var="${user}_pw"
  refused_pub "$user" "${!pw_var}" stockroom.log.0
  refused_pub "$user" "${!pw_var}" '$JS.API.STREAM.PURGE.STOCKROOM_P0'
  refused_pub "$user" "${!pw_var}" '$KV.STOCKROOM_leases.0'
  refused_sub "$user" "${!pw_var}" '$KV.>'
  refused_sub "$user" "${!pw_var}" 'stockroom.p.>'
  refused_sub "$user" "${!pw_var}" '_INBOX_engine.>'
done
for pid in "${engine_pids[@]}"; do kill -TERM "$pid"; done
for pid in "${engine_pids[@]}"; do wait "$pid" || fail "an engine exited $? after SIGTERM"; done
engine_pids=()
echo "cluster least privilege: all checks passed"
