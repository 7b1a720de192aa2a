#!/usr/bin/env bash
# llmops eval run / list / show / compare / report against the stub server: the matrix,
# metrics, judges, thresholds and exit codes, reports, bad specs, interrupt and resume.
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"

run init proj
expect_rc 0 init
cd proj

# 20 cases; the stub answers with the upper-cased question, so `expected` is what it says,
# except for the last 4 rows, which expect something else.
for i in $(seq 1 20); do
  if [ "$i" -le 16 ]; then exp="WHAT IS $i PLUS $i?"; else exp="something else"; fi
  printf '{"id":"c%02d","question":"what is %d plus %d?","expected":"%s","context":"%d plus %d is %d"}\n' \
    "$i" "$i" "$i" "$exp" "$i" "$i" "$((2 * i))"
done >cases.jsonl
run data add cases.jsonl --name cases
expect_rc 0 "data add"
cat >ask.yaml <<'YAML'
name: ask
messages:
  - role: user
    content: "{{question}}"
variables:
  question: {type: string, required: true}
YAML
cat >ask-loud.yaml <<'YAML'
name: ask-loud
messages:
  - role: user
    content: "Answer this: {{question}}"
variables:
  question: {type: string, required: true}
YAML
run prompt add ask.yaml
run prompt add ask-loud.yaml

stub_start
FAST=$STUB_URL
# Every other request hangs (for 10 minutes): an eval against it answers some cases, then
# cannot finish by itself, so the Ctrl-C test always interrupts it mid-run.
stub_start --fault-rate 0.5 --fault-order round-robin --faults hang --hang-ms 600000
SLOW=$STUB_URL
SLOW_PID=$STUB_PID
SLOW_PORT=$STUB_PORT
cat >judge.sh <<'SH'
#!/bin/sh
# A judge that reads the prompt and says 5 when the answer is upper case, else 2.
if grep -q '^WHAT IS' ; then echo 'Sure! {"score": 5, "reason": "loud"}'; else echo '{"score": 2, "reason": "quiet"}'; fi
SH
chmod +x judge.sh
cat >llmops.yaml <<YAML
providers:
  stub:
    type: openai
    model: stub-model
    base_url: $FAST/v1
    api_key_env: ""
  stub2:
    type: openai
    model: other-model
    base_url: $FAST/v1
    api_key_env: ""
  slow:
    type: openai
    model: stub-model
    base_url: $SLOW/v1
    api_key_env: ""
  judge:
    type: exec
    command: ./judge.sh
    format: text
  nonsense-judge:
    type: exec
    command: echo I cannot rate that
    format: text
YAML

cat >eval.yaml <<'YAML'
description: stub regression
dataset: cases@latest
prompts: [ask@latest]
providers: [stub]
metrics:
  - contains: "{{expected}}"
  - equals: {expected: "{{expected}}"}
  - rouge_l: {expected: "{{expected}}", threshold: 0.5}
  - judge: {criterion: relevance, provider: judge, threshold: 4}
thresholds: {pass_rate: 0.75, rouge_l: {mean: 0.5}}
YAML

# --- a passing run -----------------------------------------------------------------------
run eval run eval.yaml --json --junit junit.xml --markdown summary.md --html report.html
expect_rc 0 "eval run meeting its thresholds"
EVAL1=$(json_get .id)
expect_eq "$(json_get .status)" completed "status"
expect_eq "$(json_get .passed)" true "passed"
expect_eq "$(json_get '.cells | length')" 1 "one cell"
expect_eq "$(json_get '.cells[0].passed')" 16 "16 cases pass"
expect_eq "$(json_get '.cells[0].failed')" 4 "4 cases fail"
expect_eq "$(json_get '.cells[0].metrics[] | select(.metric=="contains") | .passed')" 16 "contains passes 16"
expect_eq "$(json_get '.cells[0].metrics[] | select(.metric=="judge") | .mean')" 5 "judge scores 5"
expect_eq "$(json_get '[.thresholds[] | select(.met)] | length')" 2 "both thresholds met"
expect_contains "$(cat summary.md)" "ask@1" "markdown names the cell"
expect_contains "$(head -c 300 junit.xml)" "<testsuites" "junit"
if command -v xmllint >/dev/null; then xmllint --noout junit.xml || fail "junit.xml is not well-formed"; fi
expect_contains "$(cat report.html)" "c17" "html lists the cases"
if grep -q 'src="http' report.html; then fail "html report loads external resources"; fi

run eval list --json
expect_eq "$(json_get '.[0].id')" "$EVAL1" "eval list"
run eval show latest --failed --json
expect_eq "$(json_get '.cells[0].cases_detail | length')" 4 "show --failed lists the failures"
expect_eq "$(json_get '.cells[0].cases_detail[0].id')" c17 "failing case id"
run eval show "$EVAL1" --cases
expect_rc 0 "show --cases"
expect_contains "$OUT" "FAIL c17" "text case list"
run prompt list
expect_contains "$OUT" "llmops-judge-relevance" "the judge prompt is a stored prompt"

# The same eval again comes from the cache.
run eval run eval.yaml --json
expect_rc 0 "cached re-run"
run runs show "$(json_get .cells[0].run)" --json
expect_eq "$(json_get .cached)" 20 "answers served from the cache"

# --- thresholds not met: exit 1, the failing ones listed -----------------------------------
sed 's/pass_rate: 0.75/pass_rate: 0.9/' eval.yaml >strict.yaml
run eval run strict.yaml
expect_rc 1 "threshold not met"
expect_contains "$ERR" "pass_rate" "the failing threshold is named"
expect_contains "$OUT" "FAILED" "table says FAILED"

# --- matrix, judge errors, inline cases ----------------------------------------------------
cat >matrix.yaml <<'YAML'
dataset: cases
prompts: [ask, ask-loud]
providers: [stub, {id: stub2, label: other, temperature: 0}]
metrics:
  - icontains: "{{question}}"
  - judge: {criterion: relevance, provider: nonsense-judge}
cases:
  - id: extra
    vars: {question: "how are you?", expected: "HOW ARE YOU?"}
    metrics: [{starts_with: "HOW"}]
thresholds: {pass_rate: 0}
YAML
run eval run matrix.yaml --json
expect_rc 0 "matrix"
expect_eq "$(json_get '.cells | length')" 4 "2 prompts x 2 providers"
expect_eq "$(json_get '.cases')" 21 "dataset rows + inline case"
expect_eq "$(json_get '.cells[1].label')" "ask@1 × other" "provider label"
expect_eq "$(json_get '.cells[0].metrics[] | select(.metric=="judge") | .errors')" 21 "unparseable judge answers are case errors"
run eval show latest --cases --json
expect_contains "$(json_get '.cells[0].cases_detail[0].metrics[1].error')" "judge answer has no score 1-5" "judge error says why"
expect_eq "$(json_get '.cells[0].cases_detail[20].metrics[2].passed')" true "inline case's own metric"

# --- compare -----------------------------------------------------------------------------
cat >worse.yaml <<'YAML'
dataset: cases
prompts: [ask-loud]
providers: [stub]
metrics:
  - equals: "{{expected}}"
YAML
cat >better.yaml <<'YAML'
dataset: cases
prompts: [ask]
providers: [stub]
metrics:
  - equals: "{{expected}}"
YAML
run eval run better.yaml --json
GOOD=$(json_get .id)
run eval run worse.yaml --json
BAD=$(json_get .id)
run eval compare "$GOOD" "$BAD" --json --fail-on-regression
expect_rc 1 "regression detected"
expect_eq "$(json_get '.regression')" true "regression flag"
expect_eq "$(json_get '.cells[0].paired')" 20 "paired by id"
expect_eq "$(json_get '.cells[0].metrics[] | select(.metric=="equals") | .test')" mcnemar-exact "McNemar for pass/fail"
expect_eq "$(json_get '.cells[0].metrics[] | select(.metric=="equals") | .regressed_cases | length')" 16 "regressed cases listed"
run eval compare "$GOOD" "$GOOD" --fail-on-regression
expect_rc 0 "no regression against itself"
run eval report "$GOOD" --markdown again.md
expect_rc 0 "eval report"
[ -s again.md ] || fail "eval report wrote nothing"

# --- which of two prompts is better: one run, compared cell against cell --------------------
# ask passes 16 of 20 `equals`; ask-loud ("Answer this: ...") passes none.
cat >ab.yaml <<'YAML'
dataset: cases
prompts: [ask-loud, ask]
providers: [stub]
metrics:
  - equals: "{{expected}}"
baseline: ask-loud
thresholds:
  - prompt: ask          # gate only the candidate
    pass_rate: 0.75
YAML
run eval run ab.yaml --json --markdown ab.md --html ab.html --junit ab.xml
expect_rc 0 "the scoped threshold gates only the candidate"
AB=$(json_get .id)
expect_eq "$(json_get '.thresholds | length')" 1 "one threshold outcome"
expect_eq "$(json_get '.thresholds[0].cell')" "ask@1 × stub" "for the candidate's cell"
expect_eq "$(json_get '.baseline | length')" 1 "one cell against the baseline"
expect_eq "$(json_get '.baseline[0].cell_a')" "ask-loud@1 × stub" "A is the baseline"
expect_eq "$(json_get '.baseline[0].cell_b')" "ask@1 × stub" "B is the candidate"
expect_eq "$(json_get '.baseline[0].paired_by')" case "paired case by case"
expect_eq "$(json_get '.baseline[0].metrics[] | select(.metric=="equals") | .test')" mcnemar-exact "McNemar"
expect_eq "$(json_get '.baseline[0].metrics[] | select(.metric=="equals") | .significant')" true "significant"
expect_eq "$(json_get '.baseline[0].metrics[] | select(.metric=="equals") | .regression')" false "B is better"
expect_contains "$(cat ab.md)" "### Against the baseline" "the Markdown report compares with the baseline"
expect_contains "$(cat ab.md)" "| ask@1 × stub | ask-loud@1 × stub | equals |" "Markdown row per metric"
expect_contains "$(cat ab.html)" "<h2>Against the baseline</h2>" "the HTML report compares with the baseline"
run eval run ab.yaml
expect_contains "$OUT" "ask@1 × stub against the baseline ask-loud@1 × stub" "the table compares with the baseline"
run eval show "$AB" --json
expect_eq "$(json_get '.baseline[0].metrics[] | select(.metric=="equals") | .diff')" 0.8 "eval show compares too"
sed '/^thresholds:/,$d' ab.yaml >ab-all.yaml
printf 'thresholds: {pass_rate: 0.75}\n' >>ab-all.yaml
run eval run ab-all.yaml
expect_rc 1 "unscoped, the baseline's cell fails the threshold"

run eval compare "$AB" --cells ask-loud ask --json
expect_rc 0 "compare two cells of one run"
expect_eq "$(json_get '.run_a')" "$AB" "run_a is the run"
expect_eq "$(json_get '.run_b')" "$AB" "run_b is the run"
expect_eq "$(json_get '.cells[0].paired')" 20 "every case paired"
expect_eq "$(json_get '.cells[0].metrics[] | select(.metric=="equals") | .mean_b')" 0.8 "B's mean"
run eval compare "$AB" --cells 'ask@1 x stub' 'ask-loud@1 × stub' --fail-on-regression
expect_rc 1 "the other way round B regressed"
expect_contains "$OUT" "ask@1 × stub (A) vs ask-loud@1 × stub (B)" "cells named in the heading"
expect_contains "$OUT" "REGRESSION" "regression shown"
run eval compare "$AB" --cells nope ask
expect_rc 3 "unknown cell"
expect_one_line_error "unknown cell"
expect_contains "$ERR" "no cell 'nope'" "unknown cell named"
expect_contains "$ERR" "ask-loud@1 × stub" "the cells are listed"
run eval compare "$AB" --cells ask
expect_rc 2 "--cells needs two"
run eval compare "$AB" "$GOOD" --cells ask ask-loud
expect_rc 2 "RUN_B and --cells"
printf 'dataset: cases\nprompts: [ask, ask-loud]\nproviders: [stub]\nbaseline: asks\n' >bad-baseline.yaml
run eval run bad-baseline.yaml
expect_rc 3 "a baseline not in prompts"
expect_contains "$ERR" "baseline: prompt 'asks' is not in 'prompts' ('ask', 'ask-loud') (bad-baseline.yaml:4:11)" "located"

# --- bad specs: one line, location, exit 3, store unchanged --------------------------------
before=$(store_digest)
printf 'dataset: cases\nprompts: [ask]\nproviders: [stub]\nmetrics: [contains: x]\nbogus: 1\n' >bad1.yaml
run eval run bad1.yaml
expect_rc 3 "unknown spec field"
expect_one_line_error "unknown spec field"
expect_contains "$ERR" "bad1.yaml:5:" "unknown field located"
printf 'dataset: cases\nprompts: [ask]\nproviders: [stub]\nmetrics:\n  - containz: x\n' >bad2.yaml
run eval run bad2.yaml
expect_rc 3 "unknown metric"
expect_one_line_error "unknown metric"
expect_contains "$ERR$OUT" "contains" "unknown metric lists the valid names"
printf 'dataset: cases\nprompts: [ask]\nproviders: [stub]\nmetrics:\n  - regex: "a(b"\n' >bad3.yaml
run eval run bad3.yaml
expect_rc 3 "invalid regex"
expect_contains "$ERR" "missing )" "RE2's message"
printf 'dataset: nosuch\nprompts: [ask]\nproviders: [stub]\nmetrics: [is_json]\n' >bad4.yaml
run eval run bad4.yaml
expect_rc 3 "unknown dataset"
expect_contains "$ERR" "bad4.yaml:1" "unknown dataset located at the spec"
printf 'dataset: cases\nprompts: [nosuch]\nproviders: [stub]\nmetrics: [is_json]\n' >bad5.yaml
run eval run bad5.yaml
expect_rc 3 "unknown prompt"
printf 'dataset: cases\nprompts: [ask]\nproviders: [stub]\nmetrics:\n  - rouge_l: {expected: {a: 1}}\n' >bad6.yaml
run eval run bad6.yaml
expect_rc 3 "wrong parameter type"
expect_eq "$(store_digest)" "$before" "bad specs left the store unchanged"

# A row without the field a template needs is a case error; the run goes on.
printf '{"id":"a","question":"q?"}\n{"id":"b"}\n' >holes.jsonl
run data add holes.jsonl --name holes
printf 'dataset: holes\nprompts: [ask]\nproviders: [stub]\nvars: {question: "{{question}}"}\nmetrics: [is_json]\nthresholds: {pass_rate: 0}\n' >holes.yaml
run eval run holes.yaml --json
expect_rc 0 "missing variable"
expect_eq "$(json_get '.cells[0].errors')" 1 "one case error"

# --- retrieval: a prompt variable filled from a BM25 index, scored with recall_at_k ---------
printf '{"id":"d1","text":"Paris is the capital of France."}\n{"id":"d2","text":"Berlin is the capital of Germany."}\n{"id":"d3","text":"Bananas are yellow."}\n' >docs.jsonl
run data add docs.jsonl --name docs
expect_index_build docs --data docs --field text --id id
if on_sqlite; then
printf '{"id":"r1","question":"capital of France","relevant":["d1"]}\n{"id":"r2","question":"yellow fruit bananas","relevant":["d3"]}\n' >rq.jsonl
run data add rq.jsonl --name rq
cat >rag.yaml <<'YAML'
name: rag
messages:
  - role: user
    content: "{{#context}}[{{id}}] {{text}} {{/context}}Q: {{question}}"
variables:
  question: {type: string, required: true}
  context: {type: array}
YAML
run prompt add rag.yaml
cat >rag-eval.yaml <<'YAML'
dataset: rq
prompts: [rag]
providers: [echo]
vars:
  question: "{{question}}"
  context: {retrieve: {index: docs, query: "{{question}}", k: 1}}
metrics:
  - recall_at_k: {k: 1, relevant: relevant}
  - contains: "{{question}}"
thresholds: {recall_at_k: {mean: 1}}
YAML
run eval run rag-eval.yaml --json
expect_rc 0 "retrieval eval"
expect_eq "$(json_get '.cells[0].metrics[] | select(.metric=="recall_at_k") | .mean')" 1 "the right passage is retrieved"
run eval show latest --cases --json
expect_contains "$(json_get '.cells[0].cases_detail[0].output')" "[d1] Paris is the capital" "the passage reaches the prompt"
sed 's/index: docs/index: nosuch/' rag-eval.yaml >rag-bad.yaml
run eval run rag-bad.yaml
expect_rc 3 "unknown index"
expect_contains "$ERR" "rag-bad.yaml" "unknown index located in the spec"
fi

# --- Ctrl-C and --resume -----------------------------------------------------------------
sed 's/providers: \[stub\]/providers: [slow]/' better.yaml >slow.yaml
"$LLMOPS_BIN" eval run slow.yaml --concurrency 2 --json >int.json 2>int.err &
pid=$!
# The state to interrupt in: an answer of this eval is in the store and two requests hang.
wait_until "the eval against the hanging stub to record an answer" sql_count_at_least 1 \
  "SELECT count(*) FROM run_rows r JOIN runs u ON u.id = r.run_id WHERE u.provider_id = 'slow' AND u.status = 'running'"
kill -INT $pid
set +e; wait $pid; INT_RC=$?; set -e
expect_eq "$INT_RC" 130 "Ctrl-C exits 130"
INT=$(jq -r .id int.json)
expect_eq "$(jq -r .status int.json)" interrupted "interrupted"
answered=$(store_sql "SELECT count(*) FROM run_rows r JOIN eval_cells c ON c.run_id = r.run_id WHERE c.eval_id = $INT")
if [ "$answered" -lt 1 ] || [ "$answered" -ge 20 ]; then fail "interrupted eval stored $answered of 20 answers"; fi
# The same endpoint without the hangs, so that the resume can finish.
stub_stop "$SLOW_PID" || fail "the hanging stub stops cleanly"
# From here on the endpoint is slow, not hanging: the claim tests below need runs that are
# still going when a second process looks at them, and that finish by themselves.
stub_start --port "$SLOW_PORT" --latency-ms 150
run eval run --resume "$INT" --concurrency 8 --json
expect_rc 1 "resume (4 cases fail, and without thresholds every case must pass)"
expect_eq "$(json_get .status)" completed "resumed eval completed"
expect_eq "$(json_get '.cells[0].passed')" 16 "resumed eval scored every case"
run eval run --resume "$INT"
expect_rc 2 "resume a completed eval"

# --- report files are checked before anything is sent or stored ---------------------------
mkdir -p a-folder
before=$(store_digest)
run eval run eval.yaml --junit no-such-folder/junit.xml
expect_rc 3 "--junit into a missing folder"
expect_one_line_error "--junit into a missing folder"
expect_contains "$ERR" "cannot write no-such-folder/junit.xml: No such file or directory" "missing folder: the OS reason"
run eval run eval.yaml --markdown summary.md --html a-folder
expect_rc 3 "--html onto a folder"
expect_contains "$ERR" "cannot write a-folder: Is a directory" "folder: the OS reason"
run eval report "$EVAL1" --junit no-such-folder/junit.xml
expect_rc 3 "eval report into a missing folder"
expect_eq "$(store_digest)" "$before" "bad report paths left the store unchanged"
expect_eq "$(ls -A a-folder)" "" "and created nothing"
# A full disk shows only while writing: the eval is kept as stored (completed), exit 3, and the
# hint gives the command that writes the report again.
run eval run eval.yaml --markdown /dev/full
expect_rc 3 "--markdown /dev/full"
expect_contains "$ERR" "cannot write /dev/full: No space left on device" "full disk: the OS reason"
FULL_EVAL=$("$LLMOPS_BIN" eval list --json | jq -r '.[0].id')
expect_contains "$ERR" "eval report $FULL_EVAL --markdown /dev/full" "the hint writes the report again"
expect_eq "$("$LLMOPS_BIN" eval list --json | jq -r '.[0].status')" completed "the eval itself completed"
run eval report "$FULL_EVAL" --markdown full-again.md
expect_rc 0 "the report written again"
expect_contains "$(cat full-again.md)" "ask@1" "from the store"

# --- a store failure mid-eval leaves it interrupted (resumable), not failed -----------------
inject_store_fault eval_scores
run eval run better.yaml
expect_rc 4 "a store failure mid-eval"
expect_contains "$ERR" "injected store fault" "the store's message"
clear_store_fault eval_scores
FAULT_EVAL=$("$LLMOPS_BIN" eval list --json | jq -r '.[0].id')
expect_eq "$("$LLMOPS_BIN" eval list --json | jq -r '.[0].status')" interrupted "recorded as interrupted"
run eval run --resume "$FAULT_EVAL" --json
expect_eq "$(json_get .status)" completed "the resume finished it"
expect_eq "$(json_get '.cells[0].passed')" 16 "every case scored"

# --- a resume claims its eval: never two processes on one eval ----------------------------
# Slower answers here (20 cases take 12 s): the eval must still be running while two more
# commands look at it, and each takes seconds under a sanitizer on a loaded machine.
stub_stop "$STUB_PID" || fail "the slow stub stops cleanly"
stub_start --port "$SLOW_PORT" --latency-ms 600
# (--no-cache: the slow provider answered these cases above, and the cache would be instant.)
cat >claim.yaml <<'YAML'
dataset: cases
prompts: [ask]
providers: [slow]
metrics:
  - equals: "{{expected}}"
thresholds: {pass_rate: 0}
YAML
slow_requests() { curl -s "$SLOW/stats" | jq -r .total; }
eval_running_with_answers() {
  store_sql "SELECT e.id FROM eval_runs e JOIN eval_cells c ON c.eval_id = e.id
    JOIN run_rows w ON w.run_id = c.run_id WHERE e.status = 'running' LIMIT 1"
}
"$LLMOPS_BIN" eval run claim.yaml --concurrency 1 --no-cache -q >live.out 2>live.err &
live=$!
LIVE=""
for _ in $(seq 400); do LIVE=$(eval_running_with_answers); [ -n "$LIVE" ] && break; sleep 0.05; done
[ -n "$LIVE" ] || fail "the slow eval never recorded an answer"
run eval run --resume "$LIVE"
expect_rc 2 "resume of an eval still running"
expect_contains "$ERR" "still running (pid $live on this host)" "names the live process"
run eval run --resume "$LIVE" --force
expect_rc 2 "--force never takes a live process's eval"
kill -9 "$live"
set +e; wait "$live"; set -e
run eval run --resume "$LIVE"
expect_rc 2 "resume of a killed eval without --force"
expect_contains "$ERR" "its process (pid $live) is gone" "says the process is gone"
answered=$(store_sql "SELECT count(*) FROM run_rows WHERE run_id = (SELECT run_id FROM eval_cells WHERE eval_id = $LIVE)")
sent_before=$(slow_requests)
"$LLMOPS_BIN" eval run --resume "$LIVE" --force --concurrency 1 --no-cache -q >r1.out 2>r1.err &
r1=$!
"$LLMOPS_BIN" eval run --resume "$LIVE" --force --concurrency 1 --no-cache -q >r2.out 2>r2.err &
r2=$!
set +e; wait $r1; rc1=$?; wait $r2; rc2=$?; set -e
expect_eq "$(printf '%s\n' "$rc1" "$rc2" | sort | tr '\n' ' ')" "0 2 " "of two concurrent resumes exactly one proceeds"
expect_contains "$(cat r1.err r2.err)" "still running" "the other is refused"
expect_eq "$(($(slow_requests) - sent_before))" "$((20 - answered))" "each missing case was answered once"
expect_eq "$("$LLMOPS_BIN" eval show "$LIVE" --json | jq -r '.status, .cells[0].cases' | tr '\n' ' ')" "completed 20 " \
  "the claimed resume finished the eval"
run eval run claim.yaml --resume 1 --force
expect_rc 2 "--resume takes no spec"
run eval run claim.yaml --force
expect_rc 2 "--force only with --resume"

# --- corpus BLEU: the cases' n-gram statistics summed, as sacrebleu's corpus_bleu ----------
# sacrebleu's README example (BLEU = 48.53): three segments, two reference sets; echo answers
# with the hypothesis itself.
cat >mt.jsonl <<'JSONL'
{"hyp":"The dog bit the man.","ref1":"The dog bit the man.","ref2":"The dog had bit the man."}
{"hyp":"It wasn't surprising.","ref1":"It was not unexpected.","ref2":"No one was surprised."}
{"hyp":"The man had just bitten him.","ref1":"The man bit him first.","ref2":"The man had bitten the dog."}
JSONL
cat >say.yaml <<'YAML'
name: say
messages:
  - role: user
    content: "{{hyp}}"
variables:
  hyp: {type: string, required: true}
YAML
run prompt add say.yaml
cat >mt-eval.yaml <<'YAML'
dataset: mt.jsonl
prompts: say
providers: echo
metrics:
  - bleu: {expected: ["{{ref1}}", "{{ref2}}"]}
YAML
run eval run mt-eval.yaml --json --markdown mt.md
expect_rc 0 "bleu eval"
expect_eq "$(json_get '.cells[0].metrics[0].corpus_bleu * 10000 | round')" 4853 "corpus BLEU = sacrebleu's 48.53"
expect_contains "$(cat mt.md)" "bleu (corpus 0.485)" "the Markdown report shows corpus BLEU"

run fsck
expect_rc 0 "fsck"
finish
