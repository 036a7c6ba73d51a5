#!/usr/bin/env bash
# Issue 6's blocked-ticker program on goroutine (monitor on and off), tokio
# and Go, 2 workers / GOMAXPROCS=2, RUNS times each (default 3).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
runs="${RUNS:-3}"
cargo build -q --release -p goroutine-benches --example blocked_ticker
bin="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/examples/blocked_ticker"
for i in $(seq "$runs"); do
    for rt in goroutine goroutine-monitor-off tokio; do "$bin" "$rt"; done
    if command -v go >/dev/null; then (cd "$here/go/blocked" && GOMAXPROCS=2 go run .); fi
done
