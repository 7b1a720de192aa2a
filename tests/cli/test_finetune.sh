#!/usr/bin/env bash
# llmops finetune against the stub's fine-tuning endpoints (files, jobs create / retrieve /
# list / cancel / events) and with an exec trainer: the job is recorded, followed to its end,
# and its model is printed with the provider entry to add. Bad data uploads nothing and records
# nothing.
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"

run init proj
expect_rc 0 init
cd proj
stub_start --require-key sk-test-123456
cat >llmops.yaml <<YAML
providers:
  stub: {type: openai, model: stub-base, base_url: $STUB_URL/v1, api_key_env: STUB_KEY}
  local: {type: exec, command: "./train.sh"}
  claude: {type: anthropic, model: claude-3-5-haiku-latest, base_url: $STUB_URL, api_key_env: STUB_KEY}
YAML
export STUB_KEY=sk-test-123456
cat >chat.jsonl <<'JSONL'
{"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}]}
{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of France?"}, {"role": "assistant", "content": "Paris"}]}
JSONL
run data add chat.jsonl --name train
run data add chat.jsonl --name valid
printf '%s\n' '{"messages": [{"role": "user", "content": "no answer"}]}' >broken.jsonl
run data add broken.jsonl --name broken

# --- create through the API ------------------------------------------------------------------------
run finetune create --provider stub --data train --validation valid --param n_epochs=2 --param suffix=qa --json
expect_rc 0 "finetune create"
expect_eq "$(json_get .status)" validating_files "the job's first state"
expect_eq "$(json_get .job_id)" ftjob-stub1 "the API's job id"
expect_eq "$(json_get .training)" train@1 "the training version"
expect_eq "$(json_get .training_file)" file-stub1 "training file uploaded"
expect_eq "$(json_get .validation_file)" file-stub2 "validation file uploaded"
expect_eq "$(json_get .params.hyperparameters.n_epochs)" 2 "hyperparameters"
expect_eq "$(curl -s -H "Authorization: Bearer $STUB_KEY" "$STUB_URL/v1/files/file-stub1" | jq -r .lines)" 2 "two examples uploaded"
expect_eq "$(curl -s -H "Authorization: Bearer $STUB_KEY" "$STUB_URL/v1/fine_tuning/jobs/ftjob-stub1" | jq -r .hyperparameters.n_epochs)" 2 "hyperparameters sent"
run finetune list --json
expect_eq "$(json_get 'length')" 1 "the job is recorded"
expect_eq "$(json_get '.[0].id')" ft-1 "local id"

run finetune status ft-1 --wait --interval 0.05 --json
expect_rc 0 "status --wait"
expect_eq "$(json_get .status)" succeeded "followed to the end"
expect_eq "$(json_get .fine_tuned_model)" "ft:stub-base:org-stub:qa:ftjob-stub1" "the model id"
expect_contains "$(json_get .provider_snippet)" 'model: "ft:stub-base:org-stub:qa:ftjob-stub1"' "how to add it as a provider"
expect_contains "$(json_get '[.events[].message] | join(",")')" "Job succeeded" "the job's events"
run finetune status ftjob-stub1
expect_rc 0 "status by the API's id"
expect_contains "$OUT" "fine-tuned model: ft:stub-base:org-stub:qa:ftjob-stub1" "the model printed"
expect_contains "$ERR" "stub-ft-1: {type: openai" "the provider entry printed"
expect_eq "$(store_sql "SELECT status || ' ' || fine_tuned_model FROM finetune_jobs WHERE id = 1")" \
  "succeeded ft:stub-base:org-stub:qa:ftjob-stub1" "the store keeps the outcome"
run finetune cancel ft-1
expect_rc 3 "cancelling a finished job"

# The model can be added as a provider and used.
cat >>llmops.yaml <<YAML
  tuned: {type: openai, model: "ft:stub-base:org-stub:qa:ftjob-stub1", base_url: $STUB_URL/v1, api_key_env: STUB_KEY}
YAML
cat >ask.yaml <<'YAML'
name: ask
messages:
  - {role: user, content: "{{question}}"}
variables:
  question: {type: string, required: true}
YAML
run prompt add ask.yaml
printf '%s\n' '{"question": "hi"}' >q.jsonl
run data add q.jsonl --name q
run run ask --data q --provider tuned --json
expect_rc 0 "a run with the fine-tuned model"

# --- cancel and failure -------------------------------------------------------------------------
run finetune create --provider stub --data train --json
expect_rc 0 "a second job"
JOB=$(json_get .id)
run finetune cancel "$JOB" --json
expect_rc 0 "cancel"
expect_eq "$(json_get .status)" cancelled "cancelled"
run finetune create --provider stub --data train --model will-fail --json
FAILING=$(json_get .id)
run finetune status "$FAILING" --wait --interval 0.05
expect_rc 1 "a failed job exits 1"
expect_contains "$ERR" "the stub was told to fail" "the API's error"

# create --wait follows the job to its end; --model-file gets the model id only on success.
run finetune create --provider stub --data train --param suffix=w --wait --interval 0.05 --model-file model.txt --json
expect_rc 0 "create --wait"
expect_eq "$(json_get .status)" succeeded "create --wait returns once the job succeeded"
expect_eq "$(cat model.txt)" "$(json_get .fine_tuned_model)" "--model-file holds the model id"
run finetune create --provider stub --data train --model will-fail --wait --interval 0.05 --model-file failed.txt
expect_rc 1 "create --wait of a job that fails"
expect_contains "$ERR" "the stub was told to fail" "the API's error after create --wait"
[ -e failed.txt ] && fail "a failed job writes no model file"
jobs_before=$(store_sql "SELECT count(*) FROM finetune_jobs")
run finetune create --provider stub --data train --model-file no/such/dir/model.txt
expect_rc 3 "an unwritable --model-file"
expect_eq "$(store_sql "SELECT count(*) FROM finetune_jobs")" "$jobs_before" "nothing started for an unwritable --model-file"

# --- exec trainer ---------------------------------------------------------------------------------
cat >train.sh <<'SH'
#!/bin/sh
# Counts the examples of $1 and prints a model id made of them.
echo "training $LLMOPS_FINETUNE_MODEL on $(wc -l <"$1") examples" >&2
echo "log line"
echo "local-model-$(wc -l <"$1" | tr -d ' ')-$(echo "$LLMOPS_FINETUNE_PARAMS" | tr -d '{}":,')"
SH
chmod +x train.sh
run finetune create --provider local --data train --model base-7b --param lr=1 --json
expect_rc 0 "exec trainer"
expect_eq "$(json_get .status)" succeeded "exec jobs end when the command does"
expect_eq "$(json_get .fine_tuned_model)" "local-model-2-hyperparameterslr1" "the last line printed"
expect_eq "$(json_get .trainer)" exec "the trainer"
ls .llmops/tmp | grep -q finetune && fail "the training file is removed afterwards"
printf '#!/bin/sh\necho "out of memory" >&2\nexit 3\n' >train.sh
run finetune create --provider local --data train
expect_rc 5 "a failing trainer"
expect_contains "$ERR" "out of memory" "the trainer's error"
expect_eq "$(store_sql "SELECT status FROM finetune_jobs ORDER BY id DESC LIMIT 1")" failed "recorded as failed"

# --- bad input: nothing uploaded, nothing recorded ----------------------------------------------------
curl -s -X POST "$STUB_URL/reset-stats" >/dev/null
DIGEST=$(store_digest)
run finetune create --provider stub --data broken
expect_rc 3 "examples that break the rules"
expect_contains "$ERR" "last message must be from the assistant" "the rule named"
run finetune create --provider stub --data nothing
expect_rc 3 "an unknown dataset"
run finetune create --provider claude --data train
expect_rc 3 "a provider without a fine-tuning API"
run finetune create --provider nobody --data train
expect_rc 3 "an unknown provider"
run finetune create --provider stub --data train --param nonsense
expect_rc 2 "a malformed --param"
run finetune status ft-99
expect_rc 3 "an unknown job"
run finetune create --provider stub --data train
expect_rc 0 "sanity: the same create works" # (changes the store; digest taken again below)
DIGEST=$(store_digest)
STUB_KEY=wrong run finetune create --provider stub --data train
expect_rc 5 "the API refuses the key"
expect_not_contains "$ERR" "wrong" "the key is never printed"
unset STUB_KEY
run finetune create --provider stub --data train
expect_rc 5 "no key in the environment"
expect_eq "$(store_digest)" "$DIGEST" "failed creates leave the store unchanged"
finish
