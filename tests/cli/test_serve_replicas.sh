#!/usr/bin/env bash
# Two `llmops serve` replicas of one store behind nginx (round robin), as a team runs them:
# under concurrent load every request is logged exactly once, under an id no other request
# has; each replica holds its own replica slot; a key's budget spent through one replica is
# refused by the other. On SQLite the replicas share the file; in the PostgreSQL pass
# (docs/postgresql.md) they share the server's database.
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "nginx is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; }

run init proj
expect_rc 0 init
cd proj
stub_start
printf 'name: ask\nmessages:\n  - {role: user, content: "{{question}}"}\nvariables: {question: {required: true}}\n' >ask.yaml
run prompt add ask.yaml
cat >llmops.yaml <<YAML
providers:
  stub: {type: openai, model: stub-model, base_url: $STUB_URL/v1, api_key_env: "", price: {input: 1000, output: 1000}}
environments:
  prod: {}
YAML
run deploy ask@1 --env prod --provider stub
expect_rc 0 "deploy ask@1"
run keys create poor --budget-usd 0.001
expect_rc 0 "a key with a small budget"
POOR_KEY=$OUT
run keys create load
LOAD_KEY=$OUT
run keys create paced --rpm 3
expect_rc 0 "a key with 3 requests a minute"
PACED_KEY=$OUT

PIDS=()
stop_all() { kill -TERM "${PIDS[@]}" 2>/dev/null || true; wait "${PIDS[@]}" 2>/dev/null || true; }
eval "set -- $(trap -p EXIT)"
trap "stop_all; $3" EXIT

# replica NAME: starts a gateway; its URL in REPLICA_URL.
replica() {
  "$LLMOPS_BIN" serve --env prod --port 0 --port-file "$WORK/$1.port" 2>"$WORK/$1.err" &
  PIDS+=($!)
  wait_until "replica $1 to listen" test -s "$WORK/$1.port"
  REPLICA_URL="http://127.0.0.1:$(cat "$WORK/$1.port")"
}
replica a
A=$REPLICA_URL
replica b
B=$REPLICA_URL

mkdir -p "$WORK/nginx"
port=$(free_port)
cat >"$WORK/nginx/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  upstream replicas { server ${A#http://}; server ${B#http://}; keepalive 32; }
  server {
    listen 127.0.0.1:$port;
    location / {
      proxy_pass http://replicas;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
NGINX
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" 2>"$WORK/nginx/stderr" &
PIDS+=($!)
LB="http://127.0.0.1:$port"
lb_up() { curl -fs -o /dev/null "$LB/healthz"; }
wait_until "nginx to listen" lb_up

# --- 600 requests, 16 at a time, through nginx ----------------------------------------------------
N=600
seq "$N" | xargs -P 16 -I{} curl -s -o /dev/null -D "$WORK/h.{}" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $LOAD_KEY" \
  --data-binary '{"model":"ask","user":"u{}","variables":{"question":"q{}"}}' "$LB/v1/chat/completions"
statuses=$(cat "$WORK"/h.* | grep -c '^HTTP/1.1 200' || true)
expect_eq "$statuses" "$N" "every request answered 200"
ids=$(cat "$WORK"/h.* | grep -i '^x-request-id:' | tr -d '\r' | cut -d' ' -f2 | sort -u | wc -l)
expect_eq "$ids" "$N" "every answer has an id of its own"
chats="SELECT COUNT(*) FROM request_log WHERE path = '/v1/chat/completions'"
wait_until "every request logged" sql_count_at_least "$N" "$chats"
expect_eq "$(store_sql "$chats")" "$N" "no request lost, none logged twice"
expect_eq "$(store_sql "SELECT COUNT(DISTINCT id) FROM request_log")" "$(store_sql "SELECT COUNT(*) FROM request_log")" "no id twice in the log"
# The replica slot is bits 12..19 of an id (docs/serve.md#replicas): both replicas answered.
slots=$(store_sql "SELECT (seq >> 12) & 255 FROM request_log" | sort -u | paste -sd, -)
expect_eq "$slots" "0,1" "two replica slots, both in use"
for id in $(cat "$WORK"/h.* | grep -i '^x-request-id:' | tr -d '\r' | cut -d' ' -f2 | head -n 5); do
  expect_eq "$(store_sql "SELECT COUNT(*) FROM request_log WHERE id = '$id'")" 1 "answered id $id is logged"
done

# --- a budget spent through one replica holds at the other ----------------------------------------
budget_body='{"model":"ask","user":"poor","variables":{"question":"spend"}}'
code() { curl -s -o "$WORK/.resp" -w '%{http_code}' -H 'Content-Type: application/json' -H "Authorization: Bearer $POOR_KEY" --data-binary "$budget_body" "$1/v1/chat/completions"; }
expect_eq "$(code "$A")" 200 "replica a: the budget is not spent yet"
expect_eq "$(code "$A")" 429 "replica a: its own count says spent"
spent() { sql_count_at_least 1 "SELECT COUNT(*) FROM request_key_spend WHERE key_name = 'poor' AND cost_usd >= 0.001"; }
wait_until "the spend recorded in the store" spent
expect_eq "$(code "$B")" 429 "replica b refuses a budget spent through replica a"
expect_eq "$(jq -r .error.code "$WORK/.resp")" insufficient_quota "with the budget's code"

# --- a key's rate spent through one replica holds at the other ------------------------------------
paced() { curl -s -o "$WORK/.resp" -w '%{http_code}' -H 'Content-Type: application/json' -H "Authorization: Bearer $PACED_KEY" --data-binary '{"model":"ask","user":"paced","variables":{"question":"pace"}}' "$1/v1/chat/completions"; }
for i in 1 2 3; do expect_eq "$(paced "$A")" 200 "replica a: paced request $i of 3"; done
expect_eq "$(paced "$A")" 429 "replica a: its own bucket is empty"
logged_paced() { sql_count_at_least 3 "SELECT requests FROM request_key_spend WHERE key_name = 'paced'"; }
wait_until "the paced requests recorded in the store" logged_paced
expect_eq "$(paced "$B")" 429 "replica b refuses a rate used up through replica a"
expect_eq "$(jq -r .error.code "$WORK/.resp")" rate_limit_exceeded "with the rate limit's code"

# --- a third gateway takes the next free slot; a stopped one frees its slot ------------------------
kill -TERM "${PIDS[0]}"
wait "${PIDS[0]}" || true
replica c
chat_c() { curl -s -o /dev/null -D "$WORK/c.hdr" -H 'Content-Type: application/json' -H "Authorization: Bearer $LOAD_KEY" --data-binary '{"model":"ask","user":"c","variables":{"question":"c"}}' "$REPLICA_URL/v1/chat/completions"; }
chat_c
c_id=$(grep -i '^x-request-id:' "$WORK/c.hdr" | tr -d '\r' | cut -d' ' -f2)
expect_eq "$(( (16#${c_id#req_} >> 12) & 255 ))" 0 "replica c took the slot replica a freed"
finish
