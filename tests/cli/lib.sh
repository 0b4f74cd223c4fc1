# What the command-line tests share; source it right after `set -euo pipefail`.
# - $dir: a scratch directory, removed at exit;
# - kill_at_exit VAR...: the processes whose pids those variables hold at exit are
#   killed (-9); a test empties a variable once its process ended as it should;
# - start_nats: a nats-server on a free loopback port, $url its address, stopped at exit;
# - fail MESSAGE: prints it and the tail of every *.txt and *.log in $dir, exit 1.
dir="$(mktemp -d)"
nats_pid=
_kill_vars=()
kill_at_exit() { _kill_vars+=("$@"); }
_cleanup() {
  local var
  for var in "${_kill_vars[@]}"; do
    [ -n "${!var:-}" ] && kill -9 "${!var}" 2>/dev/null || true
  done
  [ -n "$nats_pid" ] && kill "$nats_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap _cleanup EXIT
fail() {
  echo "FAILED: $*"
  local f
  for f in "$dir"/*.txt "$dir"/*.log; do [ -f "$f" ] && { echo "== $f"; tail -20 "$f"; }; done
  exit 1
}
start_nats() {
  local candidate port=
  for _ in $(seq 50); do
    candidate=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
  done
  [ -n "$port" ] || fail "no free port for nats-server"
  url="nats://127.0.0.1:$port"
  nats-server -a 127.0.0.1 -p "$port" >"$dir/nats.log" 2>&1 &
  nats_pid=$!
}
