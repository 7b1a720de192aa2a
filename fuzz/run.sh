#!/usr/bin/env bash
# Fuzzes every target of fuzz/*.cpp for SECONDS (default 20) from its committed seed corpus,
# fuzz/corpus/<target>/ (fuzz/seed_corpus.sh), JOBS targets at a time (default: one per core).
# Any crash, sanitizer report, leak, timeout (10 s for one input) or out-of-memory fails the
# run; the input that did it is kept in BUILD_DIR/fuzz-artifacts/<target>/. New inputs go to a
# temp folder, never into the corpus.
# Usage: fuzz/run.sh BUILD_DIR [SECONDS] [JOBS]   (BUILD_DIR configured with
#        -DLLMOPS_SANITIZE=ON -DLLMOPS_FUZZ=ON and clang, as .ci/run does)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: fuzz/run.sh BUILD_DIR [SECONDS] [JOBS]}
seconds=${2:-20}
jobs=${3:-$(nproc)}
results=$(mktemp -d "${TMPDIR:-/tmp}/llmops-fuzz-results.XXXXXX")
trap 'rm -rf "$results"' EXIT

# fuzz_target NAME: fuzzes one target; writes its report to $results/NAME and fails on a finding.
fuzz_target() {
  local name=$1 bin=$build/$1 corpus=fuzz/corpus/$1 work rc=0 runs cov
  if [ ! -x "$bin" ]; then
    echo "fuzz: FAIL $name: $bin is missing (configure with -DLLMOPS_FUZZ=ON)"
    return 1
  fi
  if [ -z "$(ls -A "$corpus" 2>/dev/null)" ]; then
    echo "fuzz: FAIL $name: no seed corpus in $corpus (run fuzz/seed_corpus.sh)"
    return 1
  fi
  work=$(mktemp -d "${TMPDIR:-/tmp}/llmops-fuzz.XXXXXX")
  mkdir "$work/new" "$work/artifacts"
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/new" "$corpus" >"$work/log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
  cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -n 1 | cut -d' ' -f2)
  if [ "$rc" -ne 0 ] || grep -q 'ERROR: \(AddressSanitizer\|LeakSanitizer\|libFuzzer\)\|runtime error:' "$work/log"; then
    echo "fuzz: FAIL $name (exit $rc) after ${runs:-?} inputs:"
    grep -m 20 -A 12 'ERROR:\|runtime error:\|==ERROR' "$work/log" || tail -n 40 "$work/log"
    mkdir -p "$build/fuzz-artifacts/$name"
    cp -r "$work/artifacts/." "$build/fuzz-artifacts/$name/"
    echo "fuzz: the input is in $build/fuzz-artifacts/$name/"
    rm -rf "$work"
    return 1
  fi
  echo "fuzz: ok $name: ${runs:-?} inputs in ${seconds} s, coverage ${cov:-?} edges, $(ls "$corpus" | wc -l) seeds"
  rm -rf "$work"
}

names=()
for src in fuzz/*.cpp; do
  names+=("$(basename "$src" .cpp)")
done
running=0
for name in "${names[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  (fuzz_target "$name" >"$results/$name" 2>&1 && touch "$results/$name.ok") &
  running=$((running + 1))
done
wait || true

# Reports in target order, whatever order the targets finished in.
status=0
for name in "${names[@]}"; do
  cat "$results/$name"
  [ -e "$results/$name.ok" ] || status=1
done
exit "$status"
