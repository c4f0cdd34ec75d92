#!/usr/bin/env bash
# Failed sign-in time for a real account vs a name with no account, paired (BENCHMARKS.md).
# Usage: scripts/bench-signin.sh [ROUNDS]   — builds release, starts a server (--trust-proxy) on a
# fresh database with 40 accounts, and runs the paired timing.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-200}"
cargo build --quiet --release -p bancheng --bins --examples
bin="$PWD/target/release/bancheng"
timing="$PWD/target/release/examples/signin_timing"
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
cd "$dir"
"$bin" migrate --database sqlite://bench.db >/dev/null 2>&1
for i in $(seq 40); do
  echo "bench-pass-$i-long" | "$bin" user add "bench$i" --role window --unit bbcs --password-stdin --database sqlite://bench.db >/dev/null
done
"$bin" serve --addr 127.0.0.1:18182 --database sqlite://bench.db --tick-seconds 0 --trust-proxy >serve.log 2>&1 &
pid=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:18182/healthz >/dev/null 2>&1 && break; sleep 0.1; done
"$timing" http://127.0.0.1:18182 "$rounds" 40
