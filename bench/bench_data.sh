#!/usr/bin/env bash
# Issue 3's dataset benchmarks, in one run:
#  P1: `data add` of a generated JSONL (default 4M rows, ~1 GiB) beside the hash-and-copy limit
#      (`xxhsum -H2` + `cp`) and the peer, git-lfs tracking the same file in a scratch repo.
#  P2: a second version with rows appended, a block removed and rows changed: bytes the new
#      version adds to the store, and `data diff` against `data cat` of both versions.
# Usage: bench/bench_data.sh  (BENCH_ROWS, BENCH_REPEAT, BENCH_SCRATCH, LLMOPS_BIN, and
# BENCH_ADD_ARGS for extra `data add` options such as "--compression zstd"; BENCH_SMOKE=1:
# 20,000 rows, one run, and git-lfs only when it is installed)
source "$(dirname "$0")/common.sh"
read -r -a add_args <<<"${BENCH_ADD_ARGS:-}"

rows=${BENCH_ROWS:-$(by_mode 4000000 20000)}
edit=$(by_mode "10000 10000 100" "1000 1000 10") # rows appended, removed, changed
with_lfs=1
if [ "$SMOKE" = 1 ] && ! git lfs version >/dev/null 2>&1; then
  with_lfs=0
  echo "smoke mode: git-lfs is not installed, its contender is skipped"
fi
gen=${GEN_DATASET:-$(dirname "$LLMOPS_BIN")/gen_dataset}
base=$SCRATCH/data-$rows.jsonl
edited=$SCRATCH/data-$rows-edited.jsonl
# shellcheck disable=SC2086 # $edit is three numbers
if [ ! -f "$edited" ]; then "$gen" "$rows" "$base" "$edited" $edit; fi
size=$(stat -c %s "$base")
mib=$(echo "$size / 1048576" | bc -l)
cat "$base" "$edited" >/dev/null

declare -a t_hash t_cp t_zstd t_add r_add t_lfs c_hash c_cp c_zstd c_add c_lfs
for i in $(seq 1 "$REPEAT"); do
  measure xxhsum -H2 "$base"; t_hash+=("$SECONDS_TAKEN"); c_hash+=("$CPU_TAKEN")
  rm -f "$SCRATCH/copy"; measure cp "$base" "$SCRATCH/copy"; t_cp+=("$SECONDS_TAKEN"); c_cp+=("$CPU_TAKEN")
  rm -f "$SCRATCH/copy"
  # What compressing alone costs on this CPU: zstd level 1, as data add uses, on one core.
  measure sh -c "zstd -q -1 -T1 -c '$base' >/dev/null"; t_zstd+=("$SECONDS_TAKEN"); c_zstd+=("$CPU_TAKEN")
  rm -rf "$SCRATCH/proj" && "$LLMOPS_BIN" init -q "$SCRATCH/proj"
  measure "$LLMOPS_BIN" -C "$SCRATCH/proj" data add "$base" -n bench "${add_args[@]}"
  t_add+=("$SECONDS_TAKEN"); r_add+=("$PEAK_RSS_KB"); c_add+=("$CPU_TAKEN")
  # Peer: git-lfs hashes (SHA-256) and copies the file into .git/lfs/objects on `git add`.
  if [ "$with_lfs" = 0 ]; then t_lfs+=(0); c_lfs+=(0); continue; fi
  rm -rf "$SCRATCH/lfs" && mkdir "$SCRATCH/lfs" && (
    cd "$SCRATCH/lfs" && git init -q && git lfs install --local >/dev/null &&
      git lfs track '*.jsonl' >/dev/null && git add .gitattributes &&
      git -c user.name=b -c user.email=b@b commit -qm attrs && cp "$base" data.jsonl)
  measure sh -c "cd '$SCRATCH/lfs' && git add data.jsonl && git -c user.name=b -c user.email=b@b commit -qm data"
  t_lfs+=("$SECONDS_TAKEN"); c_lfs+=("$CPU_TAKEN")
done
rm -rf "$SCRATCH/lfs"

hash=$(median "${t_hash[@]}"); cp_=$(median "${t_cp[@]}"); add=$(median "${t_add[@]}")
lfs=$(median "${t_lfs[@]}"); limit=$(echo "$hash + $cp_" | bc -l)
printf '\nP1: data add %s of %.0f MiB (%s rows), median of %s runs; load average %s\n\n' \
  "${BENCH_ADD_ARGS:-}" "$mib" "$rows" "$REPEAT" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-30s | %8s | %8s | %8s | %12s |\n' contender seconds MiB/s "CPU s" "peak RSS MiB"
printf '|%s|%s|%s|%s|%s|\n' "--------------------------------" "----------" "----------" "----------" "--------------"
row() { printf '| %-30s | %8.2f | %8.0f | %8.2f | %12s |\n' "$1" "$2" "$(echo "$mib / $2" | bc -l)" "$3" "$4"; }
cpu_hash=$(median "${c_hash[@]}"); cpu_cp=$(median "${c_cp[@]}"); cpu_add=$(median "${c_add[@]}")
cpu_lfs=$(median "${c_lfs[@]}")
row "xxhsum -H2 FILE" "$hash" "$cpu_hash" "-"
row "cp FILE" "$cp_" "$cpu_cp" "-"
row "limit: xxhsum + cp" "$limit" "$(echo "$cpu_hash + $cpu_cp" | bc -l)" "-"
row "zstd -1 FILE, one core" "$(median "${t_zstd[@]}")" "$(median "${c_zstd[@]}")" "-"
if [ "$with_lfs" = 1 ]; then row "git lfs (add + commit)" "$lfs" "$cpu_lfs" "-"; fi
row "llmops data add" "$add" "$cpu_add" "$(( $(median "${r_add[@]}") / 1024 ))"
if [ "$with_lfs" = 1 ]; then
  printf '\nP1 ratio add / limit = %.2f (goal <= 2); git-lfs / add = %.2f (goal >= 5); RSS goal <= 256 MiB\n' \
    "$(echo "$add / $limit" | bc -l)" "$(echo "$lfs / $add" | bc -l)"
else
  printf '\nP1 ratio add / limit = %.2f (goal <= 2); git-lfs not run (not installed)\n' \
    "$(echo "$add / $limit" | bc -l)"
fi
printf 'zstd level 1 alone, spread over %s cores, would take %.2f x the limit\n' "$(nproc)" \
  "$(echo "$(median "${t_zstd[@]}") / $(nproc) / $limit" | bc -l)"

# P2 on the project from the last P1 run.
objects_before=$(du -sb "$SCRATCH/proj/.llmops/objects" | cut -f1)
measure "$LLMOPS_BIN" -C "$SCRATCH/proj" data add "$edited" -n bench "${add_args[@]}"
t_add2=$SECONDS_TAKEN
objects_after=$(du -sb "$SCRATCH/proj/.llmops/objects" | cut -f1)
declare -a t_diff t_cat
for i in $(seq 1 "$REPEAT"); do
  measure "$LLMOPS_BIN" -C "$SCRATCH/proj" data diff bench@1 bench@2 --stat; t_diff+=("$SECONDS_TAKEN")
  measure sh -c "'$LLMOPS_BIN' -C '$SCRATCH/proj' data cat bench@1 >/dev/null && '$LLMOPS_BIN' -C '$SCRATCH/proj' data cat bench@2 >/dev/null"
  t_cat+=("$SECONDS_TAKEN")
done
diff_t=$(median "${t_diff[@]}"); cat_t=$(median "${t_cat[@]}")
added=$((objects_after - objects_before))
read -r n_append n_remove n_change <<<"$edit"
printf '\nP2: second version (+%s rows appended, %s-row block removed, %s rows changed)\n\n' \
  "$n_append" "$n_remove" "$n_change"
printf '| %-44s | %14s |\n' measure value
printf '|%s|%s|\n' "----------------------------------------------" "----------------"
printf '| %-44s | %14s |\n' "stored size of version 1 (objects)" "$objects_before B"
printf '| %-44s | %14s |\n' "bytes version 2 added" "$added B"
printf '| %-44s | %13.2f%% |\n' "added / stored (goal <= 3%; DVC, git-lfs 100%)" "$(echo "100 * $added / $objects_before" | bc -l)"
printf '| %-44s | %14.2f |\n' "data add of version 2, seconds" "$t_add2"
printf '| %-44s | %14.3f |\n' "data diff --stat, seconds" "$diff_t"
printf '| %-44s | %14.3f |\n' "data cat of both versions, seconds" "$cat_t"
printf '| %-44s | %13.2f%% |\n' "diff / cat (goal <= 10%)" "$(echo "100 * $diff_t / $cat_t" | bc -l)"
"$LLMOPS_BIN" -C "$SCRATCH/proj" data diff bench@1 bench@2 --stat
rm -rf "$SCRATCH/proj"
