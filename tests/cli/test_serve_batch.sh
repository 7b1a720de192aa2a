#!/usr/bin/env bash
# The Batch API of llmops serve with curl: uploads (multipart) and their refusals, a batch of
# routes, passthrough and bad lines with OpenAI's output and error files, every line logged,
# listing, cancel, expiry, keys, gc keeping batch files, and a gateway killed (kill -9) and stopped
# (SIGTERM) mid-batch that resumes the batch without sending a recorded line again.
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/serve.sh"

run init proj
cd proj
stub_start --latency-ms 150 # 40 lines at concurrency 2 take >= 3 s: the kill lands mid-batch
printf 'name: ask\nmessages:\n  - {role: user, content: "Q: {{question}}"}\nvariables: {question: {required: true}}\n' >ask.yaml
run prompt add ask.yaml
cat >llmops.yaml <<YAML
providers:
  stub: {type: openai, model: stub-model, base_url: $STUB_URL/v1, api_key_env: ""}
environments:
  prod: {}
serve:
  passthrough: [stub]
  batch: {max_file_bytes: 65536, max_lines: 50, concurrency: 2}
YAML
run deploy ask@1 --env prod --provider stub
expect_rc 0 deploy

# upload FILE [PURPOSE]: POST /v1/files; status in $STATUS, body in $OUT.
upload() {
  STATUS=$(curl -s -o "$WORK/.up" -w '%{http_code}' -F "purpose=${2:-batch}" -F "file=@$1" \
    "$SERVE_URL/v1/files")
  OUT=$(cat "$WORK/.up")
}
# api METHOD PATH [BODY]: status in $STATUS, body in $OUT.
api() {
  STATUS=$(curl -s -o "$WORK/.api" -w '%{http_code}' -X "$1" -H 'Content-Type: application/json' \
    ${3:+--data-binary "$3"} "$SERVE_URL$2")
  OUT=$(cat "$WORK/.api")
}
line() { # CUSTOM_ID BODY
  printf '{"custom_id": "%s", "method": "POST", "url": "/v1/chat/completions", "body": %s}\n' "$1" "$2"
}
batch_status() {
  api GET "/v1/batches/$1"
  [ "$(json_get .status)" = "$2" ]
}

serve_start prod

# --- uploads that are refused, each naming what is wrong; the store keeps nothing of them
digest=$(store_digest)
{ line a '{"model": "ask", "variables": {"question": "one"}}'; echo '{"custom_id": "b", oops}'; } >bad_json.jsonl
upload bad_json.jsonl
expect_eq "$STATUS" 400 "malformed line"
expect_contains "$(json_get .error.message)" "bad_json.jsonl: line 2, column" "line and column named"
expect_eq "$(json_get .error.param)" file "param"
{ line a '{"model": "ask"}'; line a '{"model": "ask"}'; } >dup.jsonl
upload dup.jsonl
expect_contains "$(json_get .error.message)" "line 2, column 1: custom_id 'a' is used twice" "duplicate custom_id"
printf '{"custom_id": "a", "method": "GET", "url": "/v1/chat/completions", "body": {}}\n' >get.jsonl
upload get.jsonl
expect_contains "$(json_get .error.message)" 'method: must be "POST"' "method checked"
printf '{"custom_id": "a", "method": "POST", "url": "/v1/embeddings", "body": {}}\n' >url.jsonl
upload url.jsonl
expect_contains "$(json_get .error.message)" 'url: must be "/v1/chat/completions"' "url checked"
line a '{"model": "ask", "stream": true}' >stream.jsonl
upload stream.jsonl
expect_contains "$(json_get .error.message)" "cannot stream" "stream refused"
for i in $(seq 51); do line "c$i" '{"model": "ask"}'; done >many.jsonl
upload many.jsonl
expect_eq "$STATUS" 400 "too many lines"
expect_contains "$(json_get .error.message)" "line 51, column 1: more than 50 requests" "line limit named"
line a "{\"model\": \"ask\", \"variables\": {\"question\": \"$(head -c 70000 /dev/zero | tr '\0' x)\"}}" >big.jsonl
upload big.jsonl
expect_eq "$STATUS" 413 "file over max_file_bytes"
line a '{"model": "ask"}' >ok.jsonl
upload ok.jsonl fine-tune
expect_eq "$STATUS" 400 "purpose other than batch"
expect_eq "$(json_get .error.param)" purpose "purpose param"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: multipart/form-data; boundary=x' \
  --data-binary $'--x\r\nContent-Disposition: form-data; name="file"\r\n\r\nno end' "$SERVE_URL/v1/files")
expect_eq "$STATUS" 400 "truncated multipart body"
expect_eq "$(store_sql "SELECT count(*) FROM meta WHERE key LIKE 'file:%'")" 0 "no file stored by refused uploads"

# --- a batch: route lines, a passthrough line, and lines the gateway refuses
{
  line q1 '{"model": "ask", "variables": {"question": "first"}}'
  line q2 '{"model": "ask", "variables": {"question": "second"}, "user": "u-2"}'
  line pass '{"model": "stub", "messages": [{"role": "user", "content": "direct"}]}'
  line unknown '{"model": "nope", "messages": [{"role": "user", "content": "x"}]}'
  line novars '{"model": "ask", "variables": {}}'
} >input.jsonl
upload input.jsonl
expect_eq "$STATUS" 200 "upload"
FILE_ID=$(json_get .id)
expect_eq "$(json_get .object)" file "file object"
expect_eq "$(json_get .purpose)" batch "purpose"
expect_eq "$(json_get .filename)" input.jsonl "filename"
expect_eq "$(json_get .bytes)" "$(wc -c <input.jsonl)" "bytes"
api GET "/v1/files/$FILE_ID/content"
expect_eq "$OUT" "$(cat input.jsonl)" "file content round trip"
api POST /v1/batches '{"input_file_id": "file-nope", "endpoint": "/v1/chat/completions", "completion_window": "24h"}'
expect_eq "$STATUS" 404 "unknown input file"
api POST /v1/batches "{\"input_file_id\": \"$FILE_ID\", \"endpoint\": \"/v1/chat/completions\", \"completion_window\": \"1h\"}"
expect_eq "$STATUS" 400 "completion window other than 24h"
expect_eq "$(json_get .error.param)" completion_window "its param"
api POST /v1/batches "{\"input_file_id\": \"$FILE_ID\", \"endpoint\": \"/v1/chat/completions\", \"completion_window\": \"24h\", \"metadata\": {\"job\": \"nightly\"}}"
expect_eq "$STATUS" 200 "batch created"
BATCH_ID=$(json_get .id)
expect_eq "$(json_get .object)" batch "batch object"
expect_eq "$(json_get .request_counts.total)" 5 "total"
expect_eq "$(json_get .metadata.job)" nightly "metadata"
expect_eq "$(json_get 'has("llmops")')" false "internal fields not shown"
wait_until "batch completed" batch_status "$BATCH_ID" completed
expect_eq "$(json_get .request_counts.completed)" 3 "completed count"
expect_eq "$(json_get .request_counts.failed)" 2 "failed count"
expect_eq "$(json_get '.completed_at != null and .in_progress_at != null and .finalizing_at != null')" true "timestamps"
OUTPUT_ID=$(json_get .output_file_id)
ERROR_ID=$(json_get .error_file_id)
api GET "/v1/files/$OUTPUT_ID"
expect_eq "$(json_get .purpose)" batch_output "output file purpose"
api GET "/v1/files/$OUTPUT_ID/content"
output=$OUT
expect_eq "$(printf '%s\n' "$output" | jq -r .custom_id | sort | tr '\n' ' ')" "pass q1 q2 " "output custom ids"
OUT=$(printf '%s\n' "$output" | jq -c 'select(.custom_id == "q1")')
expect_eq "$(json_get .response.status_code)" 200 "q1 status"
expect_eq "$(json_get .response.body.choices[0].message.content)" "Q: FIRST" "q1 rendered through the route"
expect_eq "$(json_get .response.body.object)" chat.completion "q1 body"
expect_eq "$(json_get .error)" null "q1 error"
expect_contains "$(json_get .id)" batch_req_ "line id"
q1_request=$(json_get .response.request_id)
OUT=$(printf '%s\n' "$output" | jq -c 'select(.custom_id == "pass")')
expect_eq "$(json_get .response.body.choices[0].message.content)" "DIRECT" "passthrough line"
api GET "/v1/files/$ERROR_ID/content"
errors=$OUT
OUT=$(printf '%s\n' "$errors" | jq -c 'select(.custom_id == "unknown")')
expect_eq "$(json_get .response.status_code)" 404 "unknown route line"
expect_eq "$(json_get .response.body.error.code)" model_not_found "its error body"
OUT=$(printf '%s\n' "$errors" | jq -c 'select(.custom_id == "novars")')
expect_eq "$(json_get .response.status_code)" 400 "missing variable line"
expect_eq "$(json_get .response.body.error.param)" variables "its param"
# Every line is a row of the request log, under the id the output names.
run logs show "$q1_request" --json
expect_rc 0 "logs show q1"
expect_eq "$(json_get .route)" ask "q1 logged with its route"
expect_eq "$(json_get .status)" 200 "q1 logged status"
wait_until "5 batch rows logged" sql_count_at_least 5 \
  "SELECT count(*) FROM request_log WHERE path = '/v1/chat/completions'"

# --- listing, and cancel
api GET "/v1/batches?limit=1"
expect_eq "$(json_get .object)" list "list object"
expect_eq "$(json_get '.data | length')" 1 "limit"
expect_eq "$(json_get .data[0].id)" "$BATCH_ID" "newest first"
api GET "/v1/batches?limit=0"
expect_eq "$STATUS" 400 "limit out of range"
api POST "/v1/batches/$BATCH_ID/cancel"
expect_eq "$STATUS" 409 "cancelling a completed batch"
for i in $(seq 40); do line "slow$i" "{\"model\": \"ask\", \"variables\": {\"question\": \"$i\"}}"; done >slow.jsonl
upload slow.jsonl
api POST /v1/batches "{\"input_file_id\": \"$(json_get .id)\", \"endpoint\": \"/v1/chat/completions\", \"completion_window\": \"24h\"}"
CANCEL_ID=$(json_get .id)
api POST "/v1/batches/$CANCEL_ID/cancel"
expect_eq "$STATUS" 200 "cancel accepted"
expect_eq "$(json_get .status)" cancelling "cancelling"
wait_until "batch cancelled" batch_status "$CANCEL_ID" cancelled
expect_eq "$(json_get '.cancelled_at != null')" true "cancelled_at"
expect_eq "$(json_get '.request_counts.completed < 40')" true "cancel stopped the batch"
api GET /v1/batches/batch_nope
expect_eq "$STATUS" 404 "unknown batch"
expect_eq "$(json_get .error.param)" batch_id "its param"

# --- a gateway killed mid-batch resumes the batch: no recorded line is sent again
upload slow.jsonl
SLOW_FILE=$(json_get .id)
api POST /v1/batches "{\"input_file_id\": \"$SLOW_FILE\", \"endpoint\": \"/v1/chat/completions\", \"completion_window\": \"24h\"}"
KILL_ID=$(json_get .id)
recorded() { # the lines of batch $1 recorded in the store
  store_sql "SELECT value FROM meta WHERE key = 'batch:$1'" | jq '.request_counts.completed + .request_counts.failed'
}
some_recorded() { [ "$(recorded "$KILL_ID")" -ge 4 ]; }
wait_until "part of the batch recorded" some_recorded
kill -KILL "$SERVE_PID"
wait "$SERVE_PID" 2>/dev/null || true
SERVE_PID=""
at_kill=$(recorded "$KILL_ID")
expect_eq "$( ((at_kill < 40)) && echo mid)" mid "killed mid-batch ($at_kill of 40 recorded)"
stub_idle() { [ "$(curl -s "$STUB_URL/stats" | jq .in_flight)" = 0 ]; }
wait_until "the stub finished the orphaned calls" stub_idle
curl -s -X POST "$STUB_URL/reset-stats" >/dev/null
run fsck
expect_rc 0 "fsck after kill -9"
serve_start prod
wait_until "killed batch resumed and completed" batch_status "$KILL_ID" completed
expect_eq "$(json_get .request_counts.completed)" 40 "every line answered"
api GET "/v1/files/$(json_get .output_file_id)/content"
expect_eq "$(printf '%s\n' "$OUT" | jq -r .custom_id | sort -u | wc -l)" 40 "40 distinct custom ids"
expect_eq "$(printf '%s\n' "$OUT" | wc -l)" 40 "each exactly once"
sent=$(curl -s "$STUB_URL/stats" | jq '.by_path["/v1/chat/completions"] // 0')
expect_eq "$sent" "$((40 - at_kill))" "the restarted gateway sent only the unrecorded lines"
expect_contains "$(cat "$SERVE_LOG")" "resuming" "resume noted"

# --- SIGTERM mid-batch: lines in flight finish and are recorded; the next gateway resumes
api POST /v1/batches "{\"input_file_id\": \"$SLOW_FILE\", \"endpoint\": \"/v1/chat/completions\", \"completion_window\": \"24h\"}"
TERM_ID=$(json_get .id)
some_term() { [ "$(recorded "$TERM_ID")" -ge 2 ]; }
wait_until "part of the second batch recorded" some_term
serve_stop
expect_eq "$SERVE_RC" 0 "SIGTERM exit"
at_term=$(recorded "$TERM_ID")
api_status=$(store_sql "SELECT value FROM meta WHERE key = 'batch:$TERM_ID'" | jq -r .status)
expect_eq "$api_status" in_progress "still in progress after SIGTERM"
curl -s -X POST "$STUB_URL/reset-stats" >/dev/null
serve_start prod
wait_until "stopped batch completed" batch_status "$TERM_ID" completed
sent=$(curl -s "$STUB_URL/stats" | jq '.by_path["/v1/chat/completions"] // 0')
expect_eq "$sent" "$((40 - at_term))" "after SIGTERM, only unrecorded lines sent again"
expect_eq "$(json_get .request_counts.completed)" 40 "all 40 after the SIGTERM resume"

# --- a batch whose window ends: the lines not run become batch_expired error lines
api POST /v1/batches "{\"input_file_id\": \"$SLOW_FILE\", \"endpoint\": \"/v1/chat/completions\", \"completion_window\": \"24h\"}"
EXPIRE_ID=$(json_get .id)
some_expire() { [ "$(recorded "$EXPIRE_ID")" -ge 2 ]; }
wait_until "part of the batch to expire recorded" some_expire
serve_stop
at_stop=$(recorded "$EXPIRE_ID")
if on_sqlite; then
  store_sql "UPDATE meta SET value = json_set(value, '\$.expires_at', 1) WHERE key = 'batch:$EXPIRE_ID'"
else
  store_sql "UPDATE meta SET value = jsonb_set(value::jsonb, '{expires_at}', '1')::text WHERE key = 'batch:$EXPIRE_ID'"
fi
serve_start prod
wait_until "batch expired" batch_status "$EXPIRE_ID" expired
expect_eq "$(json_get '.expired_at != null')" true "expired_at"
expect_eq "$(json_get .request_counts.completed)" "$at_stop" "the lines answered before the window ended"
expect_eq "$(json_get .request_counts.failed)" "$((40 - at_stop))" "the rest failed as expired"
api GET "/v1/files/$(json_get .error_file_id)/content"
expect_eq "$(printf '%s\n' "$OUT" | jq -r 'select(.error.code == "batch_expired" and .response == null) | .custom_id' | wc -l)" \
  "$((40 - at_stop))" "batch_expired error lines"

# --- gc keeps batch files and results; fsck checks them
serve_stop
run gc
expect_rc 0 gc
run fsck
expect_rc 0 "fsck after gc"
serve_start prod
api GET "/v1/files/$OUTPUT_ID/content"
expect_eq "$OUT" "$output" "output file survives gc"

# --- with keys, a key sees only its own files and batches
serve_stop
run keys create alice
ALICE=$OUT
run keys create bob
BOB=$OUT
serve_start prod
STATUS=$(curl -s -o "$WORK/.up" -w '%{http_code}' -F purpose=batch -F "file=@ok.jsonl" "$SERVE_URL/v1/files")
expect_eq "$STATUS" 401 "upload without a key"
OUT=$(curl -s -H "Authorization: Bearer $ALICE" -F purpose=batch -F "file=@input.jsonl" "$SERVE_URL/v1/files")
ALICE_FILE=$(json_get .id)
OUT=$(curl -s -H "Authorization: Bearer $ALICE" -H 'Content-Type: application/json' \
  -d "{\"input_file_id\": \"$ALICE_FILE\", \"endpoint\": \"/v1/chat/completions\", \"completion_window\": \"24h\"}" \
  "$SERVE_URL/v1/batches")
ALICE_BATCH=$(json_get .id)
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $BOB" "$SERVE_URL/v1/batches/$ALICE_BATCH")
expect_eq "$STATUS" 404 "another key's batch"
STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $BOB" "$SERVE_URL/v1/files/$ALICE_FILE/content")
expect_eq "$STATUS" 404 "another key's file"
alice_done() {
  OUT=$(curl -s -H "Authorization: Bearer $ALICE" "$SERVE_URL/v1/batches/$ALICE_BATCH")
  [ "$(json_get .status)" = completed ]
}
wait_until "alice's batch completed" alice_done
expect_eq "$(json_get .request_counts.completed)" 3 "alice's batch ran under her key"
# The log writer commits its rows up to 100 ms after the answers: wait for them, then count.
alice_rows="SELECT count(*) FROM request_log WHERE key_name = 'alice' AND path = '/v1/chat/completions'"
wait_until "the batch's lines logged" sql_count_at_least 5 "$alice_rows"
expect_eq "$(store_sql "$alice_rows")" 5 "lines logged under the key"
serve_stop
finish
