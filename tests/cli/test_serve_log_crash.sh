#!/usr/bin/env bash
# kill -9 of llmops serve under load, and what the request log guarantees afterwards
# (docs/serve.md, "Request log"): the store passes fsck and SQLite's integrity check; every row
# is whole and says what its client got; rows counted by /metrics as written before the kill
# are all there; the rows of each connection are a prefix of what it was answered (a lost row
# is never followed by a kept one); no row names a request no client sent.
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/serve.sh"

run init proj
cd proj
stub_start
printf 'name: ask\nmessages:\n  - {role: user, content: "Q: {{question}}"}\nvariables: {question: {required: true}}\n' >ask.yaml
run prompt add ask.yaml
cat >llmops.yaml <<YAML
providers:
  stub: {type: openai, model: stub-model, base_url: $STUB_URL/v1, api_key_env: ""}
environments:
  prod: {}
serve:
  log_bodies: hash
YAML
run deploy ask@1 --env prod --provider stub
expect_rc 0 deploy
serve_start prod

# Four clients, each one keep-alive connection sending its own body 4,000 times in sequence
# and writing "STATUS REQUEST-ID" per answer (000 once the gateway is gone).
CLIENTS=4
for c in $(seq $CLIENTS); do
  printf '{"model": "ask", "variables": {"question": "client %s"}}' "$c" >"body$c.json"
  curl -s -o /dev/null -w '%{http_code} %header{x-request-id}\n' -H 'Content-Type: application/json' \
    --data-binary "@body$c.json" "$SERVE_URL/v1/chat/completions?n=[1-4000]" >"client$c.txt" &
  eval "CLIENT_PID$c=$!"
done
wait_until "1,000 rows logged under load" sql_count_at_least 1000 "SELECT count(*) FROM request_log"
written=$(curl -s "$SERVE_URL/metrics" | awk '/^llmops_gateway_log_rows_written_total/ {print $2}')
kill -KILL "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true
SERVE_PID=""
for c in $(seq $CLIENTS); do
  pid_var=CLIENT_PID$c
  wait "${!pid_var}" || true
done

# The store: consistent, and its log readable.
run fsck
expect_rc 0 "fsck after kill -9"
if on_sqlite; then
  expect_eq "$(store_sql 'PRAGMA integrity_check')" ok "SQLite integrity check"
fi
logged=$(store_sql "SELECT count(*) FROM request_log")
expect_eq "$( ((logged >= written)) && echo yes)" yes "every row /metrics counted as written ($written) is there ($logged)"

answered=0
refused=0
for c in $(seq $CLIENTS); do
  answered=$((answered + $(grep -c '^200 ' "client$c.txt" || true)))
  refused=$((refused + $(grep -c '^000' "client$c.txt" || true)))
done
expect_eq "$( ((refused > 0)) && echo yes)" yes "the kill came while the clients were sending ($refused refused)"

# Every chat row is whole and matches what its client got.
store_sql "SELECT id || ' ' || status || ' ' || route || ' ' || release_number || ' ' || provider
  || ' ' || model || ' ' || body_policy || ' ' || request_body || ' ' || length(response_body)
  || ' ' || CASE WHEN total_ms >= 0 THEN 1 ELSE 0 END || ' ' || CASE WHEN prompt_tokens > 0 THEN 1 ELSE 0 END
  || ' ' || CASE WHEN completion_tokens > 0 THEN 1 ELSE 0 END
  FROM request_log WHERE path = '/v1/chat/completions' ORDER BY seq" >rows.txt
expect_eq "$(awk '!($2 == 200 && $3 == "ask" && $4 == 1 && $5 == "stub" && $6 == "stub-model" &&
  $7 == "hash" && $9 == 32 && $10 == 1 && $11 == 1 && $12 == 1)' rows.txt | head -n 3)" "" "whole rows"
for c in $(seq $CLIENTS); do
  hash=$(xxh128sum <"body$c.json" | cut -d' ' -f1)
  mine=$(awk -v h="$hash" '$8 == h' rows.txt | wc -l)
  kept=$(awk 'NR == FNR { if ($1 == "200") sent[$2] = 1; next } ($1 in sent)' "client$c.txt" rows.txt | wc -l)
  expect_eq "$mine" "$kept" "client $c: rows with its body hash are exactly its requests"
  # Prefix: walking the client's answers in order, once one is missing from the log, none later
  # is there.
  holes=$(awk 'NR == FNR { logged[$1] = 1; next }
               $1 == "200" { if ($2 in logged) { if (gap) bad++ } else gap = 1 }
               END { print bad + 0 }' rows.txt "client$c.txt")
  expect_eq "$holes" 0 "client $c: its logged requests are a prefix of its answered ones"
done
cat client*.txt >all_clients.txt
phantom=$(awk 'NR == FNR { if ($1 == "200") sent[$2] = 1; next } !($1 in sent)' all_clients.txt rows.txt | wc -l)
expect_eq "$phantom" 0 "no row for a request no client was answered"
lost=$((answered - $(wc -l <rows.txt)))
echo "kill -9 under load: $answered answered 200, $(wc -l <rows.txt) logged, $lost lost (the last group)"
expect_eq "$( ((lost >= 0)) && echo yes)" yes "never more rows than answers"

# The gateway starts again on the same store and logs on.
serve_start prod
chat '{"model": "ask", "variables": {"question": "after"}}'
expect_eq "$STATUS" 200 "serving after the crash"
serve_stop
expect_eq "$(store_sql "SELECT status FROM request_log WHERE id = '$(header x-request-id)'")" 200 "logged after restart"
finish
