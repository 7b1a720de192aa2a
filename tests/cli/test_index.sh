#!/usr/bin/env bash
# index build / query / list / rm / eval end to end, and bad input leaving the store unchanged.
source "$(dirname "$0")/lib.sh"

run init proj
cd proj
cat >docs.jsonl <<'ROWS'
{"id": "p0", "text": "Cat sat on the mat"}
{"id": "p1", "text": "the cat and the other CAT"}
{"id": "p2", "text": "a dog barked"}
{"id": "p3", "text": "the bird sang"}
{"id": "p4", "text": "fish swim in the sea"}
{"id": "p5", "text": "a quiet house near the café"}
ROWS
run data add docs.jsonl -n docs
expect_rc 0 "data add docs"

# build
run index build kb --data docs --field text --id id --json
expect_rc 0 "index build"
expect_eq "$(json_get .name)" "kb" "build name"
expect_eq "$(json_get .documents)" "6" "build document count"
expect_eq "$(json_get .dataset)" "docs@1" "build resolves the reference"
expect_eq "$(json_get .source_ref)" "docs" "build keeps the given reference"
expect_eq "$(json_get .text_field)" "text" "text field"
expect_eq "$(json_get .id_field)" "id" "id field"
expect_eq "$(json_get .k1)" "1.2" "default k1"
expect_eq "$(json_get .b)" "0.75" "default b"
expect_eq "$(json_get .tokenizer)" "unicode61 remove_diacritics 2" "tokenizer"
run index build kb --data docs --field text
expect_rc 2 "rebuild without --force is refused"
expect_one_line_error "rebuild without --force"
expect_contains "$ERR" "--force" "the refusal names --force"

# query: "cat" is twice in p1 (6 words) and once in p0 (5 words).
run index query kb "cat" --json
expect_rc 0 "index query"
expect_eq "$(json_get '[.results[].id] | join(",")')" "p1,p0" "ranking"
expect_eq "$(json_get '.results[0].rank')" "1" "rank from 1"
expect_eq "$(json_get '.results[0].text')" "the cat and the other CAT" "passage text"
expect_eq "$(json_get '.results[0].score > .results[1].score')" "true" "scores descending"
expect_eq "$(json_get '(.results[0].score * 1000 | round)')" "748" "BM25 score of the best passage"
expect_eq "$(json_get .k)" "5" "default k"
run index query kb "dog cat" -k 1 --json
expect_eq "$(json_get '[.results[].id] | join(",")')" "p2" "-k 1 keeps the best"
run index query kb "cat" --k1 0 --json
expect_eq "$(json_get '[.results[].id] | join(",")')" "p0,p1" "k1 0: ties in row order"
expect_eq "$(json_get .k1)" "0" "query --k1 override"
run index query kb "CAFE"
expect_rc 0 "text query"
expect_contains "$OUT" "p5" "diacritics folded"
# After --, a query may start with '-'.
for hostile in '"cat' 'cat AND' 'NEAR(cat' '-cat' 'text:cat' 'cat*' '^cat' "cat'); DROP TABLE x; --"; do
  run index query kb --json -- "$hostile"
  expect_rc 0 "hostile query $hostile"
  expect_contains "$(json_get '[.results[].id] | join(",")')" "p1" "hostile query $hostile finds cat"
done
run index query kb "!!! ..." --json
expect_rc 0 "query without terms"
expect_eq "$(json_get '.results | length')" "0" "no terms, no results"
run index query kb "cat" -k 0
expect_rc 2 "-k 0"
run index query kb "cat" --b 2
expect_rc 2 "--b out of range"
expect_one_line_error "--b out of range"

# list
run data add docs.jsonl -n docs2
run index build kb2 --data docs2 --field text --k1 0.9 --b 0.4
expect_rc 0 "build without --id"
run index list --json
expect_eq "$(json_get '[.[].name] | join(",")')" "kb,kb2" "list by name"
expect_eq "$(json_get '.[1].id_field')" "null" "no id field"
expect_eq "$(json_get '.[1].k1')" "0.9" "stored k1"
run index query kb2 "dog" --json
expect_eq "$(json_get '.results[0].id')" "2" "row number ids"
expect_eq "$(json_get .b)" "0.4" "query uses the index's b"
run index list
expect_contains "$OUT" "kb2" "list text"

# eval
cat >qa.jsonl <<'ROWS'
{"question": "cat", "relevant": ["p0"]}
{"question": "a dog?", "relevant": "p2"}
{"question": "unanswerable", "relevant": []}
ROWS
run data add qa.jsonl -n qa
run index eval kb --data qa --query-field question --relevant-field relevant -k 1,2 --json
expect_rc 0 "index eval"
expect_eq "$(json_get .queries)" "2" "queries evaluated"
expect_eq "$(json_get .skipped)" "1" "query without relevant ids skipped"
expect_eq "$(json_get '.k | join(",")')" "1,2" "cut-offs"
expect_eq "$(json_get '.settings | length')" "1" "one setting by default"
expect_eq "$(json_get '.settings[0].at_k[0].precision')" "0.5" "P@1"
expect_eq "$(json_get '.settings[0].at_k[1].recall')" "1" "recall@2"
expect_eq "$(json_get '.settings[0].mrr')" "0.75" "MRR"
run index eval kb --data qa --query-field question --relevant-field relevant -k 1,2 \
  --k1 0,1.2 --b 0.3,0.75 --json
expect_rc 0 "index eval grid"
expect_eq "$(json_get '.settings | length')" "4" "grid size"
expect_eq "$(json_get '[.settings[] | select(.best)] | length')" "1" "one best"
expect_eq "$(json_get '.best.k1')" "0" "k1 0 ranks p0 first"
expect_eq "$(json_get '.best.ndcg')" "1" "best nDCG@2"
expect_eq "$(json_get '[.settings[].k1] | join(",")')" "0,0,1.2,1.2" "k1 outer"
run index eval kb --data qa --query-field question --relevant-field relevant --k1 0,1.2
expect_rc 0 "eval text"
expect_contains "$OUT" "nDCG@10" "text table columns"
expect_contains "$OUT" "*best" "best marked"

# rebuild with --force against a newer version
printf '{"id": "p6", "text": "one more cat"}\n' >>docs.jsonl
run data add docs.jsonl -n docs
run index build kb --data docs --field text --id id --force --json
expect_rc 0 "rebuild with --force"
expect_eq "$(json_get .dataset)" "docs@2" "rebuilt from the new version"
expect_eq "$(json_get .documents)" "7" "rebuilt count"
tables=$(sqlite3 .llmops/store.db "SELECT count(*) FROM sqlite_master WHERE sql LIKE '%USING fts5%'")
expect_eq "$tables" "2" "one FTS5 table per index after a rebuild"

# bad input: exit 3, one line, store unchanged
printf '{"id": "a", "text": "fine"}\n{"id": "b", "body": "no text field"}\n' >missing.jsonl
run data add missing.jsonl -n missing
printf '{"id": "a", "text": ["not", "a", "string"]}\n' >wrong.jsonl
run data add wrong.jsonl -n wrong
before=$(store_digest)
run index build bad --data nosuch --field text
expect_rc 3 "unknown dataset"
expect_one_line_error "unknown dataset"
expect_eq "$(store_digest)" "$before" "unknown dataset leaves the store unchanged"
run index build bad --data missing --field text --id id
expect_rc 3 "missing field"
expect_one_line_error "missing field"
expect_contains "$ERR" "row 1, field text" "missing field located"
expect_eq "$(store_digest)" "$before" "missing field leaves the store unchanged"
run index build kb --data missing --field text --id id --force
expect_rc 3 "failed rebuild"
expect_eq "$(store_digest)" "$before" "a failed rebuild keeps the old index"
run index query kb "cat" --json
expect_eq "$(json_get '.results | length')" "3" "old index still answers"
run index build bad --data wrong --field text
expect_rc 3 "non-string field"
expect_contains "$ERR" "not an array" "non-string field named"
expect_eq "$(store_digest)" "$before" "non-string field leaves the store unchanged"
run index query nosuch "cat"
expect_rc 3 "query unknown index"
expect_one_line_error "query unknown index"
run index eval kb --data qa --query-field nosuch --relevant-field relevant
expect_rc 3 "eval missing query field"
expect_contains "$ERR" "row 0, field nosuch" "eval missing field located"
run index rm nosuch
expect_rc 3 "rm unknown index"
expect_eq "$(store_digest)" "$before" "failed commands leave the store unchanged"

# rm
run index rm kb
expect_rc 0 "index rm"
run index list --json
expect_eq "$(json_get '[.[].name] | join(",")')" "kb2" "rm removes from the list"
tables=$(sqlite3 .llmops/store.db "SELECT count(*) FROM sqlite_master WHERE sql LIKE '%USING fts5%'")
expect_eq "$tables" "1" "rm drops the FTS5 table"
run fsck
expect_rc 0 "fsck after index commands"

finish
