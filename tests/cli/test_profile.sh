#!/usr/bin/env bash
# data profile: --json statistics, the text table, the HTML report, errors.
source "$(dirname "$0")/lib.sh"

run init -q .
expect_rc 0 init

cat >qa.jsonl <<'JSONL'
{"id": 1, "question": "What is two plus two?", "answer": "four", "score": 0.5}
{"id": 2, "question": "Capital of France?", "answer": "Paris", "score": 1.5}
{"id": 3, "question": "Capital of France?", "answer": "Paris", "score": 2.5, "note": null}
{"id": 4, "question": "Bell\u0007 ring?", "answer": "<b>yes</b> & no", "score": "high"}
{"id": 4, "question": "Bell\u0007 ring?", "answer": "<b>yes</b> & no", "score": "high"}
JSONL
run data add qa.jsonl --name qa
expect_rc 0 "data add"

run data profile qa --json
expect_rc 0 "profile --json"
expect_eq "$(json_get .dataset)" "qa@1" "dataset ref"
expect_eq "$(json_get .rows)" "5" "rows"
expect_eq "$(json_get .duplicate_rows.count)" "1" "exact duplicate rows"
expect_eq "$(json_get '.fields | map(.name) | join(",")')" "answer,id,note,question,score" "fields in key order"
expect_eq "$(json_get '.fields[] | select(.name=="id") | .numeric.max')" "4" "id max"
expect_eq "$(json_get '.fields[] | select(.name=="id") | .numeric.mean')" "2.8" "id mean"
expect_eq "$(json_get '.fields[] | select(.name=="id") | .distinct.count')" "4" "id distinct"
expect_eq "$(json_get '.fields[] | select(.name=="note") | .missing')" "4" "note missing"
expect_eq "$(json_get '.fields[] | select(.name=="note") | .nulls')" "1" "note nulls"
expect_eq "$(json_get '.fields[] | select(.name=="score") | .inferred_type')" "mixed" "score is mixed"
expect_eq "$(json_get '.fields[] | select(.name=="score") | .types.string')" "2" "score strings"
expect_eq "$(json_get '.fields[] | select(.name=="question") | .text.control_char_values')" "2" "control chars"
expect_eq "$(json_get '.fields[] | select(.name=="answer") | .top_values.values[0].value')" "<b>yes</b> & no" "top value"
expect_eq "$(json_get '.fields[] | select(.name=="answer") | .text.chars.max')" "15" "answer max chars"
expect_eq "$(json_get '.near_duplicates.field')" "question" "near-duplicate field"
expect_eq "$(json_get '.invalid_utf8_rows')" "0" "invalid UTF-8 rows"

# The text table names every field.
run data profile qa@1
expect_rc 0 "profile text"
for f in answer id note question score; do expect_contains "$OUT" "$f" "text table lists $f"; done
expect_contains "$OUT" "duplicate rows  1" "text duplicate rows"

# --html writes one self-contained file with SVG histograms, values escaped.
run data profile qa --html report.html
expect_rc 0 "profile --html"
[ -s report.html ] || fail "no HTML report"
grep -q '<svg' report.html || fail "HTML report has no <svg"
grep -q '&lt;b&gt;yes&lt;/b&gt; &amp; no' report.html || fail "HTML report does not escape values"
if grep -q '<b>yes' report.html; then fail "HTML report has an unescaped value"; fi
if grep -Eqi '<script|<link|src=' report.html; then fail "HTML report is not self-contained"; fi
if ls -A | grep -q '\.llmops-'; then fail "profile left a temp file"; fi

# An --html file that cannot be written: exit 3 (as for every command's output file), the OS
# reason, checked before the profile is computed.
mkdir -p a-folder
run data profile qa --html no-such-folder/p.html
expect_rc 3 "--html into a missing folder"
expect_one_line_error "--html into a missing folder"
expect_contains "$ERR" "cannot write no-such-folder/p.html: No such file or directory" "missing folder: the OS reason"
expect_eq "$OUT" "" "nothing profiled before the path was checked"
run data profile qa --html a-folder
expect_rc 3 "--html onto a folder"
expect_contains "$ERR" "cannot write a-folder: Is a directory" "folder: the OS reason"
run data profile qa --html /dev/full
expect_rc 3 "--html onto a full disk"
expect_contains "$ERR" "cannot write /dev/full: No space left on device" "full disk: the OS reason"

# --json and --html together: JSON on stdout, the report on disk.
run data profile qa --json --html both.html
expect_rc 0 "profile --json --html"
printf '%s' "$OUT" | jq -e .fields >/dev/null || fail "--json with --html is not JSON"
[ -s both.html ] || fail "--html with --json wrote no file"

# Unknown datasets and versions: exit 3, one line.
run data profile nope
expect_rc 3 "unknown dataset"
expect_one_line_error "unknown dataset"
run data profile qa@9
expect_rc 3 "unknown version"
expect_one_line_error "unknown version"
run data profile
expect_rc 2 "missing REF"

finish
