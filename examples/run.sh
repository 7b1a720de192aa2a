#!/usr/bin/env bash
# The main job: the llmops lifecycle on the example project, offline.
# Usage: examples/run.sh [WORK_DIR]   (default: a fresh temp folder, kept for you to look at)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
llmops=${LLMOPS_BIN:-$here/../build/llmops}
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/llmops-example.XXXXXX")}

step() { printf '\n\033[1m$ llmops %s\033[0m\n' "$*"; "$llmops" "$@"; }

mkdir -p "$work"
cp -r "$here/project/." "$work/"
cd "$work"
echo "example project in $work"

step init .
step status
step fsck
