#!/usr/bin/env bash
# Guardrails' added latency (issue 18: <= 0.2 ms with guardrails on): routes of one gateway with
# no guardrails, input injection (block), input PII (redact), output PII (flag) and all four,
# each sent BENCH_REQUESTS (300; smoke 20) sequential requests with a 2 KB English question
# holding one email and one phone number, the stub echoing it in capitals (so the output is
# 2 KB too). The figure is the gateway's own time per request (`overhead_ms` of the request
# log: total minus upstream and queue), its median per route, beside the route without
# guardrails measured in the same run. The log's flags show that the detectors found the PII.
# Usage: bench/bench_guardrails.sh   (LLMOPS_BIN points at the build)
source "$(dirname "$0")/common.sh"

requests=${BENCH_REQUESTS:-$(by_mode 300 20)}
export LLMOPS_BUILD_DIR=${LLMOPS_BUILD_DIR:-$(dirname "$LLMOPS_BIN")}
source "$ROOT_DIR/tests/support/stub_llm.sh"
routes="none inj pii outpii all"

work=$SCRATCH/guardrails
rm -rf "$work"
"$LLMOPS_BIN" init "$work" >/dev/null
cd "$work"
stub_start
for route in $routes; do
  printf 'name: %s\nmessages:\n  - {role: user, content: "{{question}}"}\nvariables: {question: {required: true}}\n' \
    "$route" >"$route.yaml"
  "$LLMOPS_BIN" prompt add -q "$route.yaml" >/dev/null
done
cat >llmops.yaml <<YAML
providers:
  stub: {type: openai, model: stub-model, base_url: $STUB_URL/v1, api_key_env: ""}
environments:
  bench: {}
serve:
  routes:
    inj: {guardrails: {input: {injection: block}}}
    pii: {guardrails: {input: {pii: redact}}}
    outpii: {guardrails: {output: {pii: flag}}}
    all: {guardrails: {input: {pii: redact, injection: block}, output: {pii: flag, injection: flag}}}
YAML
for route in $routes; do
  "$LLMOPS_BIN" deploy -q "$route@1" --env bench --provider stub >/dev/null
done
"$LLMOPS_BIN" serve --env bench --port 0 --port-file serve.port 2>serve.err &
serve_pid=$!
trap 'kill -TERM "$serve_pid" 2>/dev/null || true; _stub_stop_all' EXIT
for _ in $(seq 200); do [ -s serve.port ] && break; sleep 0.05; done
url="http://127.0.0.1:$(cat serve.port)/v1/chat/completions"

# ~2 KB of plain words with an email and a phone number in the middle.
words=(the quick brown fox jumps over a lazy dog while our support team reviews your account
  settings and billing history)
question=""
i=0
while [ "${#question}" -lt 1900 ]; do
  question+="${words[$((i * 7 % ${#words[@]}))]} "
  i=$((i + 1))
  [ "$i" = 150 ] && question+="contact me at jane.doe@example.com or +1 415 555 0132 "
done
for route in $routes; do
  body="{\"model\":\"$route\",\"variables\":{\"question\":\"$question\"}}"
  for _ in $(seq "$requests"); do
    curl -sf -o /dev/null -H 'Content-Type: application/json' --data-binary "$body" "$url"
  done
done
kill -TERM "$serve_pid"
wait "$serve_pid" || true

median_overhead() { # ROUTE -> the median overhead_ms of its requests
  sqlite3 .llmops/store.db "SELECT overhead_ms FROM request_log WHERE route = '$1'
    ORDER BY overhead_ms LIMIT 1 OFFSET $(((requests - 1) / 2))"
}
base=$(median_overhead none)
printf '\nguardrails: %s sequential requests per route, a 2 KB question with an email and a phone\n\n' \
  "$requests"
printf '| %-40s | %12s | %10s | %6s |\n' "route's guardrails" "p50 overhead" "added" "flags"
printf '|%s|%s|%s|%s|\n' "------------------------------------------" "--------------" "------------" "--------"
label() {
  case $1 in
    none) echo "none" ;;
    inj) echo "input injection (block)" ;;
    pii) echo "input PII (redact)" ;;
    outpii) echo "output PII (flag)" ;;
    all) echo "input PII + injection, output PII + inj." ;;
  esac
}
for route in $routes; do
  p50=$(median_overhead "$route")
  flags=$(sqlite3 .llmops/store.db "SELECT MAX(flags) FROM request_log WHERE route = '$route'")
  printf '| %-40s | %9.3f ms | %+7.3f ms | %6s |\n' "$(label "$route")" "$p50" \
    "$(echo "$p50 - $base" | bc -l)" "$flags"
done
printf '\ngoal: added <= 0.2 ms with guardrails on\n'
