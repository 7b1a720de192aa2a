#!/usr/bin/env bash
# A 50-stage pipeline over 1 GiB of file dependencies (each stage reads its own folder of
# files and the output of the stage before it): `pipeline status` with a warm stat cache
# (goal <= 0.1 s) and with an empty one (every byte hashed; goal <= 1.2x `xxhsum -H2` over
# the same files, measured in the same run, page cache warm for both).
# Usage: bench/bench_pipeline.sh   (BENCH_STAGES=50, BENCH_MIB=1024 in total, BENCH_FILES=4
#        per stage; BENCH_REPEAT=3; LLMOPS_BIN; BENCH_SMOKE=1: 50 stages over 8 MiB, one run)
source "$(dirname "$0")/common.sh"

stages=${BENCH_STAGES:-50}
mib=${BENCH_MIB:-$(by_mode 1024 8)}
files=${BENCH_FILES:-4}
file_bytes=$((mib * 1024 * 1024 / stages / files))

# make_random_file's bytes are the same for every file; each file here gets its own key.
make_distinct_file() { # PATH BYTES KEY
  [ -f "$1" ] && [ "$(stat -c %s "$1")" = "$2" ] && return 0
  { openssl enc -aes-128-ctr -pass "pass:$3" -nosalt -pbkdf2 </dev/zero 2>/dev/null || true; } |
    head -c "$2" >"$1"
}

proj=$SCRATCH/pipeline-proj
rm -rf "$proj" && "$LLMOPS_BIN" init -q "$proj"
data=$SCRATCH/pipeline-data-$stages-$mib-$files
mkdir -p "$data"
for s in $(seq 1 "$stages"); do
  for f in $(seq 1 "$files"); do
    make_distinct_file "$data/s$s-f$f.bin" "$file_bytes" "s$s-f$f"
  done
done
ln -s "$data" "$proj/in"
{
  echo "stages:"
  for s in $(seq 1 "$stages"); do
    deps=""
    for f in $(seq 1 "$files"); do deps="$deps${deps:+, }in/s$s-f$f.bin"; done
    [ "$s" -gt 1 ] && deps="$deps, out/s$((s - 1)).txt"
    printf '  s%s:\n    cmd: echo %s > out/s%s.txt\n    deps: [%s]\n    outs: [out/s%s.txt]\n' \
      "$s" "$s" "$s" "$deps" "$s"
  done
} >"$proj/pipeline.yaml"
mkdir -p "$proj/out"
"$LLMOPS_BIN" -C "$proj" pipeline run -q -j2 >/dev/null
cat "$data"/*.bin >/dev/null # the page cache holds every file, for both contenders

status() { "$LLMOPS_BIN" -C "$proj" pipeline status -q >/dev/null; }
cold_status() { sqlite3 "$proj/.llmops/store.db" 'DELETE FROM file_hashes' && status; }
export -f status cold_status
export LLMOPS_BIN proj

declare -a t_warm t_cold t_xxh t_start c_warm c_cold c_xxh c_start
for i in $(seq 1 "$REPEAT"); do
  # The floor: starting llmops and reading the pipeline file, no store, no hashing.
  measure "$LLMOPS_BIN" -C "$proj" pipeline dag
  t_start+=("$SECONDS_TAKEN"); c_start+=("$CPU_TAKEN")
  measure bash -c 'xxhsum -H2 "$0"/*.bin' "$data"
  t_xxh+=("$SECONDS_TAKEN"); c_xxh+=("$CPU_TAKEN")
  measure bash -c cold_status
  t_cold+=("$SECONDS_TAKEN"); c_cold+=("$CPU_TAKEN")
  measure bash -c status
  t_warm+=("$SECONDS_TAKEN"); c_warm+=("$CPU_TAKEN")
done
# The answers agree: every file's hash in the stat cache is the one xxhsum prints.
xxhsum -H2 "$data"/*.bin | awk '{print $1}' | sort >"$SCRATCH/pipeline-xxh.txt"
sqlite3 "$proj/.llmops/store.db" 'SELECT hash FROM file_hashes' | sort >"$SCRATCH/pipeline-ours.txt"
same=$(comm -12 "$SCRATCH/pipeline-xxh.txt" "$SCRATCH/pipeline-ours.txt" | wc -l)
total=$(wc -l <"$SCRATCH/pipeline-xxh.txt")
rm -rf "$proj"

xxh_s=$(median "${t_xxh[@]}"); cold_s=$(median "${t_cold[@]}"); warm_s=$(median "${t_warm[@]}")
printf '\n%s stages over %s MiB (%s files of %s bytes), median of %s runs, %s cores\n\n' \
  "$stages" "$mib" "$((stages * files))" "$file_bytes" "$REPEAT" "$(nproc)"
printf '| %-40s | %8s | %8s |\n' "command" "seconds" "CPU s"
printf '|%s|%s|%s|\n' "------------------------------------------" "----------" "----------"
printf '| %-40s | %8.2f | %8.2f |\n' "xxhsum -H2 over the same files" "$xxh_s" "$(median "${c_xxh[@]}")"
printf '| %-40s | %8.2f | %8.2f |\n' "pipeline status, empty stat cache" "$cold_s" "$(median "${c_cold[@]}")"
printf '| %-40s | %8.2f | %8.2f |\n' "pipeline status, warm stat cache" "$warm_s" "$(median "${c_warm[@]}")"
printf '| %-40s | %8.2f | %8.2f |\n' "pipeline dag (start-up floor)" "$(median "${t_start[@]}")" "$(median "${c_start[@]}")"
printf '\ncold / xxhsum = %.2f (goal <= 1.2); warm = %.3f s (goal <= 0.1)\n' \
  "$(echo "$cold_s / $xxh_s" | bc -l)" "$warm_s"
printf 'hashes equal to xxhsum -H2: %s of %s\n' "$same" "$total"
[ "$same" = "$total" ] || { echo "bench_pipeline: hashes disagree with xxhsum" >&2; exit 1; }
