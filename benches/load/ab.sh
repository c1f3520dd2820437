#!/bin/bash
# Interleaved A/B of civlink release binaries under the load harness (BENCHMARKS.md).
#
#   benches/load/ab.sh OPS SECONDS ROUNDS BINARY...
#   e.g. PGURL=postgres://postgres@127.0.0.1:5432/civlink_bench_national \
#        benches/load/ab.sh 1,2 10 2 /tmp/civlink-old target/release/civlink-new
#
# Build the harness first (`cargo build --release --benches`). Each binary in turn is copied
# to target/release/civlink, which the harness starts; PGURL and/or SQLITE (a file) name the
# databases. The harness counts statements with its own in-process server, so its
# "SQL / request" column is this checkout's, whatever the binary. Leaves the last binary in place.
set -euo pipefail
cd "$(dirname "$0")/../.."
load=$(ls -t target/release/deps/load-* | grep -v '\.d$' | head -1)
ops=$1 secs=$2 rounds=$3
shift 3
binaries=()
for b in "$@"; do
  copy=$(mktemp)
  cp "$b" "$copy"
  binaries+=("$copy")
done
for r in $(seq 1 "$rounds"); do
  for i in "${!binaries[@]}"; do
    cp "${binaries[$i]}" target/release/civlink
    echo "== ${*:$((i + 1)):1}, round $r"
    "$load" ${PGURL:+--postgres "$PGURL"} ${SQLITE:+--sqlite "$SQLITE"} --clients 16 --duration "$secs" \
      --warmup 2 --ops "$ops" 2>&1 | grep -E '^\| [0-9]|RSS'
  done
done
rm -f "${binaries[@]}"
