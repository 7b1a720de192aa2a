#!/usr/bin/env bash
# Eight processes write to one store at once; nothing is lost.
source "$(dirname "$0")/lib.sh"

run init proj
cd proj
for i in $(seq 1 8); do
  mkdir -p in$i
  for j in $(seq 1 20); do printf 'writer %d object %d\n' "$i" "$j" >in$i/$j.txt; done
  # Every writer also stores one shared object: concurrent puts of the same content.
  printf 'shared\n' >in$i/shared.txt
done

pids=()
for i in $(seq 1 8); do
  (for f in in$i/*.txt; do "$LLMOPS_BIN" object put "$f" >/dev/null || exit 1; done) &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a writer failed"; done

expect_eq "$(find .llmops/objects -type f | wc -l | tr -d ' ')" "161" "objects after 8 writers"
expect_eq "$(ls -A .llmops/tmp | wc -l | tr -d ' ')" "0" "temp files after 8 writers"
run fsck
expect_rc 0 "fsck after concurrent writers"

# Eight processes adding versions at once: four to their own datasets, four to one shared
# dataset. Every add lands, with distinct version numbers.
for i in $(seq 1 8); do
  for j in 1 2 3; do printf '{"writer":%d,"batch":%d,"row":%d}\n' "$i" "$j" 1 "$i" "$j" 2 >d$i-$j.jsonl; done
done
pids=()
for i in $(seq 1 8); do
  name=own$i; [ "$i" -gt 4 ] && name=shared
  (for j in 1 2 3; do "$LLMOPS_BIN" data add d$i-$j.jsonl -n $name -q >/dev/null || exit 1; done) &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a dataset writer failed"; done
expect_eq "$(sqlite3 .llmops/store.db 'SELECT count(*) FROM dataset_versions')" "24" "versions after 8 writers"
expect_eq "$(sqlite3 .llmops/store.db "SELECT group_concat(number) FROM (SELECT v.number FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id WHERE d.name = 'shared' ORDER BY v.number)")" \
  "1,2,3,4,5,6,7,8,9,10,11,12" "shared dataset numbers"
run data cat shared@12
expect_rc 0 "the last shared version reads"
run fsck
expect_rc 0 "fsck after concurrent dataset writers"

finish
