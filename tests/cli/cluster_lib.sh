# What the command-line cluster tests share; source it after lib.sh.
# - start_cluster NAME TEXT: three nats-servers with JetStream and routes on free
#   loopback ports, each config ending with TEXT (an include, mappings); their logs
#   $dir/n<i>.log, $client_ports the ports, $urls all three (for --nats), stopped at
#   exit with the engines in $engine_pids;
# - partition_of KEY: fnv1a32(KEY) mod $partitions, as the server's mapping computes it;
# - id_in PREFIX PARTITION: the first PREFIX-<k> that lives in PARTITION;
# - $near, $far: two skus, in partitions 0 and 1; $cart a cart id in 0, $order an order
#   id in 1, so that a checkout of both crosses the partitions;
# With `as USER FILE SUBJECT JSON` defined by the test (stockroom send as USER, its
# output in $dir/FILE.txt):
# - until_ok SECONDS USER FILE SUBJECT JSON: resent (same command id) until accepted;
# - stock_both USER ACTOR: USER as ACTOR (a JSON member) defines and receives 5 of
#   $near and $far;
# - checkout_both USER ACTOR CUSTOMER READER: USER opens $cart for CUSTOMER, adds 2 of
#   each, checks out $order; READER then reads the order awaiting payment and both
#   products holding 2: the saga crossed the partitions.
partitions=${partitions:-2}
_cluster_pids=()
engine_pids=()
_cluster_cleanup() {
  local pid
  for pid in "${engine_pids[@]}" "${_cluster_pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  _cleanup
}
trap _cluster_cleanup EXIT

_used_ports=" "
_free_port() { # a loopback port nobody listens on, below the ephemeral range
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    [[ "$_used_ports" == *" $p "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      _used_ports+="$p "
      echo "$p"
      return
    fi
  done
}

start_cluster() {
  local name="$1" text="$2" i j routes route_ports=()
  client_ports=()
  for i in 0 1 2; do client_ports+=("$(_free_port)") route_ports+=("$(_free_port)"); done
  urls=""
  for i in 0 1 2; do
    urls+="${urls:+,}nats://127.0.0.1:${client_ports[$i]}"
    routes=""
    for j in 0 1 2; do
      [ "$j" = "$i" ] || routes+="${routes:+, }nats-route://127.0.0.1:${route_ports[$j]}"
    done
    cat >"$dir/n$i.conf" <<CONF
server_name: n$i
listen: 127.0.0.1:${client_ports[$i]}
jetstream { store_dir: "$dir/n$i-store" }
cluster { name: $name, listen: 127.0.0.1:${route_ports[$i]}, routes: [ $routes ] }
$text
CONF
    nats-server -c "$dir/n$i.conf" >"$dir/n$i.log" 2>&1 &
    _cluster_pids+=($!)
  done
  for i in 0 1 2; do
    for _ in $(seq 200); do grep -qs "Server is ready" "$dir/n$i.log" && break; sleep 0.05; done
    grep -qs "Server is ready" "$dir/n$i.log" || fail "nats-server n$i did not start"
  done
}

partition_of() {
  local s="$1" h=2166136261 i c
  for ((i = 0; i < ${#s}; i++)); do
    printf -v c '%d' "'${s:i:1}"
    h=$((((h ^ c) * 16777619) & 0xFFFFFFFF))
  done
  echo $((h % partitions))
}

id_in() {
  local k=0
  while [ "$(partition_of "$1-$k")" != "$2" ]; do k=$((k + 1)); done
  echo "$1-$k"
}
near="$(id_in LAMP 0)" far="$(id_in MUG 1)" cart="$(id_in cart 0)" order="$(id_in order 1)"

until_ok() {
  local seconds="$1" pid
  shift
  local deadline=$((SECONDS + seconds))
  while [ "$SECONDS" -lt "$deadline" ]; do
    as "$@" && grep -q '"ok":true' "$dir/$2.txt" && { echo "ok: $2"; return 0; }
    for pid in "${engine_pids[@]}"; do kill -0 "$pid" 2>/dev/null || fail "an engine exited"; done
    sleep 0.5
  done
  fail "$2 not accepted within $seconds s: $(cat "$dir/$2.txt")"
}

stock_both() {
  local user="$1" actor="$2" sku
  for sku in "$near" "$far"; do
    # The first waits for the engines to own their partitions.
    until_ok 90 "$user" "define-$sku" cmd.product.define \
      "{\"command_id\":\"d-$sku\",$actor,\"sku\":\"$sku\",\"name\":\"x\",\"price\":{\"amount\":100,\"currency\":\"EUR\"}}"
    until_ok 30 "$user" "receive-$sku" cmd.inventory.receive \
      "{\"command_id\":\"r-$sku\",$actor,\"sku\":\"$sku\",\"quantity\":5}"
  done
}

checkout_both() {
  local user="$1" actor="$2" customer="$3" reader="$4" sku
  until_ok 30 "$user" open cmd.cart.open \
    "{\"command_id\":\"o-1\",$actor,\"cart_id\":\"$cart\",\"customer_id\":\"$customer\",\"currency\":\"EUR\"}"
  for sku in "$near" "$far"; do
    until_ok 30 "$user" "add-$sku" cmd.cart.add_item \
      "{\"command_id\":\"a-$sku\",$actor,\"cart_id\":\"$cart\",\"sku\":\"$sku\",\"quantity\":2}"
  done
  until_ok 30 "$user" checkout cmd.cart.checkout \
    "{\"command_id\":\"c-1\",$actor,\"cart_id\":\"$cart\",\"order_id\":\"$order\"}"
  # The saga places the order in partition 1 and holds stock in both.
  for _ in $(seq 60); do
    as "$reader" order query.order "{\"order_id\":\"$order\"}" || true
    grep -q '"status":"awaiting_payment"' "$dir/order.txt" && break
    sleep 0.5
  done
  grep -q '"status":"awaiting_payment"' "$dir/order.txt" || fail "order: $(cat "$dir/order.txt")"
  for sku in "$near" "$far"; do
    as "$reader" "stock-$sku" query.stock "{\"sku\":\"$sku\"}" || true
    grep -q '"reserved":2' "$dir/stock-$sku.txt" || fail "stock $sku: $(cat "$dir/stock-$sku.txt")"
  done
  echo "ok: the checkout placed $order in partition 1 and held stock in both partitions"
}
