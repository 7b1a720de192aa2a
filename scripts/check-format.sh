#!/usr/bin/env bash
# Fails when a C++ file differs from .clang-format (clang-format 14). Usage: scripts/check-format.sh
# One clang-format process checks every file (a process per file took a minute of CI).
set -euo pipefail
cd "$(dirname "$0")/.."
formatter=$(command -v clang-format-14 || command -v clang-format)
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find lib cli tests bench fuzz -name '*.[ch]pp')
report=$("$formatter" --dry-run -Werror "${files[@]}" 2>&1) && exit_code=0 || exit_code=$?
if [ "$exit_code" -ne 0 ]; then
  bad=$(grep -oE '^[^:]+\.[ch]pp:[0-9]+:[0-9]+: error' <<<"$report" | cut -d: -f1 | sort -u | tr '\n' ' ')
  printf 'check-format: not formatted (run %s -i FILE): %s\n' "$formatter" "${bad:-$report}" >&2
  exit 1
fi
echo "check-format: every C++ file follows .clang-format"
