#!/usr/bin/env bash
# SIGKILL in the middle of a write: no partial object or version may become visible, fsck
# stays clean and gc clears the stale temp files. Each input comes through a FIFO that the
# test holds open, so the command cannot finish on its own: the kill lands mid-write by
# construction, after the test has seen the partial write on disk.
source "$(dirname "$0")/lib.sh"

run init proj
cd proj
head -c $((64 << 20)) /dev/urandom >random.bin

object_count() { find .llmops/objects -type f | wc -l | tr -d ' '; }
temp_bytes() { find .llmops/tmp -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }
temp_bytes_at_least() { [ "$(temp_bytes)" -ge "$1" ]; }
temp_files_at_least() { [ "$(find .llmops/tmp -type f | wc -l)" -ge "$1" ]; }

# kill_mid_write PID: SIGKILL, then reap; the feeding FIFO is still open.
kill_mid_write() {
  kill -9 "$1"
  set +e
  wait "$1"
  local rc=$?
  set -e
  expect_eq "$rc" 137 "the command was still running when killed"
}

# --- object put: killed after 1 MiB, 16 MiB and 48 MiB reached its temp file ----------------
mkfifo put.fifo
for fed_mib in 1 16 48; do
  objects_before=$(object_count)
  "$LLMOPS_BIN" object put put.fifo >/dev/null 2>&1 &
  pid=$!
  exec 3>put.fifo # the writer end: open until after the kill
  head -c $((fed_mib << 20)) random.bin >&3
  # The reader may keep the last partial block in memory: wait for all but 1 MiB of it.
  wait_until "object put to write $((fed_mib - 1)) MiB to its temp file" \
    temp_bytes_at_least $(((fed_mib - 1) << 20))
  kill_mid_write "$pid"
  exec 3>&-
  [ "$(temp_bytes)" -gt 0 ] || fail "no partial temp file after the kill at $fed_mib MiB"
  expect_eq "$(object_count)" "$objects_before" "no object visible after the kill at $fed_mib MiB"
  run fsck
  expect_rc 0 "fsck after killing object put at $fed_mib MiB"
  run gc
  expect_rc 0 "gc after killing object put"
  expect_eq "$(ls -A .llmops/tmp)" "" "gc clears the temp file of the killed put"
done

# Every object visible is complete: its content hashes to its name.
for f in $(find .llmops/objects -type f); do
  name=$(basename "$(dirname "$f")")$(basename "$f")
  expect_eq "$(xxhsum -H2 "$f" | cut -d' ' -f1)" "$name" "visible object is complete"
done

# --- data add: killed after it stored some chunks, before the version exists ---------------
for i in $(seq 1 200000); do echo "{\"id\":$i,\"text\":\"row $i with some padding to fill chunks\"}"; done >rows.jsonl
mkfifo feed.jsonl
for fed_rows in 80000 160000; do
  "$LLMOPS_BIN" data add feed.jsonl -n crash >/dev/null 2>&1 &
  pid=$!
  exec 3>feed.jsonl
  head -n "$fed_rows" rows.jsonl >&3
  # Chunks go to temp files until the version commits. data add parses a few 1 MiB blocks
  # ahead of the chunk writer (about 3 MiB, 50,000 of these rows), so 80,000 rows always
  # give some; wait for two.
  wait_until "data add to write chunks of the first $fed_rows rows" temp_files_at_least 2
  kill_mid_write "$pid"
  exec 3>&-
  [ -n "$(ls -A .llmops/tmp)" ] || fail "no partial chunks after killing data add at $fed_rows rows"
  expect_eq "$(store_sql 'SELECT count(*) FROM dataset_versions')" 0 \
    "no version after killing data add at $fed_rows rows"
  run data show crash
  expect_rc 3 "no dataset after killing data add at $fed_rows rows"
  run fsck
  expect_rc 0 "fsck after killing data add at $fed_rows rows"
  run gc
  expect_rc 0 "gc after killing data add"
  expect_eq "$(ls -A .llmops/tmp)" "" "gc clears the temp files of the killed add"
done

# --- the same commands, uninterrupted, still work afterwards --------------------------------
run data add rows.jsonl -n crash --json
expect_rc 0 "data add after kills"
expect_eq "$(json_get .rows)" 200000 "complete version after kills"
run data cat crash
expect_eq "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" 200000 "the version reads back whole"
run object put random.bin
expect_rc 0 "put after kills"
expect_eq "$OUT" "$(xxhsum -H2 random.bin | cut -d' ' -f1)" "hash after kills"
run fsck
expect_rc 0 "fsck at the end"

finish
