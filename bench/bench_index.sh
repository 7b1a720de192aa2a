#!/usr/bin/env bash
# Retrieval index: `index build` over a generated corpus (default 100k passages) side by side
# with loading the same passages into a bare FTS5 table with the sqlite3 shell, then query
# latency p50/p95: in-process (llmops ranking vs FTS5's built-in bm25() on the same table) and
# end to end (`llmops index query`, a process per query).
# Usage: bench/bench_index.sh   (BENCH_ROWS=100000, BENCH_QUERIES=1000, BENCH_CLI_QUERIES=50,
#        BENCH_REPEAT=3; LLMOPS_BIN; BENCH_DRIVER defaults to bench_index_query beside it;
#        BENCH_SMOKE=1: 2,000 passages, 50 queries, 5 through the CLI, one run)
source "$(dirname "$0")/common.sh"

rows=${BENCH_ROWS:-$(by_mode 100000 2000)}
nqueries=${BENCH_QUERIES:-$(by_mode 1000 50)}
ncli=${BENCH_CLI_QUERIES:-$(by_mode 50 5)}
driver=${BENCH_DRIVER:-$(dirname "$LLMOPS_BIN")/bench_index_query}
[ -x "$driver" ] || { echo "build bench_index_query first (LLMOPS_BENCH=ON), or set BENCH_DRIVER" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 shell" >&2; exit 1; }

corpus=$SCRATCH/index-$rows.jsonl
# Passages of 30-120 words from a 30,000-word vocabulary drawn with a Zipf-like skew (a few
# words in most passages, most words rare), as in real text; the same rows as CSV for sqlite3.
make_corpus() {
  [ -f "$1" ] && [ -f "$1.csv" ] && [ -f "$1.queries" ] && return 0
  perl -e '
    my ($rows, $out, $nq) = @ARGV;
    srand(42);
    my @w = map { join("", map { ("a".."z")[int(rand(26))] } 1 .. 3 + int(rand(7))) } 1 .. 30000;
    sub word { $w[int(@w * rand() ** 4)] }
    open(my $j, ">", "$out.tmp") or die;
    open(my $c, ">", "$out.csv.tmp") or die;
    print $c "id,text\n";
    for my $i (1 .. $rows) {
      my $text = join(" ", map { word() } 1 .. 30 + int(rand(91)));
      print $j "{\"id\": \"doc$i\", \"text\": \"$text.\"}\n";
      print $c "doc$i,$text.\n";
    }
    open(my $q, ">", "$out.queries.tmp") or die;
    print $q join(" ", map { word() } 1 .. 2 + int(rand(5))), "\n" for 1 .. $nq;
    close($j); close($c); close($q);
    rename("$out.tmp", $out); rename("$out.csv.tmp", "$out.csv"); rename("$out.queries.tmp", "$out.queries");
  ' "$rows" "$1" "$nqueries"
}
make_corpus "$corpus"
mib=$(echo "$(stat -c %s "$corpus") / 1048576" | bc -l)

proj=$SCRATCH/index-proj
rm -rf "$proj" && "$LLMOPS_BIN" init -q "$proj"
"$LLMOPS_BIN" -C "$proj" data add -q "$corpus" --name corpus >/dev/null

declare -a t_build rss_build t_peer
for i in $(seq 1 "$REPEAT"); do
  measure "$LLMOPS_BIN" -C "$proj" index build bench --data corpus --field text --id id --force
  t_build+=("$SECONDS_TAKEN"); rss_build+=("$PEAK_RSS_KB")
  rm -f "$SCRATCH/peer.db"
  measure sqlite3 "$SCRATCH/peer.db" \
    "CREATE VIRTUAL TABLE t USING fts5(id UNINDEXED, text, tokenize = 'unicode61 remove_diacritics 2')" \
    ".import --csv --skip 1 $corpus.csv t" "INSERT INTO t(t) VALUES ('optimize')"
  t_peer+=("$SECONDS_TAKEN")
done
peer_rows=$(sqlite3 "$SCRATCH/peer.db" "SELECT count(*) FROM t")
[ "$peer_rows" = "$rows" ] || { echo "sqlite3 loaded $peer_rows rows, expected $rows" >&2; exit 1; }
rm -f "$SCRATCH/peer.db"

"$driver" "$proj" bench "$corpus.queries" 10 >"$SCRATCH/.driver" ||
  { echo "bench_index_query failed" >&2; exit 1; }
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" "$SCRATCH/.driver"; }

declare -a t_cli
while read -r q; do
  start=$(date +%s%N)
  "$LLMOPS_BIN" -C "$proj" index query bench "$q" -k 10 >/dev/null
  t_cli+=("$(( ($(date +%s%N) - start) / 1000 ))")
done < <(head -n "$ncli" "$corpus.queries")
p_cli() { printf '%s\n' "${t_cli[@]}" | sort -n | awk -v p="$1" '{a[NR]=$1} END {i=int(p*(NR-1)+0.5)+1; printf "%.2f", a[i]/1000}'; }
db_mib=$(echo "$(stat -c %s "$proj/.llmops/store.db") / 1048576" | bc -l)
rm -rf "$proj"

build_s=$(median "${t_build[@]}"); peer_s=$(median "${t_peer[@]}")
printf '\nindex build: %s passages (%.0f MiB JSONL), median of %s runs\n\n' "$rows" "$mib" "$REPEAT"
printf '| %-44s | %8s | %10s | %12s |\n' "contender" "seconds" "passages/s" "peak RSS MiB"
printf '|%s|%s|%s|%s|\n' "----------------------------------------------" "----------" "------------" "--------------"
printf '| %-44s | %8.2f | %10.0f | %12s |\n' "sqlite3 shell: .import CSV into FTS5 + optimize" "$peer_s" "$(echo "$rows / $peer_s" | bc -l)" "-"
printf '| %-44s | %8.2f | %10.0f | %12s |\n' "llmops index build" "$build_s" "$(echo "$rows / $build_s" | bc -l)" "$(( $(median "${rss_build[@]}") / 1024 ))"
printf '\nratio build / sqlite3 = %.2f; store.db after build %.0f MiB\n' "$(echo "$build_s / $peer_s" | bc -l)" "$db_mib"
printf '\nquery latency, k = 10, %s queries of 2-6 words (mean %s results)\n\n' "$(field queries)" "$(field mean_results)"
printf '| %-48s | %8s | %8s | %8s |\n' "contender" "p50 ms" "p95 ms" "mean ms"
printf '|%s|%s|%s|%s|\n' "--------------------------------------------------" "----------" "----------" "----------"
printf '| %-48s | %8s | %8s | %8s |\n' "FTS5 built-in bm25(), same table and MATCH" "$(field builtin_p50_ms)" "$(field builtin_p95_ms)" "$(field builtin_mean_ms)"
printf '| %-48s | %8s | %8s | %8s |\n' "RetrievalIndex::search (llmops_bm25, in process)" "$(field llmops_p50_ms)" "$(field llmops_p95_ms)" "$(field llmops_mean_ms)"
printf '| %-48s | %8s | %8s | %8s |\n' "llmops index query (a process per query, $ncli)" "$(p_cli 0.5)" "$(p_cli 0.95)" "-"
