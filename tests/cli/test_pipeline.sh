#!/usr/bin/env bash
# pipeline run / status / dag / log: dependency order, -j2 with real processes, skipping
# unchanged stages and what is downstream of unchanged outputs, the run cache, -k, kill -9
# recovery, llmops steps, the lock file, and bad pipelines leaving the store as it was.
source "$(dirname "$0")/lib.sh"

run init -q .
expect_rc 0 init
mkdir -p in
echo "hello world" >in/a.txt
echo "second" >in/b.txt

# a and b meet: each waits (up to 20 s) for the other to have started, so both finish only
# when they really ran at the same time.
cat >pipeline.yaml <<'YAML'
stages:
  a:
    cmd: touch a.started; for i in $(seq 200); do [ -e b.started ] && break; sleep 0.1; done; [ -e b.started ] && tr -d ' ' <in/a.txt >out-a.txt && echo a >>runs.log
    deps: [in/a.txt]
    outs: [out-a.txt]
  b:
    cmd: touch b.started; for i in $(seq 200); do [ -e a.started ] && break; sleep 0.1; done; [ -e a.started ] && cp in/b.txt out-b.txt && echo b >>runs.log
    deps: [in/b.txt]
    outs: [out-b.txt]
  c:
    cmd: cat out-a.txt out-b.txt >out-c.txt && echo c >>runs.log
    deps: [out-a.txt, out-b.txt]
    outs: [out-c.txt]
YAML

run pipeline status
expect_rc 1 "status before the first run"
expect_contains "$OUT" "would-run      a: never run" "status says why"
expect_contains "$OUT" "would-run      c: never run" "c has never run either"

run pipeline run -j2 --explain
expect_rc 0 "first run -j2"
expect_eq "$(sort runs.log | tr '\n' ' ')" "a b c " "each stage ran once"
expect_eq "$(cat out-c.txt | tr '\n' ' ')" "helloworld second " "c saw both outputs"
[ -f pipeline.lock ] || fail "no pipeline.lock"
grep -q '^  "a":$' pipeline.lock || fail "lock lists stage a: $(cat pipeline.lock)"
grep -q '"in/a.txt": "' pipeline.lock || fail "lock lists a's dependency"
head -1 pipeline.lock | grep -q '^# ' || fail "lock starts with a comment"
cp pipeline.lock lock.before

run pipeline run --explain
expect_rc 0 "second run"
expect_eq "$(wc -l <runs.log | tr -d ' ')" "3" "nothing ran the second time"
expect_contains "$ERR" "unchanged      a" "a unchanged"
cmp -s pipeline.lock lock.before || fail "a no-op run rewrote pipeline.lock"
run pipeline status
expect_rc 0 "status when up to date"

# a's input changes but its output does not (spaces are dropped): a runs, c is skipped.
echo "hello  world" >in/a.txt
run pipeline status
expect_rc 1 "status after an edit"
expect_contains "$OUT" "dependency 'in/a.txt' changed" "status names the changed dependency"
expect_contains "$OUT" "may-run        c: runs if upstream 'a' changes its outputs" "c may run"
run pipeline run --explain
expect_rc 0 "run after an edit that does not change a's output"
expect_eq "$(tail -n +4 runs.log | tr '\n' ' ')" "a " "only a ran"
expect_contains "$ERR" "upstream 'a' ran but its outputs did not change" "c skipped downstream"

# Run cache: a new input runs a and c; going back restores a's (and c's) outputs.
echo "bye world" >in/a.txt
run pipeline run
expect_rc 0 "run with new input"
expect_eq "$(cat out-a.txt)" "byeworld" "a's new output"
before=$(wc -l <runs.log)
run gc
expect_rc 0 "gc keeps the run cache's objects"
echo "hello  world" >in/a.txt
run pipeline run --explain
expect_rc 0 "run back to the earlier input"
expect_contains "$ERR" "restored       a" "a restored from the run cache"
expect_contains "$ERR" "restored       c" "c restored from the run cache"
expect_eq "$(wc -l <runs.log)" "$before" "nothing ran for a restore"
expect_eq "$(cat out-a.txt)" "helloworld" "a's output restored"

# --force runs everything; --dry runs nothing.
run pipeline run --dry --force
expect_rc 0 "dry"
expect_eq "$(wc -l <runs.log)" "$before" "--dry ran nothing"
expect_contains "$OUT" "would-run      c: --force" "--dry --force lists c"

# dag: text, Mermaid, JSON.
run pipeline dag
expect_contains "$OUT" "c <- a, b" "dag text"
run pipeline dag --mermaid
expect_contains "$OUT" "flowchart TD" "mermaid header"
expect_contains "$OUT" 's0 --> s2' "mermaid edge a -> c"
run pipeline dag --json
expect_eq "$(json_get '.stages[2].upstream | join(",")')" "a,b" "dag json"

# A failing stage: dependants blocked, -k keeps independent stages going, exit 1, recorded.
mkdir -p fail && cd fail
run init -q .
cat >pipeline.yaml <<'YAML'
stages:
  bad:
    cmd: exit 3
    outs: [bad.txt]
  after-bad:
    cmd: cp bad.txt after.txt
    deps: [bad.txt]
    outs: [after.txt]
  good:
    cmd: echo ok >good.txt
    outs: [good.txt]
YAML
run pipeline run
expect_rc 1 "failing pipeline"
expect_contains "$ERR" "failed         bad" "the failure is named"
expect_contains "$ERR" "blocked        after-bad: upstream 'bad' failed" "dependant blocked"
[ -f good.txt ] && fail "without -k, no new stage starts after a failure"
run pipeline run -k
expect_rc 1 "failing pipeline with -k"
[ -f good.txt ] || fail "-k ran the independent stage"
run pipeline log --json
expect_eq "$(json_get '.[0].status')" "failed" "run recorded as failed"
expect_eq "$(json_get '[.[0].stages[] | select(.stage=="bad")][0].exit_code')" "3" "exit code kept"
grep -q '"bad"' pipeline.lock && fail "a failed stage is in the lock"
cd ..

# kill -9 in the middle: the next run continues from what completed.
mkdir -p killed && cd killed
run init -q .
cat >pipeline.yaml <<'YAML'
stages:
  first:
    cmd: echo one >one.txt
    outs: [one.txt]
  slow:
    cmd: echo $$ >slow.pid; if [ ! -e go ]; then sleep 60; fi; cp one.txt two.txt
    deps: [one.txt]
    outs: [two.txt]
YAML
"$LLMOPS_BIN" pipeline run >/dev/null 2>&1 &
pid=$!
for _ in $(seq 300); do [ -s slow.pid ] && break; sleep 0.1; done
[ -s slow.pid ] || fail "the slow stage never started"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
kill -9 -- "-$(cat slow.pid)" 2>/dev/null || true
grep -q '"first"' pipeline.lock || fail "the finished stage is in the lock"
grep -q '"slow"' pipeline.lock && fail "the killed stage is in the lock"
expect_eq "$(store_sql "SELECT count(*) FROM pipeline_stage_runs WHERE stage='slow'")" \
  "0" "nothing recorded for the killed stage"
touch go
run pipeline run --explain
expect_rc 0 "run after kill -9"
expect_contains "$ERR" "unchanged      first" "the finished stage is not run again"
expect_contains "$ERR" "ran            slow" "the killed stage runs"
expect_contains "$ERR" "earlier run(s) had been killed" "the killed run is noticed"
run pipeline log --json
expect_eq "$(json_get '.[1].status')" "killed" "the killed run is marked"
cd ..

# llmops steps: data add as a stage, a dataset dependency downstream.
mkdir -p steps && cd steps
run init -q .
printf '{"q":"1+1","a":"2"}\n{"q":"2+2","a":"4"}\n' >rows.jsonl
cat >pipeline.yaml <<'YAML'
stages:
  add:
    llmops: data add rows.jsonl --name qa -q
    deps: [rows.jsonl]
    outs: [data:qa]
  count:
    cmd: llmops_count=$(wc -l <rows.jsonl); echo "$llmops_count" >count.txt
    deps: [data:qa@latest, provider:echo, {params: params.yaml, keys: [count.scale]}]
    outs: [count.txt]
  split:
    cmd: rm -rf parts && mkdir -p parts/sub && split -l 1 rows.jsonl parts/sub/row- && echo split >>split.log
    deps: [rows.jsonl, {params: params.yaml, keys: [split.lines]}]
    outs: [parts]
YAML
printf 'count:\n  scale: 1\nsplit:\n  lines: 1\n' >params.yaml
run pipeline run --explain
expect_rc 0 "llmops step"
run data list --json
expect_contains "$OUT" '"qa"' "the step added the dataset"
grep -q '"data:qa@latest": "' pipeline.lock || fail "the dataset dependency is locked"
grep -q '"params:params.yaml:count.scale": "' pipeline.lock || fail "the params dependency is locked"
run pipeline status
expect_rc 0 "steps up to date"
# A params value changes: only the stage reading that key is out of date.
printf 'count:\n  scale: 1\nsplit:\n  lines: 2\n' >params.yaml
run pipeline status
expect_rc 1 "params changed"
expect_contains "$OUT" "would-run      split: dependency 'params:params.yaml:split.lines' changed" "params key"
expect_contains "$OUT" "unchanged      count" "other keys of the file do not matter"
run pipeline run split
expect_rc 0 "run split"
# Back to the old value: the folder output comes back from the run cache.
printf 'count:\n  scale: 1\nsplit:\n  lines: 1\n' >params.yaml
rm -rf parts
run pipeline run --explain
expect_rc 0 "restore a folder"
expect_contains "$ERR" "restored       split" "folder restored"
expect_eq "$(ls parts/sub | wc -l | tr -d ' ')" "2" "folder files restored"
expect_eq "$(wc -l <split.log | tr -d ' ')" "2" "split ran twice, not three times"
cd ..

# Bad pipelines: one line, exit 3, the store unchanged.
mkdir -p bad && cd bad
run init -q .
echo x >in.txt
run pipeline run
expect_rc 3 "no pipeline file"
expect_one_line_error "no pipeline file"
bad_case() { expect_refused 3 "$1" "$2" pipeline run; } # NAME EXPECTED-TEXT
printf 'stages:\n  x:\n    cmd: cp y.txt x.txt\n    deps: [y.txt]\n    outs: [x.txt]\n  y:\n    cmd: cp x.txt y.txt\n    deps: [x.txt]\n    outs: [y.txt]\n' >pipeline.yaml
bad_case cycle "the stages form a cycle: x -> y -> x"
printf 'stages:\n  x:\n    cmd: \"true\"\n    deps: [nope.txt]\n' >pipeline.yaml
bad_case "unknown dep" "pipeline.yaml:4:12"
printf 'stages:\n  x:\n    cmd: \"true\"\n    outs: [o.txt]\n  y:\n    cmd: \"true\"\n    outs: [o.txt]\n' >pipeline.yaml
bad_case "two writers" "overlaps output 'o.txt' of stage 'x'"
printf 'stages:\n  x:\n    cmd: \"true\"\n    deps: [data:missing]\n' >pipeline.yaml
bad_case "unknown dataset" "stage 'x'"
printf 'stages:\n  x:\n    cmd: \"true\"\n    llmops: eval run e.yaml\n' >pipeline.yaml
bad_case "cmd and llmops" "exactly one of 'cmd' or 'llmops'"
printf 'stages:\n  x:\n    llmops: serve\n' >pipeline.yaml
bad_case "step not allowed" "pipeline.yaml:3:13"
printf 'stages:\n  x: [\n' >pipeline.yaml
bad_case "yaml syntax" "pipeline.yaml:"
printf 'stages:\n  x:\n    cmd: \"true\"\n    deps: [{params: p.yaml, keys: [a.b]}]\n' >pipeline.yaml
printf 'a:\n  c: 1\n' >p.yaml
bad_case "missing params key" "has no key 'a.b'"
printf 'stages:\n  x:\n    cmd: \"true\"\n' >pipeline.yaml
run pipeline run nosuch
expect_rc 2 "unknown stage name"
cd ..

exit "$FAILURES"
