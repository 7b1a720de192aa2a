#!/usr/bin/env bash
# `llmops drift` between two JSONL dataset versions (2 numeric, 1 categorical, 1 text column)
# side by side with `data cat > /dev/null` of both versions, measured in the same run
# (goal: drift <= 3x the two cats, peak RSS <= 256 MiB).
# Usage: bench/bench_drift.sh   (BENCH_ROWS rows per side, default 1M; BENCH_REPEAT=3;
#        LLMOPS_BIN; BENCH_SMOKE=1: 5,000 rows per side, one run)
source "$(dirname "$0")/common.sh"

rows=${BENCH_ROWS:-$(by_mode 1000000 5000)}

# Rows {latency, tokens, tier, question}: the current side shifts latency and adds a topic.
make_side() { # PATH SHIFT SEED
  [ -f "$1" ] && return 0
  perl -e '
    my ($rows, $shift, $seed, $path) = @ARGV;
    srand($seed);
    my @topics = (["billing","invoice","refund","payment","charge"],
                  ["password","login","account","reset","email"],
                  ["shipping","delivery","package","tracking","address"]);
    push @topics, ["crypto","wallet","token","blockchain","exchange"] if $shift > 0;
    my @tiers = ("free", "pro", "team", $shift > 0 ? "enterprise" : "free");
    open(my $out, ">", $path) or die;
    for my $i (1 .. $rows) {
      my $t = $topics[int(rand(@topics))];
      my $q = join(" ", map { $t->[int(rand(5))] } 1 .. 4 + int(rand(12)));
      my $lat = 100 + 30 * $shift + 20 * (rand() + rand() + rand() - 1.5);
      printf $out "{\"latency\": %.3f, \"tokens\": %d, \"tier\": \"%s\", \"question\": \"%s please help\"}\n",
        $lat, 10 + int(rand(500)), $tiers[int(rand(@tiers))], $q;
    }' "$rows" "$2" "$3" "$1.tmp"
  mv "$1.tmp" "$1"
}
ref=$SCRATCH/drift-ref-$rows.jsonl
cur=$SCRATCH/drift-cur-$rows.jsonl
make_side "$ref" 0 1
make_side "$cur" 1 2

proj=$SCRATCH/drift-proj
rm -rf "$proj" && "$LLMOPS_BIN" init -q "$proj"
"$LLMOPS_BIN" -C "$proj" data add -q "$ref" --name ref >/dev/null
"$LLMOPS_BIN" -C "$proj" data add -q "$cur" --name cur >/dev/null
cat_both() { "$LLMOPS_BIN" -C "$proj" data cat ref && "$LLMOPS_BIN" -C "$proj" data cat cur; }
export -f cat_both
export LLMOPS_BIN proj
bash -c cat_both >/dev/null # warm the page cache alike

declare -a t_cat t_drift rss_cat rss_drift c_cat c_drift
for i in $(seq 1 "$REPEAT"); do
  measure bash -c cat_both
  t_cat+=("$SECONDS_TAKEN"); rss_cat+=("$PEAK_RSS_KB"); c_cat+=("$CPU_TAKEN")
  # drift exits 1 when the data drifted (it does here); measure must not stop on it.
  measure bash -c '"$LLMOPS_BIN" -C "$proj" drift ref cur --json >/dev/null; [ $? -le 1 ]'
  t_drift+=("$SECONDS_TAKEN"); rss_drift+=("$PEAK_RSS_KB"); c_drift+=("$CPU_TAKEN")
done
set +e
"$LLMOPS_BIN" -C "$proj" drift ref cur --json >"$SCRATCH/drift.json"
set -e
rm -rf "$proj"

cat_s=$(median "${t_cat[@]}"); drift_s=$(median "${t_drift[@]}")
cat_cpu=$(median "${c_cat[@]}"); drift_cpu=$(median "${c_drift[@]}")
printf '\ndrift of %s rows per side (2 numeric, 1 categorical, 1 text), median of %s runs\n\n' \
  "$rows" "$REPEAT"
printf '| %-34s | %8s | %8s | %12s |\n' "command" "seconds" "CPU s" "peak RSS MiB"
printf '|%s|%s|%s|%s|\n' "------------------------------------" "----------" "----------" "--------------"
printf '| %-34s | %8.2f | %8.2f | %12s |\n' "data cat of both versions" "$cat_s" "$cat_cpu" "$(( $(median "${rss_cat[@]}") / 1024 ))"
printf '| %-34s | %8.2f | %8.2f | %12s |\n' "drift --json" "$drift_s" "$drift_cpu" "$(( $(median "${rss_drift[@]}") / 1024 ))"
printf '\nratio drift / cat = %.2f wall, %.2f CPU  (goal <= 3)\n' "$(echo "$drift_s / $cat_s" | bc -l)" \
  "$(echo "$drift_cpu / $cat_cpu" | bc -l)"
printf 'tests: %s; dataset drifted: %s\n' \
  "$(jq -r '[.columns[] | "\(.column)=\(.test.test // (if .content then "domain_classifier" else "-" end))"] | join(", ")' "$SCRATCH/drift.json")" \
  "$(jq .dataset_drifted "$SCRATCH/drift.json")"
