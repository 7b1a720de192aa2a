#!/usr/bin/env bash
# Regenerates the SciPy reference table for lib/stats's drift tests and fails when it differs
# from the committed tests/data/drift/scipy_reference.json (the unit tests read the committed
# copy, so they run without Python). Exit 77 (skipped) without SciPy.
set -euo pipefail
root=${1:?usage: check_drift_reference.sh SOURCE_DIR}
fresh=$(mktemp)
trap 'rm -f "$fresh"' EXIT
# Debian's python3 (/usr/bin/python3) is the one python3-numpy and the unpacked SciPy serve.
python=/usr/bin/python3
[ -x "$python" ] || python=python3
set +e
"$python" "$root/tests/support/drift_reference.py" "$fresh"
rc=$?
set -e
[ "$rc" -eq 77 ] && exit 77
[ "$rc" -eq 0 ] || exit "$rc"
if ! diff -u "$root/tests/data/drift/scipy_reference.json" "$fresh"; then
  echo "check_drift_reference: the committed table differs from SciPy's; regenerate it with" >&2
  echo "  /usr/bin/python3 tests/support/drift_reference.py tests/data/drift/scipy_reference.json" >&2
  exit 1
fi
echo "check_drift_reference: the committed table matches SciPy $("$python" -c 'import sys; sys.path.append("/opt/llmops-scipy/usr/lib/python3/dist-packages"); import scipy; print(scipy.__version__)')"
