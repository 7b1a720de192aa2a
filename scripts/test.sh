#!/usr/bin/env bash
# Builds llmops and runs every test (unit, conformance, end-to-end) with ctest.
# Usage: scripts/test.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true
scripts/build.sh "$build_dir" "$@"
ctest --test-dir "$build_dir" --output-on-failure -j2 --timeout 900
