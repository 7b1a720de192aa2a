#!/usr/bin/env bash
# fsck finds a flipped byte and names the object; gc removes orphans and stale temp files.
source "$(dirname "$0")/lib.sh"

run init proj
cd proj

printf 'hello objects\n' >a.txt
head -c 300000 /dev/urandom >b.bin
run object put a.txt
expect_rc 0 "object put"
hash_a=$OUT
expect_eq "$hash_a" "$(xxhsum -H2 a.txt | cut -d' ' -f1)" "object name is xxhsum -H2 of the content"
run object put --zstd b.bin --json
hash_b=$(json_get .hash)
expect_eq "$(json_get .compressed)" "true" "--zstd compresses"
"$LLMOPS_BIN" object cat "$hash_b" | cmp - b.bin || fail "object cat returns the content"

run fsck
expect_rc 0 "fsck on a clean store"
expect_contains "$ERR" "checked 2 objects" "fsck counts objects"

# Flip one byte of the raw object.
obj=.llmops/objects/${hash_a:0:2}/${hash_a:2}
chmod u+w "$obj"
printf 'J' | dd of="$obj" bs=1 seek=0 conv=notrunc status=none
run fsck
expect_rc 1 "fsck on a corrupt store"
expect_contains "$OUT" "corrupt-object $hash_a" "fsck names the corrupt object"
run fsck --json
expect_rc 1 "fsck --json on a corrupt store"
expect_eq "$(json_get '.problems[0].subject')" "$hash_a" "fsck --json names the object"
expect_eq "$(json_get .ok)" "false" "fsck --json ok flag"
run object cat "$hash_a"
expect_rc 4 "reading a corrupt object"
expect_one_line_error "reading a corrupt object"

# gc: both objects are orphans here (nothing references them); a stale temp file goes too.
printf partial >.llmops/tmp/obj-stale
run gc --dry-run
expect_rc 0 "gc --dry-run"
expect_contains "$OUT" "would remove object $hash_b" "gc --dry-run lists orphans"
[ -f .llmops/tmp/obj-stale ] || fail "gc --dry-run removed a temp file"
run gc --json
expect_rc 0 gc
expect_eq "$(json_get '.removed_objects | length')" "2" "gc removes both orphans"
expect_eq "$(json_get '.removed_temp_files | length')" "1" "gc removes the stale temp file"
[ -z "$(find .llmops/objects -type f)" ] || fail "objects left after gc"
run fsck
expect_rc 0 "fsck after gc"

finish
