#!/usr/bin/env bash
# `data profile` of a JSONL dataset side by side with `data cat > /dev/null` of the same
# version, measured in the same run (goal: profile <= 3x cat).
# Usage: bench/bench_profile.sh   (BENCH_ROWS rows, default 4M of ~250 B = ~1 GiB;
#        BENCH_REPEAT=3; LLMOPS_BIN; BENCH_SMOKE=1: 20,000 rows, one run)
source "$(dirname "$0")/common.sh"

rows=${BENCH_ROWS:-$(by_mode 4000000 20000)}
file=$SCRATCH/profile-$rows.jsonl

# Rows with fields id, question, answer, context, score; words drawn from a small vocabulary,
# one row in 50 repeated, a few nulls and missing fields, so every statistic has work to do.
make_dataset() {
  [ -f "$1" ] && return 0
  perl -e '
    my ($rows) = @ARGV;
    srand(42);
    my @w = map { join("", map { ("a".."z")[int(rand(26))] } 1 .. 2 + int(rand(8))) } 1 .. 5000;
    sub words { my $n = shift; join(" ", map { $w[int(rand(@w))] } 1 .. $n) }
    my $prev = "";
    open(my $out, ">", $ARGV[1]) or die;
    for my $i (1 .. $rows) {
      if ($i % 50 == 0 && $prev ne "") { print $out $prev; next; }
      my $score = $i % 97 == 0 ? "null" : sprintf("%.3f", rand());
      my $ctx = $i % 13 == 0 ? "" : sprintf(", \"context\": \"%s\"", words(12));
      my $line = sprintf("{\"id\": %d, \"question\": \"%s?\", \"answer\": \"%s.\"%s, \"score\": %s}\n",
                         $i, words(7), words(14), $ctx, $score);
      print $out $line;
      $prev = $line;
    }' "$rows" "$1.tmp"
  mv "$1.tmp" "$1"
}
make_dataset "$file"
bytes=$(stat -c %s "$file")

proj=$SCRATCH/profile-proj
rm -rf "$proj" && "$LLMOPS_BIN" init -q "$proj"
"$LLMOPS_BIN" -C "$proj" data add -q "$file" --name bench >/dev/null
"$LLMOPS_BIN" -C "$proj" data cat bench >/dev/null # warm the page cache alike

declare -a t_cat t_prof rss_cat rss_prof
for i in $(seq 1 "$REPEAT"); do
  measure "$LLMOPS_BIN" -C "$proj" data cat bench
  t_cat+=("$SECONDS_TAKEN"); rss_cat+=("$PEAK_RSS_KB")
  measure "$LLMOPS_BIN" -C "$proj" data profile bench --json
  t_prof+=("$SECONDS_TAKEN"); rss_prof+=("$PEAK_RSS_KB")
done
"$LLMOPS_BIN" -C "$proj" data profile bench --json >"$SCRATCH/profile.json"
rm -rf "$proj"

cat_s=$(median "${t_cat[@]}"); prof_s=$(median "${t_prof[@]}")
mib=$(echo "$bytes / 1048576" | bc -l)
printf '\ndata profile of %s rows (%.0f MiB JSONL), median of %s runs\n\n' "$rows" "$mib" "$REPEAT"
printf '| %-28s | %8s | %9s | %12s |\n' "command" "seconds" "MiB/s" "peak RSS MiB"
printf '|%s|%s|%s|%s|\n' "------------------------------" "----------" "-----------" "--------------"
row() { printf '| %-28s | %8.2f | %9.0f | %12s |\n' "$1" "$2" "$(echo "$mib / $2" | bc -l)" "$3"; }
row "data cat > /dev/null" "$cat_s" "$(( $(median "${rss_cat[@]}") / 1024 ))"
row "data profile --json" "$prof_s" "$(( $(median "${rss_prof[@]}") / 1024 ))"
printf '\nratio profile / cat = %.2f  (goal <= 3)\n' "$(echo "$prof_s / $cat_s" | bc -l)"
printf 'duplicate rows %s (exact: %s), distinct ids %s (exact: %s)\n' \
  "$(jq .duplicate_rows.count "$SCRATCH/profile.json")" "$(jq .duplicate_rows.exact "$SCRATCH/profile.json")" \
  "$(jq '.fields[] | select(.name=="id") | .distinct.count' "$SCRATCH/profile.json")" \
  "$(jq '.fields[] | select(.name=="id") | .distinct.exact' "$SCRATCH/profile.json")"
