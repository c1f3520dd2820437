#!/usr/bin/env bash
# Export benchmark (issue 24, BENCHMARKS.md "Bulk exports"): civlink serve under
# /usr/bin/time -v on a SQLite file, one ADMIN export of every volunteer polled to SUCCEEDED
# and downloaded; prints the export's time, the file, the RSS before the export and its peak
# during export and download (sampled every 0.25 s), and the whole process's peak.
#
#   benches/export.sh prepare DIR            # DIR/small.db (prefecture set) and DIR/large.db (×32 volunteers)
#   benches/export.sh run DBFILE|postgres://URL CSV|JSONL|XLSX PORT [REGION]
#
# REGION (a division code) exports only that subtree's volunteers (filter.region).
# Needs curl, jq, bc, sqlite3. BIN defaults to target/debug/civlink.
set -euo pipefail
BIN=${BIN:-target/debug/civlink}
BIN=$(realpath "$BIN")
case ${1:-} in
prepare)
  DIR=$2; mkdir -p "$DIR"; rm -f "$DIR"/small.db* "$DIR"/large.db*
  DATABASE_URL="sqlite://$DIR/small.db?mode=rwc" "$BIN" seed synthetic --scale prefecture
  cp "$DIR/small.db" "$DIR/large.db"
  # Doubles the volunteers five times (6,921 → 221,472): new ids, external ids made unique,
  # no person keys (they are unique per person).
  for _ in 1 2 3 4 5; do
    sqlite3 "$DIR/large.db" "INSERT INTO volunteers SELECT randomblob(16), name, gender, phone, id_document_type,
      id_number, volunteer_number, skills, region_code, source, external_id || '-' || lower(hex(randomblob(4))),
      created_at, updated_at, version, deleted_at, NULL FROM volunteers;"
  done
  sqlite3 "$DIR/large.db" "SELECT COUNT(*) || ' volunteers' FROM volunteers"
  exit 0 ;;
run) case $2 in postgres://*) URL=$2 ;; *) URL="sqlite://$(realpath "$2")?mode=rwc" ;; esac
    FORMAT=$3; PORT=$4; FILTER=""
    if [ -n "${5:-}" ]; then FILTER=", filter: {region: \\\"$5\\\"}"; fi ;;
*) echo "usage: $0 prepare DIR | run DBFILE|URL CSV|JSONL|XLSX PORT [REGION]" >&2; exit 2 ;;
esac
WORK=$(mktemp -d)
export CIVLINK_JWT_SECRET=bench-secret-of-at-least-32-bytes-long-ok
export DATABASE_URL="$URL" CIVLINK_ADDR=127.0.0.1:$PORT RUST_LOG=warn
TOKEN=$("$BIN" token --sub bench --role ADMIN)
/usr/bin/time -v -o "$WORK/time.txt" "$BIN" serve > "$WORK/serve.log" 2>&1 &
TPID=$!
for _ in $(seq 1 1500); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
CPID=$(pgrep -P $TPID) || { echo "civlink serve did not start:" >&2; tail -20 "$WORK/serve.log" >&2; exit 1; }
sleep 3
BASE=$(awk '/VmRSS/ {print $2}' /proc/$CPID/status)
: > "$WORK/rss.txt"
( while kill -0 $CPID 2>/dev/null; do awk '/VmRSS/ {print $2}' /proc/$CPID/status >> "$WORK/rss.txt" 2>/dev/null; sleep 0.25; done ) &
SAMPLER=$!
api() { curl -s "http://127.0.0.1:$PORT/graphql" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d "$1"; }
START=$(date +%s.%N)
ID=$(api "{\"query\":\"mutation { startExport(input: {kind: VOLUNTEERS, format: $FORMAT$FILTER}) { export { id } } }\"}" \
  | jq -r .data.startExport.export.id)
while true; do
  R=$(api "{\"query\":\"query(\$id: ID!) { node(id: \$id) { ... on Export { status rowCount byteCount url error { code } } } }\",\"variables\":{\"id\":\"$ID\"}}")
  S=$(echo "$R" | jq -r .data.node.status)
  if [ "$S" = SUCCEEDED ] || [ "$S" = FAILED ]; then break; fi
  sleep 0.5
done
END=$(date +%s.%N)
echo "$R" | jq -c .data.node
curl -s -o "$WORK/out" -H "authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$(echo "$R" | jq -r .data.node.url)"
echo "export, start to SUCCEEDED (polled every 0.5 s): $(echo "$END - $START" | bc) s; downloaded $(stat -c %s "$WORK/out") bytes, $(wc -l < "$WORK/out") lines"
kill $SAMPLER 2>/dev/null || true
echo "RSS before the export: $BASE kB; peak during export and download: $(sort -n "$WORK/rss.txt" | tail -1) kB"
kill -INT $CPID
wait $TPID || true
echo "whole process, startup included:"; grep -E "Maximum resident|Elapsed" "$WORK/time.txt"
rm -rf "$WORK"
