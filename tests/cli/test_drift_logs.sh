#!/usr/bin/env bash
# The request log and plain files as drift sides, and drift alert rules: `llmops drift` with
# logs:ROUTE[@ENV][:SINCE..UNTIL] sides (input variables, output text, latency, tokens,
# feedback), a dataset or a file against the log, bad side syntax; `monitor check` with drift
# rules against a dataset and against an earlier window, firing through an exec hook and
# resolving; bad drift rules stop with file:line:column.
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/serve.sh"

run init proj
cd proj
stub_start
printf 'name: qa\nmessages:\n  - {role: user, content: "{{question}}"}\nvariables: {question: {required: true}, tier: {}}\n' >qa.yaml
run prompt add qa.yaml
expect_rc 0 "prompt add"
providers="providers:
  good: {type: openai, model: stub-model, base_url: $STUB_URL/v1, api_key_env: \"\"}
environments:
  prod: {}"
printf '%s\n' "$providers" >llmops.yaml
run deploy qa@1 --env prod --provider good
expect_rc 0 "deploy"

# questions.py N SHIFT SEED: JSON request bodies, one a line. SHIFT 1 moves both the words and
# the tier (billing/free -> crypto/enterprise).
cat >questions.py <<'PY'
import json, random, sys
n, shift, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
words = ["billing invoice refund payment account", "crypto wallet blockchain token mining"][shift]
tiers = [["free", "pro"], ["enterprise", "team"]][shift]
for i in range(n):
    q = " ".join(rng.choice(words.split()) for _ in range(rng.randint(4, 10)))
    print(json.dumps({"model": "qa", "variables": {"question": q, "tier": rng.choice(tiers)}}))
PY
send() { # N SHIFT SEED
  local body
  while IFS= read -r body; do
    chat "$body"
    [ "$STATUS" = 200 ] || fail "a request failed: $STATUS $RESP"
  done < <(python3 questions.py "$@")
}
now_iso() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }

serve_start prod --log-bodies full
START=$(now_iso)
send 60 0 1
sleep 0.05
MIDDLE=$(now_iso)
sleep 0.05
send 60 1 2
# Feedback on the last request: a feedback column of the log.
chat '{"model":"qa","variables":{"question":"refund payment","tier":"free"}}'
rid=$(header x-request-id)
curl -s -o /dev/null -H 'Content-Type: application/json' \
  --data-binary "{\"request_id\":\"$rid\",\"name\":\"score\",\"value\":0.5}" "$SERVE_URL/v1/feedback"
sleep 0.05
END=$(now_iso)
serve_stop

# --- log against log: the two halves differ in words and tier ---------------------------------
run drift "logs:qa@prod:$START..$MIDDLE" "logs:qa@prod:$MIDDLE..$END" --json
expect_rc 1 "the halves drifted: exit 1"
expect_eq "$(json_get '[.columns[].column] | join(",")')" "question,tier" "default columns: the input variables"
expect_eq "$(json_get '.reference.rows')" 60 "reference: the first 60 requests"
expect_eq "$(json_get '.current.rows')" 61 "current: the rest"
expect_eq "$(json_get '.columns[] | select(.column == "tier") | .drifted')" true "tier drifted"
expect_eq "$(json_get '.columns[] | select(.column == "question") | .kind')" text "question is text"
expect_contains "$(json_get '.reference.source')" "logs:qa@prod [" "the label names the selection and window"

run drift "logs:qa@prod:$START..$MIDDLE" "logs:qa:$START..$MIDDLE" --json
expect_rc 0 "a window against itself (env any) does not drift"

run drift "logs:qa@prod:$START..$MIDDLE" "logs:*@prod:$MIDDLE..$END" --columns output,latency_ms,completion_tokens,status --json
expect_contains "$(json_get '[.columns[].column] | join(",")')" "output,latency_ms,completion_tokens,status" "log fields by --columns"
expect_eq "$(json_get '.columns[] | select(.column == "output") | .skipped')" null "output text is compared"
expect_eq "$(json_get '.columns[] | select(.column == "output") | .kind')" text "output is text"
expect_eq "$(json_get '.columns[] | select(.column == "latency_ms") | .kind')" numeric "latency is numeric"

run drift "logs:qa@prod:$START..$MIDDLE" "logs:qa@prod:$MIDDLE..$END" --columns feedback.score --json
expect_rc 3 "feedback on one side only: nothing to test"
expect_contains "$ERR" "feedback.score" "the column is named"

# --- a dataset and a plain file against the log ----------------------------------------------
python3 questions.py 200 0 7 | python3 -c '
import json, sys
for line in sys.stdin:
    print(json.dumps(json.loads(line)["variables"]))' >reference.jsonl
run data add reference.jsonl --name qa-inputs -q
expect_rc 0 "data add"
run drift qa-inputs "logs:qa@prod:$START..$MIDDLE" --drift-share 1 --json
expect_rc 0 "the first half looks like the dataset"
expect_eq "$(json_get '[.columns[].column] | join(",")')" "question,tier" "the dataset's fields"
run drift qa-inputs "logs:qa@prod:$MIDDLE..$END" --json
expect_rc 1 "the second half drifted from the dataset"
run drift reference.jsonl "logs:qa@prod:$MIDDLE..$END" --json
expect_rc 1 "a JSONL file as the reference"
expect_eq "$(json_get '.reference.source')" reference.jsonl "the file's label"
printf 'question,tier\nrefund payment invoice account,free\nbilling refund,pro\n' >ref.csv
run drift file:ref.csv "logs:qa@prod:$START..$MIDDLE" --columns tier --json
expect_eq "$(json_get '.reference.rows')" 2 "a CSV file with file:"

# --- bad sides ---------------------------------------------------------------------------------
for side in "logs:" "logs:qa@" "logs:qa:" "logs:qa:2h..3h" "logs:qa:yesterday"; do
  run drift "$side" qa-inputs
  expect_rc 2 "bad side $side"
  expect_one_line_error "bad side $side"
done
run drift "logs:nothing@prod:1h" qa-inputs
expect_rc 3 "an empty selection"
expect_contains "$ERR" "has no rows" "says so"
run drift file:missing.csv qa-inputs
expect_rc 3 "a missing file"

# --- drift alert rules -----------------------------------------------------------------------
cat >llmops.yaml <<YAML
$providers
alerts:
  notify: {exec: "(cat; echo) >> tickets.jsonl"}
  rules:
    - name: InputsDrift
      metric: drift
      selector: {env: prod, route: qa}
      window: 1h
      drift: {reference: qa-inputs, drift_share: 1}
    - name: TierShare
      metric: drift_share
      selector: {env: prod, route: qa}
      window: 1h
      comparison: ">="
      threshold: 0.5
      drift: {reference: qa-inputs, columns: [tier]}
    - name: LatencyVsLastWeek
      metric: drift_score.latency_ms
      selector: {route: qa}
      window: 1h
      threshold: 0.1
      drift: {reference_offset: 7d}
YAML
run monitor check --json
expect_rc 1 "drift rules fire: exit 1"
state_of() { json_get ".alerts[] | select(.rule == \"$1\") | .state"; }
expect_eq "$(state_of InputsDrift)" firing "InputsDrift fires (the last hour holds the shifted half)"
expect_eq "$(json_get '.alerts[] | select(.rule == "InputsDrift") | .value')" 1 "value: the verdict"
expect_eq "$(state_of TierShare)" firing "TierShare fires"
expect_eq "$(state_of LatencyVsLastWeek)" inactive "no requests a week ago: no value"
expect_contains "$(json_get '.alerts[] | select(.rule == "LatencyVsLastWeek") | .note')" "has no rows" "the note says why"
expect_eq "$(jq -r 'select(.alerts[0].labels.alertname == "InputsDrift") | .alerts[0].status' tickets.jsonl)" firing "the exec hook got the firing alert"
run monitor check --json
expect_eq "$(wc -l <tickets.jsonl | tr -d ' ')" 2 "no second ticket while firing"
# Seen from a time when only the first half was logged, the inputs match the dataset: resolved.
run monitor check --json --at "$MIDDLE"
expect_eq "$(state_of InputsDrift)" resolved "InputsDrift resolves"
expect_eq "$(jq -r 'select(.alerts[0].labels.alertname == "InputsDrift") | .alerts[0].status' tickets.jsonl | tr '\n' ,)" "firing,resolved," "and the hook hears it"

# --- inside serve: the alert loop evaluates drift rules too (they fire again: now) ----------
sed -i 's/^alerts:$/alerts:\n  evaluate_every: 1s/' llmops.yaml
serve_start prod
fired_again() { [ "$(jq -r 'select(.alerts[0].labels.alertname == "InputsDrift") | .alerts[0].status' tickets.jsonl | tr '\n' ,)" = "firing,resolved,firing," ]; }
wait_until "serve's alert loop to fire InputsDrift again" fired_again
serve_stop
expect_eq "$SERVE_RC" 0 "serve stops cleanly"
expect_contains "$(cat "$SERVE_LOG")" "InputsDrift is firing" "serve says so"

# --- bad drift rules ---------------------------------------------------------------------------
bad_rule() { # YAML-RULE WHAT EXPECTED-MESSAGE-PART
  { printf '%s\n' "$providers"; printf 'alerts:\n  rules:\n%s\n' "$1"; } >llmops.yaml
  local before
  before=$(store_digest)
  run monitor check
  expect_rc 3 "$2"
  expect_one_line_error "$2"
  expect_contains "$ERR" "$3" "$2: message"
  expect_contains "$ERR" "llmops.yaml:" "$2: names the file"
  expect_eq "$(store_digest)" "$before" "$2: the store is untouched"
}
bad_rule '    - {name: A, metric: drift}' "drift without a reference" "needs a drift section"
bad_rule '    - {name: A, metric: drift, drift: {reference: x, reference_offset: 1d}}' "two references" "either reference"
bad_rule '    - {name: A, metric: error_rate, threshold: 1, drift: {reference: x}}' "drift on another metric" "only the metrics drift"
bad_rule '    - {name: A, metric: drift, selector: {status: 200}, drift: {reference: x}}' "drift selector" "env and route only"
bad_rule '    - {name: A, metric: drift, drift: {reference_offset: soon}}' "bad offset" "not a duration"
bad_rule '    - {name: A, metric: requests}' "no threshold" "needs a threshold"
{ printf '%s\n' "$providers"; printf 'alerts:\n  rules:\n    - {name: A, metric: drift, drift: {reference: no-such-set}}\n'; } >llmops.yaml
run monitor check
expect_rc 3 "an unknown reference dataset"
finish
