#!/usr/bin/env bash
# docs/cli.md lists every command and option exactly as the binary's help does: its generated
# part equals `llmops help --all --markdown`.
source "$(dirname "$0")/lib.sh"
: "${LLMOPS_SOURCE_DIR:?}"

if ! bash "$LLMOPS_SOURCE_DIR/scripts/cli-reference.sh" --check "$LLMOPS_BIN" >check.log 2>&1; then
  cat check.log >&2
  fail "docs/cli.md is stale: run scripts/cli-reference.sh"
fi

finish
