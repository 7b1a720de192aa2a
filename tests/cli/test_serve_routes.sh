#!/usr/bin/env bash
# Per-route options of the gateway. Fallbacks (serve.routes.ROUTE.fallbacks): when the
# release's provider fails before anything reached the client, the next provider answers,
# streamed or not; the log names the provider that served and the failure it covered; when every
# provider fails, the client gets the last failure (502). The response cache (cache: true): a
# repeated request is answered without a provider call, streamed or not, and logged as cached.
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/serve.sh"

run init proj
cd proj
stub_start --fault-rate 1 --faults 500
BROKEN=$STUB_URL
stub_start
GOOD=$STUB_URL
printf 'name: ask\nmessages:\n  - {role: user, content: "{{question}}"}\nvariables: {question: {required: true}}\n' >ask.yaml
run prompt add ask.yaml
printf 'name: solo\nmessages:\n  - {role: user, content: "{{question}}"}\nvariables: {question: {required: true}}\n' >solo.yaml
run prompt add solo.yaml
printf 'name: cached\nmessages:\n  - {role: user, content: "{{question}}"}\nvariables: {question: {required: true}}\n' >cached.yaml
run prompt add cached.yaml
cat >llmops.yaml <<YAML
providers:
  broken: {type: openai, model: stub-model, base_url: $BROKEN/v1, api_key_env: "", retries: {max: 0}}
  good: {type: openai, model: stub-model, base_url: $GOOD/v1, api_key_env: ""}
environments:
  prod: {}
serve:
  routes:
    ask: {fallbacks: [good]}
    cached: {cache: true}
YAML
run deploy ask@1 --env prod --provider broken
expect_rc 0 "deploy ask on the broken provider"
run deploy solo@1 --env prod --provider broken
expect_rc 0 "deploy solo without fallbacks"
run deploy cached@1 --env prod --provider good
expect_rc 0 "deploy cached"
serve_start prod

chat '{"model":"ask","variables":{"question":"fall back"}}'
expect_eq "$STATUS" 200 "the fallback answered"
expect_eq "$(printf '%s' "$RESP" | jq -r '.choices[0].message.content')" "FALL BACK" "fallback answer"
expect_eq "$(header x-llmops-release)" "ask@1" "still the route's release"
first=$(header x-request-id)
stream=$(curl -sN -H 'Content-Type: application/json' \
  -d '{"model":"ask","stream":true,"variables":{"question":"streamed fallback"}}' "$SERVE_URL/v1/chat/completions")
text=$(printf '%s\n' "$stream" | grep '^data: {' | sed 's/^data: //' | jq -rj '.choices[0].delta.content // empty')
expect_eq "$text" "STREAMED FALLBACK" "a streamed request falls back too"
chat '{"model":"solo","variables":{"question":"no fallback"}}'
expect_eq "$STATUS" 502 "no fallback: the provider's failure"
expect_eq "$(printf '%s' "$RESP" | jq -r .error.code)" upstream_error "upstream error code"
expect_eq "$(curl -s "$BROKEN/stats" | jq -r .total)" 3 "the broken provider was tried each time"

# --- the response cache ---------------------------------------------------------------------------
good_before=$(curl -s "$GOOD/stats" | jq -r .total)
chat '{"model":"cached","variables":{"question":"remember me"}}'
expect_eq "$STATUS" 200 "first cached-route request"
chat '{"model":"cached","variables":{"question":"remember me"}}'
expect_eq "$STATUS" 200 "repeated request"
expect_eq "$(printf '%s' "$RESP" | jq -r '.choices[0].message.content')" "REMEMBER ME" "answer from the cache"
cached_id=$(header x-request-id)
stream=$(curl -sN -H 'Content-Type: application/json' \
  -d '{"model":"cached","stream":true,"variables":{"question":"remember me"}}' "$SERVE_URL/v1/chat/completions")
text=$(printf '%s\n' "$stream" | grep '^data: {' | sed 's/^data: //' | jq -rj '.choices[0].delta.content // empty')
expect_eq "$text" "REMEMBER ME" "a streamed request is answered from the cache too"
expect_eq "$(( $(curl -s "$GOOD/stats" | jq -r .total) - good_before ))" 1 "one provider call for three requests"
serve_stop
expect_eq "$(store_sql "SELECT COUNT(*) FROM request_log WHERE route = 'cached' AND cached = 1")" 2 "cache hits logged"
run logs show "$cached_id" --json
expect_eq "$(json_get .cached)" true "cached flag"
expect_eq "$(json_get .cost_usd)" 0 "a cached answer costs nothing"

run logs show "$first" --json
expect_eq "$(json_get .provider)" good "the log names the provider that served"
expect_contains "$(json_get .error)" "fallback after broken: HTTP 500" "and the failure it covered"
expect_eq "$(json_get .status)" 200 "status 200"
finish
