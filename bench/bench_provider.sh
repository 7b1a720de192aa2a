#!/usr/bin/env bash
# The provider engine against the stub server: BENCH_REQUESTS (default 10,000) requests
#   1. at 0 ms latency, concurrency 32 (writing the response cache): req/s, peak RSS;
#   2. at 50 ms latency, concurrency 32: wall time against the ideal N x 0.05 / 32;
#   3. run 1 again with the stub stopped: every answer from the cache.
# Usage: bench/bench_provider.sh   (LLMOPS_BIN or BENCH_DRIVER point at the build;
# BENCH_SMOKE=1: 300 requests)
source "$(dirname "$0")/common.sh"

requests=${BENCH_REQUESTS:-$(by_mode 10000 300)}
build_dir=$(dirname "$LLMOPS_BIN")
driver=${BENCH_DRIVER:-$build_dir/bench_provider}
[ -x "$driver" ] || { echo "build bench_provider first (LLMOPS_BENCH=ON), or set BENCH_DRIVER" >&2; exit 1; }
export LLMOPS_BUILD_DIR=${LLMOPS_BUILD_DIR:-$build_dir}
source "$ROOT_DIR/tests/support/stub_llm.sh"

work=$SCRATCH/provider
rm -rf "$work"
mkdir -p "$work"

field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" "$SCRATCH/.out"; }
run_driver() { # LABEL ARGS...
  local label=$1
  shift
  /usr/bin/time -o "$SCRATCH/.time" -f '%M %U %S' "$driver" "$@" >"$SCRATCH/.out" 2>"$SCRATCH/.stderr" ||
    { echo "$label failed:" >&2; cat "$SCRATCH/.stderr" "$SCRATCH/.out" >&2; exit 1; }
  RSS_MB=$(tail -n 1 "$SCRATCH/.time" | awk '{printf "%.1f", $1/1024}')
  CPU=$(tail -n 1 "$SCRATCH/.time" | awk '{printf "%.2f", $2 + $3}')
  WALL=$(field wall_s)
  RPS=$(field req_per_s)
  HITS=$(field cache_hits)
}

row() { printf '%-34s %10s %10s %10s %12s %10s %12s\n' "$@"; }
row "case ($requests requests)" "wall s" "req/s" "ideal s" "cache hits" "RSS MB" "client CPU s"

stub_start --threads 64 --keep-requests 0
fast_url=$STUB_URL
fast_pid=$STUB_PID
run_driver fast --url "$fast_url" --requests "$requests" --concurrency 32 --cache-db "$work/cache.db"
row "0 ms latency, c=32 (+cache write)" "$WALL" "$RPS" "-" "$HITS" "$RSS_MB" "$CPU"
run_driver fast-nocache --url "$fast_url" --requests "$requests" --concurrency 32
row "0 ms latency, c=32, no cache" "$WALL" "$RPS" "-" "$HITS" "$RSS_MB" "$CPU"
stub_stop "$fast_pid"

stub_start --threads 64 --latency-ms 50 --keep-requests 0
ideal=$(awk -v n="$requests" 'BEGIN {printf "%.2f", n * 0.05 / 32}')
run_driver slow --url "$STUB_URL" --requests "$requests" --concurrency 32
row "50 ms latency, c=32" "$WALL" "$RPS" "$ideal" "$HITS" "$RSS_MB" "$CPU"
over=$(awk -v w="$WALL" -v i="$ideal" 'BEGIN {printf "%.1f", (w / i - 1) * 100}')
stub_stop "$STUB_PID"

# The fast stub is stopped: any request that is not a cache hit fails the run.
run_driver cached --url "$fast_url" --requests "$requests" --concurrency 32 --cache-db "$work/cache.db"
row "from cache (stub stopped)" "$WALL" "$RPS" "-" "$HITS" "$RSS_MB" "$CPU"
echo
echo "50 ms case: ${over}% over the ideal wall time (goal: within 10%)"
