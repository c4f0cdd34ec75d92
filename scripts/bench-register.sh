#!/usr/bin/env bash
# Durable case registrations per second over HTTP on SQLite (BENCHMARKS.md).
# Usage: scripts/bench-register.sh [SECONDS]   — builds release, starts a server on a fresh
# database in a temp dir, runs the load generator with 1 and 32 clients, prints RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
cargo build --release -p bancheng --bins --examples >/dev/null
bin="$PWD/target/release/bancheng"
load="$PWD/target/release/examples/register_load"
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
cd "$dir"
echo 'bench-pass-1' | "$bin" user add bench --role window --unit bbcs --password-stdin --database sqlite://bench.db >/dev/null 2>&1
"$bin" serve --addr 127.0.0.1:18181 --database sqlite://bench.db --tick-seconds 0 >serve.log 2>&1 &
pid=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:18181/healthz >/dev/null 2>&1 && break; sleep 0.1; done
echo "idle RSS: $(ps -o rss= -p "$pid") KiB"
"$load" http://127.0.0.1:18181 bench bench-pass-1 1 "$secs"
"$load" http://127.0.0.1:18181 bench bench-pass-1 32 "$secs"
"$load" http://127.0.0.1:18181 bench bench-pass-1 128 "$secs"
echo "RSS after load: $(ps -o rss= -p "$pid") KiB (peak $(grep VmHWM /proc/$pid/status | awk '{print $2}') KiB)"
echo "cases: $(sqlite3 bench.db 'select count(*) from cases' 2>/dev/null || echo '?')"
