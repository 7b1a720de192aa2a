#!/usr/bin/env bash
# A key reflected by a server is stored nowhere: against a stub that echoes every credential
# header back (in answers, model names, raw bodies and error messages), `run -o`, `eval run`
# with every report and --json, and the judge's answers leave no trace of the API key or of a
# secret header's value in the store, the cache, outputs, reports or logs.
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"

SECRET=sk-echo-$RANDOM$RANDOM-do-not-leak
HEADER_SECRET=tok-header-$RANDOM$RANDOM-do-not-leak
export ECHO_KEY=$SECRET

run init proj
expect_rc 0 init
cd proj

for i in $(seq 1 8); do printf '{"id":"c%d","question":"what is %d?"}\n' "$i" "$i"; done >qa.jsonl
run data add qa.jsonl --name qa
expect_rc 0 "data add"
cat >qa.yaml <<'YAML'
name: qa
messages:
  - role: user
    content: "{{question}}"
variables:
  question: {type: string, required: true}
YAML
run prompt add qa.yaml
expect_rc 0 "prompt add"

# The first two model requests fail with a 400 whose message echoes the key too.
stub_start --require-key "$SECRET" --echo-key --fault-first 2 --faults 400
cat >llmops.yaml <<YAML
providers:
  stub:
    type: openai
    model: stub-model
    base_url: $STUB_URL/v1
    api_key_env: ECHO_KEY
    headers: {X-Secret-Token: $HEADER_SECRET}
  stub-stream:
    type: openai
    model: stub-model
    base_url: $STUB_URL/v1
    api_key_env: ECHO_KEY
    stream: true
  claude:
    type: anthropic
    model: claude-stub
    base_url: $STUB_URL
    api_key_env: ECHO_KEY
  azure:
    type: azure
    base_url: $STUB_URL
    deployment: gpt-dep
    api_version: 2024-10-21
    api_key_env: ECHO_KEY
YAML

# --- run, with -o and a verbose log ---------------------------------------------------------
run -v run qa --data qa --provider stub --json -o out-stub.jsonl
expect_rc 5 "run with two injected 400s"
echo "$OUT" >run-stub.json
echo "$ERR" >verbose.log
expect_eq "$(json_get .succeeded)" 6 "the other rows answered"
expect_contains "$(cat out-stub.jsonl)" "[echo " "the server did echo"
expect_contains "$(cat out-stub.jsonl)" "Bearer [REDACTED]" "the echoed key was scrubbed"
expect_contains "$(cat out-stub.jsonl)" "X-Secret-Token: [REDACTED]" "the echoed header was scrubbed"
run runs show "$(jq -r .id run-stub.json)" --rows --raw
echo "$OUT" >show-rows.txt
run runs show "$(jq -r .id run-stub.json)" --rows --raw --json
echo "$OUT" >show-rows.json
expect_contains "$(json_get '[.rows[] | select(.ok | not) | .error.message] | join(" ")')" "[REDACTED]" \
  "error messages were scrubbed"

for provider in stub-stream claude azure; do
  run run qa --data qa --provider "$provider" --json -o "out-$provider.jsonl"
  expect_rc 0 "run $provider"
  echo "$OUT" >"run-$provider.json"
  expect_contains "$(cat "out-$provider.jsonl")" "[REDACTED]" "$provider: the echo was scrubbed"
done

# --- eval run with every report, and an LLM judge that echoes too ----------------------------
cat >eval.yaml <<'YAML'
dataset: qa
prompts: [qa]
providers: [stub, claude]
metrics:
  - contains: "WHAT"
  - judge: {criterion: relevance, provider: azure}
YAML
run eval run eval.yaml --no-cache --json --junit junit.xml --markdown summary.md --html report.html
echo "$OUT" >eval.json
[ -s junit.xml ] && [ -s summary.md ] && [ -s report.html ] || fail "eval run wrote its reports"
EVAL=$(jq -r .id eval.json)
run eval show "$EVAL" --cases --json
echo "$OUT" >eval-show.json
expect_contains "$(cat eval-show.json)" "[REDACTED]" "the eval saw the echo, scrubbed"
run eval show "$EVAL" --cases
echo "$OUT" >eval-show.txt
run eval report "$EVAL" --junit junit2.xml --markdown summary2.md --html report2.html
expect_rc 0 "eval report"
run cache stats --json
echo "$OUT" >cache-stats.json

# --- the secrets are nowhere ----------------------------------------------------------------
store_dump >dump.sql
expect_contains "$(cat dump.sql)" "[REDACTED]" "the store holds the scrubbed echo"
for secret in "$SECRET" "$HEADER_SECRET"; do
  if grep -rla -- "$secret" dump.sql .llmops ./*.jsonl ./*.json ./*.txt ./*.xml ./*.md ./*.html verbose.log; then
    fail "a secret reached the store, the cache, outputs, reports or logs (files above)"
  fi
done
finish
