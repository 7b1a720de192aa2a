#!/usr/bin/env bash
# Errors that guide (issue 13): unknown keys in llmops.yaml are errors at file:line:column,
# misspelt keys and names get a "did you mean", unmet thresholds print as failures, and the
# listings answer "which prompts and providers", "which row", "how long".
source "$(dirname "$0")/lib.sh"

run init proj
expect_rc 0 init
cd proj
printf '{"id":"q0","question":"one"}\n{"id":"q1","question":"two"}\n{"id":"q2","question":"three"}\n' >qa.jsonl
run data add qa.jsonl --name qa
cat >p.yaml <<'YAML'
name: ask
messages:
  - role: user
    content: "{{question}}"
variables:
  question: {type: string, required: true}
YAML
run prompt add p.yaml
expect_rc 0 "prompt add"
expect_index_build idx --data qa --field question

# expect_error WHAT RC NEEDLE...: the exit code, one error line, and each needle in it.
expect_error() {
  local what=$1 rc=$2
  shift 2
  expect_rc "$rc" "$what"
  expect_one_line_error "$what"
  for needle in "$@"; do expect_contains "$ERR" "$needle" "$what"; done
}

# --- llmops.yaml: unknown top-level keys ------------------------------------------------
cp llmops.yaml good.yaml
cat >llmops.yaml <<'YAML'
version: 1
provider:
  local:
    type: echo
YAML
before=$(store_digest)
run run ask --data qa --provider local
expect_error "a misspelt top-level key" 3 "unknown top-level key 'provider'; did you mean 'providers'?" "llmops.yaml:3:3"
expect_eq "$(store_digest)" "$before" "a bad llmops.yaml stores nothing"
printf 'version: 1\nmodels: {}\n' >llmops.yaml
run run ask --data qa --provider echo
expect_error "an unknown top-level key" 3 "unknown top-level key 'models'" "llmops.yaml:2:9"
expect_not_contains "$ERR" "did you mean" "no suggestion when nothing is close"
expect_contains "$ERR" "hint: llmops.yaml may hold: version, providers, prices" "the hint lists the keys"
# Keys inside a provider: the schema names the closest one.
printf 'providers:\n  local:\n    type: echo\n    modle: m\n' >llmops.yaml
run run ask --data qa --provider local
expect_error "a misspelt provider key" 3 "property not allowed; did you mean 'model'?" "llmops.yaml:4:12"
cp good.yaml llmops.yaml

# --- names that do not exist --------------------------------------------------------------
run data show qaa
expect_error "a misspelt dataset" 3 "no dataset named 'qaa'; did you mean 'qa'?"
run data show zzzzzz
expect_error "an unknown dataset" 3 "no dataset named 'zzzzzz'"
expect_not_contains "$ERR" "did you mean" "no suggestion for a name far from every dataset"
run prompt show aks
expect_error "a misspelt prompt" 3 "no prompt named 'aks'; did you mean 'ask'?"
if on_sqlite; then
  run index query idz one
  expect_error "a misspelt index" 3 "no index named 'idz'; did you mean 'idx'?"
fi
run run ask --data qa --provider ecoh
expect_error "a misspelt provider" 3 "unknown provider 'ecoh'; did you mean 'echo'?"

# --- spec keys, metric names and parameters -------------------------------------------------
cat >bad-prompt.yaml <<'YAML'
name: ask2
messages:
  - role: user
    content: "{{question}}"
model: {temprature: 0}
YAML
run prompt add bad-prompt.yaml
expect_error "a misspelt prompt spec key" 3 "/model/temprature: property not allowed; did you mean 'temperature'?" "bad-prompt.yaml:5:21"

write_eval() { # FILE METRICS_AND_THRESHOLDS
  { printf 'dataset: qa\nprompts: [ask]\nproviders: [echo]\n'; printf '%s\n' "$2"; } >"$1"
}
write_eval e1.yaml 'metircs:
  - contains: "{{question}}"'
run eval run e1.yaml
expect_error "a misspelt eval spec key" 3 "/metircs: property not allowed; did you mean 'metrics'?" "e1.yaml:"
write_eval e2.yaml 'metrics:
  - rouge_l: {expected: "{{question}}", thresold: 0.5}'
run eval run e2.yaml
expect_error "a misspelt metric parameter" 3 "metric 'rouge_l': unknown parameter 'thresold'" "threshold, label; did you mean 'threshold'?"
write_eval e3.yaml 'metrics:
  - contains: {value: "x", lable: mine}'
run eval run e3.yaml
expect_error "a pass/fail metric lists label, not threshold" 3 "valid parameters:" "label; did you mean 'label'?"
expect_not_contains "$ERR" "threshold" "a pass/fail metric takes no threshold"
write_eval e4.yaml 'metrics:
  - containz: "x"'
run eval run e4.yaml
expect_error "a misspelt metric" 3 "unknown metric 'containz'" "did you mean 'contains'?"
write_eval e5.yaml 'metrics:
  - rouge_l: {expected: "{{question}}"}
thresholds: {rouge_k: {mean: 0.5}}'
run eval run e5.yaml
expect_error "a misspelt threshold label" 3 "thresholds: 'rouge_k' is not a metric label" "did you mean 'rouge_l'?"

# --- unmet thresholds are failures, not warnings -------------------------------------------
write_eval pass.yaml 'metrics:
  - contains: "{{question}}"'
run eval run pass.yaml --json
expect_rc 0 "an eval that passes"
write_eval strict.yaml 'metrics:
  - contains: "nowhere"
thresholds: {pass_rate: 0.9}'
run eval run strict.yaml
expect_rc 1 "an unmet threshold"
expect_contains "$ERR" "llmops: error: threshold not met" "an unmet threshold is an error line"
expect_not_contains "$ERR" "warning" "an unmet threshold is not a warning"

# --- eval list names the prompts and providers ------------------------------------------------
run eval list --json
expect_eq "$(json_get '.[0].prompts | join(",")')" "ask@1" "eval list --json: prompts"
expect_eq "$(json_get '.[0].providers | join(",")')" "echo" "eval list --json: providers"
run eval list
expect_contains "$(printf '%s\n' "$OUT" | sed -n 1p)" "PROMPTS" "eval list has a PROMPTS column"
expect_contains "$(printf '%s\n' "$OUT" | sed -n 1p)" "PROVIDERS" "eval list has a PROVIDERS column"
expect_contains "$(printf '%s\n' "$OUT" | sed -n 2p)" "ask@1" "eval list shows the prompt"
run runs list
expect_contains "$(printf '%s\n' "$OUT" | sed -n 1p)" "PROMPT" "runs list has a PROMPT column"
expect_contains "$(printf '%s\n' "$OUT" | sed -n 1p)" "PROVIDER" "runs list has a PROVIDER column"

# --- runs show --rows: ids, tokens and latency in text ------------------------------------------
run run ask --data qa --provider echo --json
expect_rc 0 "run"
RUN_ID=$(json_get .id)
run runs show "$RUN_ID" --rows
expect_rc 0 "runs show --rows"
expect_contains "$OUT" "TOKENS IN/OUT" "rows header names tokens"
expect_contains "$OUT" "LATENCY" "rows header names latency"
row0=$(printf '%s\n' "$OUT" | grep -E '^ +0  ')
expect_contains "$row0" "q0" "row 0 shows its id"
expect_contains "$row0" " ms" "row 0 shows its latency"
run runs show "$RUN_ID" --rows --json
expect_eq "$(json_get '.rows[1].id')" "q1" "rows carry their id in JSON"
run run ask --data qa --provider "exec:echo hi"
run run ask --data qa --provider "exec:echo hi" --json
expect_eq "$(json_get .cached)" 3 "the second exec run is answered from the cache"
run runs show "$(json_get .id)" --rows
expect_contains "$(printf '%s\n' "$OUT" | grep -E '^ +0  ')" " –  " "a cached row shows –, not 0 ms"

# --- prompt render: one row as text, by index or by id ------------------------------------------
run prompt render ask --data qa --row 1 --format text
expect_rc 0 "render --row --format text"
expect_eq "$OUT" "$(printf '[user]\ntwo')" "row 1 as text"
run prompt render ask --data qa --id q2 --format text
expect_rc 0 "render --id --format text"
expect_eq "$OUT" "$(printf '[user]\nthree')" "row q2 as text"
run prompt render ask --data qa --id q0
expect_eq "$(json_get .row)" 0 "render --id as JSON"
run prompt render ask --data qa --id nope
expect_error "render --id of a missing row" 3 "has no row with id 'nope'"
run prompt render ask --data qa --format text
expect_error "several rows as text" 2 "--format text renders one row"
run prompt render ask --data qa --row 0 --id q0
expect_error "--row and --id" 2 "use --row or --id, not both"
run prompt render ask --id q0
expect_error "--id without --data" 2 "need --data"

finish
