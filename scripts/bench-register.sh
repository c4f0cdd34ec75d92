#!/usr/bin/env bash
# Durable case registrations per second over HTTP on SQLite (BENCHMARKS.md).
# Usage: scripts/bench-register.sh [SECONDS]   — builds release, starts a server that creates a
# fresh database in a temp dir, runs the load generator with 1, 32 and 64 clients, then restarts
# the server on the same file and runs 32 and 64 clients again ("fresh" beside "restarted": a
# planner statistic taken at start-up once made one of them several times slower). Prints RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
cargo build --quiet --release -p bancheng --bins --examples
bin="$PWD/target/release/bancheng"
load="$PWD/target/release/examples/register_load"
dir=$(mktemp -d)
pid=
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
cd "$dir"
start() {
  "$bin" serve --addr 127.0.0.1:18181 --database sqlite://bench.db --tick-seconds 0 >>serve.log 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:18181/healthz >/dev/null 2>&1 && break; sleep 0.1; done
}
start
# The account is added beside the running server, which created the database.
echo 'bench-pass-12345' | "$bin" user add bench --role window --unit bbcs --password-stdin --database sqlite://bench.db >/dev/null
echo "idle RSS: $(ps -o rss= -p "$pid") KiB"
echo "== fresh database (the server that created it)"
for c in 1 32 64; do "$load" http://127.0.0.1:18181 bench bench-pass-12345 "$c" "$secs"; done
echo "RSS after load: $(ps -o rss= -p "$pid") KiB (peak $(grep VmHWM /proc/$pid/status | awk '{print $2}') KiB)"
kill "$pid"; wait "$pid" 2>/dev/null || true
start
echo "== restarted on the same file"
for c in 32 64; do "$load" http://127.0.0.1:18181 bench bench-pass-12345 "$c" "$secs"; done
echo "cases: $(sqlite3 bench.db 'select count(*) from cases' 2>/dev/null || echo '?')"
