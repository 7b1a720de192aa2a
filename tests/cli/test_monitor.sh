#!/usr/bin/env bash
# llmops monitor over a request log written by a real gateway: its figures agree with the
# rows `logs list` shows (counts, errors by kind, tokens, cost, TTFT, feedback, cost per user),
# groups and buckets add up, bad options are usage errors, and `logs prune` removes requests
# with their feedback. Schema 12 still answers the SQL of schema 11 through the request_log view.
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/serve.sh"

run init proj
cd proj
stub_start --fault-rate 1 --faults 500
BROKEN=$STUB_URL
stub_start
GOOD=$STUB_URL
printf 'name: qa\nmessages:\n  - {role: user, content: "{{question}}"}\nvariables: {question: {required: true}}\n' >qa.yaml
run prompt add qa.yaml
printf 'name: bad\nmessages:\n  - {role: user, content: "{{question}}"}\nvariables: {question: {required: true}}\n' >bad.yaml
run prompt add bad.yaml
cat >llmops.yaml <<YAML
providers:
  broken: {type: openai, model: stub-model, base_url: $BROKEN/v1, api_key_env: "", retries: {max: 0}}
  good: {type: openai, model: stub-model, base_url: $GOOD/v1, api_key_env: ""}
environments:
  prod: {}
YAML
run deploy qa@1 --env prod --provider good
expect_rc 0 "deploy qa"
run deploy bad@1 --env prod --provider broken
expect_rc 0 "deploy bad"

run monitor --json
expect_rc 0 "monitor on an empty log"
expect_eq "$(json_get .total.requests)" 0 "no requests yet"
expect_eq "$(json_get .total.latency_ms.total.p50)" null "no percentile without requests"

serve_start prod
for i in 1 2 3 4; do
  chat "{\"model\":\"qa\",\"variables\":{\"question\":\"question $i\"},\"user\":\"u-$((i % 2))\"}"
  expect_eq "$STATUS" 200 "qa request $i"
done
first=$(header x-request-id)
curl -sN -H 'Content-Type: application/json' \
  -d '{"model":"qa","stream":true,"variables":{"question":"streamed"},"user":"u-9"}' \
  "$SERVE_URL/v1/chat/completions" >/dev/null
chat '{"model":"bad","variables":{"question":"fails"}}'
expect_eq "$STATUS" 502 "bad route fails"
chat '{"model":"nowhere","variables":{}}'
expect_eq "$STATUS" 404 "unknown route"
for value in true false; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "{\"request_id\":\"$first\",\"name\":\"helpful\",\"value\":$value}" "$SERVE_URL/v1/feedback")
  expect_eq "$code" 201 "feedback $value stored"
done
serve_stop

run logs list -n 0 --json
logs=$OUT
logged=$(printf '%s' "$logs" | jq length)
expect_eq "$logged" 9 "nine requests logged (seven chats, two feedback posts)"

run monitor --since 1h --json
expect_rc 0 "monitor --json"
expect_eq "$(json_get .total.requests)" "$logged" "monitor counts what logs list shows"
expect_eq "$(json_get .total.errors)" "$(printf '%s' "$logs" | jq '[.[] | select(.error_kind != null)] | length')" "errors"
expect_eq "$(json_get '.total.errors_by_kind.upstream_server.count')" 1 "the 502 by kind"
expect_eq "$(json_get '.total.errors_by_kind.unknown_route.rate * 9')" 1 "the 404 by kind, as a rate"
expect_eq "$(json_get .total.tokens.completion)" "$(printf '%s' "$logs" | jq '[.[].completion_tokens] | add')" "completion tokens"
expect_eq "$(json_get .total.tokens.prompt)" "$(printf '%s' "$logs" | jq '[.[].prompt_tokens] | add')" "prompt tokens"
expect_eq "$(json_get .total.ttft_ms.count)" 1 "TTFT of the one streamed request"
expect_eq "$(json_get .total.latency_ms.total.count)" "$logged" "a total latency per request"
expect_eq "$(json_get '.total.feedback[0].name')" helpful "feedback by name"
expect_eq "$(json_get '.total.feedback[0].count')" 2 "feedback count"
expect_eq "$(json_get '.total.feedback[0].mean')" 0.5 "feedback mean (true = 1, false = 0)"
expect_eq "$(json_get '.users.top | length')" 3 "three users"
expect_eq "$(json_get '.users.top[0].requests + .users.top[1].requests + .users.top[2].requests')" 5 "five requests named a user"
p50=$(json_get .total.latency_ms.total.p50)
p95=$(json_get .total.latency_ms.total.p95)
p99=$(json_get .total.latency_ms.total.p99)
expect_eq "$(echo "$p50 <= $p95 && $p95 <= $p99" | bc -l)" 1 "p50 <= p95 <= p99"
# The percentile rule of docs/metrics.md on the logged latencies (rounded to microseconds).
want_p95=$(printf '%s' "$logs" | jq '[.[].total_ms] | sort | ((length - 1) * 0.95) as $h | ($h | floor) as $i
  | .[$i] + ($h - $i) * ((.[$i + 1] // .[$i]) - .[$i])')
expect_eq "$(echo "($p95 - $want_p95) < 0.01 && ($want_p95 - $p95) < 0.01" | bc -l)" 1 "p95 follows the percentile rule"

run monitor --since 1h --by route --json
expect_eq "$(json_get '[.groups[].key] | join(",")')" "(none),bad,qa" "groups by route"
expect_eq "$(json_get '.groups[] | select(.key == "bad") | .total.error_rate')" 1 "bad: every request failed"
expect_eq "$(json_get '.groups[] | select(.key == "qa") | .total.errors')" 0 "qa: none failed"
expect_eq "$(json_get '[.groups[].total.requests] | add')" "$logged" "groups add up"

run monitor --since 1h --by release --bucket 1m --json
expect_eq "$(json_get '[.groups[].key] | sort | join(",")')" "(none),bad@1,qa@1" "groups by release"
expect_eq "$(json_get '[.buckets[].requests] | add')" "$logged" "buckets add up"
expect_eq "$(json_get '[.groups[] | select(.key == "qa@1") | .buckets[].requests] | add')" 5 "qa@1 series adds up"
expect_eq "$(json_get '.buckets | length')" "$(json_get '.groups[0].buckets | length')" "every group has every bucket"

run monitor --route qa --since 1h --json
expect_eq "$(json_get .total.requests)" 5 "--route"
expect_eq "$(json_get .selector.route)" qa "the selector is echoed"
run monitor --env nowhere --since 1h --json
expect_eq "$(json_get .total.requests)" 0 "an environment without requests"

run monitor --since 1h --by release --bucket 30m
expect_rc 0 "text output"
expect_contains "$OUT" "p95 ms" "the table's header"
expect_contains "$OUT" "qa@1" "a release row"
expect_contains "$OUT" "feedback helpful" "feedback line"
expect_contains "$OUT" "cost per user" "users"

# --- bad input: usage errors (exit 2) --------------------------------------------------------
run monitor --by user
expect_rc 2 "--by user"
expect_one_line_error "--by user"
run monitor --since yesterday
expect_rc 2 "--since yesterday"
expect_contains "$ERR" "--since" "names the option"
run monitor --since 1h --until 2h
expect_rc 2 "an inverted window"
expect_one_line_error "inverted window"
run monitor --since 30d --bucket 1s
expect_rc 2 "too many buckets"
run monitor --bucket soon
expect_rc 2 "a bad bucket"
run logs list --since yesterday
expect_rc 2 "logs list --since takes an ISO time"
expect_one_line_error "logs list --since yesterday"

# --- the SQL of schema 11 still works through the view ---------------------------------------
expect_eq "$(store_sql "SELECT COUNT(*) FROM request_log WHERE route = 'qa' AND status = 200")" 5 "the request_log view"
expect_eq "$(store_sql "SELECT id FROM request_log WHERE id = '$first'")" "$first" "ids in the view"
run logs show "$first" --json
expect_eq "$(json_get '.feedback | length')" 2 "logs show has the feedback"

# --- retention -------------------------------------------------------------------------------
run logs prune --before 30d
expect_rc 0 "prune nothing"
expect_contains "$ERR" "removed 0 request(s)" "nothing that old"
run logs prune --before "$(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ)" --json
expect_rc 0 "prune everything"
expect_eq "$(json_get .removed)" "$logged" "every request removed"
expect_eq "$(store_sql 'SELECT COUNT(*) FROM request_feedback')" 0 "their feedback too"
run monitor --since 1h --json
expect_eq "$(json_get .total.requests)" 0 "nothing left to monitor"
run logs prune --before soon
expect_rc 2 "a bad --before"
finish
