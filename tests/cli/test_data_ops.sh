#!/usr/bin/env bash
# data dedup / split / transform / merge / sample, end to end: outputs, --json, provenance,
# exit codes, one-line errors, and the store unchanged after every error.
source "$(dirname "$0")/lib.sh"

run init proj
cd proj

cat >qa.jsonl <<'ROWS'
{"id": 1, "question": "What is the capital of France?", "answer": "Paris", "topic": "geo"}
{"id": 2, "question": "What is 2+2?", "answer": "4", "topic": "math"}
{"id": 1, "question": "What is the capital of France?", "answer": "Paris", "topic": "geo"}
{"id": 1, "question": "what is  THE capital of france?", "answer": "paris", "topic": "geo"}
{"id": 4, "question": "Name the largest ocean on the planet Earth today", "answer": "Pacific", "topic": "geo"}
{"id": 5, "question": "Name the largest ocean on the planet Earth today please", "answer": "Pacific", "topic": "geo"}
{"id": 6, "question": "What colour is the sky on a clear day?", "answer": "blue", "topic": "nature"}
ROWS
run data add qa.jsonl --name qa
expect_rc 0 "data add"

# Errors: exit code, one line, store unchanged.
expect_error() { # RC WHAT NEEDLE ARGS...
  local want=$1 what=$2 needle=$3
  shift 3
  local before
  before=$(store_digest)
  run "$@"
  expect_rc "$want" "$what"
  expect_one_line_error "$what"
  expect_contains "$ERR" "$needle" "$what message"
  expect_eq "$(store_digest)" "$before" "$what leaves the store unchanged"
}

## dedup
run data dedup qa --dry-run
expect_rc 0 "dedup --dry-run"
expect_contains "$OUT" "drop row 2: exact duplicate of row 0" "dedup names the kept row"
expect_contains "$ERR" "dry run" "dry run says so"
before=$(store_digest)
run data dedup qa --dry-run --normalize --json
expect_eq "$(json_get .dropped_exact)" "2" "normalised dedup drops two"
expect_eq "$(json_get '.dropped[1].row')" "3" "row 3 is a normalised duplicate"
expect_eq "$(json_get '.dropped[1].duplicate_of')" "0" "of row 0"
expect_eq "$(json_get .version)" "null" "dry run writes no version"
expect_eq "$(store_digest)" "$before" "dry run leaves the store unchanged"

run data dedup qa --near 0.7 --field question --json
expect_rc 0 "dedup --near"
expect_eq "$(json_get .dropped_exact)" "1" "exact drops"
expect_eq "$(json_get .dropped_near)" "2" "near drops (row 3 and row 5)"
expect_eq "$(json_get '[.dropped[] | select(.reason == "near") | .row] | join(",")')" "3,5" "near rows"
expect_eq "$(json_get '.dropped[] | select(.row == 5) | .duplicate_of')" "4" "row 5 repeats row 4"
expect_eq "$(json_get '.dropped[] | select(.row == 5) | .similarity >= 0.7')" "true" "similarity at least the threshold"
expect_eq "$(json_get .version.ref)" "qa@2" "dedup writes the next version"
expect_eq "$(json_get .version.rows)" "4" "kept rows"
expect_eq "$(json_get .version.provenance.command)" "dedup" "provenance"
expect_eq "$(json_get .version.provenance.source)" "qa@1" "provenance source"
expect_eq "$(json_get .version.provenance.near.field)" "question" "provenance near"
run data dedup qa@1 -o qa-unique -m "unique rows"
expect_rc 0 "dedup -o"
expect_contains "$ERR" "qa-unique@1" "dedup -o names the new dataset"
run data show qa-unique --json
expect_eq "$(json_get .message)" "unique rows" "dedup -m"
run data dedup qa@2
expect_contains "$ERR" "unchanged" "nothing to drop: no new version"

expect_error 2 "dedup --near without --field" "--field" data dedup qa --near 0.8
expect_error 2 "dedup --field without --near" "--near" data dedup qa --field question
expect_error 2 "dedup --near out of range" "--near: expected a number greater than 0 and at most 1, got '1.5'" data dedup qa --near 1.5 --field question
expect_error 3 "dedup of an unknown dataset" "no dataset named 'nope'" data dedup nope
expect_error 3 "dedup to a bad name" "output dataset name" data dedup qa -o "bad name"

## split
run data split qa@1 --ratios train=0.6,val=0.2,test=0.2 --seed 7 --json
expect_rc 0 "split"
expect_eq "$(json_get '[.splits[].rows] | add')" "7" "every row lands in one split"
expect_eq "$(json_get '.splits[0].version.name')" "qa-train" "split names"
expect_eq "$(json_get '.splits[2].version.provenance.split')" "test" "provenance split"
expect_eq "$(json_get '.splits[0].version.provenance.seed')" "7" "provenance seed"
expect_eq "$(json_get '.splits[0].version.provenance.source')" "qa@1" "provenance source"
first=$(json_get '[.splits[].version.manifest] | join(",")')
run data split qa@1 --ratios train=0.6,val=0.2,test=0.2 --seed 7 --json
expect_eq "$(json_get '[.splits[].version.manifest] | join(",")')" "$first" "split is deterministic"
expect_eq "$(json_get '[.splits[].created] | any')" "false" "a repeated split stores nothing"
run data split qa@1 --ratios a=0.5,b=0.5 --by topic -o bytopic
expect_rc 0 "split --by"
for s in a b; do
  "$LLMOPS_BIN" data cat "bytopic-$s" | jq -r .topic | sort -u >"topics-$s"
done
[ -z "$(comm -12 topics-a topics-b)" ] || fail "split --by put one topic in two splits"

expect_error 3 "ratios not summing to 1" "add up to" data split qa --ratios train=0.8,val=0.1
expect_error 3 "negative ratio" "positive" data split qa --ratios train=1.2,val=-0.2
expect_error 2 "malformed ratios" "bad --ratios" data split qa --ratios train
expect_error 2 "ratio not a number" "not a number" data split qa --ratios train=x,val=0.5
expect_error 3 "split --by a missing field" "no field 'nope'" data split qa --ratios a=0.5,b=0.5 --by nope
expect_contains "$ERR" "row 0" "split --by names the row"
expect_error 2 "split without --ratios" "--ratios" data split qa

## transform
run data transform qa@1 --where 'topic==geo' --where 'id>=4' --set 'prompt=Q: {{question}} A: {{answer}}' \
  --rename answer=label --drop topic -o qa-geo --json
expect_rc 0 "transform"
expect_eq "$(json_get .rows_out)" "2" "transform rows"
expect_eq "$(json_get .version.ref)" "qa-geo@1" "transform -o"
expect_eq "$(json_get '.version.provenance.where | length')" "2" "provenance where"
expect_eq "$(json_get '.version.provenance.source')" "qa@1" "provenance source"
expect_eq "$(json_get '.version.provenance.command')" "transform" "provenance command"
run data cat qa-geo --limit 1
expect_eq "$OUT" '{"id":4,"label":"Pacific","prompt":"Q: Name the largest ocean on the planet Earth today A: Pacific","question":"Name the largest ocean on the planet Earth today"}' "transformed row"
run data transform qa@1 --select id,answer --where 'question matches (?i)^what' --json
expect_eq "$(json_get .version.ref)" "qa@3" "transform writes to the same dataset by default"
expect_eq "$(json_get '.version.schema.fields | keys | join(",")')" "answer,id" "select"
run data transform qa@1 --where 'answer contains ari' --where 'nope missing' --json
expect_eq "$(json_get .rows_out)" "3" "contains and missing"

expect_error 3 "invalid regex" "invalid regular expression" data transform qa --where 'question matches (['
expect_error 2 "malformed --where" "bad --where" data transform qa --where 'question'
expect_error 2 "malformed --set" "bad --set" data transform qa --set 'noequals'
expect_error 3 "bad template" "unclosed section 'a'" data transform qa --set 'x={{#a}}'
expect_error 3 "missing template variable" "missing variable 'nope'" data transform qa --set 'x={{nope}}'
expect_contains "$ERR" "row 0" "template error names the row"
expect_error 3 "unknown field to drop" "field 'typo'" data transform qa --drop typo
expect_error 3 "nothing matches" "no row matches" data transform qa --where 'id>100'
run data transform qa@1 --where 'id>100' --allow-empty -o empty --json
expect_rc 0 "--allow-empty"
expect_eq "$(json_get .version.rows)" "0" "empty version"

## merge
run data merge qa@1 qa-geo -o merged --json
expect_rc 0 "merge"
expect_eq "$(json_get .rows_out)" "9" "merge concatenates"
expect_eq "$(json_get '.version.provenance.sources | join(",")')" "qa@1,qa-geo@1" "merge provenance"
run data merge qa@1 qa@1 -o merged-unique --dedup --json
expect_eq "$(json_get .rows_out)" "6" "merge --dedup"
expect_eq "$(json_get '.sources[1].duplicates')" "7" "duplicates per source"
expect_error 2 "merge without -o" "--output" data merge qa qa-geo
expect_error 3 "merge of an unknown dataset" "no dataset named 'nope'" data merge qa nope -o m2

## sample
run data sample qa@1 --n 3 --seed 1 --json
expect_rc 0 "sample"
expect_eq "$(json_get .version.ref)" "qa-sample@1" "sample default name"
expect_eq "$(json_get .rows_out)" "3" "sample size"
"$LLMOPS_BIN" data cat qa@1 >all.jsonl
"$LLMOPS_BIN" data cat qa-sample >sample.jsonl
positions=$(while IFS= read -r line; do grep -n -x -F -m1 "$line" all.jsonl | cut -d: -f1; done <sample.jsonl | paste -sd,)
expect_eq "$positions" "$(printf '%s\n' "${positions//,/$'\n'}" | sort -n | paste -sd,)" "sample keeps the original order"
run data sample qa@1 --n 3 --seed 1 --json
expect_eq "$(json_get .created)" "false" "sample is deterministic"
run data sample qa@1 --n 100 -o all-rows
expect_rc 0 "sample larger than the dataset"
expect_contains "$ERR" "only 7 rows" "warns about a short dataset"
expect_error 2 "sample without --n" "--n" data sample qa
expect_error 2 "sample --n 0" "at least 1" data sample qa --n 0
expect_error 2 "sample --n not a number" "--n" data sample qa --n many
expect_contains "$ERR" "many" "sample --n not a number names the value"

# Every --json parses; help lists the commands.
run data --help
for cmd in dedup split transform merge sample; do
  expect_contains "$OUT" "$cmd" "data --help lists $cmd"
done
finish
