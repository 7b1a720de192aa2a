#!/usr/bin/env bash
# SIGKILL while a large object is being written: no partial object may become visible and
# fsck must stay clean; gc then clears the stale temp file.
source "$(dirname "$0")/lib.sh"

run init proj
cd proj
# A 1 GiB sparse file: quick to create, long enough to write that the kill lands mid-way.
truncate -s 1G big.bin

for delay in 0.05 0.2 0.5; do
  "$LLMOPS_BIN" object put big.bin >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true

  # Any object visible must be complete: its content hashes to its name.
  for f in $(find .llmops/objects -type f); do
    name=$(basename "$(dirname "$f")")$(basename "$f")
    got=$(xxhsum -H2 "$f" | cut -d' ' -f1)
    expect_eq "$got" "$name" "visible object after kill at ${delay}s"
  done
  run fsck
  expect_rc 0 "fsck after kill at ${delay}s"
  run gc
  expect_rc 0 "gc after kill"
  [ -z "$(ls -A .llmops/tmp)" ] || fail "gc left temp files"
done

# SIGKILL during data add: the store is before (no version) or after (a complete version).
"${LLMOPS_BUILD_DIR:-$(dirname "$LLMOPS_BIN")}/gen_dataset" 300000 rows.jsonl 2>/dev/null ||
  for i in $(seq 1 300000); do echo "{\"id\":$i,\"text\":\"row $i\"}"; done >rows.jsonl
for delay in 0.1 0.4 0.8; do
  "$LLMOPS_BIN" data add rows.jsonl -n crash >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  versions=$(sqlite3 .llmops/store.db "SELECT count(*) FROM dataset_versions")
  if [ "$versions" -gt 0 ]; then
    run data cat crash
    expect_rc 0 "a version recorded before the kill reads back"
    expect_eq "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" "$(wc -l <rows.jsonl | tr -d ' ')" "complete version after kill"
  fi
  run fsck
  expect_rc 0 "fsck after killing data add at ${delay}s"
  run data rm crash
  run gc
done

# An uninterrupted put still works afterwards.
run object put big.bin
expect_rc 0 "put after kills"
expect_eq "$OUT" "$(xxhsum -H2 big.bin | cut -d' ' -f1)" "hash after kills"

finish
