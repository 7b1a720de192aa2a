#!/usr/bin/env bash
# llmops run / runs list / runs show against the stub server: every provider type, faults,
# missing keys, unreachable endpoints, secrets kept out of everything, Ctrl-C and --resume.
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"

SECRET=sk-test-$RANDOM$RANDOM-do-not-leak
export STUB_KEY=$SECRET

run init proj
expect_rc 0 init
cd proj

# 1,000 rows with a question each.
for i in $(seq 0 999); do printf '{"id":"q%d","question":"what is item %d?"}\n' "$i" "$i"; done >qa.jsonl
run data add qa.jsonl --name qa
expect_rc 0 "data add"
cat >qa.yaml <<'YAML'
name: qa
messages:
  - role: system
    content: Answer briefly.
  - role: user
    content: "{{question}}"
variables:
  question: {type: string, required: true}
  style: {type: string, default: plain}
model: {name: stub-model, max_tokens: 64}
YAML
run prompt add qa.yaml
expect_rc 0 "prompt add"

stub_start --require-key "$SECRET"
OPENAI_STUB=$STUB_URL
stub_start --latency-ms 150
SLOW_STUB=$STUB_URL
SLOW_PID=$STUB_PID

cat >llmops.yaml <<YAML
prices:
  stub-model: {input: 1.0, output: 2.0}
providers:
  stub:
    type: openai
    model: stub-model
    base_url: $OPENAI_STUB/v1
    api_key_env: STUB_KEY
    retries: {max: 6, base_delay: 1ms, max_delay: 5ms, max_retry_after: 10ms}
    timeout: 2s
  stub-stream:
    type: openai
    model: stub-model
    base_url: $OPENAI_STUB/v1
    api_key_env: STUB_KEY
    stream: true
  claude:
    type: anthropic
    model: claude-stub
    base_url: $OPENAI_STUB
    api_key_env: STUB_KEY
  azure:
    type: azure
    base_url: $OPENAI_STUB
    deployment: gpt-dep
    api_version: 2024-10-21
    api_key_env: STUB_KEY
  nokey:
    type: openai
    model: stub-model
    base_url: $OPENAI_STUB/v1
    api_key_env: LLMOPS_TEST_UNSET_KEY
  nowhere:
    type: openai
    model: stub-model
    base_url: http://127.0.0.1:9/v1
    api_key_env: ""
    retries: {max: 1, base_delay: 1ms, max_delay: 2ms}
    timeout: 1s
  slow:
    type: openai
    model: stub-model
    base_url: $SLOW_STUB/v1
    api_key_env: ""
  local-text:
    type: exec
    command: tail -n 1 | tr a-z A-Z
    format: text
YAML

# --- every provider type -----------------------------------------------------------------
run run qa --data qa --provider echo --limit 3 --json
expect_rc 0 "run echo"
expect_eq "$(json_get .succeeded)" 3 "echo answers"
expect_eq "$(json_get .status)" completed "echo status"
ECHO_RUN=$(json_get .id)
run runs show "$ECHO_RUN" --rows --json
expect_eq "$(json_get '.rows[0].output')" "$(printf 'Answer briefly.\n\nwhat is item 0?')" "echo returns the prompt"

for provider in stub stub-stream claude azure local-text; do
  run run qa --data qa --provider $provider --limit 5 --json -o "out-$provider.jsonl"
  expect_rc 0 "run $provider"
  expect_eq "$(json_get .succeeded)" 5 "$provider answers"
  expect_eq "$(wc -l <"out-$provider.jsonl")" 5 "$provider -o lines"
  expect_eq "$(head -1 "out-$provider.jsonl" | jq -r .output)" "WHAT IS ITEM 0?" "$provider answer"
done
expect_contains "$(head -1 out-stub.jsonl | jq -c .)" '"prompt_tokens":' "tokens recorded"
run runs show "$(ls -1 | true; "$LLMOPS_BIN" runs list --json | jq -r '.[] | select(.provider=="stub") | .id')" --json
expect_eq "$(json_get '.cost_usd > 0')" true "cost from the price table"
expect_eq "$(json_get '.provider_config.api_key_env')" STUB_KEY "the key variable's name is recorded"

# --var is typed by the prompt's declaration and applies to every row.
run run qa --data qa --provider echo --limit 1 --var question=override --json
expect_rc 0 "run --var"
run runs show "$(json_get .id)" --rows --json
expect_contains "$(json_get '.rows[0].output')" override "--var overrides row fields"

# --- errors before any request leave the store untouched ---------------------------------
before=$(store_digest)
run run qa --data qa --provider nokey --limit 2
expect_rc 5 "missing key"
expect_one_line_error "missing key"
expect_contains "$ERR" LLMOPS_TEST_UNSET_KEY "missing key names the variable"
run run qa --data nosuch --provider echo
expect_rc 3 "unknown dataset"
expect_one_line_error "unknown dataset"
run run nosuch --data qa --provider echo
expect_rc 3 "unknown prompt"
run run qa --data qa --provider nosuch
expect_rc 3 "unknown provider"
run run qa --data qa
expect_rc 2 "no provider"
run run qa --data qa --provider echo --var nonsense
expect_rc 2 "bad --var"
expect_eq "$(store_digest)" "$before" "failed commands left the store unchanged"

# An unreachable endpoint fails after the retries, naming the URL (exit 5).
run run qa --data qa --provider nowhere --limit 2
expect_rc 5 "unreachable"
expect_one_line_error "unreachable"
expect_contains "$ERR" "127.0.0.1:9" "unreachable names the URL"

# --- 20% faults of every kind over 1,000 rows --------------------------------------------
stub_start --require-key "$SECRET" --fault-rate 0.2 \
  --faults 429,500,503,hang,malformed,truncated,truncated_json --hang-ms 5000 --seed 7
FAULT_STUB=$STUB_URL
sed "s#$OPENAI_STUB/v1#$FAULT_STUB/v1#" llmops.yaml >llmops.yaml.new && mv llmops.yaml.new llmops.yaml
run -v run qa --data qa --provider stub --concurrency 32 --json -o faults.jsonl
FAULT_RC=$RC
echo "$ERR" >verbose.log
FAULT_RUN=$(json_get .id)
expect_eq "$(json_get .recorded)" 1000 "every row recorded under faults"
ok=$(json_get .succeeded)
failed=$(json_get .failed)
expect_eq "$((ok + failed))" 1000 "answered + failed = rows"
if [ "$failed" -eq 0 ]; then expect_eq "$FAULT_RC" 0 "exit 0 when all answered"; else expect_eq "$FAULT_RC" 5 "exit 5 when rows failed"; fi
# malformed bodies that were never fixed by a retry are row errors with the raw body kept
run runs show "$FAULT_RUN" --failed --raw --json
expect_eq "$(json_get '[.rows[] | select(.ok)] | length')" 0 "--failed lists only failures"
expect_eq "$(wc -l <faults.jsonl)" 1000 "-o has every row"
expect_eq "$(jq -s '[.[] | .row] == [range(1000)]' faults.jsonl)" true "-o is in row order"

# --- the key is nowhere ------------------------------------------------------------------
sqlite3 .llmops/store.db .dump >dump.sql
if grep -rqa -- "$SECRET" dump.sql .llmops out-*.jsonl faults.jsonl verbose.log; then
  fail "the API key leaked into the store, outputs or logs"
fi
expect_contains "$(cat verbose.log)" "Authorization: [REDACTED]" "verbose log shows redacted headers"

# --- Ctrl-C, then --resume ---------------------------------------------------------------
"$LLMOPS_BIN" run qa --data qa --provider slow --limit 60 --concurrency 2 --json >int.json 2>int.err &
pid=$!
sleep 1.5
kill -INT $pid
set +e; wait $pid; INT_RC=$?; set -e
expect_eq "$INT_RC" 130 "Ctrl-C exits 130"
INT_RUN=$(jq -r .id int.json)
expect_eq "$(jq -r .status int.json)" interrupted "interrupted status"
done_rows=$(jq -r .recorded int.json)
if [ "$done_rows" -ge 60 ] || [ "$done_rows" -lt 1 ]; then fail "interrupted run recorded $done_rows rows"; fi
expect_contains "$(cat int.err)" "--resume $INT_RUN" "interrupt hints at --resume"
run run --resume "$INT_RUN" --concurrency 8 --json
expect_rc 0 "resume"
expect_eq "$(json_get .recorded)" 60 "resume finishes every row"
expect_eq "$(json_get .status)" completed "resumed run completed"
run runs list --json
expect_eq "$(json_get "[.[] | select(.id == $INT_RUN)] | length")" 1 "runs list has the run"
run run --resume "$INT_RUN" --data qa
expect_rc 2 "resume with other flags"
run runs show 99999
expect_rc 3 "unknown run"
expect_one_line_error "unknown run"

# --- render errors are row errors; the run goes on ---------------------------------------
printf '{"id":"a","question":"fine"}\n{"id":"b"}\n{"id":"c","question":"also fine"}\n' >holes.jsonl
run data add holes.jsonl --name holes
run run qa --data holes --provider echo --json
expect_rc 5 "a row without its variable fails that row"
expect_eq "$(json_get .succeeded)" 2 "other rows answered"
run runs show "$(json_get .id)" --failed --json
expect_eq "$(json_get '.rows[0].error.kind')" render "render error kind"
expect_contains "$(json_get '.rows[0].error.message')" question "render error names the variable"

# --- exec: cached answers follow the program's content; cached runs say so ---------------
cat >model.sh <<'SH'
#!/bin/sh
tail -n 1 | tr a-z A-Z
SH
chmod +x model.sh
cat >>llmops.yaml <<'YAML'
  script:
    type: exec
    command: ./model.sh
    format: text
YAML
run run qa --data qa --provider script --limit 3
expect_rc 0 "exec run"
expect_not_contains "$OUT" "from cache" "a fresh run says nothing about the cache"
run run qa --data qa --provider script --limit 3
expect_rc 0 "exec run again"
expect_contains "$OUT" "rows 3/3  ok 3  failed 0  3 of 3 from cache" "a cached run says so"
run runs show "$("$LLMOPS_BIN" runs list --json | jq -r '.[0].id')" --rows
expect_rc 0 "runs show --rows of a cached run"
expect_eq "$(printf '%s\n' "$OUT" | grep -c '^ *[0-9][0-9]*  *–  WHAT IS ITEM')" 3 \
  "cached rows show – as their latency, not 0 ms"
# Fixing the model script makes its old answers miss.
cat >model.sh <<'SH'
#!/bin/sh
tail -n 1 | tr a-z A-Z | sed 's/$/ (v2)/'
SH
run run qa --data qa --provider script --limit 5 --json
expect_rc 0 "exec run after the fix"
expect_eq "$(json_get .cached)" 0 "a changed program is not answered from the cache"
run runs show "$(json_get .id)" --rows --json
expect_eq "$(json_get '.rows[0].output')" "WHAT IS ITEM 0? (v2)" "the fixed program answered"
run run qa --data qa --provider script --limit 5
expect_contains "$OUT" "5 of 5 from cache" "all five cached now"
run run qa --data qa --provider script --limit 6
expect_contains "$OUT" "5 of 6 from cache" "a partly cached run says how much"
run runs show "$("$LLMOPS_BIN" runs list --json | jq -r '.[0].id')" --rows
expect_eq "$(printf '%s\n' "$OUT" | grep -c '^ *[0-9][0-9]*  *[0-9][0-9]* ms  WHAT IS ITEM')" 1 \
  "the one row answered now shows its latency"

# --- a template over its budget stops the run (exit 3); Ctrl-C inside a render ------------
open=""; close=""
for _ in $(seq 60); do open+="{{#a}}"; close+="{{/a}}"; done
cat >deep.yaml <<YAML
name: deep
messages:
  - role: user
    content: "$open.$close"
variables:
  a: {type: array, required: true}
YAML
run prompt add deep.yaml
expect_rc 0 "prompt add deep (60 levels are within the depth limit)"
printf '{"a":[1,2]}\n{"a":[1,2]}\n' >pairs.jsonl
run data add pairs.jsonl --name pairs
run run deep --data pairs --provider echo
expect_rc 3 "a prompt over the step limit"
expect_one_line_error "step limit"
expect_contains "$ERR" "over the template step limit: more than 10000000 steps" "the limit is named"
expect_contains "$ERR" "for prompt deep@1" "the prompt is named"
expect_contains "$ERR" "(deep@1 /messages/0/content:1:343, row 0)" "the template, the tag and the row are named"
LLMOPS_TEMPLATE_STEPS=1000 run run deep --data pairs --provider echo
expect_rc 3 "LLMOPS_TEMPLATE_STEPS applies to run"
expect_contains "$ERR" "more than 1000 steps" "the lowered limit is named"

# With no budget to speak of, only Ctrl-C ends it: exit 130 and the run is interrupted.
LLMOPS_TEMPLATE_STEPS=9007199254740992 "$LLMOPS_BIN" run deep --data pairs --provider echo \
  --json >deep-int.json 2>deep-int.err &
pid=$!
if wait_busy $pid; then
  kill -INT $pid
  wait_exit $pid
  expect_eq "$EXIT_CODE" 130 "Ctrl-C during a long render exits 130"
  expect_eq "$(jq -r .status deep-int.json)" interrupted "the run is marked interrupted"
  expect_eq "$(jq -r .recorded deep-int.json)" 0 "the row being rendered is left for --resume"
else
  fail "the long render ended before it could be interrupted: $(cat deep-int.err)"
  kill -KILL $pid 2>/dev/null || true
fi

run fsck
expect_rc 0 "fsck after runs"
finish
