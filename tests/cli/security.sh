#!/usr/bin/env bash
# Security end to end (docs/security.md), each case on a real nats-server started from
# a config file written here or taken from docs/security/:
# - TLS, mutual: certificates made now with openssl; serve and send over tls:// answer;
#   serve given another CA exits 1 within seconds saying TLS and certificate;
# - user/password, token, nkey (a seed made now with openssl and python3) and a creds
#   file (operator, account and user JWTs signed here, a MEMORY resolver): the right
#   credential answers, a wrong one ends serve with exit 1, fast, saying
#   "authorization", never retried in the background (send too, for a wrong password
#   or token);
# - a server not up yet is still waited for (serve keeps trying, then answers); one
#   that comes up and refuses the password makes serve log nats_closed, not ready;
# - least privilege: docs/security/least-privilege.conf as it is (included by a config
#   that adds the port): each user answered on its subjects and refused ("Permissions
#   Violation") outside them, the analyst's subscription to events allowed and to
#   commands refused; each user on its own inbox prefix (--nats-inbox-prefix), refused
#   another's and the default one;
# - no secret leaks: the passwords, token, nkey and creds seeds and a line of the TLS
#   client key appear in none of serve's stderr, /metrics, /healthz, /readyz, send's
#   replies and errors, and serve --help / send --help (with the secrets in the
#   environment); the same grep finds each in a control directory first, so the check
#   can fail.
set -euo pipefail
stockroom="$1"
source "$(dirname "$0")/lib.sh"
docs="$(cd "$(dirname "$0")/../../docs/security" && pwd)"
serve_pid=
srv_pid=
kill_at_exit serve_pid srv_pid
out="$dir/out" # everything a secret must not appear in
mkdir -p "$out"
rand() { openssl rand -hex 16; }
password="pw$(rand)"
token="tk$(rand)"
wrong="wrong$(rand)"

# ---- keys and certificates, made now -------------------------------------------------
gen_nkey() { # NAME [TYPE]: $dir/NAME.seed (S<T>...) and $dir/NAME.pub (<T>...); T: user
  # (20 << 3, "U"), account (0, "A") or operator (14 << 3, "O")
  openssl genpkey -algorithm ed25519 -outform DER -out "$dir/$1.der" 2>/dev/null
  openssl pkey -inform DER -in "$dir/$1.der" -pubout -outform DER -out "$dir/$1.pubder"
  # nkeys: base32 (no padding) of prefix bytes, the 32-byte key, CRC-16/XMODEM (LE).
  python3 - "$dir/$1.der" "$dir/$1.pubder" "$dir/$1.seed" "$dir/$1.pub" "${2:-160}" <<'PY'
import base64, sys
def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc
def encode(raw):
    return base64.b32encode(raw + crc16(raw).to_bytes(2, "little")).decode().rstrip("=")
seed = open(sys.argv[1], "rb").read()[-32:]   # PKCS#8 DER ends with the seed
public = open(sys.argv[2], "rb").read()[-32:] # SubjectPublicKeyInfo DER ends with the key
kind = int(sys.argv[5])
open(sys.argv[3], "w").write(encode(bytes([(18 << 3) | (kind >> 5), (kind & 31) << 3]) + seed) + "\n")
open(sys.argv[4], "w").write(encode(bytes([kind]) + public) + "\n")
PY
}
gen_nkey alice
gen_nkey mallory
nkey_seed="$(cat "$dir/alice.seed")"
[[ "$nkey_seed" == SU* && "$(cat "$dir/alice.pub")" == U* ]] || fail "nkey generation: $nkey_seed"

ca() { # NAME: a self-signed CA
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
    -subj "/CN=$1" -keyout "$dir/$1.key" -out "$dir/$1.pem" 2>/dev/null
}
leaf() { # NAME CA EXTENSIONS: a certificate signed by CA
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$1" \
    -keyout "$dir/$1.key" -out "$dir/$1.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$1.csr" -CA "$dir/$2.pem" -CAkey "$dir/$2.key" -CAcreateserial \
    -days 1 -out "$dir/$1.pem" -extfile <(printf '%s\n' "$3") 2>/dev/null
}
ca test-ca
ca other-ca
leaf server test-ca "subjectAltName=IP:127.0.0.1"
leaf client test-ca "extendedKeyUsage=clientAuth"
# A line of the client's private key stands for the key file's contents.
client_key_line="$(sed -n 2p "$dir/client.key")"

printf '%s\n' "$password" "$token" "$wrong" "$nkey_seed" "$(cat "$dir/mallory.seed")" "$client_key_line" \
  >"$dir/secrets.lst"

# ---- servers -------------------------------------------------------------------------
free_port() {
  local p
  for _ in $(seq 50); do
    # Below Linux's ephemeral ports, as lib.sh picks them.
    p=$((20000 + RANDOM % 12000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  fail "no free port"
}
start_conf() { # NAME BODY [PORT]: nats-server -c with "listen" and BODY; sets $port
  local name="$1" body="$2" want="${3:-}"
  for _ in $(seq 10); do
    port="${want:-$(free_port)}"
    { echo "listen: 127.0.0.1:$port"; cat "$body"; } >"$dir/$name.conf"
    (cd "$dir" && exec nats-server -c "$dir/$name.conf") >"$dir/nats-$name.log" 2>&1 &
    srv_pid=$!
    for _ in $(seq 100); do
      grep -q "Server is ready" "$dir/nats-$name.log" 2>/dev/null && return 0
      kill -0 "$srv_pid" 2>/dev/null || break
      sleep 0.05
    done
    stop_srv
    [ -z "$want" ] || break
  done
  fail "nats-server $name did not start"
}
stop_srv() {
  [ -n "$srv_pid" ] && { kill "$srv_pid" 2>/dev/null || true; wait "$srv_pid" 2>/dev/null || true; }
  srv_pid=
}

# ---- serve and send ------------------------------------------------------------------
send() { # NAME ARGS...: stockroom send, stdout and stderr kept in $out/NAME.txt
  local name="$1"
  shift
  "$stockroom" send --timeout-ms "${send_timeout_ms:-2000}" "$@" >"$out/$name.txt" 2>&1
}
define_json() {
  echo "{\"command_id\":\"$1\",\"actor\":{\"id\":\"ops\",\"role\":\"staff\"},\"sku\":\"$1\",\"name\":\"x\",\"price\":{\"amount\":1,\"currency\":\"EUR\"}}"
}
serve_up() { # NAME SERVE-AND-SEND-ARGS...: starts serve, waits until send answers
  local name="$1"
  shift
  "$stockroom" serve --data "$dir/data" --http 127.0.0.1:0 "$@" 2>"$out/serve-$name.log" &
  serve_pid=$!
  # A command (sent again until answered: the same command_id is a duplicate) rather
  # than a query: the engine's own user may send commands only.
  for _ in $(seq 100); do
    "$stockroom" send --timeout-ms 300 "$@" cmd.product.define "$(define_json "$name")" \
      >"$out/define-$name.txt" 2>&1 && break
    kill -0 "$serve_pid" 2>/dev/null || fail "serve ($name) exited: $(tail -3 "$out/serve-$name.log")"
    sleep 0.1
  done
  grep -q '"ok":true' "$out/define-$name.txt" || fail "serve ($name): $(cat "$out/define-$name.txt")"
  # The operations endpoints, as anyone on the machine may read them.
  local http_port
  http_port="$(sed -n 's/.*"http_listening".*"port":\([0-9]*\).*/\1/p' "$out/serve-$name.log")"
  [ -n "$http_port" ] || fail "serve ($name) logged no HTTP port"
  for path in metrics healthz readyz; do
    curl -s "http://127.0.0.1:$http_port/$path" >"$out/http-$name-$path.txt" || true
  done
  grep -q stockroom_ "$out/http-$name-metrics.txt" || fail "serve ($name): no /metrics"
}
stop_serve() {
  kill -TERM "$serve_pid"
  wait "$serve_pid" || fail "serve exited $? after SIGTERM"
  serve_pid=
}
refused() { # NAME WORDS-REGEX SERVE-ARGS...: serve exits 1 within 10 s, stderr matches
  local name="$1" words="$2" start code=0
  shift 2
  start=$(date +%s%N)
  timeout 20 "$stockroom" serve --data "$dir/data" --http off "$@" 2>"$out/refused-$name.log" || code=$?
  local ms=$((($(date +%s%N) - start) / 1000000))
  [ "$code" = 1 ] || fail "serve ($name) exited $code, not 1: $(tail -3 "$out/refused-$name.log")"
  [ "$ms" -lt 10000 ] || fail "serve ($name) took $ms ms to give up"
  grep -v '^{' "$out/refused-$name.log" | grep -Eiq "$words" ||
    fail "serve ($name) did not say /$words/: $(cat "$out/refused-$name.log")"
  echo "ok: serve $name refused in $ms ms: $(grep -v '^{' "$out/refused-$name.log")"
}

# ---- TLS, mutual ---------------------------------------------------------------------
cat >"$dir/tls.body" <<EOF
tls {
  cert_file: "$dir/server.pem"
  key_file: "$dir/server.key"
  ca_file: "$dir/test-ca.pem"
  verify: true
  timeout: 2
}
EOF
start_conf tls "$dir/tls.body"
tls_args=(--nats "tls://127.0.0.1:$port" --nats-ca "$dir/test-ca.pem" --nats-cert "$dir/client.pem"
  --nats-key "$dir/client.key")
serve_up tls "${tls_args[@]}"
echo "ok: serve and send over mutual TLS"
stop_serve
refused untrusted-ca "tls.*certificate|certificate.*tls" --nats "tls://127.0.0.1:$port" \
  --nats-ca "$dir/other-ca.pem" --nats-cert "$dir/client.pem" --nats-key "$dir/client.key"
# No client certificate: the server (verify: true) refuses the handshake.
! send tls-no-client-cert --nats "tls://127.0.0.1:$port" --nats-ca "$dir/test-ca.pem" query.head '{}' ||
  fail "send without a client certificate was answered"
stop_srv

# ---- user/password and nkey ----------------------------------------------------------
cat >"$dir/users.body" <<EOF
authorization {
  users = [
    { user: alice, password: "$password" }
    { nkey: $(cat "$dir/alice.pub") }
  ]
}
EOF
start_conf users "$dir/users.body"
users_url="nats://127.0.0.1:$port"
serve_up password --nats "$users_url" --nats-user alice --nats-password "$password"
stop_serve
echo "ok: user/password"
refused wrong-password "authorization" --nats "$users_url" --nats-user alice --nats-password "$wrong"
! send send-wrong-password --nats "$users_url" --nats-user alice --nats-password "$wrong" query.head '{}' ||
  fail "send with a wrong password was answered"
grep -qi authorization "$out/send-wrong-password.txt" || fail "send: $(cat "$out/send-wrong-password.txt")"
# The password in the environment, as docs/security.md recommends.
STOCKROOM_NATS_PASSWORD="$password" serve_up password-env --nats "$users_url" --nats-user alice
stop_serve
serve_up nkey --nats "$users_url" --nats-nkey "$dir/alice.seed"
stop_serve
echo "ok: nkey"
refused unknown-nkey "authorization" --nats "$users_url" --nats-nkey "$dir/mallory.seed"
echo "garbage" >"$dir/bad.seed"
refused bad-seed-file "nkey" --nats "$users_url" --nats-nkey "$dir/bad.seed"
refused bad-inbox-prefix "inbox-prefix" --nats "$users_url" --nats-user alice \
  --nats-password "$password" --nats-inbox-prefix "_INBOX_alice.>"
stop_srv

# ---- token ---------------------------------------------------------------------------
printf 'authorization { token: "%s" }\n' "$token" >"$dir/token.body"
start_conf token "$dir/token.body"
token_url="nats://127.0.0.1:$port"
serve_up token --nats "$token_url" --nats-token "$token"
stop_serve
echo "ok: token"
refused wrong-token "authorization" --nats "$token_url" --nats-token "$wrong"
! send send-wrong-token --nats "$token_url" --nats-token "$wrong" query.head '{}' ||
  fail "send with a wrong token was answered"
stop_srv

# ---- decentralized auth (JWT): --nats-creds ------------------------------------------
# An operator, an account and a user, their JWTs signed with ed25519 as nsc would
# (header.payload signed by the issuer's key; jwt v2 claims), the account preloaded
# into a MEMORY resolver. A user issued by an account the server does not know is
# refused.
jwt() { # ISSUER SUBJECT-KEY NATS-CLAIMS-JSON: a JWT that ISSUER's key signs
  python3 - "$dir/$1.der" "$(cat "$dir/$1.pub")" "$2" "$3" <<'PY'
import base64, json, subprocess, sys, tempfile, time
der, issuer, subject, nats = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
b64 = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
head = b64(json.dumps({"typ": "JWT", "alg": "ed25519-nkey"}).encode())
claims = {"jti": subject[:20], "iat": int(time.time()), "iss": issuer, "name": subject[:8],
          "sub": subject, "nats": nats}
signed = head + "." + b64(json.dumps(claims).encode())
with tempfile.NamedTemporaryFile() as f:
    f.write(signed.encode())
    f.flush()
    signature = subprocess.run(["openssl", "pkeyutl", "-sign", "-keyform", "DER", "-inkey", der,
                                "-rawin", "-in", f.name], capture_output=True, check=True).stdout
print(signed + "." + b64(signature))
PY
}
creds() { # ACCOUNT USER: $dir/USER.creds, as nsc writes it
  local user_jwt
  user_jwt="$(jwt "$1" "$(cat "$dir/$2.pub")" \
    '{"pub":{},"sub":{},"subs":-1,"data":-1,"payload":-1,"type":"user","version":2}')"
  printf -- '-----BEGIN NATS USER JWT-----\n%s\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n%s\n------END USER NKEY SEED------\n' \
    "$user_jwt" "$(cat "$dir/$2.seed")" >"$dir/$2.creds"
}
gen_nkey operator $((14 << 3))
gen_nkey account 0
gen_nkey stranger-account 0
gen_nkey carol
gen_nkey dave
limits='"limits":{"subs":-1,"data":-1,"payload":-1,"imports":-1,"exports":-1,"wildcards":true,"conn":-1,"leaf":-1}'
cat >"$dir/jwt.body" <<EOF
operator: $(jwt operator "$(cat "$dir/operator.pub")" '{"type":"operator","version":2}')
resolver: MEMORY
resolver_preload: {
  $(cat "$dir/account.pub"): $(jwt operator "$(cat "$dir/account.pub")" "{$limits,\"type\":\"account\",\"version\":2}")
}
EOF
creds account carol
creds stranger-account dave
printf '%s\n' "$(cat "$dir/carol.seed")" "$(cat "$dir/dave.seed")" >>"$dir/secrets.lst"
start_conf jwt "$dir/jwt.body"
serve_up creds --nats "nats://127.0.0.1:$port" --nats-creds "$dir/carol.creds"
stop_serve
echo "ok: creds (JWT)"
refused unknown-account "authorization" --nats "nats://127.0.0.1:$port" --nats-creds "$dir/dave.creds"
stop_srv

# ---- a server not up yet is waited for -------------------------------------------------
: >"$dir/plain.body"
late_port="$(free_port)"
"$stockroom" serve --data "$dir/data" --http off --nats "nats://127.0.0.1:$late_port" \
  2>"$out/serve-late.log" &
serve_pid=$!
sleep 1.5
kill -0 "$serve_pid" 2>/dev/null || fail "serve gave up on a server not up yet"
start_conf late "$dir/plain.body" "$late_port"
for _ in $(seq 100); do
  "$stockroom" send --nats "nats://127.0.0.1:$late_port" --timeout-ms 300 query.head '{}' \
    >/dev/null 2>&1 && break
  sleep 0.1
done
"$stockroom" send --nats "nats://127.0.0.1:$late_port" query.head '{}' >/dev/null 2>&1 ||
  fail "serve did not connect once the server came up"
stop_serve
stop_srv
echo "ok: serve waits for a server not up yet"
# One that comes up and refuses serve's password: NATS.c gives up after the second
# refusal; serve says so as an error and is not ready.
late_port="$(free_port)"
"$stockroom" serve --data "$dir/data" --http 127.0.0.1:0 --nats "nats://127.0.0.1:$late_port" \
  --nats-user alice --nats-password "$wrong" 2>"$out/serve-late-refused.log" &
serve_pid=$!
sleep 0.5
start_conf late-users "$dir/users.body" "$late_port"
for _ in $(seq 100); do
  grep -q '"nats_closed"' "$out/serve-late-refused.log" && break
  sleep 0.1
done
grep '"nats_closed"' "$out/serve-late-refused.log" | grep -q "Authorization Violation" ||
  fail "serve did not say that the late server refused it: $(tail -3 "$out/serve-late-refused.log")"
late_http="$(sed -n 's/.*"http_listening".*"port":\([0-9]*\).*/\1/p' "$out/serve-late-refused.log")"
curl -s "http://127.0.0.1:$late_http/readyz" >"$out/http-late-refused-readyz.txt" || true
grep -q "not ready" "$out/http-late-refused-readyz.txt" ||
  fail "serve refused by the late server is ready: $(cat "$out/http-late-refused-readyz.txt")"
kill -TERM "$serve_pid"
wait "$serve_pid" 2>/dev/null || true
serve_pid=
stop_srv
echo "ok: a late server that refuses the password: nats_closed logged, not ready"

# ---- least privilege: docs/security/least-privilege.conf as it is ---------------------
cp "$docs/least-privilege.conf" "$dir/least-privilege.conf"
echo "include ./least-privilege.conf" >"$dir/lp.body"
engine_pw="e$(rand)"
backend_pw="b$(rand)"
inventory_pw="i$(rand)"
analyst_pw="a$(rand)"
printf '%s\n' "$engine_pw" "$backend_pw" "$inventory_pw" "$analyst_pw" >>"$dir/secrets.lst"
STOCKROOM_ENGINE_PASSWORD="$engine_pw" STOCKROOM_BACKEND_PASSWORD="$backend_pw" \
  STOCKROOM_INVENTORY_PASSWORD="$inventory_pw" STOCKROOM_ANALYST_PASSWORD="$analyst_pw" \
  start_conf lp "$dir/lp.body"
lp_url="nats://127.0.0.1:$port"
STOCKROOM_NATS_PASSWORD="$engine_pw" serve_up lp-engine --nats "$lp_url" \
  --nats-user stockroom-engine --nats-inbox-prefix _INBOX_engine
as() { # USER PASSWORD FILE SUBJECT JSON: send as that user, on its own inbox prefix
  local user="$1" pw="$2" file="$3"
  shift 3
  STOCKROOM_NATS_PASSWORD="$pw" send_timeout_ms=1000 send "$file" --nats "$lp_url" \
    --nats-user "$user" --nats-inbox-prefix "_INBOX_$user" "$@"
}
allowed() { # FILE: answered: a command accepted, or the stock view
  grep -q '"ok":true\|"sku":"LAMP"' "$out/$1.txt" || fail "$1 was not answered: $(cat "$out/$1.txt")"
  echo "ok: $1 answered"
}
denied() { # FILE: refused by the server's permissions, said so
  grep -q "Permissions Violation for Publish" "$out/$1.txt" ||
    fail "$1 was not refused by permissions: $(cat "$out/$1.txt")"
  echo "ok: $1 refused: $(cat "$out/$1.txt")"
}
as inventory "$inventory_pw" inv-define cmd.product.define "$(define_json LAMP)" || true
allowed inv-define
as inventory "$inventory_pw" inv-receive cmd.inventory.receive \
  '{"command_id":"r1","actor":{"id":"ops","role":"staff"},"sku":"LAMP","quantity":5}' || true
allowed inv-receive
! as inventory "$inventory_pw" inv-cart cmd.cart.open \
  '{"command_id":"c1","actor":{"id":"ann","role":"customer"},"cart_id":"c1","customer_id":"ann","currency":"EUR"}' ||
  fail "inventory may open a cart"
denied inv-cart
# The analyst follows the events: allowed on stockroom.events.>, refused on commands.
raw_sub() { # USER PASSWORD SUBJECT FILE: a raw NATS client subscribed for a few seconds
  raw_nats "$port" "$1" "$2" "$4" "SUB $3 1\r\n"
}
port="${lp_url##*:}"
raw_sub analyst "$analyst_pw" "stockroom.cmd.>" "$dir/analyst-cmd-sub.txt"
grep -q "Permissions Violation for Subscription to \"stockroom.cmd.>\"" "$dir/analyst-cmd-sub.txt" ||
  fail "the analyst may subscribe to commands: $(cat "$dir/analyst-cmd-sub.txt")"
raw_stop
echo "ok: the analyst's subscription to stockroom.cmd.> refused"
# Replies: each user reads only its own inbox prefix, not another's nor the default.
for inbox in "_INBOX.>" "_INBOX_analyst.>"; do
  raw_sub backend "$backend_pw" "$inbox" "$dir/backend-inbox-sub.txt"
  grep -q "Permissions Violation for Subscription to \"$inbox\"" "$dir/backend-inbox-sub.txt" ||
    fail "the backend may subscribe to $inbox: $(cat "$dir/backend-inbox-sub.txt")"
  raw_stop
  echo "ok: the backend's subscription to $inbox refused"
done
! STOCKROOM_NATS_PASSWORD="$backend_pw" send_timeout_ms=1000 send be-default-inbox \
  --nats "$lp_url" --nats-user backend cmd.cart.open \
  '{"command_id":"c0","actor":{"id":"ann","role":"customer"},"cart_id":"c0","customer_id":"ann","currency":"EUR"}' ||
  fail "the backend got a reply on the default inbox: $(cat "$out/be-default-inbox.txt")"
echo "ok: a request on the default inbox gets no reply: $(cat "$out/be-default-inbox.txt")"
raw_sub analyst "$analyst_pw" "stockroom.events.>" "$dir/analyst-events.txt"
as backend "$backend_pw" be-cart cmd.cart.open \
  '{"command_id":"c1","actor":{"id":"ann","role":"customer"},"cart_id":"c1","customer_id":"ann","currency":"EUR"}' || true
allowed be-cart
for _ in $(seq 50); do grep -q "^MSG stockroom.events.cart.c1" "$dir/analyst-events.txt" && break; sleep 0.05; done
grep -q "^MSG stockroom.events.cart.c1" "$dir/analyst-events.txt" ||
  fail "the analyst did not receive the CartOpened event: $(cat "$dir/analyst-events.txt")"
grep -q "Permissions Violation" "$dir/analyst-events.txt" && fail "analyst events: $(cat "$dir/analyst-events.txt")"
raw_stop
echo "ok: the analyst receives stockroom.events.>"
! as backend "$backend_pw" be-define cmd.product.define "$(define_json MUG)" ||
  fail "the backend may define a product"
denied be-define
as analyst "$analyst_pw" an-stock query.stock '{"sku":"LAMP"}' || true
allowed an-stock
grep -q '"on_hand":5' "$out/an-stock.txt" || fail "analyst: $(cat "$out/an-stock.txt")"
! as analyst "$analyst_pw" an-define cmd.product.define "$(define_json PEN)" ||
  fail "the analyst may send a command"
denied an-define
stop_serve
stop_srv

# ---- help, with every secret in the environment --------------------------------------
export STOCKROOM_NATS_PASSWORD="$password" STOCKROOM_NATS_TOKEN="$token"
export STOCKROOM_NATS_NKEY="$dir/alice.seed" STOCKROOM_NATS_KEY="$dir/client.key"
"$stockroom" serve --help >"$out/serve-help.txt" 2>&1 || true
"$stockroom" send --help >"$out/send-help.txt" 2>&1 || true
unset STOCKROOM_NATS_PASSWORD STOCKROOM_NATS_TOKEN STOCKROOM_NATS_NKEY STOCKROOM_NATS_KEY
grep -q -- "--nats-nkey" "$out/serve-help.txt" || fail "serve --help lacks --nats-nkey"
grep -q -- "--nats-password" "$out/send-help.txt" || fail "send --help lacks --nats-password"

# ---- no secret leaks -----------------------------------------------------------------
# The same grep first finds each secret where it is (the control: the servers' configs,
# the seed and key files), then none in the outputs.
mkdir "$dir/control"
cp "$dir/users.conf" "$dir/token.conf" "$dir/alice.seed" "$dir/client.key" "$dir/carol.creds" \
  "$dir/dave.creds" "$dir/control/"
printf '%s\n' "$engine_pw" "$backend_pw" "$inventory_pw" "$analyst_pw" >"$dir/control/lp-env"
cp "$dir/mallory.seed" "$dir/control/wrong.txt"
echo "--nats-password $wrong" >>"$dir/control/wrong.txt"
while read -r secret; do
  printf '%s\n' "$secret" >"$dir/one.lst"
  grep -rlF -f "$dir/one.lst" "$dir/control" >/dev/null ||
    fail "the leak check cannot find $secret in its control"
done <"$dir/secrets.lst"
[ "$(ls "$out" | wc -l)" -ge 20 ] || fail "too few outputs collected: $(ls "$out")"
if grep -rlF -f "$dir/secrets.lst" "$out" >"$dir/leaks.txt"; then
  fail "a secret leaked into: $(cat "$dir/leaks.txt")"
fi
echo "ok: no secret in $(ls "$out" | wc -l) outputs (serve logs, HTTP, send, help)"
echo "security: all passed"
