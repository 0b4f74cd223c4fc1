#!/usr/bin/env bash
# Signed heads from the command line, checked with jq, base64 and openssl alone:
# `stockroom serve` creates its signing key beside the data directory (mode 0600, the
# public key in FILE.pub, the key id logged), answers query.head with a head that
# `openssl pkeyutl -verify` accepts, and pushes heads every --head-interval; a restart
# keeps the key; STOCKROOM_SIGNING_KEY chooses another file; a file that is no key
# stops serve with a one-line error and exit 1.
set -euo pipefail
stockroom="$1"
source "$(dirname "$0")/lib.sh"
serve_pid=
kill_at_exit serve_pid

start_nats

start_serve() {  # log file, then extra arguments
  local log="$1"
  shift
  "$stockroom" serve --nats "$url" --http off "$@" 2>"$dir/$log" &
  serve_pid=$!
  for _ in $(seq 300); do
    "$stockroom" send --nats "$url" --timeout-ms 200 query.head '{}' >"$dir/head.txt" 2>/dev/null &&
      return 0
    sleep 0.1
  done
  fail "serve did not answer query.head"
}
stop_serve() {
  kill -TERM "$serve_pid"
  wait "$serve_pid" || fail "serve exited $? after SIGTERM"
  serve_pid=
}

# Checks the signed head in $1 (one JSON line) against the PEM public key $2 with
# openssl: the signed text is stockroom-head:<partition>:<position>:<hash>:<time_us>.
check_head() {
  jq -j '"stockroom-head:\(.partition):\(.position):\(.hash):\(.time_us)"' "$1" >"$dir/msg"
  jq -j .signature "$1" | base64 -d >"$dir/sig"
  openssl pkeyutl -verify -pubin -inkey "$2" -rawin -in "$dir/msg" -sigfile "$dir/sig" \
    >/dev/null || fail "openssl does not verify $(cat "$1")"
}

# First start: the key is created beside the data directory, not inside it.
start_serve serve.log --data "$dir/data" --head-interval 1
key="$dir/data.signing-key.pem"
[ -f "$key" ] && [ -f "$key.pub" ] || fail "key files beside the data directory"
[ "$(stat -c %a "$key")" = 600 ] || fail "key mode $(stat -c %a "$key")"
[ -z "$(ls "$dir/data" | grep -i key || true)" ] || fail "a key inside the data directory"
key_id=$(openssl pkey -pubin -in "$key.pub" -outform DER | tail -c 32 | sha256sum | cut -c1-16)
grep -q "\"event\":\"signing_key\".*\"created\":true.*\"key_id\":\"$key_id\"" "$dir/serve.log" ||
  fail "key id logged"
[ "$(jq -r .key_id "$dir/head.txt")" = "$key_id" ] || fail "key id of the head"
[ "$(jq -r .position "$dir/head.txt")" = 0 ] || fail "an empty log's head is position 0"
[ "$(jq -r .hash "$dir/head.txt")" = "$(printf '0%.0s' $(seq 64))" ] || fail "zero hash"
check_head "$dir/head.txt" "$key.pub"
cat "$dir/head.txt" >"$dir/heads.jsonl"

"$stockroom" send --nats "$url" cmd.product.define \
  '{"command_id":"d1","actor":{"id":"ops","role":"staff"},"sku":"PEN","name":"Pen","price":{"amount":100,"currency":"EUR"}}' \
  >/dev/null || fail "define"
# Within two intervals a pushed head, and so query.head, names position 1.
for _ in $(seq 50); do
  "$stockroom" send --nats "$url" query.head '{}' >"$dir/head.txt"
  [ "$(jq -r .position "$dir/head.txt")" = 1 ] && break
  sleep 0.1
done
[ "$(jq -r .position "$dir/head.txt")" = 1 ] || fail "the head did not move to position 1"
"$stockroom" send --nats "$url" query.verify '{}' >"$dir/verify.txt"
[ "$(jq -r .head_hash "$dir/verify.txt")" = "$(jq -r .hash "$dir/head.txt")" ] ||
  fail "the signed hash is the chain's head hash"
check_head "$dir/head.txt" "$key.pub"
cat "$dir/head.txt" >>"$dir/heads.jsonl"
stop_serve

# The collected heads check out against the log offline; a forged one is caught.
"$stockroom" verify --data "$dir/data" --heads "$dir/heads.jsonl" --public-key "$key.pub" \
  >"$dir/verify-heads.txt" || fail "verify --heads"
grep -q "^ok: 1 events; checked .*, signed heads$" "$dir/verify-heads.txt" || fail "verify --heads line"
jq -c '.hash = "'"$(printf 'a%.0s' $(seq 64))"'"' "$dir/head.txt" >>"$dir/heads.jsonl"
set +e
"$stockroom" verify --data "$dir/data" --heads "$dir/heads.jsonl" --public-key "$key.pub" \
  >"$dir/verify-forged.txt"
status=$?
set -e
[ "$status" = 1 ] || fail "a forged head exited $status"
grep -q "^FAIL heads: line 3: " "$dir/verify-forged.txt" || fail "the forged head's line"

# A restart loads the same key.
start_serve serve-again.log --data "$dir/data"
grep -q "\"event\":\"signing_key\".*\"created\":false.*\"key_id\":\"$key_id\"" \
  "$dir/serve-again.log" || fail "the key was not kept"
[ "$(jq -r .position "$dir/head.txt")" = 1 ] || fail "the head after a restart"
check_head "$dir/head.txt" "$key.pub"
stop_serve

# Another key file through the environment.
mkdir "$dir/keys"
STOCKROOM_SIGNING_KEY="$dir/keys/head.pem" start_serve serve-env.log --data "$dir/data"
[ -f "$dir/keys/head.pem.pub" ] || fail "STOCKROOM_SIGNING_KEY"
[ "$(jq -r .key_id "$dir/head.txt")" != "$key_id" ] || fail "the other key signs"
check_head "$dir/head.txt" "$dir/keys/head.pem.pub"
stop_serve

# A file that is no key: one line on stderr, exit 1, no log opened.
echo "not a key" >"$dir/bad.pem"
set +e
"$stockroom" serve --data "$dir/data" --nats "$url" --http off --signing-key "$dir/bad.pem" \
  2>"$dir/bad.log"
status=$?
set -e
[ "$status" = 1 ] || fail "a bad key file exited $status"
grep -q "^stockroom serve: signing key $dir/bad.pem: not a PEM private key" "$dir/bad.log" ||
  fail "the bad key's message"
echo ok
