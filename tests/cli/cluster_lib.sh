# What the command-line cluster tests share; source it after lib.sh.
# - start_cluster NAME TEXT: three nats-servers with JetStream and routes on free
#   loopback ports, each config ending with TEXT (an include, mappings); their logs
#   $dir/n<i>.log, $client_ports the ports, $urls all three (for --nats), stopped at
#   exit with the engines in $engine_pids;
# - partition_of KEY: fnv1a32(KEY) mod $partitions, as the server's mapping computes it;
# - id_in PREFIX PARTITION: the first PREFIX-<k> that lives in PARTITION.
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
