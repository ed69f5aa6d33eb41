#!/bin/bash
# Two builds against each other, invocations alternated: tools/bench-ab.sh OUT A B [ROUNDS]
# [extra compare options]. Each run is one `switchboard-bench compare` round (both floors,
# then the build on SQLite and on PostgreSQL); OUT gets the table rows of each run.
# Build the bench first: cargo build --release -p switchboard-bench
set -euo pipefail
out=$1; a=$2; b=$3; rounds=${4:-2}; shift $(( $# < 4 ? $# : 4 ))
bench="$(dirname "$0")/../target/release/switchboard-bench"
pg=${SWITCHBOARD_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
: > "$out"
for i in $(seq 1 "$rounds"); do
  for bin in "$a" "$b"; do
    echo "=== $bin run $i" >> "$out"
    "$bench" compare --switchboard "$bin" --requests 20000 --rounds 1 --concurrency 64 \
      --postgres "$pg" "$@" 2>&1 | grep '^| Switch\|^| durable' >> "$out"
  done
done
