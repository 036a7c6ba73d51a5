#!/usr/bin/env bash
# Network benchmarks on loopback, all servers with the same worker count:
#
#   HTTP hello under wrk:  goroutine http_hello, Go net/http, tokio + hyper,
#                          tokio and smol with goroutine's own HTTP code
#   echo, 64-byte messages: goroutine echo_server, Go, tokio, smol, driven
#                          by benches/examples/net_echo_client.rs
#
# For each server and load it reports the median (by rate) of RUNS runs:
# rate, p50/p99 latency, the server's CPU time during the run (utime+stime
# from /proc/PID/stat) and requests per server CPU-second. The server and
# the load generator share the machine's cores.
#
# Usage: benches/net.sh            (needs wrk: apt-get install -y wrk; and go)
# Knobs (environment): WORKERS=2 DURATION=5s RUNS=3 CONNS="100 1000"
#                      ECHO_CONNS=100 ECHO_SECS=5 ONLY=<regex on server names>
set -euo pipefail
cd "$(dirname "$0")/.."

WORKERS=${WORKERS:-2}
DURATION=${DURATION:-5s}
RUNS=${RUNS:-3}
CONNS=${CONNS:-"100 1000"}
ECHO_CONNS=${ECHO_CONNS:-100}
ECHO_SECS=${ECHO_SECS:-5}
ONLY=${ONLY:-.}
PORT=${PORT:-18200}
OUT=target/net-bench
mkdir -p "$OUT"

command -v wrk >/dev/null || { echo "net.sh: wrk not found (apt-get install -y wrk)" >&2; exit 1; }
command -v go >/dev/null || { echo "net.sh: go not found (apt-get install -y golang)" >&2; exit 1; }

echo "building..." >&2
{
  cargo build --release -p goroutine --example http_hello --example echo_server &&
    cargo build --release -p goroutine-benches --example net_tokio_hyper --example net_tokio_hand \
      --example net_smol_hand --example net_tokio_echo --example net_smol_echo --example net_echo_client &&
    (cd benches/go/net && go build -o "../../../$OUT/go_http" ./http && go build -o "../../../$OUT/go_echo" ./echo)
} >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log" >&2; exit 1; }
EX=target/release/examples

export GOMAXPROCS=$WORKERS
CLK_TCK=$(getconf CLK_TCK)
SERVER_PID=

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

wait_port() {
  for _ in $(seq 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "net.sh: nothing listens on port $1" >&2
  return 1
}

start_server() { # port cmd...
  local port=$1; shift
  "$@" >/dev/null 2>&1 &
  SERVER_PID=$!
  wait_port "$port"
  sleep 0.2
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
  sleep 0.5
}
trap stop_server EXIT

to_ms() { # 372.00us | 1.45ms | 1.02s -> milliseconds
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else printf "?" }'
}

# Prints the line of the run with the median first field.
median() { sort -n -k1,1 | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'; }

HTTP_ROWS=()
bench_http() { # name port cmd...
  local name=$1 port=$2; shift 2
  [[ $name =~ $ONLY ]] || return 0
  start_server "$port" "$@"
  for c in $CONNS; do
    local results=()
    for _ in $(seq "$RUNS"); do
      local t0 t1 out
      t0=$(cpu_ticks "$SERVER_PID")
      out=$(wrk -t1 -c"$c" -d"$DURATION" --latency "http://127.0.0.1:$port/")
      t1=$(cpu_ticks "$SERVER_PID")
      local rate p50 p99 total errors cpu
      rate=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' <<<"$out")
      p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
      p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
      total=$(awk '/requests in/ { print $1 }' <<<"$out")
      errors=$(awk '/Non-2xx|Socket errors/ { print }' <<<"$out" | tr -s ' ' | tr '\n' ';')
      cpu=$(awk -v a="$t0" -v b="$t1" -v h="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / h }')
      results+=("$rate $p50 $p99 $cpu $(awk -v t="$total" -v c="$cpu" 'BEGIN { printf "%.0f", (c > 0 ? t / c : 0) }') ${errors:-}")
      echo "  $name c=$c: $rate req/s p50 $p50 ms p99 $p99 ms cpu $cpu s ${errors:-}" >&2
      sleep 1
    done
    local m
    m=$(printf '%s\n' "${results[@]}" | median)
    read -r rate p50 p99 cpu per_cpu _ <<<"$m"
    HTTP_ROWS+=("| $name | $c | $rate | $p50 | $p99 | $cpu | $per_cpu |")
  done
  stop_server
}

ECHO_ROWS=()
bench_echo() { # name port cmd...
  local name=$1 port=$2; shift 2
  [[ $name =~ $ONLY ]] || return 0
  start_server "$port" "$@"
  local results=()
  for _ in $(seq "$RUNS"); do
    local t0 t1 out
    t0=$(cpu_ticks "$SERVER_PID")
    out=$("$EX/net_echo_client" "127.0.0.1:$port" "$ECHO_CONNS" "$ECHO_SECS" 64)
    t1=$(cpu_ticks "$SERVER_PID")
    local rate p50 p99 total cpu
    rate=$(sed -E 's/.*msgs_per_s=([0-9]+).*/\1/' <<<"$out")
    p50=$(sed -E 's/.*p50_us=([0-9]+).*/\1/' <<<"$out")
    p99=$(sed -E 's/.*p99_us=([0-9]+).*/\1/' <<<"$out")
    total=$(sed -E 's/.*total=([0-9]+).*/\1/' <<<"$out")
    cpu=$(awk -v a="$t0" -v b="$t1" -v h="$CLK_TCK" 'BEGIN { printf "%.2f", (b - a) / h }')
    results+=("$rate $(awk -v v="$p50" 'BEGIN { printf "%.3f", v / 1000 }') $(awk -v v="$p99" 'BEGIN { printf "%.3f", v / 1000 }') $cpu $(awk -v t="$total" -v c="$cpu" 'BEGIN { printf "%.0f", (c > 0 ? t / c : 0) }')")
    echo "  $name: $out cpu $cpu s" >&2
    sleep 1
  done
  local m
  m=$(printf '%s\n' "${results[@]}" | median)
  read -r rate p50 p99 cpu per_cpu <<<"$m"
  ECHO_ROWS+=("| $name | $ECHO_CONNS | $rate | $p50 | $p99 | $cpu | $per_cpu |")
  stop_server
}

P=$PORT
bench_http "goroutine http_hello" $((P + 1)) "$EX/http_hello" "127.0.0.1:$((P + 1))" "$WORKERS"
bench_http "tokio hand-written" $((P + 2)) "$EX/net_tokio_hand" "127.0.0.1:$((P + 2))" "$WORKERS"
bench_http "tokio + hyper" $((P + 3)) "$EX/net_tokio_hyper" "127.0.0.1:$((P + 3))" "$WORKERS"
bench_http "smol hand-written" $((P + 4)) "$EX/net_smol_hand" "127.0.0.1:$((P + 4))" "$WORKERS"
bench_http "Go net/http" $((P + 5)) "$OUT/go_http" "127.0.0.1:$((P + 5))"

bench_echo "goroutine echo_server" $((P + 11)) "$EX/echo_server" "127.0.0.1:$((P + 11))" "$WORKERS"
bench_echo "tokio" $((P + 12)) "$EX/net_tokio_echo" "127.0.0.1:$((P + 12))" "$WORKERS"
bench_echo "smol" $((P + 13)) "$EX/net_smol_echo" "127.0.0.1:$((P + 13))" "$WORKERS"
bench_echo "Go" $((P + 14)) "$OUT/go_echo" "127.0.0.1:$((P + 14))"

echo
echo "HTTP hello, wrk -t1 -d$DURATION, $WORKERS workers / GOMAXPROCS=$WORKERS, median of $RUNS runs"
echo
echo "| server | conns | req/s | p50 ms | p99 ms | server CPU s | req per CPU-s |"
echo "|---|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${HTTP_ROWS[@]}"
echo
echo "Echo, 64-byte messages, net_echo_client ${ECHO_SECS}s, $WORKERS workers, median of $RUNS runs"
echo
echo "| server | conns | msg/s | p50 ms | p99 ms | server CPU s | msg per CPU-s |"
echo "|---|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ECHO_ROWS[@]}"
