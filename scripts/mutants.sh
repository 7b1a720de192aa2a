#!/usr/bin/env bash
# Mutation testing: single-token mutants (comparison flips, off-by-one constants, && <-> ||,
# + <-> -, a negation or a condition dropped) of the statistics, diff, readers, retry policy,
# canonical JSON and metric files, each compiled into a Release build of its own, the unit
# tests relinked, and only the tests that cover the file run. Survivors are changes no test
# notices. See docs/testing.md ("Mutation testing").
# Usage:
#   scripts/mutants.sh run [--files GLOB...] [--chunk I/N] [--limit N]   run mutants, resumable
#   scripts/mutants.sh report [--files GLOB...] [--min-rate PERCENT]      kill rate, survivors
#   scripts/mutants.sh list [--files GLOB...]                             the mutants, unrun
# MUTANTS_BUILD (default build-mutants) is the build used; results accumulate in
# MUTANTS_BUILD/mutants-results.tsv. The machine may be shared: everything runs under nice,
# one mutant at a time; run big selections in chunks (--chunk 1/8, then 2/8, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${MUTANTS_BUILD:-build-mutants}
command=${1:-report}
[ $# -gt 0 ] && shift
if [ "$command" = run ]; then
  launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  # -O1 compiles each mutant about twice as fast as -O3; bounds-checked standard containers
  # turn a mutant's out-of-range access into a failure instead of a silent read. A mutant is
  # compiled into the object of its own file, so no unity build here.
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLLMOPS_UNITY_BUILD=OFF \
    -DCMAKE_CXX_FLAGS_RELEASE="-O1 -D_GLIBCXX_ASSERTIONS" -DLLMOPS_BENCH=OFF "${launcher[@]}" >/dev/null
  nice -n 10 ninja -C "$build" -j "${MUTANTS_JOBS:-2}" llmops_unit_tests >/dev/null
fi
exec nice -n 10 python3 scripts/mutants.py "$command" --build "$build" "$@"
