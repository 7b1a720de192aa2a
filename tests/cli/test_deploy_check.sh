#!/usr/bin/env bash
# llmops deploy check: a canary against its stable release on the traffic each served since the
# canary started. Real traffic through `llmops serve` and the stub LLM: hold (too little data),
# promote (--auto moves the traffic and records the verdict), rollback of a canary whose
# provider fails, a recorded hold, feedback scores compared, serve's scheduled check with
# auto: true, and bad input (exit codes, the store unchanged).
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/serve.sh"

run init proj
expect_rc 0 init
cd proj
stub_start
GOOD=$STUB_URL
stub_start --fault-rate 1 --faults 500
BROKEN=$STUB_URL
for version in 1 2 3; do
  printf 'name: ask\nmessages:\n  - {role: user, content: "v%s {{question}}"}\nvariables: {question: {required: true}}\n' \
    "$version" >ask.yaml
  run prompt add ask.yaml
  expect_rc 0 "prompt add ask v$version"
done
# Both arms of a healthy canary come from one stub: their latencies differ only by chance, so
# the latency tolerance is wide (this test asserts no timing). The exact figures of every test
# are checked in tests/unit/deploy/test_canary_analysis.cpp.
cat >llmops.yaml <<YAML
providers:
  good: {type: openai, model: stub-model, base_url: $GOOD/v1, api_key_env: ""}
  broken: {type: openai, model: stub-model, base_url: $BROKEN/v1, api_key_env: "", retries: {max: 0}}
environments:
  prod:
    canary_policy: {min_requests: 20, max_latency_increase: 1000}
  sched:
    canary_policy: {min_requests: 10, max_latency_increase: 1000, schedule: 1s, auto: true}
YAML

# SENT counts every chat request of this test, so a wait for the log can ask for all of them
# (a lower bound would return while the last rows are still being written).
SENT=0
counted_chat() { chat "$@"; SENT=$((SENT + 1)); }
# send N FIRST: N chat requests, one per user key uFIRST..; all must come back (any status).
send() {
  local i
  for i in $(seq "$2" $(($2 + $1 - 1))); do
    counted_chat "{\"model\":\"ask\",\"user\":\"u$i\",\"variables\":{\"question\":\"q$i\"}}"
  done
}
# Feedback posts are logged too: count only the chat requests, or the wait ends early.
logged() { sql_count_at_least "$1" "SELECT COUNT(*) FROM request_log WHERE env = '$2' AND path = '/v1/chat/completions'"; }
attempts() { store_sql "SELECT COUNT(*) FROM deploy_attempts"; }

run deploy ask@1 --env prod --provider good
expect_rc 0 "deploy ask@1"
run deploy ask@2 --env prod --provider good --canary 50
expect_rc 0 "canary ask@2 at 50%"
serve_start prod

# --- hold: no traffic yet --------------------------------------------------------------------------
before=$(store_digest)
run deploy check prod --json
expect_rc 0 "check with no traffic"
expect_eq "$(json_get .verdict)" hold "no traffic: hold"
expect_contains "$(json_get .reason)" "too little data" "hold says why"
expect_eq "$(json_get .canary.requests)" 0 "no canary requests"
expect_eq "$(json_get .policy.min_requests)" 20 "min_requests from llmops.yaml"
expect_eq "$(json_get .applied)" false "not applied without --auto"
expect_eq "$(store_digest)" "$before" "a check without --auto writes nothing"

# --- promote: both arms from the same healthy provider ---------------------------------------------
send 120 1
wait_until "120 logged requests" logged 120 prod
# Feedback on the first 40 requests, through the gateway.
for id in $(store_sql "SELECT id FROM request_log WHERE env = 'prod' ORDER BY seq LIMIT 40"); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "{\"request_id\":\"$id\",\"name\":\"helpful\",\"value\":true}" "$SERVE_URL/v1/feedback")
  expect_eq "$code" 201 "feedback for $id"
done
run deploy check prod
expect_rc 0 "check healthy canary"
expect_contains "$OUT" "PROMOTE: no significant regression" "text verdict"
expect_contains "$OUT" "latency p95" "p95 shown"
expect_contains "$OUT" "error_rate" "error rate compared"
expect_contains "$OUT" "not applied" "says it applied nothing"
run deploy check prod --json
expect_eq "$(json_get .verdict)" promote "verdict promote"
expect_eq "$(json_get '.stable.requests + .canary.requests')" 120 "every request counted in an arm"
expect_eq "$(json_get '.comparisons | map(.metric) | join(",")')" "error_rate,latency,cost,feedback helpful" "comparisons"
expect_eq "$(json_get '.stable.feedback.helpful.count + .canary.feedback.helpful.count')" 40 "every score counted"
expect_eq "$(json_get '.comparisons[3].p_value')" 1 "equal scores: p = 1"
expect_eq "$(json_get '.comparisons[0].p_value')" 1 "no errors: p = 1"
expect_eq "$(json_get '.stable.release.number')" 1 "stable is release 1"
expect_eq "$(json_get '.canary.release.number')" 2 "canary is release 2"
expect_eq "$(json_get '.stable.latency_ms.p95 > 0')" true "stable p95 measured"
n_before=$(attempts)
run deploy check prod --auto --json
expect_rc 0 "check --auto promotes"
expect_eq "$(json_get .applied)" true "applied"
expect_eq "$(json_get .change.after.stable.number)" 2 "release 2 is stable now"
expect_eq "$(json_get .change.after.canary)" null "no canary left"
expect_eq "$(attempts)" $((n_before + 1)) "one attempt recorded"
run deploy history prod --json -n 1
expect_eq "$(json_get '.[0].action')" check "history: action check"
expect_eq "$(json_get '.[0].outcome')" promote "history: outcome promote"
expect_eq "$(json_get '.[0].release')" 2 "history: the canary's release"
expect_contains "$(json_get '.[0].message')" "deploy check: promote release 2" "history message"
expect_eq "$(json_get '.[0].gates | map(.gate) | join(",")')" "min_requests 20,error_rate,latency,cost,feedback helpful" "evidence"
expect_eq "$(json_get '.[0].gates[0].figures.canary.requests + .[0].gates[0].figures.stable.requests')" 120 "figures kept"
run prompt show ask@prod --json
expect_eq "$(json_get .version)" 2 "the prod label moved to ask@2"
# The gateway picks the promotion up like any deploy.
release_of_u1() { counted_chat '{"model":"ask","user":"u1","variables":{"question":"x"}}'; [ "$(header x-llmops-release)" = "ask@2" ]; }
wait_until "the gateway serving release 2" release_of_u1

# --- rollback: a canary whose provider fails ------------------------------------------------------
run deploy ask@3 --env prod --provider broken --canary 50
expect_rc 0 "canary ask@3 on the broken provider"
# Traffic sent before the gateway picks the canary up all goes to the stable release, and on a
# loaded machine that left the canary too few requests for the z test.
wait_until "the gateway picking the canary up" grep -q "canary ask@3 at 50%" "$SERVE_LOG"
send 120 1001
wait_until "every request logged" logged "$SENT" prod
run deploy check prod --json
expect_rc 1 "a rollback verdict exits 1"
expect_eq "$(json_get .verdict)" rollback "verdict rollback"
expect_eq "$(json_get .reason)" "the canary is significantly worse on error_rate" "reason names the metric"
expect_eq "$(json_get '.comparisons[0].test')" "two-proportion z" "large counts: z test"
expect_eq "$(json_get '.comparisons[0].failed')" true "error rate failed"
expect_eq "$(json_get '.canary.error_rate')" 1 "every canary request failed"
expect_eq "$(json_get '.stable.error_rate')" 0 "no stable request failed"
expect_eq "$(json_get '.comparisons[0].p_value < 0.0001')" true "p tiny"
expect_eq "$(json_get '.canary.latency_ms.p95')" null "no latency sample for a canary that only failed"
expect_eq "$(json_get '.comparisons[1].tested')" false "latency not tested"
canary_n=$(json_get .canary.requests)
run deploy check prod --auto
expect_rc 1 "--auto rollback exits 1"
expect_contains "$OUT" "ROLLBACK: the canary is significantly worse on error_rate" "text verdict"
expect_contains "$OUT" "applied: rollback" "text says applied"
run deploy status prod --json
expect_eq "$(json_get '.[0].canary')" null "canary dropped"
expect_eq "$(json_get '.[0].stable.number')" 2 "stable unchanged"
run deploy history prod --json -n 1
expect_eq "$(json_get '.[0].outcome')" rollback "history: rollback"
expect_eq "$(json_get '.[0].gates[1].figures.canary')" 1 "history keeps the canary's error rate"
expect_eq "$(json_get '.[0].gates[0].figures.canary.requests')" "$canary_n" "and its requests"

# --- hold with --auto is recorded, moves nothing --------------------------------------------------
run deploy ask@3 --env prod --provider good --canary 10
expect_rc 0 "a new canary"
run deploy check prod --auto --json
expect_rc 0 "hold exits 0"
expect_eq "$(json_get .verdict)" hold "new canary: hold (its requests start now)"
expect_eq "$(json_get .canary.requests)" 0 "the previous canary's requests do not count"
run deploy history prod --json -n 1
expect_eq "$(json_get '.[0].action') $(json_get '.[0].outcome')" "check hold" "hold recorded"
run deploy status prod --json
expect_eq "$(json_get '.[0].canary.number')" 4 "the canary stays"
serve_stop

# --- bad input: usage and config errors leave the store as it was ---------------------------------
before=$(store_digest)
run deploy check nope --auto
expect_rc 2 "unknown environment"
expect_one_line_error "unknown environment"
expect_contains "$ERR" "unknown environment 'nope'" "names it"
run deploy check prod --route nope --auto
expect_rc 2 "unknown route"
expect_contains "$ERR" "nothing is deployed to route 'nope' in prod" "names the route"
run deploy check
expect_rc 2 "missing ENV"
run deploy check sched --auto
expect_rc 2 "nothing deployed to the environment"
expect_one_line_error "empty environment"
run deploy ask@1 --env sched --provider good
run deploy check sched --auto
expect_rc 2 "no canary"
expect_contains "$ERR" "has no canary to check" "says so"
after_deploy=$(store_digest)
cp llmops.yaml llmops.yaml.good
printf 'environments:\n  prod:\n    canary_policy:\n      min_requests: 0\n' >llmops.yaml
run deploy check prod --auto
expect_rc 3 "bad canary_policy"
expect_one_line_error "bad canary_policy"
expect_contains "$ERR" "llmops.yaml:4:" "located"
printf 'environments:\n  prod:\n    canary_policy: {schedule: often}\n' >llmops.yaml
run deploy check prod
expect_rc 3 "bad schedule"
expect_contains "$ERR" "schedule 'often'" "names the value"
expect_contains "$ERR" "llmops.yaml:3:" "located"
mv llmops.yaml.good llmops.yaml
expect_eq "$(store_digest)" "$after_deploy" "bad input changed nothing"
[ "$before" != "$after_deploy" ] || fail "the deploy in between should have changed the store"

# --- serve runs the check on a schedule and rolls the failing canary back --------------------------
run deploy ask@3 --env sched --provider broken --canary 50
expect_rc 0 "sched canary on the broken provider"
serve_start sched
send 60 5001
no_canary() { [ "$(store_sql "SELECT COUNT(*) FROM deploy_traffic WHERE env = 'sched' AND canary_release_id IS NULL")" = 1 ]; }
wait_until "the scheduled check rolling the canary back" no_canary
run deploy history sched --json -n 1
expect_eq "$(json_get '.[0].action') $(json_get '.[0].outcome')" "check rollback" "recorded by serve"
expect_eq "$(store_sql "SELECT COUNT(*) FROM deploy_attempts WHERE env = 'sched' AND outcome = 'hold'")" 0 \
  "serve records no holds"
serve_stop
expect_eq "$SERVE_RC" 0 "serve stops cleanly"
expect_contains "$(cat "$SERVE_LOG")" "canary check sched route ask: rollback (applied, attempt" "serve notes it"
finish
