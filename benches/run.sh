#!/usr/bin/env bash
# Runs the criterion benches, the memory bench and the Go benches on the same
# worker count and prints, per row, the median time per element and its
# ratio to the goroutine row of its group (2.00x = takes twice goroutine's
# time; below 1 = faster than goroutine).
#
#   BENCH_WORKERS  workers for every runtime and GOMAXPROCS for Go (default 2)
#   CRIT_ARGS      criterion flags (default: --warm-up-time 1 --measurement-time 3)
#   FEATURES       extra cargo features, if any
#   GO_BENCHTIME, GO_COUNT   see go/run.sh
#   SKIP_GO=1      Rust only
#   SKIP_CRITERION=1  reuse the criterion results already in target/criterion
#
# Example: BENCH_WORKERS=2 benches/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."

export BENCH_WORKERS="${BENCH_WORKERS:-2}"
crit_args="${CRIT_ARGS:---warm-up-time 1 --measurement-time 3}"
features="${FEATURES:-}"
feat=()
[ -n "$features" ] && feat=(--features "$features")
out="$(mktemp -d)"

benches=(spawn chan sync time)
groups="spawn_many spawn_remote chained_spawn yield_many ping_pong chan_ping_pong chan_prod_cons chan_select4 chan_try_send_recv mutex_uncontended mutex_contended8 semaphore_uncontended semaphore_contended8 waitgroup_1m timeout_ready"

[ "${SKIP_CRITERION:-0}" = 1 ] && benches=()
for b in "${benches[@]}"; do
    echo "== cargo bench --bench $b ($BENCH_WORKERS workers)" >&2
    # shellcheck disable=SC2086 # crit_args is a list of flags
    cargo bench -q -p goroutine-benches "${feat[@]}" --bench "$b" -- $crit_args \
        > "$out/$b.txt" 2> "$out/$b.err" || { cat "$out/$b.err" >&2; exit 1; }
done
echo "== cargo bench --bench memory" >&2
cargo bench -q -p goroutine-benches "${feat[@]}" --bench memory > "$out/memory.txt" 2> "$out/memory.err"

if [ "${SKIP_GO:-0}" != 1 ]; then
    echo "== go test -bench (GOMAXPROCS=$BENCH_WORKERS)" >&2
    "$here/go/run.sh" > "$out/go.txt"
else
    : > "$out/go.txt"
fi

target="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"

python3 - "$target/criterion" "$out/go.txt" "$groups" <<'PY'
import json, os, sys
crit, go_file, groups = sys.argv[1], sys.argv[2], sys.argv[3].split()
go = {}
for line in open(go_file):
    f = line.split()
    if len(f) == 3:
        go.setdefault(f[0], []).append((float(f[1]), f[2]))
print(f"{'row':<48} {'ns/elem':>10} {'vs goroutine':>13}")
for g in groups:
    d = os.path.join(crit, g)
    if not os.path.isdir(d):
        continue
    rows = []
    for fn in sorted(os.listdir(d)):
        new = os.path.join(d, fn, "new")
        try:
            est = json.load(open(os.path.join(new, "estimates.json")))
            meta = json.load(open(os.path.join(new, "benchmark.json")))
        except OSError:
            continue
        elems = (meta.get("throughput") or {}).get("Elements") or 1
        rows.append((meta["function_id"], est["median"]["point_estimate"] / elems))
    for v, unit in go.get(g, []):
        rows.append(("go", v))
    if g == "ping_pong":
        for v, unit in go.get("ping_pong_cap1", []):
            rows.append(("go (cap-1 chan as notify)", v))
    base = dict(rows).get("goroutine")
    rows.sort(key=lambda r: (r[0] != "goroutine", r[1]))
    for name, v in rows:
        ratio = f"{v / base:.2f}x" if base else "-"
        print(f"{g + '/' + name:<48} {v:>10.1f} {ratio:>13}")
print()
for g in ("sleepers_1m", "mem_parked", "mem_parked_chan"):
    for v, unit in go.get(g, []):
        print(f"go {g:<20} {v:>10.1f} {unit}")
PY
echo
cat "$out/memory.txt"
[ -f "$out/time.txt" ] && grep '^sleepers_1m' "$out/time.txt" || true
echo "(raw outputs in $out)" >&2
