#!/usr/bin/env bash
# Stores a 1 GiB file as an object, side by side with the hash-and-copy limit measured in the
# same run: `xxhsum -H2 FILE` + `cp FILE` (and `cp` + `sync`, since llmops fsyncs).
# Usage: bench/bench_object_put.sh   (BENCH_REPEAT=3, BENCH_SIZE bytes, LLMOPS_BIN;
# BENCH_SMOKE=1: 8 MiB, one run)
source "$(dirname "$0")/common.sh"

size=${BENCH_SIZE:-$(by_mode 1073741824 8388608)}
file=$SCRATCH/object-$size.bin
make_random_file "$file" "$size"
cat "$file" >/dev/null # warm the page cache for every contender alike

declare -a t_hash t_cp t_cpsync t_put t_putz rss_put rss_putz
for i in $(seq 1 "$REPEAT"); do
  measure xxhsum -H2 "$file"; t_hash+=("$SECONDS_TAKEN")
  rm -f "$SCRATCH/copy"; measure cp "$file" "$SCRATCH/copy"; t_cp+=("$SECONDS_TAKEN")
  rm -f "$SCRATCH/copy"; measure sh -c "cp '$file' '$SCRATCH/copy' && sync '$SCRATCH/copy'"
  t_cpsync+=("$SECONDS_TAKEN"); rm -f "$SCRATCH/copy"
  for mode in plain zstd; do
    rm -rf "$SCRATCH/proj" && "$LLMOPS_BIN" init -q "$SCRATCH/proj"
    flag=(); [ "$mode" = zstd ] && flag=(--zstd)
    measure "$LLMOPS_BIN" -C "$SCRATCH/proj" object put "${flag[@]}" "$file"
    if [ "$mode" = plain ]; then t_put+=("$SECONDS_TAKEN"); rss_put+=("$PEAK_RSS_KB")
    else t_putz+=("$SECONDS_TAKEN"); rss_putz+=("$PEAK_RSS_KB"); fi
  done
done
rm -rf "$SCRATCH/proj"

hash=$(median "${t_hash[@]}"); cp_=$(median "${t_cp[@]}"); cps=$(median "${t_cpsync[@]}")
put=$(median "${t_put[@]}"); putz=$(median "${t_putz[@]}")
limit=$(echo "$hash + $cp_" | bc -l); limit_sync=$(echo "$hash + $cps" | bc -l)
mib=$(echo "$size / 1048576" | bc)
printf '\nobject put of a %s MiB file, median of %s runs (page cache warm)\n\n' "$mib" "$REPEAT"
printf '| %-34s | %8s | %9s | %12s |\n' "contender" "seconds" "MiB/s" "peak RSS MiB"
printf '|%s|%s|%s|%s|\n' "------------------------------------" "----------" "-----------" "--------------"
row() { printf '| %-34s | %8.2f | %9.0f | %12s |\n' "$1" "$2" "$(echo "$mib / $2" | bc -l)" "$3"; }
row "xxhsum -H2 FILE" "$hash" "-"
row "cp FILE" "$cp_" "-"
row "limit: xxhsum + cp" "$limit" "-"
row "limit: xxhsum + cp + sync" "$limit_sync" "-"
row "llmops object put" "$put" "$(( $(median "${rss_put[@]}") / 1024 ))"
row "llmops object put --zstd" "$putz" "$(( $(median "${rss_putz[@]}") / 1024 ))"
printf '\nratio put / (xxhsum + cp)        = %.2f  (goal <= 1.5)\n' "$(echo "$put / $limit" | bc -l)"
printf 'ratio put / (xxhsum + cp + sync) = %.2f\n' "$(echo "$put / $limit_sync" | bc -l)"
