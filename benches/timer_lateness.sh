#!/usr/bin/env bash
# How late a 1 ms sleep ends beside busy ping-pong pairs, on goroutine,
# tokio and Go (examples/timer_lateness.rs, go/lateness/), for a few
# shapes: WORKERS PAIRS SPIN_US (µs each poll computes).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
cargo build -q --release -p goroutine-benches --example timer_lateness
bin="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/examples/timer_lateness"
gobin=""
if command -v go >/dev/null; then
    gobin="$(mktemp -d)/lateness"
    (cd "$here/go/lateness" && go build -o "$gobin" .)
fi
for shape in "1 0 0" "1 1 0" "1 1 5" "1 1 100" "1 1 1000" "2 2 5" "2 4 200"; do
    for rt in goroutine tokio; do "$bin" "$rt" $shape; done
    if [ -n "$gobin" ]; then "$gobin" $shape; fi
done
