#!/usr/bin/env bash
# Store-level throughput (BENCHMARKS.md "store alone" and "demo-data"): no HTTP, fresh SQLite
# files in a temp dir. Usage: scripts/bench-store.sh [REGISTRATIONS] [DEMO_CASES]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-50000}"
demo="${2:-20000}"
cargo build --release -p bancheng --bins --examples >/dev/null
bin="$PWD/target/release/bancheng"
reg="$PWD/target/release/examples/store_register"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for callers in 16 64 256; do
  "$reg" "sqlite://$dir/reg-$callers.db" "$n" "$callers"
done
# Full histories through App::register / App::act (see crates/server/src/cli/demo.rs).
"$bin" demo-data --cases "$demo" --seed 1 --database "sqlite://$dir/demo.db" 2>/dev/null | tail -1
"$bin" verify-log --database "sqlite://$dir/demo.db"
