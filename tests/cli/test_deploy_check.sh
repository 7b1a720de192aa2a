#!/usr/bin/env bash
# llmops deploy check: a canary against its stable release on the traffic each served since the
# canary started. Real traffic through `llmops serve` and the stub LLM: hold (too little data),
# promote (--auto moves the traffic and records the verdict), rollback of a canary whose
# provider fails, a recorded hold; exact figures (Fisher, Mann-Whitney U, p95s, feedback) on
# request-log rows written into the store; serve's scheduled check with auto: true; bad input
# (exit codes, the store unchanged).
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
# The gateway-driven arms come from one stub: their latencies differ only by chance, so the
# latency tolerance is wide there (this test asserts no timing); lab's figures are exact.
cat >llmops.yaml <<YAML
providers:
  good: {type: openai, model: stub-model, base_url: $GOOD/v1, api_key_env: ""}
  broken: {type: openai, model: stub-model, base_url: $BROKEN/v1, api_key_env: "", retries: {max: 0}}
environments:
  prod:
    canary_policy: {min_requests: 20, max_latency_increase: 1000}
  lab:
    canary_policy: {min_requests: 5}
  sched:
    canary_policy: {min_requests: 10, max_latency_increase: 1000, schedule: 1s, auto: true}
YAML

# send N FIRST: N chat requests, one per user key uFIRST..; all must come back (any status).
send() {
  local i
  for i in $(seq "$2" $(($2 + $1 - 1))); do
    chat "{\"model\":\"ask\",\"user\":\"u$i\",\"variables\":{\"question\":\"q$i\"}}"
  done
}
logged() { sql_count_at_least "$1" "SELECT COUNT(*) FROM request_log WHERE env = '$2'"; }
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
run deploy check prod
expect_rc 0 "check healthy canary"
expect_contains "$OUT" "PROMOTE: no significant regression" "text verdict"
expect_contains "$OUT" "latency p95" "p95 shown"
expect_contains "$OUT" "error_rate" "error rate compared"
expect_contains "$OUT" "not applied" "says it applied nothing"
run deploy check prod --json
expect_eq "$(json_get .verdict)" promote "verdict promote"
expect_eq "$(json_get '.stable.requests + .canary.requests')" 120 "every request counted in an arm"
expect_eq "$(json_get '.comparisons | map(.metric) | join(",")')" "error_rate,latency,cost" "comparisons"
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
expect_eq "$(json_get '.[0].gates | map(.gate) | join(",")')" "min_requests 20,error_rate,latency,cost" "evidence"
expect_eq "$(json_get '.[0].gates[0].figures.canary.requests + .[0].gates[0].figures.stable.requests')" 120 "figures kept"
run prompt show ask@prod --json
expect_eq "$(json_get .version)" 2 "the prod label moved to ask@2"
# The gateway picks the promotion up like any deploy.
release_of_u1() { chat '{"model":"ask","user":"u1","variables":{"question":"x"}}'; [ "$(header x-llmops-release)" = "ask@2" ]; }
wait_until "the gateway serving release 2" release_of_u1

# --- rollback: a canary whose provider fails ------------------------------------------------------
run deploy ask@3 --env prod --provider broken --canary 50
expect_rc 0 "canary ask@3 on the broken provider"
send 120 1001
wait_until "240 requests logged" logged 241 prod
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

# --- exact figures on logged rows ------------------------------------------------------------------
run deploy ask@1 --env lab --provider good --route exact
expect_rc 0 "lab stable"
run deploy ask@2 --env lab --provider good --route exact --canary 50
expect_rc 0 "lab canary"
stable_id=$(store_sql "SELECT id FROM releases WHERE env = 'lab' AND number = 1")
canary_id=$(store_sql "SELECT id FROM releases WHERE env = 'lab' AND number = 2")
row=0
# log CANARY STATUS ERROR_KIND TOTAL_MS COST [CREATED_AT]: one request-log row, as the gateway writes it.
log() {
  row=$((row + 1))
  local release=$stable_id number=1 created=${6:-}
  if [ "$1" = 1 ]; then release=$canary_id number=2; fi
  local kind="NULL"
  [ -n "$3" ] && kind="'$3'"
  local at="strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
  [ -n "$created" ] && at="'$created'"
  store_sql "INSERT INTO request_log (id, created_at, env, method, path, route, release_id,
    release_number, canary, status, error_kind, total_ms, queue_ms, upstream_ms, overhead_ms,
    prompt_tokens, completion_tokens, cost_usd, cached, streamed, body_policy)
    VALUES ('req_lab_$row', $at, 'lab', 'POST', '/v1/chat/completions', 'exact', $release,
    $number, $1, $2, $kind, $4, 0, $4, 0, 10, 5, $5, 0, 0, 'none')"
}
feedback() { # ROW VALUE
  store_sql "INSERT INTO request_feedback (request_id, name, value_type, value_number, comment,
    created_at) VALUES ('req_lab_$1', 'helpful', 'boolean', $2, '', '2026-01-01T00:00:00.000Z')"
}
# [scipy] mannwhitneyu([3,4,4,5,5,6,7,7,8], [1,2,2,3,3,3,4,5], method='asymptotic') =
# (64.5, 0.006373133838085873); np.percentile p95: 7.6 and 4.65.
for ms in 1 2 2 3 3 3 4 5; do log 0 200 "" "$ms" 0.001; done                 # rows 1-8: stable
for ms in 3 4 4 5 5 6 7 7 8; do log 1 200 "" "$ms" 0.002; done               # rows 9-17: canary
log 1 200 upstream_server 900 0.002         # row 18: a stream that failed after its 200: an error
log 1 400 bad_field 1 0                     # row 19: the client's fault: not counted
log 0 502 upstream_server 50 0.001 2020-01-01T00:00:00.000Z # row 20: before the canary started
# [scipy] feedback: mannwhitneyu([0,0,1,0,0], [1,1,1,1,0], method='asymptotic') = (5.0,
# 0.09295731572744009): lower, not significant at 0.05.
for r in 1 2 3 4; do feedback "$r" 1; done
feedback 5 0
for r in 9 10 12 13; do feedback "$r" 0; done
feedback 11 1
before=$(store_digest)
run deploy check lab --json
expect_rc 1 "lab: rollback"
expect_eq "$(store_digest)" "$before" "check without --auto leaves the store as it was"
expect_eq "$(json_get .route)" exact "the environment's only route"
expect_eq "$(json_get '[.stable.requests, .canary.requests, .stable.errors, .canary.errors] | join(",")')" "8,10,0,1" "counts"
expect_eq "$(json_get '.comparisons[0].test')" "Fisher exact" "small counts: Fisher"
# [scipy] fisher_exact([[0, 8], [1, 9]]) = (0.0, 1.0)
expect_eq "$(json_get '.comparisons[0].p_value')" 1 "Fisher p"
expect_eq "$(json_get '.comparisons[0].failed')" false "one error: not significant"
expect_eq "$(json_get '.comparisons[1].statistic')" 64.5 "latency U of the canary"
expect_eq "$(json_get '.comparisons[1].p_value * 1e9 | round')" 6373134 "latency p (scipy 0.006373133838)"
expect_eq "$(json_get '.comparisons[1].canary * 1000 | round')" 7600 "canary p95"
expect_eq "$(json_get '.comparisons[1].stable * 1000 | round')" 4650 "stable p95"
expect_eq "$(json_get '.comparisons[1].failed')" true "latency worse"
# [scipy] mannwhitneyu([0.002]*10, [0.001]*8, method='asymptotic') = (80.0, 4.669796503602038e-05)
expect_eq "$(json_get '.comparisons[2].statistic')" 80 "cost U"
expect_eq "$(json_get '.comparisons[2].p_value * 1e12 | round')" 46697965 "cost p"
expect_eq "$(json_get '.canary.cost_per_request * 1e6 | round')" 2000 "cost per request"
expect_eq "$(json_get '.comparisons[3].metric')" "feedback helpful" "feedback compared"
expect_eq "$(json_get '.comparisons[3].statistic')" 5 "feedback U"
expect_eq "$(json_get '.comparisons[3].p_value * 1e9 | round')" 92957316 "feedback p"
expect_eq "$(json_get '.comparisons[3].canary_worse') $(json_get '.comparisons[3].failed')" "true false" "lower, not significant"
expect_eq "$(json_get '.canary.feedback.helpful.mean') $(json_get '.stable.feedback.helpful.count')" "0.2 5" "feedback figures"
expect_eq "$(json_get .reason)" "the canary is significantly worse on latency, cost" "reason"
run deploy check lab
expect_contains "$OUT" "Fisher exact" "text names the test"
expect_contains "$OUT" "p95 canary 7.6 ms vs stable 4.6 ms" "text p95s"
expect_contains "$OUT" "feedback helpful" "text feedback"

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
no_canary() { [ "$(store_sql "SELECT canary_release_id IS NULL FROM deploy_traffic WHERE env = 'sched'")" = 1 ]; }
wait_until "the scheduled check rolling the canary back" no_canary
run deploy history sched --json -n 1
expect_eq "$(json_get '.[0].action') $(json_get '.[0].outcome')" "check rollback" "recorded by serve"
expect_eq "$(store_sql "SELECT COUNT(*) FROM deploy_attempts WHERE env = 'sched' AND outcome = 'hold'")" 0 \
  "serve records no holds"
serve_stop
expect_eq "$SERVE_RC" 0 "serve stops cleanly"
expect_contains "$(cat "$SERVE_LOG")" "canary check sched route ask: rollback (applied, attempt" "serve notes it"
finish
