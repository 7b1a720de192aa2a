#!/usr/bin/env bash
# llmops serve with the official openai npm client (pinned in tests/node/package.json, installed
# by scripts/install-deps.sh): chat with variables, streaming with usage, the model list, an
# API error as the SDK raises it, feedback with fetch, and the Batch API (openai_batch.mjs), all
# against a key-protected gateway.
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/serve.sh"

NODE_DIR=$LLMOPS_SOURCE_DIR/tests/node
if [ ! -d "$NODE_DIR/node_modules/openai" ]; then
  fail "the openai npm package is not installed: run scripts/install-deps.sh (npm ci in tests/node)"
  finish
fi

run init proj
cd proj
stub_start
printf 'name: ask\nmessages:\n  - {role: user, content: "Q: {{question}}"}\nvariables: {question: {required: true}}\n' >ask.yaml
run prompt add ask.yaml
cat >llmops.yaml <<YAML
providers:
  stub: {type: openai, model: stub-model, base_url: $STUB_URL/v1, api_key_env: ""}
environments:
  prod: {}
YAML
run deploy ask@1 --env prod --provider stub
expect_rc 0 deploy
run keys create node
KEY=$OUT
serve_start prod

set +e
seen=$(node "$NODE_DIR/openai_client.mjs" "$SERVE_URL/v1" "$KEY" 2>"$WORK/node.err")
rc=$?
set -e
expect_eq "$rc" 0 "node client ran ($(cat "$WORK/node.err"))"
OUT=$seen
expect_eq "$(json_get .content)" "Q: HELLO FROM NODE" "chat with variables"
expect_eq "$(json_get .finish_reason)" stop "finish reason"
expect_eq "$(json_get '.total_tokens > 0')" true "usage"
expect_eq "$(json_get .release)" "ask@1" "release header seen by the SDK"
expect_eq "$(json_get .streamed)" "STREAM THIS PLEASE" "streamed text"
expect_eq "$(json_get .stream_usage)" true "usage chunk in the stream"
expect_eq "$(json_get '.models | join(",")')" ask "model list"
expect_eq "$(json_get .error.status)" 404 "APIError status"
expect_eq "$(json_get .error.code)" model_not_found "APIError code"
expect_eq "$(json_get .error.isApiError)" true "an APIError"
expect_eq "$(json_get .feedback_status)" 201 "feedback with fetch"

# The Batch API through the SDK: upload, create, retrieve until completed, download.
{
  echo '{"custom_id": "n1", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "ask", "variables": {"question": "batch one"}}}'
  echo '{"custom_id": "n2", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "ask", "variables": {"question": "batch two"}}}'
  echo '{"custom_id": "bad", "method": "POST", "url": "/v1/chat/completions", "body": {"model": "nope", "messages": [{"role": "user", "content": "x"}]}}'
} >batch.jsonl
set +e
seen_batch=$(node "$NODE_DIR/openai_batch.mjs" "$SERVE_URL/v1" "$KEY" batch.jsonl 2>"$WORK/node.err")
rc=$?
set -e
expect_eq "$rc" 0 "node batch client ran ($(cat "$WORK/node.err"))"
OUT=$seen_batch
expect_eq "$(json_get .file.object)" file "files.create"
expect_eq "$(json_get .file.purpose)" batch "file purpose"
expect_eq "$(json_get .file.bytes)" "$(wc -c <batch.jsonl)" "file bytes"
expect_eq "$(json_get .status)" completed "retrieved until completed"
expect_eq "$(json_get .request_counts.completed)" 2 "completed requests"
expect_eq "$(json_get .request_counts.failed)" 1 "failed requests"
expect_eq "$(json_get .metadata.suite)" node "metadata"
expect_eq "$(json_get '[.output | sort_by(.custom_id)[] | {(.custom_id): .response.body.choices[0].message.content}] | add | tojson')" \
  '{"n1":"Q: BATCH ONE","n2":"Q: BATCH TWO"}' "output file via files.content"
expect_eq "$(json_get '.errors[0].custom_id')" bad "error file"
expect_eq "$(json_get '.errors[0].response.status_code')" 404 "error line status"
expect_eq "$(json_get .listed)" true "batches.list"
expect_eq "$(json_get .cancel_error.status)" 409 "cancelling a completed batch is an APIError"
serve_stop
run logs show "$(printf '%s' "$seen" | jq -r .request_id)" --json
expect_eq "$(json_get '.feedback[0].value')" up "feedback stored"
expect_eq "$(json_get .key)" node "key name logged"
finish
