#!/usr/bin/env bash
# The pipeline in llmops.yaml's `pipelines:` section instead of pipeline.yaml: paths from the
# project root, pipeline.lock at the root, errors at llmops.yaml:line:column, both places at
# once refused (exit 3), -f choosing a file. And `finetune create` as an llmops step: an exec
# trainer and the stub's fine-tuning API (--wait), its model id as the stage's output, retrained
# only when the data changes, restored from the run cache when the data comes back.
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"

run init -q proj
expect_rc 0 init
cd proj
stub_start
mkdir -p src models
cat >src/chat.jsonl <<'JSONL'
{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}
JSONL
cat >train.sh <<'SH'
#!/bin/sh
# One line per training in trainings.log; the model id counts the examples.
echo trained >>trainings.log
echo "local-model-$(wc -l <"$1" | tr -d ' ')"
SH
chmod +x train.sh
cat >llmops.yaml <<YAML
version: 1
providers:
  local: {type: exec, command: "./train.sh"}
  stub: {type: openai, model: stub-base, base_url: $STUB_URL/v1, api_key_env: ""}
pipelines:
  stages:
    add:
      llmops: data add src/chat.jsonl --name qa -q
      deps: [src/chat.jsonl]
      outs: ["data:qa"]
    tune:
      llmops: finetune create --provider local --data qa@latest --wait --model-file models/local.txt
      deps: ["data:qa@latest", "provider:local", train.sh]
      outs: [models/local.txt]
    use:
      cmd: cp models/local.txt used.txt
      deps: [models/local.txt]
      outs: [used.txt]
YAML

# --- the section runs like pipeline.yaml, from the project root -----------------------------------
mkdir -p sub
cd sub
run pipeline status
expect_rc 1 "status before the first run (from a subfolder)"
expect_contains "$OUT" "would-run      tune: never run" "status reads the section"
run pipeline dag
expect_rc 0 "dag of the section"
expect_contains "$OUT" "tune <- add" "the finetune stage follows the dataset it reads"
expect_contains "$OUT" "use <- tune" "the model id file links the stages"
run pipeline run --explain
expect_rc 0 "first run"
cd ..
[ -f pipeline.lock ] || fail "pipeline.lock is written at the project root"
[ -e sub/pipeline.lock ] && fail "no lock in the folder the command ran from"
expect_eq "$(cat used.txt)" "local-model-1" "the stage after the finetune saw the model id"
expect_eq "$(wc -l <trainings.log | tr -d ' ')" "1" "trained once"
grep -q '"data:qa@latest": "' pipeline.lock || fail "the finetune stage's dataset dependency is locked"
grep -q '"models/local.txt": "' pipeline.lock || fail "the model id file is locked"
run finetune list --json
expect_eq "$(json_get '.[0].training')" "qa@1" "the job trained on the version the stage saw"

run pipeline run --explain
expect_rc 0 "second run"
expect_contains "$ERR" "unchanged      tune" "unchanged data: no training"
expect_eq "$(wc -l <trainings.log | tr -d ' ')" "1" "still trained once"
run pipeline status
expect_rc 0 "up to date"

# New rows: a new version, a new training, a new model id downstream.
cp src/chat.jsonl chat.v1
echo '{"messages": [{"role": "user", "content": "3+3?"}, {"role": "assistant", "content": "6"}]}' >>src/chat.jsonl
run pipeline run --explain
expect_rc 0 "run after new rows"
expect_contains "$ERR" "ran            tune (" "the finetune stage ran"
expect_contains "$ERR" "dependency 'data:qa@latest' changed" "because the dataset changed"
expect_eq "$(cat used.txt)" "local-model-2" "the new model id reached the next stage"
expect_eq "$(wc -l <trainings.log | tr -d ' ')" "2" "trained twice"

# Back to the first rows: the dataset's manifest is the first one again, so the model id comes
# back from the run cache without a third training.
cp chat.v1 src/chat.jsonl
run pipeline run --explain
expect_rc 0 "run back to the first rows"
expect_contains "$ERR" "restored       tune" "the model id is restored"
expect_eq "$(cat used.txt)" "local-model-1" "the first model id again"
expect_eq "$(wc -l <trainings.log | tr -d ' ')" "2" "no third training"

# --- a finetune step through the API: --wait makes the stage end with the job ----------------------
cat >>llmops.yaml <<'YAML'
    api:
      llmops: [finetune, create, --provider, stub, --data, qa, --param, suffix=pl, --wait, --interval, "0.05", --model-file, models/api.txt]
      deps: ["data:qa@latest", "provider:stub"]
      outs: [models/api.txt]
YAML
run pipeline run api --explain
expect_rc 0 "a finetune stage through the API"
expect_contains "$(cat models/api.txt)" "ft:stub-base:" "the stage waited for the job's model id"
run finetune list --json
expect_eq "$(json_get '.[0].status')" "succeeded" "the job the stage started succeeded"
cat >>llmops.yaml <<'YAML'
    api-fails:
      llmops: [finetune, create, --provider, stub, --data, qa, --model, will-fail, --wait, --interval, "0.05", --model-file, models/fail.txt]
      deps: ["data:qa@latest"]
      outs: [models/fail.txt]
YAML
run pipeline run api-fails
expect_rc 1 "a failed job fails its stage"
expect_contains "$ERR" "failed         api-fails" "the stage is failed"
[ -e models/fail.txt ] && fail "a failed job writes no model id"
grep -q '"api-fails"' pipeline.lock && fail "the failed stage is not in the lock"

# --- errors point into llmops.yaml ----------------------------------------------------------------
cp llmops.yaml llmops.good
bad_case() { expect_refused 3 "$1" "$2" pipeline run; } # WHAT EXPECTED-TEXT
sed 's/deps: \[src\/chat.jsonl\]/deps: [src\/nope.jsonl]/' llmops.good >llmops.yaml
bad_case "unknown dependency in the section" "does not exist and no stage produces it"
expect_contains "$ERR" "llmops.yaml:9:14)" "the dependency's position"
sed 's/      llmops: data add/      bogus: 1\n      llmops: data add/' llmops.good >llmops.yaml
bad_case "unknown stage key in the section" "stage 'add': unknown key 'bogus'"
expect_contains "$ERR" "llmops.yaml:8:14)" "the unknown key's position"
printf 'pipelines:\n  stage:\n    a: {cmd: "true"}\n' >llmops.yaml
bad_case "misspelt stages" "unknown key 'stage' in 'pipelines:' (expected stages)"
printf 'pipelines:\n  stages:\n    a: {llmops: finetune status ft-1}\n' >llmops.yaml
bad_case "finetune status is not a step" "llmops step must start with one of: data add, data transform, eval run, deploy, drift, finetune create"
printf 'pipeline:\n  stages:\n    a: {cmd: "true"}\n' >llmops.yaml
bad_case "misspelt section" "unknown top-level key 'pipeline'; did you mean 'pipelines'?"

# Both places: refused, naming both files; -f picks the file.
cp llmops.good llmops.yaml
printf 'stages:\n  other:\n    cmd: echo other >other.txt\n    outs: [other.txt]\n' >pipeline.yaml
bad_case "pipeline.yaml and pipelines: both" \
  "the pipeline is defined twice: in pipeline.yaml and in the 'pipelines:' section of llmops.yaml"
expect_contains "$ERR" "llmops.yaml:6:3)" "at the section"
run pipeline run -f pipeline.yaml
expect_rc 0 "-f chooses the file"
expect_eq "$(cat other.txt)" "other" "the file's stage ran"
grep -q '"other"' pipeline.lock || fail "-f pipeline.yaml writes its lock beside it"
run pipeline run -f llmops.yaml tune --explain
expect_rc 0 "-f llmops.yaml chooses the section"
expect_contains "$ERR" "restored       tune" "the section's stage, from the run cache"
expect_eq "$(wc -l <trainings.log | tr -d ' ')" "2" "still no third training"
grep -q '"tune"' pipeline.lock || fail "-f llmops.yaml locks the section's stages in pipeline.lock"
rm pipeline.yaml

# Neither: one line naming both places.
printf 'version: 1\n' >llmops.yaml
bad_case "no pipeline anywhere" "no pipeline: neither pipeline.yaml nor a 'pipelines:' section in llmops.yaml"

# The schema accepts the section (and the loader's other sections still read the file).
cp llmops.good llmops.yaml
run finetune list
expect_rc 0 "other commands read llmops.yaml with a pipelines: section"

exit "$FAILURES"
