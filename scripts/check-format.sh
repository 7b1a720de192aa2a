#!/usr/bin/env bash
# Fails when a C++ file differs from .clang-format (clang-format 14). Usage: scripts/check-format.sh
set -euo pipefail
cd "$(dirname "$0")/.."
formatter=$(command -v clang-format-14 || command -v clang-format)
bad=()
while IFS= read -r f; do
  "$formatter" --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done < <(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find lib cli tests bench fuzz -name '*.[ch]pp')
if [ ${#bad[@]} -gt 0 ]; then
  printf 'check-format: not formatted (run %s -i FILE): %s\n' "$formatter" "${bad[*]}" >&2
  exit 1
fi
echo "check-format: every C++ file follows .clang-format"
