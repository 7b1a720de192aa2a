#!/usr/bin/env bash
# The dataset benchmarks of issues 3 and 11, in one run:
#  P1: `data add` of a generated JSONL file beside its floor, the compressor alone on the same
#      file (`zstd -1 -T2`: level 1, as data add uses, on both cores), and the peer, git-lfs
#      tracking the same file in a scratch repo. Goals: add <= 1.3x zstd, git-lfs >= 2.5x add,
#      peak RSS <= 256 MiB.
#  P2: a second version with rows appended, a block removed and rows changed: the bytes it adds
#      to the store, and `data diff` against `data cat` of both versions (goal: <= 10%).
# Every contender runs in a fixed order within each repetition, on input read just before (warm
# in the page cache), BENCH_REPEAT times; tables give the median and the spread (min-max), and
# each ratio is also taken within each repetition (the contenders of one repetition share the
# machine's state), its median and spread printed.
# Usage: bench/bench_data.sh
#   BENCH_P1_ROWS   rows for P1, space-separated (default "1000000 4000000")
#   BENCH_P2_ROWS   rows for P2 (default "2000000 4000000")
#   BENCH_ROWS      one size for both (overrides the two above)
#   BENCH_REPEAT    repetitions (default 5)
#   BENCH_ADD_ARGS  extra `data add` options, such as "--compression none"
#   BENCH_SCRATCH, LLMOPS_BIN, GEN_DATASET
#   BENCH_SMOKE=1   20,000 rows for both, one repetition, smaller edits, and git-lfs only when
#                   it is installed (.ci/run; the figures then mean nothing)
source "$(dirname "$0")/common.sh"
read -r -a add_args <<<"${BENCH_ADD_ARGS:-}"

REPEAT=${BENCH_REPEAT:-$(by_mode 5 1)}
p1_rows=${BENCH_ROWS:-${BENCH_P1_ROWS-$(by_mode "1000000 4000000" 20000)}}
p2_rows=${BENCH_ROWS:-${BENCH_P2_ROWS-$(by_mode "2000000 4000000" 20000)}}
edit=$(by_mode "10000 10000 100" "1000 1000 10") # rows appended, removed, changed
read -r n_append n_remove n_change <<<"$edit"
with_lfs=1
if [ "$SMOKE" = 1 ] && ! git lfs version >/dev/null 2>&1; then
  with_lfs=0
  echo "smoke mode: git-lfs is not installed, its contender is skipped"
fi
gen=${GEN_DATASET:-$(dirname "$LLMOPS_BIN")/gen_dataset}
git_id=(-c user.name=bench -c user.email=bench@example.invalid)

# dataset ROWS: generates (once) the base file and its edited second version.
dataset() {
  base=$SCRATCH/data-$1.jsonl
  edited=$SCRATCH/data-$1-edited.jsonl
  # shellcheck disable=SC2086 # $edit is three numbers
  if [ ! -f "$edited" ]; then "$gen" "$1" "$base" "$edited" $edit; fi
  mib=$(echo "$(stat -c %s "$base") / 1048576" | bc -l)
}

warm() { cat "$@" >/dev/null; }

# stats VALUES...: "median min max"
stats() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; print m, a[1], a[NR]}'; }
ratios() { # A[] B[]: A_i / B_i for each repetition
  local -n num=$1 den=$2
  for i in "${!num[@]}"; do echo "${num[$i]} / ${den[$i]}" | bc -l; done
}

p1() {
  local rows=$1
  dataset "$rows"
  local -a t_hash c_hash t_zstd c_zstd t_add c_add r_add t_lfs c_lfs
  for i in $(seq 1 "$REPEAT"); do
    warm "$base"
    measure xxhsum -H2 "$base"; t_hash+=("$SECONDS_TAKEN"); c_hash+=("$CPU_TAKEN")
    measure sh -c "zstd -q -1 -T2 -c '$base' >/dev/null"; t_zstd+=("$SECONDS_TAKEN"); c_zstd+=("$CPU_TAKEN")
    rm -rf "$SCRATCH/proj" && "$LLMOPS_BIN" init -q "$SCRATCH/proj"
    measure "$LLMOPS_BIN" -C "$SCRATCH/proj" data add "$base" -n bench "${add_args[@]}"
    t_add+=("$SECONDS_TAKEN"); c_add+=("$CPU_TAKEN"); r_add+=("$PEAK_RSS_KB")
    # Peer: git-lfs hashes (SHA-256) and copies the file into .git/lfs/objects on `git add`.
    if [ "$with_lfs" = 0 ]; then t_lfs+=(0); c_lfs+=(0); continue; fi
    rm -rf "$SCRATCH/lfs" && mkdir "$SCRATCH/lfs" && (
      cd "$SCRATCH/lfs" && git init -q && git lfs install --local >/dev/null &&
        git lfs track '*.jsonl' >/dev/null && git add .gitattributes &&
        git "${git_id[@]}" commit -qm attrs && cp "$base" data.jsonl)
    warm "$SCRATCH/lfs/data.jsonl"
    measure sh -c "cd '$SCRATCH/lfs' && git add data.jsonl && git ${git_id[*]} commit -qm data"
    t_lfs+=("$SECONDS_TAKEN"); c_lfs+=("$CPU_TAKEN")
    rm -rf "$SCRATCH/lfs"
  done
  rm -rf "$SCRATCH/proj"

  printf '\nP1: data add %s of %.0f MiB (%s rows); %s repetitions; load average %s\n\n' \
    "${BENCH_ADD_ARGS:-}" "$mib" "$rows" "$REPEAT" "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf '| %-26s | %8s | %13s | %7s | %7s | %12s |\n' contender "median s" "min-max s" MiB/s \
    "CPU s" "peak RSS MiB"
  printf '|%s|%s|%s|%s|%s|%s|\n' "----------------------------" "----------" "---------------" \
    "---------" "---------" "--------------"
  row() { # NAME TIMES_ARRAY CPU_ARRAY RSS
    local -n times=$2 cpus=$3
    read -r med lo hi <<<"$(stats "${times[@]}")"
    read -r cpu _ _ <<<"$(stats "${cpus[@]}")"
    printf '| %-26s | %8.2f | %6.2f-%-6.2f | %7.0f | %7.2f | %12s |\n' "$1" "$med" "$lo" "$hi" \
      "$(echo "$mib / $med" | bc -l)" "$cpu" "$4"
  }
  row "xxhsum -H2 FILE" t_hash c_hash "-"
  row "zstd -1 -T2 FILE (floor)" t_zstd c_zstd "-"
  row "llmops data add" t_add c_add "$(( $(stats "${r_add[@]}" | cut -d' ' -f3) / 1024 ))"
  if [ "$with_lfs" = 1 ]; then row "git lfs (add + commit)" t_lfs c_lfs "-"; fi

  read -r add_zstd lo1 hi1 <<<"$(stats $(ratios t_add t_zstd))"
  read -r lfs_add lo2 hi2 <<<"$(stats $(ratios t_lfs t_add))"
  printf '\nP1 at %s rows, ratios within each repetition (median, min-max):\n' "$rows"
  printf '  data add / zstd -1 -T2 = %.2f (%.2f-%.2f)   goal <= 1.3\n' "$add_zstd" "$lo1" "$hi1"
  if [ "$with_lfs" = 1 ]; then
    printf '  git-lfs / data add     = %.2f (%.2f-%.2f)   goal >= 2.5\n' "$lfs_add" "$lo2" "$hi2"
  else
    printf '  git-lfs / data add     = not run (git-lfs is not installed)\n'
  fi
  printf '  peak RSS of data add   = %s MiB (largest run)  goal <= 256\n' \
    "$(( $(stats "${r_add[@]}" | cut -d' ' -f3) / 1024 ))"
}

p2() {
  local rows=$1
  dataset "$rows"
  local proj=$SCRATCH/proj-p2
  rm -rf "$proj" && "$LLMOPS_BIN" init -q "$proj"
  "$LLMOPS_BIN" -C "$proj" data add "$base" -n bench "${add_args[@]}" >/dev/null 2>&1
  local before after
  before=$(du -sb "$proj/.llmops/objects" | cut -f1)
  warm "$edited"
  measure "$LLMOPS_BIN" -C "$proj" data add "$edited" -n bench "${add_args[@]}"
  local add2=$SECONDS_TAKEN
  after=$(du -sb "$proj/.llmops/objects" | cut -f1)
  local -a t_diff t_cat
  for i in $(seq 1 "$REPEAT"); do
    measure "$LLMOPS_BIN" -C "$proj" data diff bench@1 bench@2 --stat; t_diff+=("$SECONDS_TAKEN")
    measure sh -c "'$LLMOPS_BIN' -C '$proj' data cat bench@1 >/dev/null && '$LLMOPS_BIN' -C '$proj' data cat bench@2 >/dev/null"
    t_cat+=("$SECONDS_TAKEN")
  done
  read -r diff_t diff_lo diff_hi <<<"$(stats "${t_diff[@]}")"
  read -r cat_t cat_lo cat_hi <<<"$(stats "${t_cat[@]}")"
  read -r pct pct_lo pct_hi <<<"$(stats $(ratios t_diff t_cat))"
  local added=$((after - before))
  printf '\nP2 at %s rows (%.0f MiB): +%s rows appended, a %s-row block removed, %s rows changed; %s repetitions\n\n' \
    "$rows" "$mib" "$n_append" "$n_remove" "$n_change" "$REPEAT"
  printf '| %-44s | %22s |\n' measure "value (min-max)"
  printf '|%s|%s|\n' "----------------------------------------------" "------------------------"
  printf '| %-44s | %22s |\n' "stored size of version 1 (objects)" "$before B"
  printf '| %-44s | %22s |\n' "bytes version 2 added" "$added B"
  printf '| %-44s | %21.2f%% |\n' "added / stored (goal <= 3%; DVC, git-lfs 100%)" "$(echo "100 * $added / $before" | bc -l)"
  printf '| %-44s | %22.2f |\n' "data add of version 2, seconds" "$add2"
  printf '| %-44s | %8.3f (%.3f-%.3f) |\n' "data diff --stat, seconds" "$diff_t" "$diff_lo" "$diff_hi"
  printf '| %-44s | %8.3f (%.3f-%.3f) |\n' "data cat of both versions, seconds" "$cat_t" "$cat_lo" "$cat_hi"
  printf '| %-44s | %7.2f%% (%.1f-%.1f%%) |\n' "diff / cat, per repetition (goal <= 10%)" \
    "$(echo "100 * $pct" | bc -l)" "$(echo "100 * $pct_lo" | bc -l)" "$(echo "100 * $pct_hi" | bc -l)"
  rm -rf "$proj"
}

for rows in $p1_rows; do p1 "$rows"; done
for rows in $p2_rows; do p2 "$rows"; done
