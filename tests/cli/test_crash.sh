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

# An uninterrupted put still works afterwards.
run object put big.bin
expect_rc 0 "put after kills"
expect_eq "$OUT" "$(xxhsum -H2 big.bin | cut -d' ' -f1)" "hash after kills"

finish
