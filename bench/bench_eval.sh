#!/usr/bin/env bash
# `llmops eval run` side by side with promptfoo (issue 6), in one run: BENCH_CASES (default
# 2000) cases from the peer's gen_tests.py, one prompt `Please answer {{question}}`, one
# `contains` and one `equals` assertion per case, concurrency 16, against one stub_llm (the
# upper-cased last user message, as the peer's mock_openai.py) at 0 ms and at 50 ms latency.
# Each contender is timed with /usr/bin/time -v; the table shows medians of BENCH_REPEAT runs
# (default 3), promptfoo and llmops interleaved so that machine load hits both alike. Both must
# report the same pass count. llmops also runs once more from its response cache (stub stopped).
# promptfoo phones home, so the whole script re-runs itself inside `unshare -n` (loopback only).
# With BENCH_MILLION=1, llmops alone also runs once on BENCH_MILLION_CASES (default 1,000,000)
# cases of the same shape against the stub at 0 ms (issue 12: peak RSS must stay <= 64 MiB and
# time grow linearly): its row is "llmops-1M", followed by its time per case beside the
# 2,000-case run's. It takes several minutes; the script fails when the RSS goal is missed.
# Usage: bench/bench_eval.sh   (LLMOPS_BIN, BENCH_REPEAT, BENCH_CASES, BENCH_LATENCIES="0 50",
#        BENCH_MILLION=1, BENCH_MILLION_CASES,
#        PF_DIR = the promptfoo install, default /tmp/promptfoo-peer; see the peer README;
#        BENCH_SMOKE=1: 200 cases, one run, and promptfoo only when it is installed)
export PF_DIR=${PF_DIR:-/tmp/promptfoo-peer}
with_promptfoo=1
if [ "${BENCH_SMOKE:-0}" = 1 ] && [ ! -x "$PF_DIR/node_modules/.bin/promptfoo" ]; then
  with_promptfoo=0 # and no network namespace: it is there only to keep promptfoo offline
  echo "smoke mode: promptfoo is not installed in $PF_DIR, its contender is skipped"
fi
if [ -z "${BENCH_EVAL_NETNS:-}" ] && [ "$with_promptfoo" = 1 ]; then
  exec unshare -n env BENCH_EVAL_NETNS=1 bash -c 'ip link set lo up && exec bash "$@"' bash "$0" "$@"
fi
source "$(dirname "$0")/common.sh"

cases=${BENCH_CASES:-$(by_mode 2000 200)}
latencies=${BENCH_LATENCIES:-0 50}
concurrency=16
peer=${PROMPTFOO_PEER:-$(cd "$ROOT_DIR/../shared/peers/promptfoo" && pwd)}
[ "$with_promptfoo" = 0 ] || [ -x "$PF_DIR/node_modules/.bin/promptfoo" ] ||
  { echo "install promptfoo 0.121.20 into $PF_DIR first ($peer/README.md)" >&2; exit 1; }
[ -x "$LLMOPS_BIN" ] || { echo "no llmops binary at $LLMOPS_BIN (set LLMOPS_BIN)" >&2; exit 1; }
export LLMOPS_BUILD_DIR=${LLMOPS_BUILD_DIR:-$(dirname "$LLMOPS_BIN")}
source "$ROOT_DIR/tests/support/stub_llm.sh"

work=$SCRATCH/eval
rm -rf "$work"
mkdir -p "$work/project" "$work/pf"
export PEER_HOME=$work/pf-home # promptfoo's own database, like our store, on tmpfs

# The cases: the peer's CSV, turned into a JSONL dataset with the same values.
(cd "$work" && python3 "$peer/gen_tests.py" "$cases" >/dev/null)
python3 - "$work/tests_$cases.csv" "$work/project/cases.jsonl" <<'EOF'
import csv, json, sys
with open(sys.argv[1], newline="") as f, open(sys.argv[2], "w") as out:
    for i, row in enumerate(csv.DictReader(f)):
        assert row["__expected1"].startswith("contains:")
        out.write(json.dumps({"id": i, "question": row["question"],
                              "contains": row["__expected1"][len("contains:"):],
                              "expected": row["__expected2"]}) + "\n")
EOF

cd "$work/project"
"$LLMOPS_BIN" init >/dev/null
printf 'providers:\n  echo:\n    type: echo\n' >llmops.yaml # the stubs are added below
cat >prompt.yaml <<'EOF'
name: bench-answer
messages:
  - role: user
    content: "Please answer {{question}}"
variables:
  question: {type: string, required: true}
EOF
"$LLMOPS_BIN" prompt add prompt.yaml >/dev/null

# wall seconds from /usr/bin/time -v's "h:mm:ss" or "m:ss.ss"
tv_wall() { awk -F': ' '/Elapsed \(wall/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$1"; }
tv_cpu() { awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.2f", u + s}' "$1"; }
tv_rss() { awk -F': ' '/Maximum resident/ {printf "%.1f", $2 / 1024}' "$1"; }

declare -A WALLS CPUS RSSS PASSES # key "tool/latency" -> space-separated values over the runs
record() { # KEY TIMEFILE PASSED
  WALLS[$1]+="$(tv_wall "$2") "
  CPUS[$1]+="$(tv_cpu "$2") "
  RSSS[$1]+="$(tv_rss "$2") "
  PASSES[$1]+="$3 "
}

run_promptfoo() { # LATENCY PORT
  local line dir passed
  line=$(TMPDIR=$work/pf "$peer/run.sh" "$cases" "$2" | tail -n 1)
  dir=$(dirname "${line##*results=}")
  passed=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["results"]["stats"]["successes"])' \
    "$dir/out.json" 2>/dev/null) || { echo "promptfoo failed: $line" >&2; tail -n 20 "$dir/log.txt" >&2; exit 1; }
  record "promptfoo/$1" "$dir/time.txt" "$passed"
  rm -rf "$dir"
}

run_llmops() { # KEY SPEC [eval run options...]
  local key=$1 spec=$2 rc=0
  shift 2
  /usr/bin/time -v -o "$work/time.txt" "$LLMOPS_BIN" eval run "$spec" --concurrency "$concurrency" \
    --json "$@" >"$work/out.json" 2>"$work/err.txt" || rc=$?
  [ "$rc" -le 1 ] || { echo "llmops eval run failed ($rc):" >&2; cat "$work/err.txt" >&2; exit 1; }
  record "$key" "$work/time.txt" "$(python3 -c '
import json, sys
cells = json.load(open(sys.argv[1]))["cells"]
print(sum(c["passed"] for c in cells))' "$work/out.json")"
}

echo "load before: $(uptime)"
for latency in $latencies; do
  stub_start --threads 64 --keep-requests 0 --latency-ms "$latency" --models gpt-4o-mini
  cat >>llmops.yaml <<EOF
  stub-$latency:
    type: openai
    model: gpt-4o-mini
    base_url: $STUB_URL/v1
    api_key_env: ""
    parameters: {temperature: 0, max_tokens: 1024}
EOF
  cat >"eval-$latency.yaml" <<EOF
description: eval-peer-bench, stub at $latency ms
dataset: cases.jsonl
prompts: bench-answer
providers: stub-$latency
metrics:
  - contains: "{{contains}}"
  - equals: "{{expected}}"
EOF
  for _ in $(seq "$REPEAT"); do
    if [ "$with_promptfoo" = 1 ]; then run_promptfoo "$latency" "$STUB_PORT"; fi
    run_llmops "llmops/$latency" "eval-$latency.yaml" --no-cache
  done
  stub_stop
  if [ "$latency" = 0 ]; then # every answer from the cache now: the stub is gone
    for _ in $(seq "$REPEAT"); do run_llmops "llmops-cached/0" "eval-0.yaml"; done
  fi
done
big=${BENCH_MILLION_CASES:-1000000}
if [ "${BENCH_MILLION:-0}" != 0 ]; then
  # The same case shape as the peer's generator (question, contains, expected), made here:
  # the peer's CSV and promptfoo are not part of this point.
  python3 - "$big" >big.jsonl <<'EOF'
import json, sys
for i in range(int(sys.argv[1])):
    q = f"What is item number {i} of the benchmark list?"
    print(json.dumps({"id": i, "question": q, "contains": "ITEM NUMBER",
                      "expected": f"PLEASE ANSWER {q.upper()}"}))
EOF
  stub_start --threads 64 --keep-requests 0 --latency-ms 0 --models gpt-4o-mini
  cat >>llmops.yaml <<EOF
  stub-big:
    type: openai
    model: gpt-4o-mini
    base_url: $STUB_URL/v1
    api_key_env: ""
    parameters: {temperature: 0, max_tokens: 1024}
EOF
  cat >eval-big.yaml <<EOF
description: eval scale bench, $big cases, stub at 0 ms
dataset: big.jsonl
prompts: bench-answer
providers: stub-big
metrics:
  - contains: "{{contains}}"
  - equals: "{{expected}}"
EOF
  run_llmops "llmops-1M/0" eval-big.yaml --no-cache
  stub_stop
fi
echo "load after:  $(uptime)"
echo

med() { median $1; }
row() { printf '%-16s %8s %9s %9s %12s %9s %11s %10s\n' "$@"; }
row tool latency "wall s" "CPU s" "peak RSS MiB" passed "wall ratio" "RSS ratio"
status=0
for latency in $latencies; do
  if [ "$with_promptfoo" = 0 ]; then # smoke mode without the peer: llmops alone, no ratios
    for key in "llmops/$latency" "llmops-cached/$latency"; do
      [ -n "${WALLS[$key]:-}" ] || continue
      row "${key%/*}" "$latency ms" "$(med "${WALLS[$key]}")" "$(med "${CPUS[$key]}")" \
        "$(med "${RSSS[$key]}")" "$(printf '%s\n' ${PASSES[$key]} | sort -u | paste -sd/)" - -
    done
    continue
  fi
  pf_wall=$(med "${WALLS[promptfoo/$latency]}")
  pf_rss=$(med "${RSSS[promptfoo/$latency]}")
  keys="promptfoo/$latency llmops/$latency"
  [ "$latency" = 0 ] && [ -n "${WALLS[llmops-cached/0]:-}" ] && keys+=" llmops-cached/0"
  for key in $keys; do
    wall=$(med "${WALLS[$key]}")
    rss=$(med "${RSSS[$key]}")
    passes=$(printf '%s\n' ${PASSES[$key]} | sort -u | paste -sd/)
    [ "$passes" = "$(printf '%s\n' ${PASSES[promptfoo/$latency]} | sort -u | paste -sd/)" ] || status=1
    row "${key%/*}" "$latency ms" "$wall" "$(med "${CPUS[$key]}")" "$rss" "$passes" \
      "$(awk -v a="$pf_wall" -v b="$wall" 'BEGIN {printf "%.1fx", a / b}')" \
      "$(awk -v a="$pf_rss" -v b="$rss" 'BEGIN {printf "%.1fx", a / b}')"
  done
  if [ "$latency" != 0 ]; then
    ideal=$(awk -v n="$cases" -v l="$latency" -v c="$concurrency" 'BEGIN {printf "%.2f", n * l / 1000 / c}')
    row ideal "$latency ms" "$ideal" - - - - -
    echo "  llmops at $latency ms: $(awk -v w="$(med "${WALLS[llmops/$latency]}")" -v i="$ideal" \
      'BEGIN {printf "%.1f", (w / i - 1) * 100}')% over the ideal $cases x $latency ms / $concurrency"
  fi
done
if [ -n "${WALLS[llmops-1M/0]:-}" ]; then
  wall=$(med "${WALLS[llmops-1M/0]}")
  rss=$(med "${RSSS[llmops-1M/0]}")
  row llmops-1M "0 ms" "$wall" "$(med "${CPUS[llmops-1M/0]}")" "$rss" "${PASSES[llmops-1M/0]}" - -
  echo "  llmops-1M: $big cases (1 run): $(awk -v w="$wall" -v n="$big" 'BEGIN {printf "%.1f", w / n * 1e6}') µs per case" \
    "vs $(awk -v w="$(med "${WALLS[llmops/0]:-0}")" -v n="$cases" 'BEGIN {printf "%.1f", w / n * 1e6}') µs at $cases cases;" \
    "peak RSS $rss MiB, $(awk -v r="$rss" 'BEGIN {print (r <= 64) ? "within the 64 MiB goal" : "OVER the 64 MiB goal"}')"
  if awk -v r="$rss" 'BEGIN {exit !(r > 64)}'; then status=1; fi
fi
echo
echo "runs per figure: $REPEAT (medians); ratios are promptfoo / row"
[ "$status" = 0 ] || echo "PASS COUNTS DIFFER between promptfoo and llmops" >&2
exit "$status"
