#!/usr/bin/env bash
# Cached answers measure the model, not the cache: an eval run fresh, then again from the
# response cache, has the same latency values, and `eval compare` of the two finds no latency
# change; the summary says how many answers came from the cache.
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"

run init proj
expect_rc 0 init
cd proj

for i in $(seq 1 24); do printf '{"id":"c%02d","question":"what is %d?"}\n' "$i" "$i"; done >cases.jsonl
run data add cases.jsonl --name cases
expect_rc 0 "data add"
cat >ask.yaml <<'YAML'
name: ask
messages:
  - role: user
    content: "{{question}}"
variables:
  question: {type: string, required: true}
YAML
run prompt add ask.yaml
expect_rc 0 "prompt add"

# Latency that differs from request to request (5 to 45 ms), so that equal values mean the
# very same measurements, not two runs that happen to agree.
stub_start --latency-ms 5 --jitter-ms 40 --seed 11
cat >llmops.yaml <<YAML
providers:
  stub:
    type: openai
    model: stub-model
    base_url: $STUB_URL/v1
    api_key_env: ""
YAML
cat >eval.yaml <<'YAML'
dataset: cases
prompts: [ask]
providers: [stub]
metrics:
  - latency
  - contains: "WHAT"
YAML

latencies() { # EVAL_ID: the latency metric's score of every case, in case order
  run eval show "$1" --cases --json
  json_get '[.cells[0].cases_detail[] | .metrics[] | select(.metric=="latency") | .score]'
}

run eval run eval.yaml --json
expect_rc 0 "fresh eval"
FRESH=$(json_get .id)
expect_eq "$(json_get '.cells[0].cached')" 0 "fresh: nothing from the cache"
FRESH_P50=$(json_get '.cells[0].latency_p50_ms')
FRESH_LATENCIES=$(latencies "$FRESH")
expect_eq "$(jq 'length' <<<"$FRESH_LATENCIES")" 24 "a latency per case"
expect_eq "$(jq 'all(. >= 5)' <<<"$FRESH_LATENCIES")" true "fresh latencies include the stub's delay"

# The stub goes away: every answer of the rerun must come from the cache.
stub_stop
run eval run eval.yaml
expect_rc 0 "cached eval (text)"
expect_contains "$OUT" "24 of 24 answers from cache" "the summary says the answers were cached"
run eval run eval.yaml --json
expect_rc 0 "cached eval"
CACHED=$(json_get .id)
expect_eq "$(json_get '.cells[0].cached')" 24 "cached: every answer"
expect_eq "$(json_get '.cells[0].latency_p50_ms')" "$FRESH_P50" "p50 latency is the model's, not the cache's"
expect_eq "$(latencies "$CACHED")" "$FRESH_LATENCIES" "each case keeps its original latency"
run eval show "$CACHED" --cases --json
expect_eq "$(json_get '[.cells[0].cases_detail[] | .cached] | all')" true "each row is marked cached"

run eval compare "$FRESH" "$CACHED" --json --fail-on-regression
expect_rc 0 "compare fresh with cached"
expect_eq "$(json_get '.regression')" false "no regression"
expect_eq "$(json_get '.cells[0].metrics[] | select(.metric=="latency") | .diff')" 0 "no latency change"
expect_eq "$(json_get '.cells[0].metrics[] | select(.metric=="latency") | .significant')" false \
  "latency is not a significant change"
finish
