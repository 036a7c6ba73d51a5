#!/usr/bin/env bash
# Runs the Go side of the benches with GOMAXPROCS = the Rust rows' worker
# count and prints one line per row: `row value unit` (median over runs).
#
#   BENCH_WORKERS  workers / GOMAXPROCS (default 2)
#   GO_BENCHTIME   -benchtime of the timed rows (default 1s)
#   GO_COUNT       runs per timed row; the median is printed (default 5)
#   GO_RAW         file to keep go test's raw output in (default: a temp file)
#
# spawn_remote has no Go counterpart (every `go` runs on a goroutine).
# Memory rows and the 1M sleepers each run alone, once, in a fresh process,
# so the heap and peak RSS they report are theirs.
set -euo pipefail
cd "$(dirname "$0")"

workers="${BENCH_WORKERS:-2}"
benchtime="${GO_BENCHTIME:-1s}"
count="${GO_COUNT:-5}"
raw="${GO_RAW:-$(mktemp)}"
: > "$raw"

export GOMAXPROCS="$workers"
go version >&2

timed='^Benchmark(SpawnMany|ChainedSpawn|YieldMany|PingPong|PingPongNotify|ProdCons4x4Cap100|Select4Contended|TrySendTryRecv|MutexUncontended|MutexContended8|SemaphoreUncontended|SemaphoreContended8|WaitGroup1M)$'
go test -run '^$' -bench "$timed" -benchtime "$benchtime" -count "$count" >> "$raw"
for b in Parked ParkedChan Sleepers1M; do
    go test -run '^$' -bench "^Benchmark${b}\$" -benchtime 1x -count 1 >> "$raw"
done

# `BenchmarkX-2  N  T ns/op  V1 unit1  V2 unit2 ...` -> median of each
# custom metric (not ns/op) per benchmark.
awk '
/^Benchmark/ {
    name = $1; sub(/^Benchmark/, "", name); sub(/-[0-9]+$/, "", name)
    for (i = 5; i + 1 <= NF; i += 2) {
        if ($(i + 1) == "ns/op") continue
        key = name SUBSEP $(i + 1)
        n[key]++; v[key, n[key]] = $i
        if (!(key in seen)) { seen[key] = 1; order[++k] = key }
    }
}
END {
    row["SpawnMany"] = "spawn_many"; row["ChainedSpawn"] = "chained_spawn"
    row["YieldMany"] = "yield_many"; row["PingPong"] = "ping_pong"
    row["PingPongNotify"] = "ping_pong_cap1"
    row["ProdCons4x4Cap100"] = "chan_prod_cons"; row["Select4Contended"] = "chan_select4"
    row["TrySendTryRecv"] = "chan_try_send_recv"; row["Parked"] = "mem_parked"
    row["MutexUncontended"] = "mutex_uncontended"; row["MutexContended8"] = "mutex_contended8"
    row["SemaphoreUncontended"] = "semaphore_uncontended"
    row["SemaphoreContended8"] = "semaphore_contended8"; row["WaitGroup1M"] = "waitgroup_1m"
    row["ParkedChan"] = "mem_parked_chan"; row["Sleepers1M"] = "sleepers_1m"
    for (j = 1; j <= k; j++) {
        key = order[j]; split(key, parts, SUBSEP)
        m = n[key]
        for (a = 1; a <= m; a++) s[a] = v[key, a] + 0
        for (a = 2; a <= m; a++) for (b = a; b > 1 && s[b-1] > s[b]; b--) { t = s[b]; s[b] = s[b-1]; s[b-1] = t }
        med = (m % 2) ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
        r = (parts[1] in row) ? row[parts[1]] : parts[1]
        printf "%-20s %12.1f %s\n", r, med, parts[2]
        if (parts[1] == "PingPong") printf "%-20s %12.1f %s\n", "chan_ping_pong", med, parts[2]
    }
}' "$raw"
