#!/usr/bin/env bash
# Fuzzes every target of fuzz/*.cpp for SECONDS (default 20) from its committed seed corpus,
# fuzz/corpus/<target>/ (fuzz/seed_corpus.sh). Any crash, sanitizer report, leak, timeout
# (10 s for one input) or out-of-memory fails the run; the input that did it is kept in
# BUILD_DIR/fuzz-artifacts/<target>/. New inputs go to a temp folder, never into the corpus.
# Usage: fuzz/run.sh BUILD_DIR [SECONDS]   (BUILD_DIR configured with -DLLMOPS_SANITIZE=ON
#        -DLLMOPS_FUZZ=ON and clang, as .ci/run does)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: fuzz/run.sh BUILD_DIR [SECONDS]}
seconds=${2:-20}
status=0
for src in fuzz/*.cpp; do
  name=$(basename "$src" .cpp)
  bin=$build/$name
  corpus=fuzz/corpus/$name
  if [ ! -x "$bin" ]; then
    echo "fuzz: FAIL $name: $bin is missing (configure with -DLLMOPS_FUZZ=ON)"
    status=1
    continue
  fi
  if [ -z "$(ls -A "$corpus" 2>/dev/null)" ]; then
    echo "fuzz: FAIL $name: no seed corpus in $corpus (run fuzz/seed_corpus.sh)"
    status=1
    continue
  fi
  work=$(mktemp -d "${TMPDIR:-/tmp}/llmops-fuzz.XXXXXX")
  mkdir "$work/new" "$work/artifacts"
  rc=0
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
    status=1
  else
    echo "fuzz: ok $name: ${runs:-?} inputs in ${seconds} s, coverage ${cov:-?} edges, $(ls "$corpus" | wc -l) seeds"
  fi
  rm -rf "$work"
done
exit "$status"
