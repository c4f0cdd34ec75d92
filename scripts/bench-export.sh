#!/usr/bin/env bash
# The 台账 Excel export and the ledger page at N cases on SQLite (BENCHMARKS.md).
# Usage: scripts/bench-export.sh [CASES]  — builds release, fills a fresh database over HTTP with the
# load generator, restarts the server (fresh peak RSS), then times GET /api/v1/ledger.xlsx of every
# case and a 50-row /ledger page, printing the server's peak RSS before and after the export.
set -euo pipefail
cd "$(dirname "$0")/.."
want="${1:-95000}"  # the export refuses more than 100,000 rows; the load overshoots by a few thousand
cargo build --release -p bancheng --bins --examples >/dev/null
bin="$PWD/target/release/bancheng"
load="$PWD/target/release/examples/register_load"
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
cd "$dir"
db="sqlite://bench.db"
echo 'bench-pass-1' | "$bin" user add bench --role window --unit bbcs --password-stdin --database "$db" >/dev/null 2>&1
start() {
  "$bin" serve --addr 127.0.0.1:18182 --database "$db" --tick-seconds 0 >>serve.log 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:18182/healthz >/dev/null 2>&1 && break; sleep 0.1; done
}
start
count() { curl -sf -H "Authorization: Bearer $1" "http://127.0.0.1:18182/api/v1/cases?per_page=1" | sed 's/.*"total":\([0-9]*\).*/\1/'; }
token=$(curl -sf -X POST -H 'Content-Type: application/json' -d '{"username":"bench","password":"bench-pass-1"}' \
  http://127.0.0.1:18182/api/v1/auth/token | sed 's/.*"token":"\([^"]*\)".*/\1/')
while [ "$(count "$token")" -lt "$want" ]; do "$load" http://127.0.0.1:18182 bench bench-pass-1 32 5 >/dev/null; done
n=$(count "$token")
kill "$pid"; wait "$pid" 2>/dev/null || true
start
echo "cases: $n; server RSS after restart: $(grep VmHWM /proc/$pid/status | awk '{print $2}') KiB peak"
t0=$(date +%s.%N)
curl -sS --fail-with-body -H "Authorization: Bearer $token" -o ledger.xlsx "http://127.0.0.1:18182/api/v1/ledger.xlsx" || { cat ledger.xlsx; exit 1; }
t1=$(date +%s.%N)
echo "ledger.xlsx: $(stat -c %s ledger.xlsx) bytes in $(echo "$t1 - $t0" | bc) s; server peak RSS $(grep VmHWM /proc/$pid/status | awk '{print $2}') KiB"
cookie="bc_session=$token"
for i in 1 2 3; do
  curl -sf -b "$cookie" -o /dev/null -w "ledger page (50 rows, newest first): %{time_total} s\n" "http://127.0.0.1:18182/ledger"
done
curl -sf -b "$cookie" -o /dev/null -w "ledger page, text search 压测: %{time_total} s\n" "http://127.0.0.1:18182/ledger?q=%E5%8E%8B%E6%B5%8B"
curl -sf -b "$cookie" -o /dev/null -w "ledger page, sorted by deadline: %{time_total} s\n" "http://127.0.0.1:18182/ledger?sort=due"
echo "server peak RSS at the end: $(grep VmHWM /proc/$pid/status | awk '{print $2}') KiB"
