#!/usr/bin/env bash
# data add / list / show / log / cat / export / diff / tag / rm, end to end.
source "$(dirname "$0")/lib.sh"
GOOD=$LLMOPS_SOURCE_DIR/tests/data/good

run init proj
cd proj
cat >qa.jsonl <<'ROWS'
{"id": 1, "question": "What is 2+2?", "answer": "4"}
{"id": 2, "question": "Capital of France?", "answer": "Paris"}
{"answer": "blue", "id": 3, "question": "Colour of the sky?"}
ROWS

run data add qa.jsonl --name qa -m "first cut" --tag seed --json
expect_rc 0 "data add"
expect_eq "$(json_get .ref)" "qa@1" "first version"
expect_eq "$(json_get .rows)" "3" "rows"
expect_eq "$(json_get .created)" "true" "created"
expect_eq "$(json_get '.tags[0]')" "seed" "tag on add"
expect_eq "$(json_get '.schema.fields.id.integer')" "3" "schema summary"
expect_eq "$(json_get '.sources[0].hash')" "$(xxhsum -H2 qa.jsonl | cut -d' ' -f1)" "source hash"
manifest1=$(json_get .manifest)

# Key order and whitespace do not matter: the same rows are the same version.
printf '{"question":"What is 2+2?","id":1,"answer":"4"}\n{"id":2,"answer":"Paris","question":"Capital of France?"}\n{"id":3.0,"question":"Colour of the sky?","answer":"blue"}\n' >same.jsonl
run data add same.jsonl --name qa --json
expect_eq "$(json_get .created)" "false" "identical content makes no version"
expect_eq "$(json_get .ref)" "qa@1" "identical content names the latest version"
run data add same.jsonl --name qa
expect_contains "$OUT" "unchanged" "says so"

# A second version; refs by number, tag, latest and hash prefix.
printf '{"id": 1, "question": "What is 2+2?", "answer": "four"}\n{"id": 3, "question": "Colour of the sky?", "answer": "blue"}\n{"id": 4, "question": "Largest ocean?", "answer": "Pacific"}\n' >qa2.jsonl
run data add qa2.jsonl -n qa -m "second"
expect_rc 0 "second add"
for ref in qa qa@latest qa@2; do
  run data show "$ref" --json
  expect_eq "$(json_get .version)" "2" "ref $ref"
done
run data show qa@seed --json
expect_eq "$(json_get .version)" "1" "ref by tag"
run data show "qa@${manifest1:0:8}" --json
expect_eq "$(json_get .version)" "1" "ref by hash prefix"
expect_eq "$(json_get .parent)" "null" "first version has no parent"
run data show qa@2 --json
expect_eq "$(json_get .parent)" "1" "parent recorded"

run data list --json
expect_eq "$(json_get '.[0].name')" "qa" "list"
expect_eq "$(json_get '.[0].versions')" "2" "list counts versions"
run data log qa --json
expect_eq "$(json_get '[.[].version] | join(",")')" "2,1" "log newest first"
run data log qa
expect_contains "$OUT" "first cut" "log shows messages"

# cat and export; re-adding an export gives the same version hash.
run data cat qa@1 --limit 2
expect_eq "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" "2" "cat --limit"
expect_eq "$(printf '%s\n' "$OUT" | sed -n 1p)" '{"answer":"4","id":1,"question":"What is 2+2?"}' "cat prints canonical rows"
run data export qa@2 -o out.jsonl
expect_rc 0 export
run data add out.jsonl -n qa-copy --json
expect_eq "$(json_get .manifest)" "$(store_sql "SELECT manifest FROM dataset_versions WHERE number = 2 AND dataset_id = (SELECT id FROM datasets WHERE name = 'qa')")" "export round trip keeps the hash"
run data cat qa@2 --format csv
expect_eq "$(printf '%s\n' "$OUT" | sed -n 1p | tr -d '\r')" "answer,id,question" "csv header"
run data export qa@2 -o out.csv --format csv
run data add out.csv -n qa-csv --infer-types --json
expect_eq "$(json_get .rows)" "3" "csv export re-added"

# An output that cannot be written: exit 3 (as for every command's output file), the OS reason,
# checked before any row is read; a failed write leaves the old file as it was.
mkdir -p a-folder
run data export qa@2 -o no-such-folder/out.jsonl
expect_rc 3 "export into a missing folder"
expect_one_line_error "export into a missing folder"
expect_contains "$ERR" "cannot write no-such-folder/out.jsonl: No such file or directory" "missing folder: the OS reason"
run data export qa@2 -o a-folder
expect_rc 3 "export onto a folder"
expect_contains "$ERR" "cannot write a-folder: Is a directory" "folder: the OS reason"
run data export qa@2 -o /dev/full
expect_rc 3 "export onto a full disk"
expect_contains "$ERR" "cannot write /dev/full: No space left on device" "full disk: the OS reason"
run data export qa@2 -o ""
expect_rc 2 "export -o ''"
expect_eq "$(ls -A a-folder)" "" "failed exports left nothing behind"
if ls -A | grep -q '\.llmops-'; then fail "an export left a temp file"; fi

# diff: with and without a key; rows that all have an id are paired by it unless --no-key.
run data diff qa@1 qa@2 --no-key --json
expect_eq "$(json_get .added)" "2" "diff added (no key)"
expect_eq "$(json_get .removed)" "2" "diff removed (no key)"
expect_eq "$(json_get .key)" "null" "diff --no-key names no key"
run data diff qa@1 qa@2 --json
expect_eq "$(json_get .key)" "id" "diff pairs by id by default"
expect_eq "$(json_get .changed)" "1" "diff changed (default key)"
expect_contains "$ERR" "pairing rows by their 'id' field" "diff says which key it chose"
run data diff qa@1 qa@2 --key id --no-key
expect_rc 2 "diff --key with --no-key"
run data diff qa@1 qa@2 --key id --json
expect_eq "$(json_get .added)" "1" "diff added"
expect_eq "$(json_get .removed)" "1" "diff removed"
expect_eq "$(json_get .changed)" "1" "diff changed"
expect_eq "$(json_get '.changed_rows[0].fields[0].field')" "answer" "changed field"
expect_eq "$(json_get '.changed_rows[0].fields[0].after')" "four" "changed value"
run data diff qa@1 qa@2 --key id
expect_contains "$OUT" 'answer: "4" -> "four"' "diff text shows the field change"
run data diff qa@2 qa@2 --stat --json
expect_eq "$(json_get .chunks_read)" "0" "diff of identical versions reads no chunk"

# tag moves; rm removes; gc frees.
run data tag qa@2 seed
run data show qa@seed --json
expect_eq "$(json_get .version)" "2" "tag moved"
run data tag qa@2 latest
expect_rc 3 "reserved tag"
run data tag qa@2 7
expect_rc 3 "numeric tag"

# CSV, JSON array and a directory.
run data add "$GOOD/quoted.csv" -n quoted --json
expect_rc 0 "csv add"
run data add "$GOOD/rows.json" -n arr --json
expect_rc 0 "json array add"
mkdir -p dir/sub && cp qa.jsonl dir/a.jsonl && cp qa2.jsonl dir/sub/b.jsonl && echo ignored >dir/notes.txt
run data add dir -n dir --json
expect_eq "$(json_get .rows)" "6" "directory add"
expect_eq "$(json_get '.sources | length')" "2" "directory sources"

run data rm qa@1
expect_rc 0 "rm version"
run data show qa@1
expect_rc 3 "removed version is gone"
expect_one_line_error "removed version"
run data add qa.jsonl -n qa --json
expect_eq "$(json_get .version)" "3" "numbers are never reused"
run data rm qa-copy
run gc --json
expect_rc 0 gc
run fsck
expect_rc 0 "fsck after rm and gc"
run data cat qa@2
expect_rc 0 "other versions survive gc"

# Bad names and refs.
before=$(store_digest)
for bad in "a/b" "../x" "" ".hidden" "-x"; do
  run data add qa.jsonl --name "$bad"
  expect_rc 3 "bad name '$bad'"
  expect_one_line_error "bad name '$bad'"
done
run data show nosuch
expect_rc 3 "unknown dataset"
expect_contains "$ERR" "no dataset named 'nosuch'" "unknown dataset message"
run data show qa@99
expect_rc 3 "unknown version"
run data cat qa --format xml
expect_rc 2 "unknown output format"
expect_eq "$(store_digest)" "$before" "failed commands leave the store unchanged"

# A named pipe is read once, whole: data add must not open it to test it first (closing that
# read end left the writer with no reader: killed by SIGPIPE, its rows lost).
mkfifo piped.jsonl
for i in $(seq 1 20000); do echo "{\"id\":$i}"; done >rows-for-pipe.jsonl
for attempt in 1 2 3; do
  cat rows-for-pipe.jsonl >piped.jsonl &
  writer=$!
  # Bounded: with the writer gone, the real open of the pipe would wait for ever.
  set +e
  timeout 20 "$LLMOPS_BIN" data add piped.jsonl --name piped --json >"$WORK/.out" 2>"$WORK/.err"
  RC=$?
  OUT=$(cat "$WORK/.out")
  expect_rc 0 "data add from a named pipe ($attempt)"
  expect_eq "$(json_get .rows)" 20000 "every row of the pipe ($attempt)"
  kill "$writer" 2>/dev/null
  wait "$writer"
  expect_eq "$?" 0 "the pipe's writer was not cut off ($attempt)"
  set -e
done

finish
