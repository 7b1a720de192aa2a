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
# Every other request hangs (for 10 minutes): a run against it records some rows, then cannot
# finish by itself, so the Ctrl-C test below always interrupts it mid-run.
stub_start --fault-rate 0.5 --fault-order round-robin --faults hang --hang-ms 600000
SLOW_STUB=$STUB_URL
SLOW_PID=$STUB_PID
SLOW_PORT=$STUB_PORT

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
run runs show "$("$LLMOPS_BIN" runs list --json | jq -r '[.[] | select(.provider=="stub")] | first | .id')" --json
expect_rc 0 "runs show of the stub run"
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
# malformed and truncated_json answers are bad responses, never retried, so some rows fail (88
# with this seed); rows that failed mean exit 5.
[ "$failed" -ge 1 ] || fail "no row failed under 20% faults that are partly not retried"
expect_eq "$failed" "$(curl -sS "$FAULT_STUB/stats" | jq '(.by_fault.malformed // 0) + (.by_fault.truncated_json // 0)')" \
  "each bad response the stub sent failed one row"
expect_eq "$FAULT_RC" 5 "exit 5 when rows failed"
# malformed bodies that were never fixed by a retry are row errors with the raw body kept
run runs show "$FAULT_RUN" --failed --raw --json
expect_eq "$(json_get '[.rows[] | select(.ok)] | length')" 0 "--failed lists only failures"
expect_eq "$(json_get '.rows | length')" "$failed" "--failed lists every failure"
expect_eq "$(json_get '[.rows[].error.kind] | unique | join(",")')" bad_response \
  "only the faults that are not retried fail rows"
expect_eq "$(wc -l <faults.jsonl)" 1000 "-o has every row"
expect_eq "$(jq -s '[.[] | .row] == [range(1000)]' faults.jsonl)" true "-o is in row order"

# --- the key is nowhere ------------------------------------------------------------------
store_dump >dump.sql
if grep -rqa -- "$SECRET" dump.sql .llmops out-*.jsonl faults.jsonl verbose.log; then
  fail "the API key leaked into the store, outputs or logs"
fi
expect_contains "$(cat verbose.log)" "Authorization: [REDACTED]" "verbose log shows redacted headers"

# --- Ctrl-C, then --resume ---------------------------------------------------------------
"$LLMOPS_BIN" run qa --data qa --provider slow --limit 60 --concurrency 2 --json >int.json 2>int.err &
pid=$!
# The state to interrupt in: a row of this run is in the store (rows commit every 0.5 s) and
# two requests hang.
wait_until "the run against the hanging stub to record a row" sql_count_at_least 1 \
  "SELECT count(*) FROM run_rows r JOIN runs u ON u.id = r.run_id WHERE u.provider_id = 'slow' AND u.status = 'running'"
kill -INT $pid
set +e; wait $pid; INT_RC=$?; set -e
expect_eq "$INT_RC" 130 "Ctrl-C exits 130"
INT_RUN=$(jq -r .id int.json)
expect_eq "$(jq -r .status int.json)" interrupted "interrupted status"
done_rows=$(jq -r .recorded int.json)
if [ "$done_rows" -ge 60 ] || [ "$done_rows" -lt 1 ]; then fail "interrupted run recorded $done_rows rows"; fi
expect_eq "$(store_sql "SELECT count(*) FROM run_rows WHERE run_id = $INT_RUN")" "$done_rows" \
  "the rows reported are the rows stored"
expect_contains "$(cat int.err)" "--resume $INT_RUN" "interrupt hints at --resume"
# The same endpoint without the hangs, so that the resume can finish.
stub_stop "$SLOW_PID" || fail "the hanging stub stops cleanly"
# From here on the endpoint is slow, not hanging: the claim tests below need runs that are
# still going when a second process looks at them, and that finish by themselves.
stub_start --port "$SLOW_PORT" --latency-ms 150
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

# --- rows that cannot render are bad input: nothing sent, nothing stored ------------------
printf '{"id":"a","question":"fine"}\n{"id":"b"}\n{"id":"c","question":"also fine"}\n{"id":"d"}\n' >holes.jsonl
run data add holes.jsonl --name holes
before=$(store_digest)
run run qa --data holes --provider stub
expect_rc 3 "a row without a required variable"
expect_one_line_error "a row without a required variable"
expect_contains "$ERR" "missing required variable 'question'" "the variable is named"
expect_contains "$ERR" "row 1" "the first failing row is named"
expect_contains "$ERR" "2 of 4 rows cannot be rendered" "the hint counts the failing rows"
expect_eq "$(store_digest)" "$before" "a run that cannot render stores nothing"
run run qa --data holes --provider echo --limit 1 --json
expect_rc 0 "only the rows the run takes are checked"

# --- output files are checked before anything is sent or stored ---------------------------
mkdir -p a-folder
before=$(store_digest)
run run qa --data qa --provider stub --limit 3 -o no-such-folder/out.jsonl
expect_rc 3 "-o into a missing folder"
expect_one_line_error "-o into a missing folder"
expect_contains "$ERR" "cannot write no-such-folder/out.jsonl: No such file or directory" "missing folder: the OS reason"
run run qa --data qa --provider stub --limit 3 -o a-folder
expect_rc 3 "-o onto a folder"
expect_contains "$ERR" "cannot write a-folder: Is a directory" "folder: the OS reason"
run run qa --data qa --provider stub --limit 3 -o a-folder/x/y.jsonl
expect_rc 3 "-o below a missing folder"
expect_eq "$(store_digest)" "$before" "bad -o paths left the store unchanged"
expect_eq "$(ls -A a-folder)" "" "and created nothing"
# A full disk shows only while writing: the run is kept as it is (completed), exit 3, and the
# hint says how to write the file again.
run run qa --data qa --provider echo --limit 3 -o /dev/full
expect_rc 3 "-o /dev/full"
expect_contains "$ERR" "cannot write /dev/full: No space left on device" "full disk: the OS reason"
FULL_RUN=$("$LLMOPS_BIN" runs list --json | jq -r '.[0].id')
expect_contains "$ERR" "run --resume $FULL_RUN -o /dev/full" "the hint writes the file again"
run runs show "$FULL_RUN" --json
expect_eq "$(json_get .status)" completed "the run itself completed"
run run --resume "$FULL_RUN" -o again.jsonl --json
expect_rc 0 "resume a completed run to write its rows"
expect_eq "$(wc -l <again.jsonl)" 3 "the rows written again"

# --- a store failure mid-run leaves the run interrupted (resumable), not failed -------------
inject_store_fault run_rows
run run qa --data qa --provider echo --limit 5
expect_rc 4 "a store failure mid-run"
expect_contains "$ERR" "injected store fault" "the store's message"
clear_store_fault run_rows
FAULT_RUN=$("$LLMOPS_BIN" runs list --json | jq -r '.[0].id')
expect_eq "$("$LLMOPS_BIN" runs show "$FAULT_RUN" --json | jq -r .status)" interrupted "recorded as interrupted"
run run --resume "$FAULT_RUN" --json
expect_rc 0 "resume after the store failure"
expect_eq "$(json_get .status) $(json_get .recorded)" "completed 5" "the resume finished it"

# --- a resume claims its run: never two processes on one run ------------------------------
# (--no-cache: the slow provider answered these rows above, and the cache would be instant.)
stub_requests() { curl -s "$SLOW_STUB/stats" | jq -r .total; }
"$LLMOPS_BIN" run qa --data qa --provider slow --limit 40 --concurrency 1 --no-cache -q >live.out 2>live.err &
live=$!
LIVE_RUN=""
for _ in $(seq 400); do
  LIVE_RUN=$(store_sql "SELECT r.id FROM runs r JOIN run_rows w ON w.run_id = r.id WHERE r.status = 'running' AND r.kind = 'run' LIMIT 1")
  [ -n "$LIVE_RUN" ] && break
  sleep 0.05
done
[ -n "$LIVE_RUN" ] || fail "the slow run never recorded a row"
run run --resume "$LIVE_RUN"
expect_rc 2 "resume of a run still running"
expect_contains "$ERR" "still running (pid $live on this host)" "names the live process"
run run --resume "$LIVE_RUN" --force
expect_rc 2 "--force never takes a live process's run"
kill -9 "$live"
set +e; wait "$live"; set -e
run run --resume "$LIVE_RUN"
expect_rc 2 "resume of a killed run without --force"
expect_contains "$ERR" "its process (pid $live) is gone" "says the process is gone"
expect_contains "$ERR" "--force" "hints at --force"
recorded=$(store_sql "SELECT count(*) FROM run_rows WHERE run_id = $LIVE_RUN")
sent_before=$(stub_requests)
"$LLMOPS_BIN" run --resume "$LIVE_RUN" --force --concurrency 1 --no-cache -q >r1.out 2>r1.err &
r1=$!
"$LLMOPS_BIN" run --resume "$LIVE_RUN" --force --concurrency 1 --no-cache -q >r2.out 2>r2.err &
r2=$!
set +e; wait $r1; rc1=$?; wait $r2; rc2=$?; set -e
expect_eq "$(printf '%s\n' "$rc1" "$rc2" | sort | tr '\n' ' ')" "0 2 " "of two concurrent resumes exactly one proceeds"
expect_contains "$(cat r1.err r2.err)" "still running" "the other is refused"
expect_eq "$(($(stub_requests) - sent_before))" "$((40 - recorded))" "the missing rows were sent once"
run runs show "$LIVE_RUN" --json
expect_eq "$(json_get .status) $(json_get .recorded)" "completed 40" "the claimed resume finished the run"

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
expect_eq "$(printf '%s\n' "$OUT" | grep -cE '^ *[0-9]+ .*  –  WHAT IS ITEM')" 3 \
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
expect_eq "$(printf '%s\n' "$OUT" | grep -cE '^ *[0-9]+ .*  [0-9]+ ms  WHAT IS ITEM')" 1 \
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
