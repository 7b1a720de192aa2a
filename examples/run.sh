#!/usr/bin/env bash
# The main job: the llmops lifecycle on the example project, offline.
# Usage: examples/run.sh [WORK_DIR]   (default: a fresh temp folder, kept for you to look at)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
llmops=${LLMOPS_BIN:-$here/../build/llmops}
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/llmops-example.XXXXXX")}

step() { printf '\n$ llmops %s\n' "$*"; "$llmops" "$@"; }
# step_expect_fail CODE ARGS...: a step that must fail with CODE (a blocked deploy, say).
step_expect_fail() {
  local want=$1 rc=0
  shift
  printf '\n$ llmops %s   # expected to exit %s\n' "$*" "$want"
  "$llmops" "$@" || rc=$?
  if [ "$rc" -ne "$want" ]; then echo "expected exit $want, got $rc" >&2; exit 1; fi
}
has_command() { "$llmops" help "$@" >/dev/null 2>&1; }

mkdir -p "$work"
cp -r "$here/project/." "$work/"
cd "$work"
echo "example project in $work"

step init .

# 1. Data preparation: version the QA set, revise it, see exactly what changed.
step data add data/qa.jsonl --name qa -m "initial QA set" --tag seed
step data add data/qa-v2.jsonl --name qa -m "fix q004, add q013, q014"
step data diff qa@seed qa --key id
if has_command data dedup; then
  step data dedup qa --near 0.8 --field question -m "drop duplicates"
  step data split qa --ratios train=0.75,test=0.25 --seed 7
fi
if has_command data profile; then step data profile qa; fi
step data log qa

# 2. Prompts: versioned templates, rendered for one row of the data.
if has_command prompt add; then
  for p in prompts/*.yaml; do step prompt add "$p"; done
  step prompt list
  step prompt render qa-answer --data qa --row 0
fi

# 3. Experiment: the prompt over the data against a local model (examples/project/models).
step run qa-answer --data qa --provider extractive --limit 5
step runs list

# 4. Evaluate: metrics, an LLM judge (a local stand-in), thresholds, CI reports.
step eval run evals/qa.yaml --junit eval-junit.xml --markdown eval-summary.md --html eval-report.html
step eval show latest --failed
step eval run evals/qa.yaml --json >/dev/null   # the same eval again: every answer from the cache
step eval compare 1 2

# 5. Retrieval: a BM25 index over the contexts feeds the prompt; recall@1 checks retrieval.
step index build qa-contexts --data qa --field context --id id
step index query qa-contexts "capital of Australia" -k 2
step eval run evals/rag.yaml

# 6. Deploy: gate the prompt in staging, then production (the staging evidence is reused: no
# model call); a regressed revision is blocked; a harmless one goes out as a canary, is ramped,
# promoted, and rolled back (docs/deploy.md).
if has_command deploy status; then
  step deploy qa-answer@1 --env staging --provider extractive
  step deploy qa-answer@1 --env production --provider extractive
  step prompt add deploy/qa-answer-regressed.yaml -m "label the context Background"
  step_expect_fail 1 deploy qa-answer@2 --env staging --markdown deploy-summary.md
  step prompt add deploy/qa-answer-brief.yaml -m "ask for brevity"
  step deploy qa-answer@3 --env staging
  step deploy qa-answer@3 --env production --canary 25
  step deploy route production --key user-42
  step deploy ramp production 50
  step deploy promote production
  step deploy rollback production -m "back to release 1 while we look at brevity"
  step deploy status
  step deploy history production
fi

# 7. Serve: production's routes as an OpenAI-compatible API on 127.0.0.1; one request with
# curl, SIGTERM, then the request log (docs/serve.md).
if has_command serve; then
  printf '\n$ llmops serve --env production --port 0 --port-file serve.port &\n'
  "$llmops" serve --env production --port 0 --port-file serve.port 2>serve.log &
  serve_pid=$!
  for _ in $(seq 200); do [ -s serve.port ] && break; sleep 0.05; done
  [ -s serve.port ] || { cat serve.log >&2; exit 1; }
  url="http://127.0.0.1:$(cat serve.port)"
  printf '\n$ curl -s %s/v1/chat/completions -d {"model": "qa-answer", "variables": ...}\n' "$url"
  curl -sS --fail-with-body "$url/v1/chat/completions" -H 'Content-Type: application/json' \
    -d '{"model": "qa-answer", "user": "user-42", "variables": {"question": "What is the capital of France?", "context": "Paris is the capital and largest city of France."}}'
  echo
  kill -TERM "$serve_pid"
  wait "$serve_pid"
  step logs list
fi

step status
step fsck
