#!/usr/bin/env bash
# llmops push of a dataset to a local S3-compatible server (s3rver, tests/node) side by side
# with Debian's awscli uploading the same objects (`/usr/bin/aws s3 cp --recursive` of
# .llmops/objects) in the same run, and the time of a second push (which sends nothing).
# Usage: bench/bench_remote.sh   (BENCH_REPEAT=3, BENCH_SIZE bytes of JSONL, LLMOPS_BIN;
# BENCH_SMOKE=1: 4 MiB, one run)
source "$(dirname "$0")/common.sh"
source "$ROOT_DIR/tests/support/s3rver.sh"

size=${BENCH_SIZE:-$(by_mode 1073741824 4194304)}
AWS=/usr/bin/aws
export HOME=$SCRATCH/remote-home AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
export AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_REGION
mkdir -p "$HOME"
WORK=$SCRATCH/remote
rm -rf "$WORK" && mkdir -p "$WORK"

# Rows of random words: compressible like text, never the same twice.
rows=$SCRATCH/remote-$size.jsonl
if [ ! -f "$rows" ]; then
  python3 - "$rows" "$size" <<'PY'
import json, random, sys
path, size = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
         for _ in range(5000)]
written = 0
with open(path, "w") as out:
    i = 0
    while written < size:
        line = json.dumps({"id": i, "question": " ".join(rng.choices(words, k=20)),
                           "answer": " ".join(rng.choices(words, k=60))}) + "\n"
        out.write(line)
        written += len(line)
        i += 1
PY
fi
proj=$WORK/proj
"$LLMOPS_BIN" init -q "$proj"
"$LLMOPS_BIN" -C "$proj" data add -q "$rows" -n bench
objects=$(find "$proj/.llmops/objects" -type f | wc -l)
stored=$(du -sb "$proj/.llmops/objects" | cut -f1)

declare -a t_push t_second t_aws
for i in $(seq 1 "$REPEAT"); do
  s3rver_stop
  rm -rf "$WORK/s3rver-data"
  s3rver_start bench
  "$LLMOPS_BIN" -C "$proj" remote remove bench >/dev/null 2>&1 || true
  "$LLMOPS_BIN" -C "$proj" remote add -q bench s3://bench/llmops --endpoint "$S3_URL"
  measure "$LLMOPS_BIN" -C "$proj" push bench; t_push+=("$SECONDS_TAKEN")
  measure "$LLMOPS_BIN" -C "$proj" push bench; t_second+=("$SECONDS_TAKEN")
  measure "$AWS" --endpoint-url "$S3_URL" s3 cp --recursive --quiet "$proj/.llmops/objects" \
    s3://bench/aws/objects
  t_aws+=("$SECONDS_TAKEN")
done
s3rver_stop

push=$(median "${t_push[@]}"); second=$(median "${t_second[@]}"); aws=$(median "${t_aws[@]}")
mib=$(echo "$stored / 1048576" | bc -l)
printf '\npush of a %s MiB JSONL dataset (%s objects, %.1f MiB stored) to s3rver on 127.0.0.1,\n' \
  "$((size / 1048576))" "$objects" "$mib"
printf 'median of %s runs\n\n' "$REPEAT"
printf '| %-40s | %8s | %9s |\n' "contender" "seconds" "MiB/s"
printf '|%s|%s|%s|\n' "------------------------------------------" "----------" "-----------"
row() { printf '| %-40s | %8.2f | %9.1f |\n' "$1" "$2" "$(echo "$mib / $2" | bc -l)"; }
row "llmops push" "$push"
row "aws s3 cp --recursive (same objects)" "$aws"
printf '| %-40s | %8.2f | %9s |\n' "llmops push again (nothing to send)" "$second" "-"
printf '\nthroughput push / aws s3 cp = %.2f  (goal >= 0.8)\n' "$(echo "$aws / $push" | bc -l)"
printf 'second push = %.2f s  (goal <= 1 s)\n' "$second"
