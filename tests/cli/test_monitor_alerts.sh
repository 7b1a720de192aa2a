#!/usr/bin/env bash
# Alert rules end to end: `monitor check` walks inactive -> pending -> firing -> resolved with
# stable fingerprints and exits 1 while any fires; a real Alertmanager (Debian's
# prometheus-alertmanager on 127.0.0.1) receives the alerts and passes them on to a webhook in
# its version-4 payload, firing and then resolved; direct webhooks get that same shape; exec
# hooks get it on stdin, once per transition of a fingerprint; an unreachable Alertmanager is a
# logged failure retried with backoff; bad rules stop the command with file:line:column (exit
# 3) before anything is evaluated; `serve` evaluates the rules by itself.
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/serve.sh"

command -v prometheus-alertmanager >/dev/null ||
  { fail "prometheus-alertmanager is not installed: run scripts/install-deps.sh"; finish; }

PIDS=()
cleanup_processes() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap 'cleanup_processes; rm -rf "$WORK"' EXIT

# The webhook receiver: every POST becomes a line of $WORK/hook.jsonl.
python3 "$LLMOPS_SOURCE_DIR/tests/support/webhook_receiver.py" "$WORK/hook.port" "$WORK/hook.jsonl" &
PIDS+=($!)
wait_until "the webhook receiver" test -s "$WORK/hook.port"
HOOK="http://127.0.0.1:$(cat "$WORK/hook.port")"
touch "$WORK/hook.jsonl"


# A real Alertmanager routing every alert to the receiver at /am, resolved ones included.
AM_PORT=$(free_port)
mkdir -p "$WORK/am"
cat >"$WORK/am/alertmanager.yml" <<YAML
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: $HOOK/am
        send_resolved: true
YAML
prometheus-alertmanager --config.file="$WORK/am/alertmanager.yml" --storage.path="$WORK/am/data" \
  --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= >"$WORK/am/log" 2>&1 &
PIDS+=($!)
AM="http://127.0.0.1:$AM_PORT"
wait_until "Alertmanager" curl -sf -o /dev/null "$AM/-/ready"
DEAD="http://127.0.0.1:$(free_port)" # nothing listens there

run init proj
cd proj
stub_start --fault-rate 1 --faults 500
BROKEN=$STUB_URL
stub_start
GOOD=$STUB_URL
for name in qa bad; do
  printf 'name: %s\nmessages:\n  - {role: user, content: "{{question}}"}\nvariables: {question: {required: true}}\n' "$name" >"$name.yaml"
  run prompt add "$name.yaml"
done
providers="providers:
  broken: {type: openai, model: stub-model, base_url: $BROKEN/v1, api_key_env: \"\", retries: {max: 0}}
  good: {type: openai, model: stub-model, base_url: $GOOD/v1, api_key_env: \"\"}
environments:
  prod: {}"
printf '%s\n' "$providers" >llmops.yaml
run deploy qa@1 --env prod --provider good
run deploy bad@1 --env prod --provider broken
expect_rc 0 "deploy bad"
serve_start prod
for i in 1 2; do
  chat "{\"model\":\"qa\",\"variables\":{\"question\":\"q$i\"}}"
  chat "{\"model\":\"bad\",\"variables\":{\"question\":\"q$i\"}}"
  expect_eq "$STATUS" 502 "bad fails"
done
serve_stop

cat >llmops.yaml <<YAML
$providers
alerts:
  resend_every: 2s
  notify:
    alertmanager: $AM
    webhook: $HOOK/direct
    exec: "(cat; echo) >> tickets.jsonl"
  rules:
    - name: BadRouteErrors
      metric: error_rate
      selector: {env: prod, route: bad}
      window: 1h
      threshold: 0.5
      severity: critical
      labels: {team: search}
      annotations: {summary: the bad route fails}
    - name: QaSlow
      metric: latency_p95_ms
      selector: {route: qa}
      window: 1h
      threshold: 600000
    - name: NeedsTime
      metric: requests
      window: 1h
      comparison: ">="
      threshold: 1
      for: 2s
    - name: Unreachable
      metric: error_rate.upstream_server
      window: 1h
      threshold: 0
      notify: {alertmanager: $DEAD}
YAML

state_of() { json_get ".alerts[] | select(.rule == \"$1\") | .state"; }
lines() { if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi; }
hook_posts() { jq -c "select(.path == \"$1\")" "$WORK/hook.jsonl" | wc -l | tr -d ' '; }

# --- first evaluation: one fires, one waits for its `for:` ---------------------------------------
run monitor check --json
expect_rc 1 "an alert fires: exit 1"
expect_eq "$(state_of BadRouteErrors)" firing "BadRouteErrors fires"
expect_eq "$(state_of QaSlow)" inactive "QaSlow does not"
expect_eq "$(state_of NeedsTime)" pending "NeedsTime waits for its for: duration"
expect_eq "$(state_of Unreachable)" firing "Unreachable fires"
expect_eq "$(json_get '.alerts[] | select(.rule == "BadRouteErrors") | .value')" 1 "the value"
fingerprint=$(json_get '.alerts[] | select(.rule == "BadRouteErrors") | .fingerprint')
expect_eq "$(json_get '.alerts[] | select(.rule == "BadRouteErrors") | .labels | [.alertname, .severity, .team, .route, .env] | join(",")')" \
  "BadRouteErrors,critical,search,bad,prod" "labels: the rule's, the selector's"
expect_eq "$(json_get '.delivery.failed')" 1 "one delivery failed (the dead Alertmanager)"
expect_contains "$(json_get '.delivery.attempts[] | select(.delivered == false) | .receiver')" "alertmanager:$DEAD" "which one"
expect_eq "$(lines tickets.jsonl)" 1 "exec hook: one ticket (Unreachable has its own notify)"
expect_eq "$(jq -r '.alerts[0].status' tickets.jsonl | sort -u)" firing "tickets are firing payloads"
expect_eq "$(hook_posts /direct)" 1 "direct webhook: one POST"
direct=$(jq -c 'select(.path == "/direct") | .body | select(.groupLabels.alertname == "BadRouteErrors")' "$WORK/hook.jsonl")
expect_eq "$(printf '%s' "$direct" | jq -r '[.version, .status, .alerts[0].status, .alerts[0].fingerprint] | join(",")')" \
  "4,firing,firing,$fingerprint" "direct webhook: version-4 payload"
expect_eq "$(printf '%s' "$direct" | jq -r '[keys[]] | join(",")')" \
  "alerts,commonAnnotations,commonLabels,externalURL,groupKey,groupLabels,receiver,status,truncatedAlerts,version" \
  "direct webhook: Alertmanager's fields"
expect_eq "$(printf '%s' "$direct" | jq -r '.alerts[0].endsAt')" "0001-01-01T00:00:00Z" "not ended"

# Alertmanager passes it on in its own version-4 payload. (The receiver's file is read as a
# whole, -s: `jq -e` over several inputs answers for the last one only.)
am_firing() { jq -s -e '[.[] | select(.path == "/am") | .body | select(.status == "firing" and .groupLabels.alertname == "BadRouteErrors")] | length > 0' "$WORK/hook.jsonl" >/dev/null; }
wait_until "Alertmanager's firing notification" am_firing
am=$(jq -c 'select(.path == "/am") | .body | select(.groupLabels.alertname == "BadRouteErrors")' "$WORK/hook.jsonl" | head -n1)
expect_eq "$(printf '%s' "$am" | jq -r '[.version, .status, .alerts[0].labels.alertname, .alerts[0].labels.team, .alerts[0].annotations.summary] | join(",")')" \
  "4,firing,BadRouteErrors,search,the bad route fails" "Alertmanager's webhook: version 4, our labels and annotations"
expect_eq "$(printf '%s' "$am" | jq -r '[keys[]] | join(",")')" \
  "alerts,commonAnnotations,commonLabels,externalURL,groupKey,groupLabels,receiver,status,truncatedAlerts,version" \
  "the direct webhook has the same fields as Alertmanager's"

# --- the unreachable Alertmanager: logged, retried with backoff, never a crash ---------------
expect_eq "$(store_sql "SELECT attempts FROM alert_outbox WHERE receiver = 'alertmanager:$DEAD'")" 1 "one try so far"
expect_eq "$(store_sql "SELECT COUNT(*) FROM alert_outbox WHERE receiver = 'alertmanager:$DEAD' AND length(last_error) > 0")" 1 "the error is kept"
# The next try is planned 5 s after the first (the backoff's first step), not sooner.
row=$(store_sql "SELECT next_attempt_ms, created_at FROM alert_outbox WHERE receiver = 'alertmanager:$DEAD'")
created=${row#*|} # 2026-12-01T10:00:00.123Z
created_ms=$(( $(date -u -d "${created:0:19}Z" +%s) * 1000 + 10#${created:20:3} ))
expect_eq "$(( ${row%%|*} - created_ms ))" 5000 "the first retry waits 5 s"
retried() { "$LLMOPS_BIN" monitor check >/dev/null 2>>"$WORK/.retry.err" || true; sql_count_at_least 2 "SELECT attempts FROM alert_outbox WHERE receiver = 'alertmanager:$DEAD'"; }
POLL_TIMEOUT=60 wait_until "the retry after the backoff" retried
expect_contains "$(cat "$WORK/.retry.err")" "to alertmanager:$DEAD failed (try 2)" "the retry is logged"

# --- NeedsTime fires once its condition has held for 2 s; Alertmanager gets resends ---------
needs_time_fires() {
  "$LLMOPS_BIN" monitor check --json 2>/dev/null >"$WORK/.check" || true
  [ "$(jq -r '.alerts[] | select(.rule == "NeedsTime") | .state' "$WORK/.check")" = firing ]
}
wait_until "NeedsTime to fire after for: 2s" needs_time_fires
expect_eq "$(lines tickets.jsonl)" 2 "a ticket for NeedsTime"
resent() {
  "$LLMOPS_BIN" monitor check >/dev/null 2>&1 || true
  sql_count_at_least 2 "SELECT COUNT(*) FROM alert_outbox WHERE receiver = 'alertmanager:$AM' AND fingerprint = '$fingerprint' AND status = 'firing' AND delivered_at IS NOT NULL"
}
wait_until "a resend to Alertmanager while firing" resent

# --- evaluating again and again changes nothing else: no second ticket, no second webhook -----
expect_eq "$(lines tickets.jsonl)" 2 "exec hook: deduplicated by fingerprint"
expect_eq "$(hook_posts /direct)" 2 "direct webhook: once per firing"

# --- the rules change so that nothing holds: everything resolves ---------------------------------
sed -i 's/threshold: 0.5/threshold: 2/; s/threshold: 1$/threshold: 1000000/; s/threshold: 0$/threshold: 1000000/' llmops.yaml
run monitor check --json
expect_rc 0 "nothing fires: exit 0"
expect_eq "$(state_of BadRouteErrors)" resolved "BadRouteErrors resolves"
expect_eq "$(state_of NeedsTime)" resolved "NeedsTime resolves"
expect_eq "$(state_of Unreachable)" resolved "Unreachable resolves"
expect_eq "$(json_get '.alerts[] | select(.rule == "BadRouteErrors") | .fingerprint')" "$fingerprint" "the fingerprint is stable (same labels)"
expect_eq "$(lines tickets.jsonl)" 4 "exec hook: one resolved payload per alert that fired"
expect_eq "$(jq -r 'select(.alerts[0].status == "resolved") | .alerts[0].labels.alertname' tickets.jsonl | sort | tr '\n' ,)" \
  "BadRouteErrors,NeedsTime," "resolved tickets"
resolved=$(jq -c 'select(.path == "/direct") | .body | select(.status == "resolved" and .groupLabels.alertname == "BadRouteErrors")' "$WORK/hook.jsonl")
expect_eq "$(printf '%s' "$resolved" | jq -r '.alerts[0].endsAt')" "$(json_get '.alerts[] | select(.rule == "BadRouteErrors") | .resolved_at')" "direct webhook: resolved with endsAt"
am_resolved() { jq -s -e '[.[] | select(.path == "/am") | .body | select(.status == "resolved" and .groupLabels.alertname == "BadRouteErrors")] | length > 0' "$WORK/hook.jsonl" >/dev/null; }
wait_until "Alertmanager's resolved notification" am_resolved
expect_eq "$(store_sql "SELECT state FROM alert_events WHERE rule = 'BadRouteErrors' ORDER BY id" | paste -sd, -)" \
  "firing,resolved" "history: fired once, resolved once"
run monitor check
expect_rc 0 "still quiet"
expect_eq "$(lines tickets.jsonl)" 4 "no repeat after resolving"

# --- bad rules: exit 3 with file:line:column, before anything is evaluated --------------------
cp llmops.yaml good.yaml
bad_rule() { # YAML-RULE WHAT EXPECTED-MESSAGE-PART
  { printf '%s\n' "$providers"; printf 'alerts:\n  rules:\n%s\n' "$1"; } >llmops.yaml
  local before
  before=$(store_digest)
  run monitor check
  expect_rc 3 "$2"
  expect_one_line_error "$2"
  expect_contains "$ERR" "$3" "$2: message"
  expect_contains "$ERR" "llmops.yaml:" "$2: names the file"
  expect_eq "$(store_digest)" "$before" "$2: the store is untouched"
}
bad_rule '    - {name: A, metric: eror_rate, threshold: 1}' "unknown metric" "unknown metric 'eror_rate'"
expect_contains "$ERR" "llmops.yaml:8:25)" "the metric's line and column"
expect_contains "$ERR" "error_rate" "did you mean"
bad_rule '    - {name: A, metric: error_rate, threshold: 1, window: 5 minutes}' "bad duration" "not a duration"
bad_rule '    - {name: A, metric: error_rate, threshold: 1, selector: {user: x}}' "bad selector" "selector"
bad_rule '    - {name: A, metric: error_rate, threshold: 1, selector: {release: 2}}' "release without route" "needs a route"
bad_rule '    - {name: A, metric: error_rate, threshold: high}' "threshold not a number" "threshold"
bad_rule '    - {name: A, metric: error_rate, threshold: 1}
    - {name: A, metric: requests, threshold: 1}' "duplicate name" "a second rule named 'A'"
bad_rule '    - {name: A, metric: error_rate, threshold: 1, notify: {webhook: ftp://x}}' "bad receiver" "webhook"
run serve --env prod
expect_rc 3 "serve refuses bad rules too"

# --- inside serve: rules are evaluated periodically --------------------------------------------
cat >llmops.yaml <<YAML
$providers
alerts:
  evaluate_every: 1s
  rules:
    - name: ServeSeesErrors
      metric: errors
      selector: {route: bad}
      window: 1h
      threshold: 0
      notify: {webhook: $HOOK/serve}
YAML
serve_start prod
chat '{"model":"bad","variables":{"question":"again"}}'
serve_fired() { jq -s -e '[.[] | select(.path == "/serve") | .body | select(.status == "firing" and .groupLabels.alertname == "ServeSeesErrors")] | length > 0' "$WORK/hook.jsonl" >/dev/null; }
wait_until "serve's own evaluation to fire ServeSeesErrors" serve_fired
serve_stop
expect_eq "$SERVE_RC" 0 "serve stops cleanly with the alert loop"
expect_contains "$(cat "$SERVE_LOG")" "ServeSeesErrors is firing" "serve says so"
finish
