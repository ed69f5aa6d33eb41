#!/usr/bin/env bash
# One load run on a fresh data directory: token create, serve, simulate load, stop.
# Usage: tools/bench-load.sh BINARY webhooks|calls [REQUESTS] [CONCURRENCY]
# With BENCH_POSTGRES=postgres://USER@HOST:PORT (no database), each run gets a fresh PostgreSQL
# database there instead of SQLite, dropped afterwards.
set -euo pipefail
bin=$1; mode=$2; requests=${3:-2000}; concurrency=${4:-16}
dir=$(mktemp -d)
db=()
if [ -n "${BENCH_POSTGRES:-}" ]; then
  name="sb_bench_$$_$RANDOM"
  psql "$BENCH_POSTGRES/postgres" -qc "CREATE DATABASE $name" >/dev/null
  db=(--database-url "$BENCH_POSTGRES/$name")
fi
token=$("$bin" token create --name bench --data-dir "$dir" "${db[@]}" 2>/dev/null | tail -n 1)
port=$((18000 + RANDOM % 1000))
SWITCHBOARD_LOG=warn "$bin" serve --listen "127.0.0.1:$port" --data-dir "$dir" "${db[@]}" >/dev/null 2>&1 &
pid=$!
cleanup() {
  kill $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  rm -rf "$dir"
  if [ -n "${BENCH_POSTGRES:-}" ]; then
    psql "$BENCH_POSTGRES/postgres" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null
  fi
}
trap cleanup EXIT
for _ in $(seq 100); do curl -sf "127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
"$bin" simulate load --server "http://127.0.0.1:$port" --token "$token" --mode "$mode" \
  --requests "$requests" --concurrency "$concurrency"
