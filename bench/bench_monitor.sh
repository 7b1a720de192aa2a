#!/usr/bin/env bash
# Monitoring over a big request log: BENCH_ROWS requests (default 10,000,000; BENCH_SMOKE=1:
# 20,000) spread over 30 days, written through the gateway's own log writer. Side by side:
#   1. the writer: rows/s sustained (generator and writer in one process, two threads);
#   2. the store: bytes per request (no bodies), the whole store.db after a checkpoint;
#   3. `llmops monitor --since 24h --bucket 1h --by release` (goal <= 1 s);
#   4. `llmops monitor check` with 20 rules, no delivery (goal <= 1 s);
#   5. the floor: a plain `SELECT count(*)` over the whole table and over the last 24 hours.
# Usage: bench/bench_monitor.sh  (LLMOPS_BIN points at the build; the generator is the
# bench_monitor_gen target beside it)
source "$(dirname "$0")/common.sh"

rows=${BENCH_ROWS:-$(by_mode 10000000 20000)}
# BENCH_DAYS shorter than 30 keeps the density of 10M requests in 30 days (333,333 a day) with
# fewer rows: the 24-hour figures then measure the full-size work.
days=${BENCH_DAYS:-30}
gen=${BENCH_MONITOR_GEN:-$(dirname "$LLMOPS_BIN")/bench_monitor_gen}
[ -x "$gen" ] || { echo "build the bench_monitor_gen target first ($gen)" >&2; exit 1; }

work=$SCRATCH/monitor
rm -rf "$work"
"$LLMOPS_BIN" init "$work" >/dev/null
cd "$work"

gen_out=$("$gen" .llmops/store.db "$rows" "$days")
writer_rps=${gen_out##*rows_per_second=}
writer_cpu_rps=${gen_out##*rows_per_cpu_second=}
writer_cpu_rps=${writer_cpu_rps%% *}
sqlite3 .llmops/store.db 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
store_bytes=$(stat -c %s .llmops/store.db)
bytes_per_request=$(awk -v b="$store_bytes" -v n="$rows" 'BEGIN {printf "%.1f", b / n}')

# 20 rules over the usual windows (5m, 15m, 1h, 24h) and selectors, no receivers.
{
  echo "alerts:"
  echo "  rules:"
  metrics=(error_rate latency_p95_ms latency_p99_ms upstream_p95_ms queue_p95_ms ttft_p95_ms
    requests_per_second cost_usd user_cost_usd cache_hit_rate error_rate.upstream_server
    output_tokens_per_second tokens requests latency_p50_ms errors completion_tokens
    upstream_p99_ms ttft_p50_ms prompt_tokens)
  windows=(5m 15m 1h 1h 5m 15m 5m 1h 24h 1h 5m 15m 1h 5m 15m 5m 1h 15m 5m 1h)
  routes=("" qa summary "" classify "" chat "" "" extract "" qa "" summary "" "" chat "" qa "")
  for i in $(seq 0 19); do
    selector="{env: production}"
    [ -n "${routes[$i]}" ] && selector="{env: production, route: ${routes[$i]}}"
    echo "    - {name: rule$i, metric: ${metrics[$i]}, window: ${windows[$i]}, threshold: 1000000000, selector: $selector}"
  done
} >llmops.yaml

# timed N CMD...: "WALL CPU", the medians of N runs (CPU = user + system: on a shared
# machine the work done, when wall time is mostly waiting for a core).
timed() {
  local n=$1 walls=() cpus=()
  shift
  for _ in $(seq "$n"); do
    measure "$@"
    walls+=("$SECONDS_TAKEN")
    cpus+=("$CPU_TAKEN")
  done
  echo "$(median "${walls[@]}") $(median "${cpus[@]}")"
}

read -r monitor_s monitor_cpu < <(timed "$REPEAT" "$LLMOPS_BIN" monitor --since 24h --bucket 1h --by release --json)
read -r check_s check_cpu < <(timed "$REPEAT" "$LLMOPS_BIN" monitor check --no-deliver --json)
read -r count_all_s count_all_cpu < <(timed "$REPEAT" sqlite3 .llmops/store.db 'SELECT count(*) FROM request_rows')
since=$(( ($(date +%s) - 86400) * 1000 ))
read -r count_day_s count_day_cpu < <(timed "$REPEAT" sqlite3 .llmops/store.db "SELECT count(*) FROM request_rows WHERE id >= ($since << 20)")
day_rows=$(sqlite3 .llmops/store.db "SELECT count(*) FROM request_rows WHERE id >= ($since << 20)")

row() { printf '%-52s %12s %10s %10s\n' "$@"; }
echo
row "monitor bench: $rows requests over $days days" "measured" "CPU s" "goal"
row "log writer, rows/s (wall; per CPU second)" "$writer_rps" "$writer_cpu_rps" ">= 50000"
row "store bytes per request (no bodies)" "$bytes_per_request" "" "<= 150"
row "monitor --since 24h --bucket 1h --by release, s" "$monitor_s" "$monitor_cpu" "<= 1"
row "monitor check, 20 rules, s" "$check_s" "$check_cpu" "<= 1"
row "floor: SELECT count(*) over all rows, s" "$count_all_s" "$count_all_cpu" ""
row "floor: SELECT count(*), last 24 h ($day_rows rows), s" "$count_day_s" "$count_day_cpu" ""
