#!/usr/bin/env bash
# Gateway keys, feedback and metrics: keys create/list/revoke (only the SHA-256 stored), 401 /
# 403 / 429 with Retry-After, a revoked key refused by the running gateway, non-loopback binds
# allowed once keys exist, POST /v1/feedback stored against its request, and GET /metrics
# accepted by `promtool check metrics`.
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
  - {role: user, content: "{{question}}"}
variables:
  question: {type: string, required: true}
YAML
run prompt add ask.yaml
cp ask.yaml other.yaml && sed -i 's/^name: ask/name: other/' other.yaml
run prompt add other.yaml
cat >llmops.yaml <<YAML
providers:
  stub: {type: openai, model: stub-model, base_url: $STUB_URL/v1, api_key_env: "", price: {input: 1000, output: 1000}}
environments:
  staging: {}
YAML
run deploy ask@1 --env staging --provider stub
expect_rc 0 "deploy ask"
run deploy other@1 --env staging --provider stub
expect_rc 0 "deploy other"

# --- keys create / list -----------------------------------------------------------------------------
run keys create app --rpm 2
expect_rc 0 "keys create"
APP_KEY=$OUT
expect_contains "$APP_KEY" "llmops-" "the key is printed"
expect_eq "$(store_sql "SELECT COUNT(*) FROM api_keys WHERE key_sha256 = '$(printf '%s' "$APP_KEY" | sha256sum | cut -d' ' -f1)'")" 1 \
  "only the SHA-256 is stored"
expect_eq "$(store_dump | grep -c "$APP_KEY" || true)" 0 "the key itself is nowhere in the store"
run keys create narrow --routes other
NARROW_KEY=$OUT
run keys create poor --budget-usd 0.001
POOR_KEY=$OUT
run keys create app
expect_rc 2 "a taken name"
run keys create "bad name"
expect_rc 2 "a bad name"
run keys create x --rpm -1
expect_rc 2 "a negative limit"
run keys list --json
expect_eq "$(json_get '[.[].name] | join(",")')" "app,narrow,poor" "keys list"
expect_eq "$(json_get '.[0].rpm')" 2 "rpm listed"
expect_eq "$(json_get '[.[] | has("key") or has("key_sha256")] | any')" false "list shows no key or hash"

# --- 401 / 403 / 429 ------------------------------------------------------------------------------
serve_start staging --host 0.0.0.0
SERVE_URL="http://127.0.0.1:${SERVE_URL##*:}"
body='{"model":"ask","variables":{"question":"hi"}}'
chat "$body"
expect_eq "$STATUS" 401 "no key"
expect_eq "$(printf '%s' "$RESP" | jq -r .error.code)" invalid_api_key "401 code"
chat "$body" -H "Authorization: Bearer llmops-wrong"
expect_eq "$STATUS" 401 "wrong key"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$SERVE_URL/v1/models")" 401 "models needs a key too"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$SERVE_URL/healthz")" 200 "healthz needs none"
chat "$body" -H "Authorization: Bearer $NARROW_KEY"
expect_eq "$STATUS" 403 "route not allowed for the key"
expect_eq "$(printf '%s' "$RESP" | jq -r .error.type)" permission_error "403 type"
chat '{"model":"other","variables":{"question":"hi"}}' -H "Authorization: Bearer $NARROW_KEY"
expect_eq "$STATUS" 200 "allowed route"
chat "$body" -H "Authorization: Bearer $APP_KEY"
expect_eq "$STATUS" 200 "first request of the minute"
FIRST_ID=$(header x-request-id)
chat "$body" -H "Authorization: Bearer $APP_KEY"
expect_eq "$STATUS" 200 "second request of the minute"
chat "$body" -H "Authorization: Bearer $APP_KEY"
expect_eq "$STATUS" 429 "third request over rpm 2"
retry_after=$(header retry-after)
[ -n "$retry_after" ] && [ "$retry_after" -ge 1 ] || fail "429 without a Retry-After: '$retry_after'"
chat "$body" -H "Authorization: Bearer $POOR_KEY"
expect_eq "$STATUS" 200 "budget not spent yet"
chat "$body" -H "Authorization: Bearer $POOR_KEY"
expect_eq "$STATUS" 429 "budget spent"
expect_eq "$(printf '%s' "$RESP" | jq -r .error.code)" insufficient_quota "budget code"

# --- revoke: the running gateway refuses the key within its reload interval ---------------------
run keys revoke narrow
expect_rc 0 "keys revoke"
refused=0
for _ in $(seq 50); do
  chat '{"model":"other","variables":{"question":"hi"}}' -H "Authorization: Bearer $NARROW_KEY"
  if [ "$STATUS" = 401 ]; then refused=1; break; fi
  sleep 0.1
done
expect_eq "$refused" 1 "a revoked key is refused"
run keys revoke narrow
expect_rc 2 "revoking twice"
run keys list --all --json
expect_eq "$(json_get '[.[] | select(.revoked_at != null) | .name] | join(",")')" narrow "revoked listed with --all"

# --- feedback -------------------------------------------------------------------------------------
fb() { # BODY
  FB_STATUS=$(curl -s -o "$WORK/.fb" -w '%{http_code}' -H "Authorization: Bearer $POOR_KEY" \
    -H 'Content-Type: application/json' -d "$1" "$SERVE_URL/v1/feedback")
}
fb '{"request_id":"'"$FIRST_ID"'","name":"helpful","value":true,"comment":"good"}'
expect_eq "$FB_STATUS" 201 "boolean feedback"
fb '{"request_id":"'"$FIRST_ID"'","name":"score","value":0.8}'
expect_eq "$FB_STATUS" 201 "number feedback"
fb '{"request_id":"'"$FIRST_ID"'","name":"tone","value":"formal"}'
expect_eq "$FB_STATUS" 201 "category feedback"
fb '{"request_id":"req_unknown","name":"x","value":1}'
expect_eq "$FB_STATUS" 404 "feedback for an unknown request"
fb '{"request_id":"'"$FIRST_ID"'","name":"x","value":[1]}'
expect_eq "$FB_STATUS" 400 "feedback with a bad value"
expect_eq "$(jq -r .error.param <"$WORK/.fb")" value "bad value named"
fb '{"request_id":"'"$FIRST_ID"'","value":1}'
expect_eq "$FB_STATUS" 400 "feedback without a name"

# --- metrics: promtool accepts them; labels are bounded -----------------------------------------------
metrics=$(curl -s "$SERVE_URL/metrics")
printf '%s\n' "$metrics" >metrics.txt
if ! promtool check metrics <metrics.txt >promtool.out 2>&1; then
  fail "promtool check metrics: $(cat promtool.out)"
fi
expect_contains "$metrics" 'llmops_gateway_requests_total{route="ask",release="1",provider="stub",status_class="2xx"}' "request counter"
expect_contains "$metrics" 'llmops_gateway_request_duration_seconds_bucket{route="ask"' "latency histogram"
expect_contains "$metrics" 'llmops_gateway_upstream_duration_seconds_count{route="ask"' "upstream histogram"
expect_contains "$metrics" 'llmops_gateway_errors_total{route="ask",kind="key_rate_limited"}' "error counter"
expect_contains "$metrics" 'llmops_gateway_in_flight ' "in-flight gauge"
expect_not_contains "$metrics" "$APP_KEY" "no key in metrics"
expect_not_contains "$metrics" 'app' "no key name in metrics"

serve_stop
expect_eq "$SERVE_RC" 0 "serve exits 0"
run logs show "$FIRST_ID" --json
expect_eq "$(json_get .key)" app "the key name is logged"
expect_eq "$(json_get .body_policy)" hash "bodies are hashed by default"
expect_eq "$(json_get '.request_body | test("^[0-9a-f]{32}$")')" true "the request body as its XXH3-128"
expect_eq "$(json_get '.response_body | test("^[0-9a-f]{32}$")')" true "the response body as its XXH3-128"
expect_eq "$(json_get '[.feedback[].value] | map(tostring) | join(",")')" "true,0.8,formal" "feedback stored against the request"
expect_eq "$(json_get '.feedback[0].comment')" good "feedback comment"
finish
