# Shared helpers for benchmark scripts: timing, peak memory, medians, tables.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$BENCH_DIR/.." && pwd)
LLMOPS_BIN=${LLMOPS_BIN:-$ROOT_DIR/build/llmops}
# tmpfs by default: this machine's disk swings 5x between runs, which would drown the
# difference between contenders. Set BENCH_SCRATCH to a disk folder to include the disk.
SCRATCH=${BENCH_SCRATCH:-/dev/shm/llmops-bench}
# Smoke mode (BENCH_SMOKE=1; .ci/run runs every benchmark so): tiny default sizes and one
# repetition, so that the scripts never rot. The figures mean nothing then, and nothing is
# asserted about time in either mode.
SMOKE=${BENCH_SMOKE:-0}
REPEAT=${BENCH_REPEAT:-$([ "$SMOKE" = 1 ] && echo 1 || echo 3)}
mkdir -p "$SCRATCH"

# by_mode FULL SMOKE: a default size, FULL normally and SMOKE in smoke mode.
by_mode() { if [ "$SMOKE" = 1 ]; then echo "$2"; else echo "$1"; fi; }

# measure CMD...: runs CMD once; sets SECONDS_TAKEN, PEAK_RSS_KB and CPU_TAKEN (user + system
# seconds of CMD and its children: on a shared machine, the work done when wall time is noise).
measure() {
  local out rest
  /usr/bin/time -o "$SCRATCH/.time" -f '%e %M %U %S' "$@" >/dev/null 2>"$SCRATCH/.stderr" ||
    { echo "benchmark command failed: $*" >&2; cat "$SCRATCH/.stderr" >&2; exit 1; }
  out=$(tail -n 1 "$SCRATCH/.time")
  SECONDS_TAKEN=${out%% *}
  # time(1) counts in hundredths: a smoke-sized command may show 0.00, which would divide by 0.
  [ "$SECONDS_TAKEN" != 0.00 ] || SECONDS_TAKEN=0.01
  rest=${out#* }
  PEAK_RSS_KB=${rest%% *}
  rest=${rest#* }
  CPU_TAKEN=$(echo "${rest% *} + ${rest#* }" | bc -l)
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# A file of pseudo-random (incompressible) bytes, made fast with AES-CTR over zeros.
make_random_file() { # PATH BYTES
  [ -f "$1" ] && [ "$(stat -c %s "$1")" = "$2" ] && return 0
  # openssl dies of SIGPIPE when head has enough: not a failure (pipefail would say it is).
  { openssl enc -aes-128-ctr -pass pass:llmops-bench -nosalt -pbkdf2 </dev/zero 2>/dev/null || true; } |
    head -c "$2" >"$1"
}
