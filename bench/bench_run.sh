#!/usr/bin/env bash
# `llmops run` end to end (render, provider engine, rows written to the store) against the
# stub server, BENCH_ROWS (default 10,000) rows:
#   1. 0 ms latency, concurrency 32: rows/s and peak RSS (the stub shares the 2 cores);
#   2. 50 ms latency, concurrency 32: wall time against the ideal rows x 0.05 / 32;
#   3. run 1 again with the stub stopped: every answer from the response cache.
# Usage: bench/bench_run.sh   (LLMOPS_BIN points at the build; BENCH_SMOKE=1: 300 rows)
source "$(dirname "$0")/common.sh"

rows=${BENCH_ROWS:-$(by_mode 10000 300)}
export LLMOPS_BUILD_DIR=${LLMOPS_BUILD_DIR:-$(dirname "$LLMOPS_BIN")}
source "$ROOT_DIR/tests/support/stub_llm.sh"

work=$SCRATCH/run
rm -rf "$work"
"$LLMOPS_BIN" init "$work" >/dev/null
cd "$work"
for i in $(seq 1 "$rows"); do printf '{"id":%d,"question":"what is the answer to question %d?"}\n' "$i" "$i"; done >rows.jsonl
"$LLMOPS_BIN" data add rows.jsonl --name rows -q >/dev/null
printf 'name: ask\ntemplate: "Please answer: {{question}}"\nvariables: {question: {required: true}}\nmodel: {name: stub-model}\n' >ask.yaml
"$LLMOPS_BIN" prompt add ask.yaml -q >/dev/null

providers() { # FAST_URL SLOW_URL
  printf 'providers:\n  fast: {type: openai, model: stub-model, base_url: "%s/v1", api_key_env: ""}\n  slow: {type: openai, model: stub-model, base_url: "%s/v1", api_key_env: ""}\n' "$1" "$2" >llmops.yaml
}

measure_run() { # ARGS...: sets WALL, RSS_MB, RPS, CACHED
  /usr/bin/time -o .time -f '%e %M' "$LLMOPS_BIN" run ask --data rows --json "$@" >.out 2>.err ||
    { [ $? -eq 5 ] || { cat .err >&2; exit 1; }; }
  WALL=$(awk '{print ($1 > 0 ? $1 : 0.01)}' .time)
  RSS_MB=$(awk '{printf "%.1f", $2 / 1024}' .time)
  RPS=$(awk -v n="$rows" -v w="$WALL" 'BEGIN {printf "%.0f", n / w}')
  CACHED=$(jq -r .cached .out)
  [ "$(jq -r .succeeded .out)" = "$rows" ] || { echo "not every row answered: $(cat .err)" >&2; exit 1; }
}

row() { printf '%-36s %8s %10s %8s %8s %8s\n' "$@"; }
row "llmops run ($rows rows, c=32)" "wall s" "rows/s" "ideal s" "cached" "RSS MB"
stub_start --threads 64 --keep-requests 0
fast_url=$STUB_URL
fast_pid=$STUB_PID
stub_start --threads 64 --latency-ms 50 --keep-requests 0
slow_url=$STUB_URL
providers "$fast_url" "$slow_url"

measure_run --provider fast -j 32
row "0 ms latency (+cache write)" "$WALL" "$RPS" "-" "$CACHED" "$RSS_MB"
ideal=$(awk -v n="$rows" 'BEGIN {printf "%.2f", n * 0.05 / 32}')
measure_run --provider slow -j 32 --no-cache
row "50 ms latency" "$WALL" "$RPS" "$ideal" "$CACHED" "$RSS_MB"
over=$(awk -v w="$WALL" -v i="$ideal" 'BEGIN {printf "%.1f", (w / i - 1) * 100}')
stub_stop "$fast_pid"
measure_run --provider fast -j 32
row "from the cache (stub stopped)" "$WALL" "$RPS" "-" "$CACHED" "$RSS_MB"
echo
echo "50 ms case: ${over}% over the ideal (goal: within 10%); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
