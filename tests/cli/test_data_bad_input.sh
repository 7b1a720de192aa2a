#!/usr/bin/env bash
# Every file of the bad-input corpus: one located error line, exit 3, and the store unchanged.
source "$(dirname "$0")/lib.sh"
BAD=$LLMOPS_SOURCE_DIR/tests/data/bad

run init proj
cd proj
printf '{"id":1}\n' >ok.jsonl
run data add ok.jsonl -n ds
before=$(store_digest)

count=0
for f in "$BAD"/*; do
  name=$(basename "$f")
  [ "$name" = README.md ] && continue
  count=$((count + 1))
  run data add "$f" -n ds
  expect_rc 3 "bad input $name"
  expect_one_line_error "bad input $name"
  case "$ERR" in
    *"/$name:"[0-9]* | *"/$name)"*) ;; # file:line[:column], or the file alone
    *) fail "bad input $name: the error does not locate the file: $ERR" ;;
  esac
  expect_eq "$(store_digest)" "$before" "bad input $name leaves the store unchanged"
  [ -z "$(ls -A .llmops/tmp)" ] || fail "bad input $name left temp files"
done
[ "$count" -ge 25 ] || fail "corpus has only $count files"

# eval run reads a dataset file with the same readers: every bad JSONL file fails there too,
# before anything is stored.
printf 'name: p\ntemplate: "hello"\n' >p.yaml
run prompt add p.yaml
expect_rc 0 "prompt add for the eval"
before_eval=$(store_digest)
for f in "$BAD"/*.jsonl; do
  name=$(basename "$f")
  printf 'dataset: %s\nprompts: p\nproviders: echo\nmetrics:\n  - contains: "hello"\n' "$f" >bad-eval.yaml
  run eval run bad-eval.yaml
  expect_rc 3 "eval run on $name"
  expect_one_line_error "eval run on $name"
  case $name in
    empty.jsonl | blank_only.jsonl) want="the eval has no cases (bad-eval.yaml:1:10)" ;;
    *) want="$name:" ;;
  esac
  expect_contains "$ERR" "$want" "eval run on $name locates the error"
  expect_eq "$(store_digest)" "$before_eval" "eval run on $name leaves the store unchanged"
done

# Locations are file:line:column.
run data add "$BAD/ragged.csv" -n ds
expect_contains "$ERR" "ragged.csv:" "ragged CSV location"
run data add "$BAD/malformed.jsonl" -n ds
if ! printf '%s' "$ERR" | grep -Eq 'malformed.jsonl:[0-9]+:[0-9]+'; then fail "malformed JSONL lacks line:column: $ERR"; fi

# A good file followed by a bad one stores nothing.
run data add ok.jsonl "$BAD/not_object.jsonl" -n ds2
expect_rc 3 "good then bad"
run data show ds2
expect_rc 3 "no dataset after a failed add"

# Missing file, unreadable file in a directory, empty input, unknown --format.
run data add missing.jsonl -n ds
expect_rc 3 "missing file"
expect_contains "$ERR" "missing.jsonl" "missing file named"
mkdir unreadable && printf '{"a":1}\n' >unreadable/a.jsonl && ln -s /nonexistent unreadable/b.jsonl
run data add unreadable -n ds
expect_rc 3 "directory with an unreadable file"
: >empty.jsonl
run data add empty.jsonl -n ds
expect_rc 3 "empty input"
expect_contains "$ERR" "empty input: no rows" "empty input message"
run data add empty.jsonl -n empty --allow-empty --json
expect_rc 0 "--allow-empty"
expect_eq "$(json_get .rows)" "0" "empty version"
run data add ok.jsonl -n ds --format xml
expect_rc 3 "unknown --format"

# A 100 MB single line is over the 16 MiB row limit (docs/data-formats.md): a located error.
head -c 100000000 /dev/zero | tr '\0' 'a' | { printf '{"t":"'; cat; printf '"}\n'; } >long.jsonl
before=$(store_digest)
run data add long.jsonl -n long
expect_rc 3 "100 MB line"
expect_one_line_error "100 MB line"
expect_contains "$ERR" "row longer than 16 MiB (long.jsonl:1)" "100 MB line names the limit and the line"
expect_eq "$(store_digest)" "$before" "100 MB line leaves the store unchanged"

finish
