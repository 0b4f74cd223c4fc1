# What the command-line tests share; source it right after `set -euo pipefail`.
# - $dir: a scratch directory, removed at exit;
# - kill_at_exit VAR...: the processes whose pids those variables hold at exit are
#   killed (-9); a test empties a variable once its process ended as it should;
# - start_nats [ARGS...]: a nats-server on a free loopback port (ARGS before the address
#   and port, e.g. -c FILE), $url its address, stopped at exit;
# - fail MESSAGE: prints it and the tail of every *.txt and *.log in $dir, exit 1;
# - raw_nats PORT USER PASSWORD FILE LINES: a raw NATS client that logs in, sends LINES
#   (protocol lines, "\r\n" escapes allowed) and a PING, its output in FILE; returns
#   once the PONG came (a violation comes before it), the client left running for up
#   to 5 s as $raw_pid (raw_stop ends it).
dir="$(mktemp -d)"
nats_pid=
_kill_vars=(raw_pid)
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
  local candidate
  for _ in $(seq 20); do
    # Below Linux's ephemeral ports (32768 and up), which outgoing connections take.
    candidate=$((20000 + RANDOM % 12000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then continue; fi
    nats-server "$@" -a 127.0.0.1 -p "$candidate" >"$dir/nats.log" 2>&1 &
    nats_pid=$!
    # Another test may take the port between the probe and the bind: wait until this
    # server says it is ready, else try another port.
    for _ in $(seq 200); do
      if grep -qs "Server is ready" "$dir/nats.log"; then
        url="nats://127.0.0.1:$candidate"
        return 0
      fi
      kill -0 "$nats_pid" 2>/dev/null || break
      sleep 0.05
    done
    kill "$nats_pid" 2>/dev/null || true
    wait "$nats_pid" 2>/dev/null || true
    nats_pid=
  done
  fail "no nats-server could listen on a free loopback port"
}
raw_pid=
raw_nats() {
  local fd
  exec {fd}<>"/dev/tcp/127.0.0.1/$1"
  printf 'CONNECT {"user":"%s","pass":"%s","verbose":false,"pedantic":false}\r\n%bPING\r\n' \
    "$2" "$3" "$5" >&"$fd"
  # Emptied here, not only by the redirection below: that runs in the background job,
  # maybe after the wait for PONG has read the last client's output from FILE.
  : >"$4"
  timeout 5 cat <&"$fd" >"$4" &
  raw_pid=$!
  exec {fd}>&-
  for _ in $(seq 100); do grep -q PONG "$4" && return 0; sleep 0.05; done
  fail "raw NATS client $2 got no PONG: $(cat "$4")"
}
raw_stop() {
  [ -n "$raw_pid" ] && kill "$raw_pid" 2>/dev/null || true
  [ -n "$raw_pid" ] && wait "$raw_pid" 2>/dev/null || true
  raw_pid=
}
