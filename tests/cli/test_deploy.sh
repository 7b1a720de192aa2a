#!/usr/bin/env bash
# llmops deploy: environments and gates against the stub server — a blocked regression, a
# passing candidate, evidence reuse (no new requests), requires:, a forced deploy, rollback,
# canary ramp (sticky and monotone), promote, history --at, bad input and a race of two deploys.
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"

run init proj
expect_rc 0 init
cd proj

# 30 cases; the stub answers with the upper-cased last user message.
for i in $(seq 1 30); do
  printf '{"id":"c%02d","question":"what is %d plus %d?","expected":"WHAT IS %d PLUS %d?"}\n' \
    "$i" "$i" "$i" "$i" "$i"
done >cases.jsonl
run data add cases.jsonl --name cases
expect_rc 0 "data add"
write_prompt() { # CONTENT [SYSTEM]
  {
    echo "name: ask"
    echo "messages:"
    if [ -n "${2:-}" ]; then echo "  - {role: system, content: \"$2\"}"; fi
    echo "  - role: user"
    echo "    content: \"$1\""
    echo "variables:"
    echo "  question: {type: string, required: true}"
  } >ask.yaml
  run prompt add ask.yaml
  expect_rc 0 "prompt add"
}
write_prompt "{{question}}"                       # ask@1: answers equal the expected text
write_prompt "Please: {{question}}"               # ask@2: still contains it, never equals it
write_prompt "{{question}}" "Be brief."           # ask@3: the same answers as ask@1

stub_start
FAST=$STUB_URL
stub_start --latency-ms 300
SLOW=$STUB_URL
requests() { curl -s "$FAST/stats" | jq -r '.total'; }

cat >gate.yaml <<'YAML'
dataset: cases@latest
prompts: [ask]
providers: [stub]
metrics:
  - contains: "{{expected}}"
  - equals: {expected: "{{expected}}"}
thresholds: {contains: {mean: 0.9}}
YAML
cat >llmops.yaml <<YAML
providers:
  stub: {type: openai, model: stub-model, base_url: $FAST/v1, api_key_env: ""}
  slow: {type: openai, model: stub-model, base_url: $SLOW/v1, api_key_env: ""}
environments:
  staging:
    gates:
      - eval: gate.yaml
      - min_cases: 20
  production:
    requires: staging
    gates:
      - eval: gate.yaml
      - no_regression: {eval: gate.yaml, metrics: [equals], alpha: 0.05}
      - min_cases: 20
  race:
    gates:
      - eval: gate.yaml
YAML

# --- requires: nothing is live in staging yet; every gate still runs --------------------------
before=$(requests)
run deploy ask@1 --env production --provider stub
expect_rc 1 "production before staging"
expect_contains "$OUT" "requires staging" "requires gate listed"
expect_contains "$OUT" "BLOCKED" "blocked"
expect_eq "$(( $(requests) - before ))" 30 "the eval gate asked 30 cases"
run deploy status production
expect_rc 0 "status"
expect_contains "$ERR" "nothing is deployed to production" "nothing moved"

# --- a passing candidate; the blocked attempt's eval is its evidence ---------------------------
before=$(requests)
run deploy ask@1 --env staging --provider stub --json
expect_rc 0 "deploy to staging"
expect_eq "$(json_get .outcome)" passed "staging outcome"
expect_eq "$(json_get .release.number)" 1 "release 1"
expect_eq "$(json_get '.gates[0].eval.reused')" true "the stored eval is reused"
expect_eq "$(requests)" "$before" "no request with stored evidence"
T_STAGING_ONLY=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
sleep 0.01

# --- production: requires met, evidence reused again ----------------------------------------------
before=$(requests)
run deploy ask@1 --env production --provider stub
expect_rc 0 "deploy ask@1 to production"
expect_contains "$OUT" "reused, no requests" "evidence reuse is said"
expect_contains "$OUT" "nothing is live: no baseline" "first production release has no baseline"
expect_eq "$(requests)" "$before" "no new request with stored evidence"
run prompt show ask@production --json
expect_rc 0 "prompt show ask@production"
expect_eq "$(json_get .ref)" ask@1 "the production label follows the release"
T_ONE=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
sleep 0.01

# --- a significant regression is blocked; nothing moves ---------------------------------------
run deploy ask@2 --env staging --provider stub
expect_rc 0 "ask@2 passes staging (contains holds)"
digest_traffic() { { store_sql 'SELECT * FROM deploy_traffic ORDER BY env, route'; store_sql 'SELECT * FROM prompt_labels ORDER BY prompt_id, label'; } | sha256sum; }
traffic_before=$(digest_traffic)
run deploy ask@2 --env production --provider stub --json --junit gates.xml --markdown gates.md
expect_rc 1 "regression blocked"
expect_eq "$(json_get .outcome)" blocked "outcome blocked"
expect_eq "$(json_get '[.gates[] | select(.passed | not)] | length')" 1 "exactly one gate fails"
expect_eq "$(json_get '.gates[] | select(.gate | startswith("no_regression")) | .figures.metrics[0].test')" \
  mcnemar-chi2 "McNemar chi-square on 30 discordant pairs"
expect_eq "$(json_get '.gates[] | select(.gate | startswith("no_regression")) | .figures.metrics[0].regression')" \
  true "regression flagged"
expect_eq "$(digest_traffic)" "$traffic_before" "traffic and labels untouched"
xmllint --noout gates.xml || fail "JUnit report is not well-formed XML"
expect_contains "$(cat gates.xml)" '<failure message="equals fell 1' "JUnit names the failed gate"
expect_contains "$(cat gates.md)" 'no\_regression gate.yaml | **FAIL** |' "Markdown table"

# --- forced deploy, then rollback ---------------------------------------------------------------
run deploy ask@2 --env production --provider stub --force
expect_rc 2 "--force without a message"
run deploy ask@2 --env production --provider stub --force -m "hotfix for incident 42"
expect_rc 0 "forced deploy"
expect_contains "$OUT" "FORCED" "forced said"
run deploy status production --json
expect_eq "$(json_get '.[0].stable.number')" 2 "release 2 live after force"
run deploy rollback production -m "back out"
expect_rc 0 "rollback"
run deploy status production --json
expect_eq "$(json_get '.[0].stable.number')" 1 "rollback returns release 1"
run prompt show ask@production --json
expect_eq "$(json_get .ref)" ask@1 "label follows the rollback"
run deploy history production --json
expect_eq "$(json_get '[.[] | .outcome] | join(",")')" "done,forced,blocked,passed,blocked" \
  "every attempt recorded, newest first"
expect_eq "$(json_get '.[1].message')" "hotfix for incident 42" "forced message recorded"

# --- canary: sticky and monotone, ramp, promote -------------------------------------------------
run deploy ask@3 --env staging --provider stub
expect_rc 0 "ask@3 to staging"
run deploy ask@3 --env production --canary 200
expect_rc 2 "canary weight over 100"
run deploy ask@3 --env production --canary 10 --json
expect_rc 0 "canary at 10%"
expect_eq "$(json_get .canary_percent)" 10 "canary percent"
CANARY=$(json_get .release.number)
in_canary() { # -> the keys (of 200) the canary serves; one answer per --key, in order
  local args=() k
  for k in $(seq 1 200); do args+=(--key "user-$k"); done
  "$LLMOPS_BIN" deploy route production "${args[@]}" --json | jq -r 'select(.canary) | .key' | sort
}
at10=$(in_canary)
run deploy route production --key user-1 --key user-2 --json
expect_eq "$(jq -s 'map(.key) | join(",")' <<<"$OUT")" '"user-1,user-2"' "one answer per key, in order"
run deploy route production --key user-1 --key user-2
expect_eq "$(cut -d' ' -f1 <<<"$OUT" | paste -sd' ')" "user-1: user-2:" "several keys: each line names its key"
run deploy ramp production 25
expect_rc 0 "ramp 25"
at25=$(in_canary)
run deploy ramp production 50
expect_rc 0 "ramp 50"
at50=$(in_canary)
missing=$(comm -23 <(printf '%s\n' "$at10") <(printf '%s\n' "$at25") | grep -c . || true)
expect_eq "$missing" 0 "every canary user at 10% stays at 25%"
missing=$(comm -23 <(printf '%s\n' "$at25") <(printf '%s\n' "$at50") | grep -c . || true)
expect_eq "$missing" 0 "every canary user at 25% stays at 50%"
n50=$(printf '%s\n' "$at50" | grep -c . || true)
[ "$n50" -ge 70 ] && [ "$n50" -le 130 ] || fail "50% canary served $n50 of 200 keys"
run deploy promote production
expect_rc 0 "promote"
run deploy status production --json
expect_eq "$(json_get '.[0].stable.number')" "$CANARY" "the canary is stable after promote"
expect_eq "$(json_get '.[0].canary')" null "no canary after promote"
run prompt show ask@production --json
expect_eq "$(json_get .ref)" ask@3 "label follows the promotion"

# --- history --at ------------------------------------------------------------------------------
run deploy history --at "$T_STAGING_ONLY" --json
expect_rc 0 "history --at"
expect_eq "$(json_get '[.live[] | .env] | join(",")')" staging "only staging was live then"
run deploy history production --at "$T_ONE" --json
expect_eq "$(json_get '.live[0].stable.number')" 1 "release 1 was live in production"
run deploy history --at 2999-01-01T00:00
expect_rc 2 "--at in the future"
expect_one_line_error "--at in the future"
run deploy history --at yesterday-ish
expect_rc 2 "--at unparsable"

# --- bad input: one line, exit code, nothing recorded --------------------------------------------
digest=$(store_digest)
run deploy ask@1 --env nosuch --provider stub
expect_rc 2 "unknown environment"
expect_one_line_error "unknown environment"
run deploy nosuch@1 --env staging --provider stub
expect_rc 3 "unknown prompt"
run deploy ask@1 --env staging --provider nosuch
expect_rc 3 "unknown provider"
run deploy ask@1 --env race --provider stub --canary 5
expect_rc 2 "canary with nothing live"
run deploy rollback race
expect_rc 2 "rollback with nothing deployed"
run deploy promote production
expect_rc 2 "promote without a canary"
expect_eq "$(store_digest)" "$digest" "bad input records nothing"

# --- a race: two deploys to one route at once; one wins, the other names it ----------------------
sed -i 's/providers: \[stub\]/providers: [slow]/' gate.yaml
"$LLMOPS_BIN" deploy ask@1 --env race --provider slow >race1.out 2>race1.err &
p1=$!
"$LLMOPS_BIN" deploy ask@3 --env race --provider slow >race2.out 2>race2.err &
p2=$!
set +e
wait $p1; rc1=$?
wait $p2; rc2=$?
set -e
expect_eq "$(printf '%s\n' "$rc1" "$rc2" | sort | tr '\n' ' ')" "0 1 " "one deploy wins, one loses"
loser_err=$(cat race1.err race2.err)
expect_contains "$loser_err" "changed while the gates ran" "the loser says why"
expect_contains "$loser_err" "deploy #" "the loser names the winning attempt"
run deploy history race --json
expect_eq "$(json_get '[.[] | .outcome] | sort | join(",")')" "passed,superseded" "both attempts recorded"

finish
