#!/usr/bin/env bash
# promptfoo (0.121.20, the peer of ../shared/peers/promptfoo) evaluates against llmops serve as
# its OpenAI-compatible provider: `openai:chat:ROUTE` with the gateway as apiBaseUrl. The test
# checks promptfoo's results against the gateway's request log: one row per case, the same
# answer text and token counts, every case passing. SKIPPED (exit 77) only when the peer folder
# is absent; promptfoo itself is installed by scripts/install-deps.sh (PF_DIR, default
# /tmp/promptfoo-peer). Like the peer's run.sh, everything runs inside `unshare -n` with only
# loopback: promptfoo tries to reach its own servers even with telemetry off.
peer=$(cd "$(dirname "$0")/../.." && pwd)/../shared/peers/promptfoo
if [ ! -d "$peer" ]; then
  echo "SKIPPED: the promptfoo peer ($peer) is absent"
  exit 77
fi
if [ -z "${LLMOPS_IN_NETNS:-}" ]; then
  exec unshare -n env LLMOPS_IN_NETNS=1 bash -c 'ip link set lo up && exec bash "$@"' bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/serve.sh"

PF_DIR=${PF_DIR:-/tmp/promptfoo-peer}
if [ ! -x "$PF_DIR/node_modules/.bin/promptfoo" ]; then
  fail "promptfoo is not installed in $PF_DIR: run scripts/install-deps.sh"
  finish
fi

run init proj
cd proj
stub_start
# The route's prompt is a system message; promptfoo's rendered prompt is the user message the
# gateway appends, and the stub answers it upper-cased.
printf 'name: terse\nmessages:\n  - {role: system, content: "Answer in a few words."}\n' >terse.yaml
run prompt add terse.yaml
cat >llmops.yaml <<YAML
providers:
  stub: {type: openai, model: stub-model, base_url: $STUB_URL/v1, api_key_env: ""}
environments:
  prod: {}
serve:
  log_bodies: full
YAML
run deploy terse@1 --env prod --provider stub
expect_rc 0 deploy
serve_start prod

CASES=40
{
  echo "question,__expected1,__expected2"
  for i in $(seq 0 $((CASES - 1))); do
    q="what is item $i of the list"
    echo "$q,contains:ITEM $i OF,PLEASE ANSWER ${q^^}"
  done
} >"$WORK/tests.csv"
cat >"$WORK/promptfooconfig.yaml" <<YAML
description: llmops serve through promptfoo
prompts:
  - 'Please answer {{question}}'
providers:
  - id: openai:chat:terse
    config:
      apiBaseUrl: $SERVE_URL/v1
      temperature: 0
tests: file://$WORK/tests.csv
YAML

export PEER_HOME=$WORK/promptfoo-home
# shellcheck disable=SC1091 # the peer's offline settings
. "$peer/env.sh"
mkdir -p "$HOME"
set +e
(cd "$PF_DIR" && npx --no-install promptfoo eval -c "$WORK/promptfooconfig.yaml" --no-cache -j 4 \
  -o "$WORK/promptfoo.json" --no-table --no-progress-bar) >"$WORK/promptfoo.log" 2>&1
rc=$?
set -e
expect_eq "$rc" 0 "promptfoo eval ($(tail -n 5 "$WORK/promptfoo.log"))"
serve_stop

OUT=$(cat "$WORK/promptfoo.json")
expect_eq "$(json_get '.results.stats.successes')" "$CASES" "every case passed in promptfoo"
expect_eq "$(json_get '.results.stats.failures')" 0 "no failure in promptfoo"
# promptfoo's view: question, answer, tokens; the gateway's: the same from its log.
json_get '.results.results[] | [.vars.question, .response.output,
  .response.tokenUsage.prompt, .response.tokenUsage.completion] | @tsv' | sort >"$WORK/promptfoo.tsv"
store_sql -json "SELECT request_body, response_body, prompt_tokens, completion_tokens, status,
  route, release_number FROM request_log WHERE path = '/v1/chat/completions'" |
  jq -r '.[] | select(.status == 200 and .route == "terse" and .release_number == 1) |
    [(.request_body | fromjson | .messages[-1].content | sub("^Please answer "; "")),
     (.response_body | fromjson | .choices[0].message.content),
     .prompt_tokens, .completion_tokens] | @tsv' | sort >"$WORK/gateway.tsv"
expect_eq "$(wc -l <"$WORK/gateway.tsv")" "$CASES" "one logged request per case"
expect_eq "$(diff "$WORK/promptfoo.tsv" "$WORK/gateway.tsv" && echo same)" same \
  "promptfoo's questions, answers and tokens are what the gateway logged"
expect_eq "$(store_sql "SELECT count(*) FROM request_log WHERE status <> 200")" 0 "no error logged"
finish
