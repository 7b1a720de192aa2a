#!/usr/bin/env bash
# llmops serve against the stub: a prompt route (variables rendered, client messages appended),
# passthrough, streaming, /v1/models, /healthz, /readyz, the headers every answer carries, and
# bad input (malformed JSON, wrong types, unknown route, missing variables, oversized body and
# header): OpenAI-shaped errors with the right status, a log row each, and a gateway that keeps
# serving. Then SIGTERM: exit 0 and every request in the log.
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/serve.sh"

run init proj
expect_rc 0 init
cd proj
stub_start
cat >ask.yaml <<'YAML'
name: ask
messages:
  - {role: system, content: "Answer briefly."}
  - {role: user, content: "Question: {{question}}"}
variables:
  question: {type: string, required: true}
YAML
run prompt add ask.yaml
expect_rc 0 "prompt add"
cat >llmops.yaml <<YAML
providers:
  stub: {type: openai, model: stub-model, base_url: $STUB_URL/v1, api_key_env: ""}
  other: {type: openai, model: stub-model, base_url: $STUB_URL/v1, api_key_env: ""}
environments:
  staging: {}
serve:
  passthrough: [stub]
  log_bodies: full
  limits:
    max_body_bytes: 4096
    max_header_bytes: 2048
YAML
run deploy ask@1 --env staging --provider stub
expect_rc 0 "deploy ask@1"

# --- an unknown environment is refused before listening --------------------------------------
run serve --env nowhere --port 0
expect_rc 2 "unknown environment"
expect_one_line_error "unknown environment"
run serve --env staging --host 0.0.0.0 --port 0
expect_rc 2 "non-loopback without keys"
expect_contains "$ERR" "without API keys" "refusal names the reason"

serve_start staging
n=0 # requests sent, for the log check at the end

# --- health, readiness, models ----------------------------------------------------------------
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$SERVE_URL/healthz")" 200 "healthz"
expect_eq "$(curl -s "$SERVE_URL/readyz" | jq -r .status)" ready "readyz"
models=$(curl -s "$SERVE_URL/v1/models")
expect_eq "$(printf '%s' "$models" | jq -r '[.data[].id] | join(",")')" "ask,stub" "models: routes and passthrough"
expect_eq "$(printf '%s' "$models" | jq -r .object)" list "model list shape"
n=$((n + 3))

# --- a prompt route: the prompt's messages from variables ------------------------------------
chat '{"model":"ask","variables":{"question":"what is two plus two?"}}'
n=$((n + 1))
expect_eq "$STATUS" 200 "chat status"
expect_eq "$(printf '%s' "$RESP" | jq -r '.choices[0].message.content')" \
  "QUESTION: WHAT IS TWO PLUS TWO?" "rendered prompt reached the provider"
expect_eq "$(printf '%s' "$RESP" | jq -r .object)" chat.completion "completion object"
expect_eq "$(printf '%s' "$RESP" | jq -r '.usage.total_tokens > 0')" true "usage"
expect_eq "$(header x-llmops-release)" "ask@1" "release header"
request_id=$(header x-request-id)
expect_contains "$request_id" "req_" "request id header"
overhead=$(header x-llmops-overhead-ms)
expect_eq "$(printf '%s' "$overhead" | grep -cE '^[0-9]+\.[0-9]{3}$')" 1 "overhead header is a number of ms"
sent=$(curl -s "$STUB_URL/requests" | jq -c '.requests[-1].body.messages')
expect_eq "$sent" '[{"content":"Answer briefly.","role":"system"},{"content":"Question: what is two plus two?","role":"user"}]' \
  "the provider got the rendered messages"

# --- client messages are appended after the prompt's --------------------------------------------
chat '{"model":"ask","variables":{"question":"q"},"messages":[{"role":"user","content":"follow up"}],"temperature":0.5}'
n=$((n + 1))
expect_eq "$(printf '%s' "$RESP" | jq -r '.choices[0].message.content')" "FOLLOW UP" "last user message answered"
expect_eq "$(curl -s "$STUB_URL/requests" | jq -r '.requests[-1].body.messages | length')" 3 "prompt + client messages"
expect_eq "$(curl -s "$STUB_URL/requests" | jq -r '.requests[-1].body.temperature')" 0.5 "sampling parameter passed on"

# --- passthrough: a provider id where llmops.yaml allows it, and only there --------------------
chat '{"model":"stub","messages":[{"role":"user","content":"direct"}]}'
n=$((n + 1))
expect_eq "$STATUS" 200 "passthrough status"
expect_eq "$(printf '%s' "$RESP" | jq -r '.choices[0].message.content')" "DIRECT" "passthrough answer"
expect_eq "$(header x-llmops-release)" "passthrough:stub" "passthrough release header"
chat '{"model":"other","messages":[{"role":"user","content":"direct"}]}'
n=$((n + 1))
expect_eq "$STATUS" 404 "a provider not allowed for passthrough"
expect_eq "$(printf '%s' "$RESP" | jq -r .error.code)" model_not_found "unknown model code"

# --- streaming: SSE chunks pass through, [DONE] ends them --------------------------------------
stream=$(curl -sN -H 'Content-Type: application/json' -D "$WORK/.shdr" \
  -d '{"model":"ask","stream":true,"variables":{"question":"stream me please"}}' \
  "$SERVE_URL/v1/chat/completions")
n=$((n + 1))
expect_contains "$(tr -d '\r' <"$WORK/.shdr" | tr 'A-Z' 'a-z')" "content-type: text/event-stream" "SSE content type"
expect_contains "$(tr -d '\r' <"$WORK/.shdr" | tr 'A-Z' 'a-z')" "x-llmops-release: ask@1" "stream carries the release"
expect_eq "$(printf '%s\n' "$stream" | grep '^data: ' | tail -n1)" "data: [DONE]" "[DONE] last"
text=$(printf '%s\n' "$stream" | grep '^data: {' | sed 's/^data: //' | jq -rj '.choices[0].delta.content // empty')
expect_eq "$text" "QUESTION: STREAM ME PLEASE" "deltas concatenate to the answer"
expect_eq "$(printf '%s\n' "$stream" | grep -c '"usage"')" 0 "no usage chunk unless asked"
stream=$(curl -sN -H 'Content-Type: application/json' \
  -d '{"model":"ask","stream":true,"stream_options":{"include_usage":true},"variables":{"question":"u"}}' \
  "$SERVE_URL/v1/chat/completions")
n=$((n + 1))
expect_eq "$(printf '%s\n' "$stream" | grep '^data: {' | sed 's/^data: //' | jq -s '[.[] | select(.usage != null)] | length')" 1 "usage chunk when asked"

# --- bad input: OpenAI-shaped errors, right statuses -------------------------------------------
check_error() { # STATUS PARAM-OR-CODE WHAT
  expect_eq "$STATUS" "$1" "$3: status"
  expect_eq "$(printf '%s' "$RESP" | jq -r '.error | has("message") and has("type") and has("param") and has("code")')" true "$3: error shape"
  if [ -n "$2" ]; then
    expect_eq "$(printf '%s' "$RESP" | jq -r '.error.param // .error.code')" "$2" "$3: param"
  fi
}
chat '{"model": "ask", "variables": {'
n=$((n + 1))
check_error 400 "" "malformed JSON"
expect_eq "$(printf '%s' "$RESP" | jq -r .error.type)" invalid_request_error "malformed JSON type"
chat '[1,2]'
n=$((n + 1))
check_error 400 "" "not an object"
chat '{"model":"ask","stream":"yes","variables":{"question":"q"}}'
n=$((n + 1))
check_error 400 stream "wrong type: stream"
chat '{"model":"ask","variables":["q"]}'
n=$((n + 1))
check_error 400 variables "wrong type: variables"
chat '{"model":"ask","messages":[{"role":"wizard","content":"x"}],"variables":{"question":"q"}}'
n=$((n + 1))
check_error 400 "messages[0].role" "bad role"
chat '{"model":"ask","temperature":9,"variables":{"question":"q"}}'
n=$((n + 1))
check_error 400 temperature "temperature out of range"
chat '{"model":"nope","messages":[{"role":"user","content":"x"}]}'
n=$((n + 1))
check_error 404 model "unknown route"
expect_contains "$(printf '%s' "$RESP" | jq -r .error.message)" "routes: ask" "unknown route lists the routes"
chat '{"model":"ask","variables":{}}'
n=$((n + 1))
check_error 400 variables "missing variable"
expect_contains "$(printf '%s' "$RESP" | jq -r .error.message)" "question" "missing variable named"
big=$(head -c 6000 /dev/zero | tr '\0' 'a')
chat "{\"model\":\"ask\",\"variables\":{\"question\":\"$big\"}}"
n=$((n + 1))
check_error 413 "" "oversized body"
chat '{"model":"ask","variables":{"question":"q"}}' -H "X-Filler: $(head -c 3000 /dev/zero | tr '\0' 'b')"
n=$((n + 1))
check_error 431 "" "oversized header"
status=$(curl -s -o /dev/null -w '%{http_code}' "$SERVE_URL/nowhere")
n=$((n + 1))
expect_eq "$status" 404 "unknown path"
status=$(curl -s -o /dev/null -w '%{http_code}' "$SERVE_URL/v1/chat/completions")
n=$((n + 1))
expect_eq "$status" 405 "GET on the chat endpoint"

# --- still serving after all of that ---------------------------------------------------------------
chat '{"model":"ask","variables":{"question":"still there?"}}'
n=$((n + 1))
expect_eq "$STATUS" 200 "serving after bad input"

# --- SIGTERM: exit 0, every request logged --------------------------------------------------------
serve_stop
expect_eq "$SERVE_RC" 0 "serve exits 0 on SIGTERM"
expect_eq "$(store_sql 'SELECT COUNT(*) FROM request_log')" "$n" "one log row per request"
run logs show "$request_id" --json
expect_rc 0 "logs show"
expect_eq "$(json_get .route)" ask "logged route"
expect_eq "$(json_get .release)" 1 "logged release"
expect_eq "$(json_get .prompt)" ask@1 "logged prompt version"
expect_eq "$(json_get .provider)" stub "logged provider"
expect_eq "$(json_get .status)" 200 "logged status"
expect_eq "$(json_get '.prompt_tokens > 0 and .completion_tokens > 0')" true "logged tokens"
expect_eq "$(json_get '.request_body | fromjson | .variables.question')" "what is two plus two?" "full body kept"
run logs list --errors --json -n 0
expect_rc 0 "logs list --errors"
expect_eq "$(json_get '[.[] | .error_kind] | sort | unique | join(",")')" \
  "bad_field,bad_json,bad_method,bad_variables,header_too_large,not_found,too_large,unknown_route" \
  "every bad input has a log row with its kind"
run logs list --route ask --status 200 --json
expect_eq "$(json_get '[.[] | select(.streamed)] | length')" 2 "streamed requests flagged"
run logs export -o all.jsonl
expect_rc 0 "logs export"
expect_eq "$(wc -l <all.jsonl)" "$n" "export has every row"
run logs tail -n 2
expect_rc 0 "logs tail"
expect_eq "$(printf '%s\n' "$OUT" | wc -l)" 2 "tail -n 2"
run logs show req_nope
expect_rc 2 "logs show unknown id"
finish
