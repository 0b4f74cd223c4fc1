#!/usr/bin/env bash
# `stockroom` with no subcommand (cli.md): the usage and the list of subcommands on
# stderr, exit 2; the same with only a main-app option (--config).
set -euo pipefail
stockroom="$1"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAILED: $*"; cat "$dir/err.txt"; exit 1; }

check_usage() {
  local rc=0
  "$stockroom" "$@" >"$dir/out.txt" 2>"$dir/err.txt" || rc=$?
  [ "$rc" -eq 2 ] || fail "stockroom $*: exit $rc, expected 2"
  [ ! -s "$dir/out.txt" ] || fail "stockroom $*: printed on stdout"
  grep -q "Usage:" "$dir/err.txt" || fail "stockroom $*: no usage line"
  grep -q "Subcommands:" "$dir/err.txt" || fail "stockroom $*: no list of subcommands"
  for sub in serve send demo rebuild; do
    grep -Eq "^ +$sub( |$)" "$dir/err.txt" || fail "stockroom $*: subcommand $sub not listed"
  done
  grep -q "A subcommand is required" "$dir/err.txt" || fail "stockroom $*: does not say why"
}

check_usage
: >"$dir/empty.toml"
check_usage --config "$dir/empty.toml"
echo "usage: ok"
