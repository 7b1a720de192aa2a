#!/usr/bin/env bash
# The command reference in docs/cli.md is generated: the lines between its BEGIN GENERATED and
# END GENERATED markers are `llmops help --all --markdown`.
#   scripts/cli-reference.sh [LLMOPS_BIN]          rewrite docs/cli.md
#   scripts/cli-reference.sh --check [LLMOPS_BIN]  exit 1 (with a diff) when it is stale
set -euo pipefail

check=0
if [ "${1:-}" = "--check" ]; then
  check=1
  shift
fi
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-${LLMOPS_BIN:-$root/build/llmops}}
doc=$root/docs/cli.md

generated=$(mktemp)
wanted=$(mktemp)
trap 'rm -f "$generated" "$wanted"' EXIT
"$bin" help --all --markdown >"$generated"

# The document with the generated part replaced; the markers stay.
awk -v generated="$generated" '
  /^<!-- BEGIN GENERATED/ { print; while ((getline line < generated) > 0) print line; skip = 1; next }
  /^<!-- END GENERATED/ { skip = 0; found = 1 }
  !skip { print }
  END { if (!found) { print "cli-reference: no GENERATED markers in docs/cli.md" > "/dev/stderr"; exit 2 } }
' "$doc" >"$wanted"

if [ "$check" -eq 1 ]; then
  if ! diff -u "$doc" "$wanted"; then
    echo "docs/cli.md differs from 'llmops help --all --markdown': run scripts/cli-reference.sh" >&2
    exit 1
  fi
  echo "docs/cli.md matches the binary"
else
  cp "$wanted" "$doc"
fi
