#!/usr/bin/env bash
# llmops serve under hostile clients and load: a slow header (slowloris) and a slow body are cut
# by the timeouts, connections over the limit get a 503, upstream concurrency and its queue are
# bounded (503 with Retry-After beyond), a client that disconnects mid-stream is logged as 499,
# the sticky canary assignment, and SIGTERM draining requests in flight before exiting 0 with
# every row logged. No timing is asserted beyond "it ended".
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/serve.sh"

run init proj
expect_rc 0 init
cd proj
stub_start --sse-chunk-delay-ms 150
FAST=$STUB_URL
stub_start --latency-ms 1500
SLOW=$STUB_URL
cat >ask.yaml <<'YAML'
name: ask
messages:
  - {role: user, content: "{{question}}"}
variables:
  question: {type: string, required: true}
YAML
run prompt add ask.yaml
expect_rc 0 "prompt add"
sed 's/{{question}}/Again: {{question}}/' ask.yaml >ask2.yaml
run prompt add ask2.yaml
expect_rc 0 "prompt add 2"
cat >llmops.yaml <<YAML
providers:
  fast: {type: openai, model: stub-model, base_url: $FAST/v1, api_key_env: ""}
  slow: {type: openai, model: stub-model, base_url: $SLOW/v1, api_key_env: "", retries: {max: 0}}
environments:
  staging: {}
serve:
  passthrough: [slow]
  drain_timeout: 20s
  limits:
    max_connections: 6
    idle_timeout: 3s
    read_timeout: 3s
    upstream_concurrency: 2
    upstream_queue: 1
YAML
run deploy ask@1 --env staging --provider fast
expect_rc 0 "deploy ask@1"
serve_start staging
port=${SERVE_URL##*:}

# --- slowloris: a header that never ends, a body that never comes --------------------------------
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: ' >&3
set +e
timeout 20 cat <&3 >/dev/null
rc=$?
set -e
exec 3<&-
expect_eq "$rc" 0 "a connection stuck in its header is closed by the server"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"mo' >&3
set +e
timeout 20 cat <&3 >/dev/null
rc=$?
set -e
exec 3<&-
expect_eq "$rc" 0 "a connection stuck in its body is closed by the server"

# --- connections over the limit get a 503 ---------------------------------------------------------
for fd in 3 4 5 6 7 8; do eval "exec $fd<>/dev/tcp/127.0.0.1/$port"; done
status=$(curl -s -o "$WORK/.over" -w '%{http_code}' "$SERVE_URL/healthz" || true)
expect_eq "$status" 503 "connection over the limit"
expect_eq "$(jq -r .error.type <"$WORK/.over")" server_error "503 body is an OpenAI error"
for fd in 3 4 5 6 7 8; do eval "exec $fd<&-"; done
ok=0
for _ in $(seq 100); do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "$SERVE_URL/healthz")" = 200 ]; then ok=1; break; fi
  sleep 0.1
done
expect_eq "$ok" 1 "serving again once connections closed"

# --- upstream concurrency 2 + queue 1: of 6 slow requests at once, some are refused --------------
# One curl process opens all six at once: six background curls can start more than the upstream's
# 1.5 s apart on a loaded machine, and then more than three get through.
transfers=()
for i in 1 2 3 4 5 6; do
  [ "$i" -gt 1 ] && transfers+=(--next)
  transfers+=(-s -o "$WORK/slow.$i" -D "$WORK/slowh.$i" -w "$i %{http_code}\n" -H 'Content-Type: application/json'
    -d '{"model":"slow","messages":[{"role":"user","content":"hi"}]}' "$SERVE_URL/v1/chat/completions")
done
curl --parallel --parallel-immediate --parallel-max 6 "${transfers[@]}" >"$WORK/slowst" || true
codes=$(cut -d' ' -f2 "$WORK/slowst" | sort | tr '\n' ' ')
expect_eq "$(grep -c ' 200$' "$WORK/slowst")" 3 "two in flight and one queued are answered ($codes)"
expect_eq "$(grep -c ' 503$' "$WORK/slowst")" 3 "the rest are refused ($codes)"
refused=$(grep ' 503$' "$WORK/slowst" | head -n1 | cut -d' ' -f1)
expect_contains "$(tr 'A-Z' 'a-z' <"$WORK/slowh.$refused")" "retry-after: 1" "503 carries Retry-After"
expect_eq "$(jq -r .error.code <"$WORK/slow.$refused")" overloaded "refusal code"

# --- a client gone mid-stream ----------------------------------------------------------------------
set +e
curl -sN --max-time 0.5 -H 'Content-Type: application/json' \
  -d '{"model":"ask","stream":true,"variables":{"question":"one two three four five six seven eight nine ten eleven twelve"}}' \
  "$SERVE_URL/v1/chat/completions" >/dev/null
set -e
chat '{"model":"ask","variables":{"question":"still here"}}'
expect_eq "$STATUS" 200 "serving after a disconnect mid-stream"

# --- sticky canary: a user always gets the same release; the split is near the weight ------------
run deploy ask@2 --env staging --provider fast --canary 50
expect_rc 0 "canary deploy"
wait_until "the gateway picking the canary up" grep -q "canary ask@2 at 50%" "$SERVE_LOG"
for u in alice bob carol dave erin; do
  first=""
  for _ in 1 2 3; do
    chat '{"model":"ask","user":"'$u'","variables":{"question":"x"}}'
    rel=$(header x-llmops-release)
    [ -z "$first" ] && first=$rel
    expect_eq "$rel" "$first" "user $u is sticky"
  done
  run deploy route staging --route ask --key "$u" --json
  expect_eq "ask@$(json_get .release.number)" "$first" "user $u: the gateway agrees with deploy route"
done
canary=0
for i in $(seq 1 60); do
  chat '{"model":"ask","variables":{"question":"x"}}' -H "X-User-Id: user-$i"
  [ "$(header x-llmops-release)" = "ask@2" ] && canary=$((canary + 1))
done
if [ "$canary" -lt 15 ] || [ "$canary" -gt 45 ]; then fail "canary share $canary/60 is far from 50%"; fi

# --- SIGTERM drains requests in flight -------------------------------------------------------------
pids=()
for i in 1 2; do
  curl -s -o "$WORK/drain.$i" -w '%{http_code}\n' -H 'Content-Type: application/json' \
    -d '{"model":"slow","messages":[{"role":"user","content":"drain"}]}' \
    "$SERVE_URL/v1/chat/completions" >"$WORK/drainst.$i" &
  pids+=($!)
done
sleep 0.5
total_before=$(curl -s "$SERVE_URL/metrics" | grep -c . || true)
serve_stop
wait "${pids[@]}"
expect_eq "$SERVE_RC" 0 "serve exits 0 on SIGTERM"
# Answered, not cut: the I/O threads must keep running while only the answers are pending.
expect_not_contains "$(cat "$SERVE_LOG")" "cut at the drain timeout" "no request waits for the drain timeout"
expect_eq "$(cat "$WORK"/drainst.* | tr '\n' ' ')" "200 200 " "requests in flight were answered"
expect_eq "$(jq -r '.choices[0].message.content' <"$WORK/drain.1")" "DRAIN" "drained answer"
expect_eq "$(store_sql "SELECT COUNT(*) FROM request_log WHERE path = '/v1/chat/completions' AND provider = 'slow' AND status = 200")" 5 \
  "drained requests are logged"
# The limit holds over both I/O threads: of the three answered above, one waited for a slot.
expect_eq "$(store_sql "SELECT COUNT(*) FROM request_log WHERE provider = 'slow' AND status = 200 AND queue_ms >= 1000")" 1 \
  "two slow calls at once over every thread: the third waited for a slot"
expect_eq "$(store_sql "SELECT COUNT(*) FROM request_log WHERE status = 499 AND error_kind = 'client_disconnected'")" 1 \
  "the disconnect mid-stream is logged as 499"
expect_eq "$(store_sql "SELECT COUNT(*) FROM request_log WHERE error_kind = 'overloaded'")" 3 "refusals logged"
expect_eq "$(store_sql "SELECT COUNT(DISTINCT release_number) FROM request_log WHERE route = 'ask' AND canary = 1")" 1 \
  "canary rows carry the canary release"
[ "$total_before" -gt 0 ] || fail "metrics answered during the drain test"
finish
