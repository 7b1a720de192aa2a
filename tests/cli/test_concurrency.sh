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

finish
