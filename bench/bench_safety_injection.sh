#!/usr/bin/env bash
# Throughput of the prompt-injection detector alone (lib/safety/injection_detector.hpp) on
# mixed English text, as 2 KB requests and 64 KB documents in each mode, one core; MiB/s from
# the thread's CPU time (the wall time is printed beside it).
# Usage: bench/bench_safety_injection.sh   (BENCH_MB, default 64; BENCH_REPEAT=3;
# BENCH_DRIVER; BENCH_SMOKE=1: 1 MB, one run)
source "$(dirname "$0")/common.sh"

megabytes=${BENCH_MB:-$(by_mode 64 1)}
driver=${BENCH_DRIVER:-$(dirname "$LLMOPS_BIN")/bench_safety_injection}
[ -x "$driver" ] || { echo "build bench_safety_injection first (LLMOPS_BENCH=ON), or set BENCH_DRIVER" >&2; exit 1; }

# One core: the figure the goal is stated in (>= 100 MB/s per core for PII + injection).
if command -v taskset >/dev/null; then
  taskset -c 0 "$driver" "$megabytes" "$REPEAT"
else
  "$driver" "$megabytes" "$REPEAT"
fi
