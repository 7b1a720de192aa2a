#!/usr/bin/env bash
# Builds llmops and runs every test (unit, conformance, end-to-end) with ctest.
# Usage: scripts/test.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true
scripts/build.sh "$build_dir" "$@"
# LLMOPS_CTEST_EXCLUDE: a ctest -E regex of entries to leave out (CI's sanitizer step skips
# the checks that run no compiled code of ours twice).
ctest --test-dir "$build_dir" --output-on-failure -j2 --timeout 900 \
  ${LLMOPS_CTEST_EXCLUDE:+-E "$LLMOPS_CTEST_EXCLUDE"}
