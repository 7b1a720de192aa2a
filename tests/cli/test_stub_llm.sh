#!/usr/bin/env bash
# The stub model server itself: shapes, answers, auth, fault injection, stats and shutdown.
here=$(cd "$(dirname "$0")" && pwd) # lib.sh changes directory
source "$here/lib.sh"
source "$here/../support/stub_llm.sh"

# post PATH BODY [curl args...]: keeps the body in $OUT, the HTTP status in $STATUS, curl's
# exit code in $RC and the response headers in $WORK/.headers.
post() {
  local path=$1 body=$2
  shift 2
  set +e
  STATUS=$(curl -sS -o "$WORK/.body" -D "$WORK/.headers" -w '%{http_code}' \
    -H 'Content-Type: application/json' "$@" --data-binary "$body" "$STUB_URL$path" 2>"$WORK/.err")
  RC=$?
  set -e
  OUT=$(cat "$WORK/.body")
}

chat='{"model":"m","messages":[{"role":"system","content":"be nice"},{"role":"user","content":"hello world"}]}'

# --- start-up: port on stdout and in the port file --------------------------------------------
stub_start
expect_eq "$(cat "$(dirname "$STUB_LOG")/stdout")" "PORT $STUB_PORT" "PORT line on stdout"

# --- OpenAI chat completions -----------------------------------------------------------------
post /v1/chat/completions "$chat"
expect_eq "$STATUS" 200 "chat status"
expect_eq "$(json_get '.choices[0].message.content')" "HELLO WORLD" "default answer is upper-case"
expect_eq "$(json_get '.choices[0].finish_reason')" "stop" "finish_reason"
expect_eq "$(json_get '.model')" "m" "model echoed"
expect_eq "$(json_get '.object')" "chat.completion" "object"
# prompt: ceil((7 + 11) / 4) = 5; completion: ceil(11 / 4) = 3
expect_eq "$(json_get '[.usage.prompt_tokens,.usage.completion_tokens,.usage.total_tokens]|join(",")')" \
  "5,3,8" "usage"

post /v1/chat/completions '{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"part one"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"two"}]}]}'
expect_eq "$(json_get '.choices[0].message.content')" $'PART ONE\nTWO' "content parts"

post /v1/chat/completions '{"model":"m","max_tokens":1,"messages":[{"role":"user","content":"abcdefgh"}]}'
expect_eq "$(json_get '.choices[0].message.content')" "ABCD" "max_tokens cuts the answer"
expect_eq "$(json_get '.choices[0].finish_reason')" "length" "finish_reason length"

post /v1/chat/completions '{"messages":[{"role":"user","content":"x"}]}'
expect_eq "$STATUS" 400 "missing model"
expect_eq "$(json_get '.error.type')" "invalid_request_error" "400 error shape"
post /v1/chat/completions 'not json'
expect_eq "$STATUS" 400 "bad JSON"

# --- streaming -------------------------------------------------------------------------------
post /v1/chat/completions '{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"one two three"}]}'
expect_eq "$STATUS" 200 "stream status"
expect_contains "$(cat "$WORK/.headers")" "text/event-stream" "stream content type"
expect_eq "$(printf '%s\n' "$OUT" | tail -n 1)" "data: [DONE]" "stream ends with [DONE]"
text=$(printf '%s\n' "$OUT" | sed -n 's/^data: //p' | grep -v '^\[DONE\]$' |
  jq -j '.choices[0].delta.content // empty')
expect_eq "$text" "ONE TWO THREE" "stream deltas concatenate to the answer"
expect_eq "$(printf '%s\n' "$OUT" | sed -n 's/^data: //p' | grep -v DONE | jq -s 'map(select(.usage)) | .[0].usage.completion_tokens')" \
  4 "include_usage chunk"

# --- Anthropic and Azure ---------------------------------------------------------------------
post /v1/messages '{"model":"claude","max_tokens":50,"system":"sys","messages":[{"role":"user","content":"hi there"}]}'
expect_eq "$(json_get '.content[0].type + ":" + .content[0].text')" "text:HI THERE" "anthropic content"
expect_eq "$(json_get '.stop_reason')" "end_turn" "anthropic stop_reason"
expect_eq "$(json_get '[.usage.input_tokens,.usage.output_tokens]|join(",")')" "3,2" "anthropic usage"
post /v1/messages '{"model":"claude","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"a b"}]}'
expect_contains "$OUT" "event: message_stop" "anthropic stream"
text=$(printf '%s\n' "$OUT" | sed -n 's/^data: //p' | jq -j 'select(.type=="content_block_delta") | .delta.text')
expect_eq "$text" "A B" "anthropic stream text"

post '/openai/deployments/dep1/chat/completions?api-version=2024-06-01' "$chat"
expect_eq "$(json_get '.model + ":" + .choices[0].message.content')" "dep1:HELLO WORLD" "azure"

OUT=$(curl -sS "$STUB_URL/v1/models")
expect_eq "$(json_get '.data[0].id')" "stub-model" "models"

# --- stats, reset, recorded requests ---------------------------------------------------------
OUT=$(curl -sS "$STUB_URL/stats")
expect_eq "$(json_get '.by_path["/v1/chat/completions"]')" 6 "stats per path"
expect_eq "$(json_get '.by_status["400"]')" 2 "stats per status"
expect_eq "$(json_get '.in_flight')" 0 "nothing in flight"
OUT=$(curl -sS "$STUB_URL/requests")
expect_eq "$(json_get '.requests[-1].path')" "/openai/deployments/dep1/chat/completions" "recorded requests"
expect_eq "$(json_get '.requests[-1].body.model')" "m" "recorded request body"
OUT=$(curl -sS -X POST "$STUB_URL/reset-stats")
OUT=$(curl -sS "$STUB_URL/stats")
expect_eq "$(json_get '.total')" 0 "reset-stats"

# --- faults by header ------------------------------------------------------------------------
post /v1/chat/completions "$chat" -H 'X-Stub-Fault: 429'
expect_eq "$STATUS" 429 "429 by header"
expect_contains "$(cat "$WORK/.headers")" "Retry-After: 1" "Retry-After"
expect_eq "$(json_get '.error.code')" "rate_limit_exceeded" "429 body"
post /v1/messages '{"model":"c","max_tokens":5,"messages":[{"role":"user","content":"x"}]}' -H 'X-Stub-Fault: 500'
expect_eq "$STATUS:$(json_get '.error.type')" "500:api_error" "anthropic 500 shape"
post /v1/chat/completions "$chat" -H 'X-Stub-Fault: malformed'
expect_eq "$STATUS" 200 "malformed is a 200"
if printf '%s' "$OUT" | jq . >/dev/null 2>&1; then fail "malformed body parsed as JSON"; fi
post /v1/chat/completions "$chat" -H 'X-Stub-Fault: truncated_json'
expect_eq "$RC:$STATUS" "0:200" "truncated_json is a clean 200"
if printf '%s' "$OUT" | jq . >/dev/null 2>&1; then fail "truncated_json body parsed as JSON"; fi
post /v1/chat/completions "$chat" -H 'X-Stub-Fault: truncated'
expect_eq "$RC" 18 "truncated: curl sees a short body (exit 18)"
post /v1/chat/completions '{"model":"m","stream":true,"messages":[{"role":"user","content":"a b c d"}]}' \
  -H 'X-Stub-Fault: truncated'
expect_eq "$RC" 18 "truncated stream: connection cut"
expect_not_contains "$OUT" "[DONE]" "truncated stream has no [DONE]"
post /v1/chat/completions "$chat" -H 'X-Stub-Fault: bogus'
expect_eq "$STATUS" 400 "unknown X-Stub-Fault"
OUT=$(curl -sS "$STUB_URL/stats")
expect_eq "$(json_get '[.by_fault["429"],.by_fault.truncated]|join(",")')" "1,2" "stats per fault"

# --- shutdown interrupts a hang; exit code 0 -------------------------------------------------
curl -sS -o "$WORK/hang.out" -w '%{http_code}' -m 60 -H 'X-Stub-Fault: hang' \
  --data-binary "$chat" "$STUB_URL/v1/chat/completions" >"$WORK/hang.status" 2>/dev/null &
hang_pid=$!
hang_in_flight() { [ "$(curl -sS "$STUB_URL/stats" | jq .in_flight)" = 1 ]; }
wait_until "the hanging request to reach the stub" hang_in_flight
set +e
stub_stop
RC=$?
wait "$hang_pid"
set -e
expect_eq "$RC" 0 "SIGTERM exits 0 despite a hanging request"
expect_eq "$(cat "$WORK/hang.status")" 503 "the hanging request is answered on shutdown"

# --- deterministic fault plans ---------------------------------------------------------------
statuses() { # N: statuses of N chat requests
  local s="" i
  for i in $(seq "$1"); do
    post /v1/chat/completions "$chat"
    s="$s$STATUS "
  done
  echo "${s% }"
}
stub_start --fault-rate 0.5 --faults 429,500 --fault-order round-robin
expect_eq "$(statuses 4)" "429 200 500 200" "round-robin plan"
curl -sS -X POST "$STUB_URL/reset-stats" >/dev/null
expect_eq "$(statuses 2)" "429 200" "reset-stats restarts the plan"
stub_stop

stub_start --fault-first 2 --faults 503 --retry-after 3
expect_eq "$(statuses 3)" "503 503 200" "--fault-first"
post /v1/chat/completions "$chat" -H 'X-Stub-Fault: 503'
expect_contains "$(cat "$WORK/.headers")" "Retry-After: 3" "--retry-after"
stub_stop

stub_start --fault-rate 0.3 --seed 7
first=$(statuses 20)
stub_stop
stub_start --fault-rate 0.3 --seed 7
expect_eq "$(statuses 20)" "$first" "seeded random plan repeats"
expect_contains "$first" "200" "random plan lets some through"
case "$first" in *429* | *500*) ;; *) fail "random plan at 0.3 injected nothing: $first" ;; esac
stub_stop

# --- auth ------------------------------------------------------------------------------------
stub_start --require-key sk-test
post /v1/chat/completions "$chat"
expect_eq "$STATUS:$(json_get '.error.code')" "401:invalid_api_key" "missing bearer"
post /v1/chat/completions "$chat" -H 'Authorization: Bearer sk-test'
expect_eq "$STATUS" 200 "bearer accepted"
post '/openai/deployments/d/chat/completions?api-version=1' "$chat" -H 'api-key: sk-test'
expect_eq "$STATUS" 200 "azure api-key accepted"
post '/openai/deployments/d/chat/completions' "$chat" -H 'api-key: sk-test'
expect_eq "$STATUS" 400 "azure needs api-version"
msg='{"model":"c","max_tokens":5,"messages":[{"role":"user","content":"x"}]}'
post /v1/messages "$msg" -H 'x-api-key: sk-test'
expect_eq "$STATUS" 400 "anthropic-version required"
post /v1/messages "$msg" -H 'x-api-key: wrong' -H 'anthropic-version: 2023-06-01'
expect_eq "$STATUS:$(json_get '.error.type')" "401:authentication_error" "anthropic bad key"
post /v1/messages "$msg" -H 'x-api-key: sk-test' -H 'anthropic-version: 2023-06-01'
expect_eq "$STATUS" 200 "anthropic key accepted"
OUT=$(curl -sS "$STUB_URL/requests")
expect_not_contains "$OUT" "sk-test" "recorded requests redact keys"
OUT=$(curl -sS -X POST "$STUB_URL/shutdown")
expect_eq "$(json_get .ok)" true "POST /shutdown"
set +e
wait "$STUB_PID"
RC=$?
set -e
expect_eq "$RC" 0 "exit code after POST /shutdown"

# --- answers file, echo mode -----------------------------------------------------------------
cat >"$WORK/answers.jsonl" <<'EOF'
{"match": "capital of France", "answer": "Paris"}

{"match": "France", "answer": "never reached for the capital question"}
{"match": "json please", "answer": {"ok": true}}
EOF
stub_start --answers "$WORK/answers.jsonl"
post /v1/chat/completions '{"model":"m","messages":[{"role":"user","content":"What is the capital of France?"}]}'
expect_eq "$(json_get '.choices[0].message.content')" "Paris" "first matching answer wins"
post /v1/chat/completions '{"model":"m","messages":[{"role":"user","content":"json please"}]}'
expect_eq "$(json_get '.choices[0].message.content')" '{"ok":true}' "non-string answer is JSON text"
post /v1/chat/completions '{"model":"m","messages":[{"role":"user","content":"no rule"}]}'
expect_eq "$(json_get '.choices[0].message.content')" "NO RULE" "fallback to upper-case"
stub_stop
stub_start --mode echo
post /v1/chat/completions '{"model":"m","messages":[{"role":"user","content":"Keep Case"}]}'
expect_eq "$(json_get '.choices[0].message.content')" "Keep Case" "echo mode"
stub_stop

# --- usage errors ----------------------------------------------------------------------------
stub=${STUB_LLM:-$LLMOPS_BUILD_DIR/stub_llm}
set +e
"$stub" --fault-rate 2 >/dev/null 2>"$WORK/.err"
RC=$?
set -e
expect_eq "$RC" 2 "bad --fault-rate"
echo '{"match": 1}' >"$WORK/bad.jsonl"
set +e
"$stub" --answers "$WORK/bad.jsonl" >/dev/null 2>"$WORK/.err"
RC=$?
set -e
expect_eq "$RC" 2 "bad answers file"
expect_contains "$(cat "$WORK/.err")" "bad.jsonl:1" "answers error names the line"

finish
