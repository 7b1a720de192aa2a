#!/usr/bin/env bash
# The feedback loop's data side: feedback add / list / export (the gateway's table and rules),
# data add --from-logs (negative feedback and slow requests into a dataset version, each request
# once), and data export in the fine-tuning formats, checked before anything is written. Bad
# input exits 2 or 3 with one line and leaves the store as it was.
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/serve.sh"

run init proj
expect_rc 0 init
cd proj
stub_start
cat >ask.yaml <<'YAML'
name: ask
messages:
  - {role: system, content: "Answer in one word."}
  - {role: user, content: "{{question}}"}
variables:
  question: {type: string, required: true}
YAML
run prompt add ask.yaml
cat >llmops.yaml <<YAML
providers:
  stub: {type: openai, model: stub-model, base_url: $STUB_URL/v1, api_key_env: ""}
environments:
  staging: {}
YAML
run deploy ask@1 --env staging --provider stub
expect_rc 0 "deploy ask"

serve_start staging --log-bodies full
IDS=()
for q in one two three four; do
  chat '{"model":"ask","variables":{"question":"'"$q"'"}}'
  expect_eq "$STATUS" 200 "chat $q"
  IDS+=("$(header x-request-id)")
done
# Feedback through the gateway for the first request.
status=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
  -d '{"request_id":"'"${IDS[0]}"'","name":"helpful","value":false,"comment":"wrong"}' "$SERVE_URL/v1/feedback")
expect_eq "$status" 201 "gateway feedback"
serve_stop

# --- feedback add -------------------------------------------------------------------------------
run feedback add "${IDS[1]}" --name helpful --value false --comment "too long"
expect_rc 0 "feedback add"
run feedback add "${IDS[2]}" --name helpful --value true --json
expect_rc 0 "feedback add --json"
expect_eq "$(json_get .value)" true "a boolean value"
run feedback add "${IDS[2]}" --name score --value 0.5
run feedback add "${IDS[2]}" --name tone --value formal
expect_rc 0 "a category"

DIGEST=$(store_digest)
run feedback add req_00000000000000ff --name helpful --value true
expect_rc 3 "an unknown request id"
expect_one_line_error "unknown request"
expect_contains "$ERR" "no request with id 'req_00000000000000ff'" "unknown id named"
run feedback add not-an-id --name helpful --value true
expect_rc 3 "a malformed request id"
run feedback add "${IDS[0]}" --name "" --value true
expect_rc 3 "an empty name"
expect_contains "$ERR" "feedback name" "the field is named"
run feedback add "${IDS[0]}" --name helpful --value ""
expect_rc 3 "an empty value"
run feedback add "${IDS[0]}" --name "$(printf 'n%.0s' $(seq 201))" --value 1
expect_rc 3 "a name over 200 bytes"
run feedback add "${IDS[0]}" --value 1
expect_rc 2 "no --name"
expect_eq "$(store_digest)" "$DIGEST" "bad feedback leaves the store unchanged"

# --- feedback list / export -----------------------------------------------------------------------
run feedback list --json
expect_rc 0 "feedback list"
expect_eq "$(json_get 'length')" 5 "every entry listed"
expect_eq "$(json_get '.[0].comment')" wrong "gateway feedback first"
expect_eq "$(json_get '.[0].route')" ask "the request's route"
expect_eq "$(json_get '[.[].value] | map(tostring) | join(",")')" "false,false,true,0.5,formal" "values keep their types"
run feedback list --name helpful --json
expect_eq "$(json_get 'length')" 3 "--name"
run feedback list --route nothing --json
expect_eq "$(json_get 'length')" 0 "--route with no feedback"
run feedback list --since 2099-01-01 --json
expect_eq "$(json_get 'length')" 0 "--since in the future"
run feedback list --since 1h
expect_rc 0 "--since a duration"
expect_contains "$OUT" "${IDS[1]}" "text listing"
run feedback list --since yesterday-ish
expect_rc 2 "a bad --since"
run feedback export --format csv -o fb.csv
expect_rc 0 "feedback export csv"
expect_eq "$(head -n1 fb.csv | tr -d '\r')" "id,time,request_id,route,env,name,value,comment,key" "csv header"
expect_eq "$(wc -l <fb.csv)" 6 "csv rows"
run feedback export
expect_eq "$(printf '%s\n' "$OUT" | wc -l)" 5 "jsonl to stdout"
expect_eq "$(printf '%s\n' "$OUT" | head -n1 | jq -r .request_id)" "${IDS[0]}" "jsonl rows"
run feedback export --format xml
expect_rc 2 "an unknown export format"

# --- data add --from-logs ------------------------------------------------------------------------
run data add --from-logs ask --where 'feedback.helpful==false' --name bad --json
expect_rc 0 "data add --from-logs"
expect_eq "$(json_get .rows)" 2 "the two negative requests"
expect_eq "$(json_get '.added | join(",")')" "${IDS[0]},${IDS[1]}" "added request ids"
run data show bad --json
expect_eq "$(json_get '.provenance.request_ids | join(",")')" "${IDS[0]},${IDS[1]}" "provenance lists the request ids"
expect_eq "$(json_get .provenance.command)" "add --from-logs" "provenance command"
run data cat bad
first=$(printf '%s\n' "$OUT" | head -n1)
expect_eq "$(printf '%s' "$first" | jq -r .question)" one "the request's variables"
[ -n "$(printf '%s' "$first" | jq -r '.answer // empty')" ] || fail "the logged answer is a column: $first"
expect_eq "$(printf '%s' "$first" | jq -c .feedback)" '{"helpful":false}' "the feedback"
run data add --from-logs ask --where 'feedback.helpful==false' --name bad
expect_rc 0 "the same selection again"
expect_contains "$OUT" "unchanged" "nothing added twice"
run feedback add "${IDS[3]}" --name helpful --value false
run data add --from-logs ask --where 'feedback.helpful==false' --name bad --json
expect_eq "$(json_get .rows)" 3 "one more row"
expect_eq "$(json_get '.added | join(",")')" "${IDS[3]}" "only the new request"
expect_eq "$(json_get .already_present)" 2 "the others were present"
run data add --from-logs ask --since 1h --env staging --where 'latency_ms>=0' --fields question,latency_ms,status --name slow --json
expect_rc 0 "--fields of log columns"
run data cat slow
expect_eq "$(printf '%s\n' "$OUT" | head -n1 | jq -c 'keys')" '["latency_ms","question","request_id","status"]' "rows keep request_id and --fields"

DIGEST=$(store_digest)
run data add --from-logs ask --where 'nonsense' --name x
expect_rc 2 "a malformed --where"
expect_one_line_error "malformed where"
run data add --from-logs ask --fields nowhere --name x
expect_rc 3 "an unknown column"
expect_contains "$ERR" "has no column 'nowhere'" "the column is named"
run data add --from-logs ask --where 'status==500' --name x
expect_rc 3 "no request matches"
run data add --from-logs ask --since 2099-01-01 --name x
expect_rc 3 "--since after every request"
run data add --from-logs ask --env production --name x
expect_rc 3 "--env with no request"
run data add --from-logs ask --since soon --name x
expect_rc 2 "a bad --since"
run data add file.jsonl --from-logs ask --name x
expect_rc 2 "files and --from-logs"
run data add --where 'status==200' --name x somefile.jsonl
expect_rc 2 "--where without --from-logs"
run data add --from-logs ask --name "bad name"
expect_rc 3 "a bad dataset name (as data add with files)"
expect_eq "$(store_digest)" "$DIGEST" "bad --from-logs leaves the store unchanged"

# --- data export in fine-tuning formats ---------------------------------------------------------------
run data export bad --format openai-chat --prompt ask --target-field answer -o train.jsonl --json
expect_rc 0 "export openai-chat"
expect_eq "$(json_get .rows)" 3 "three examples"
expect_eq "$(wc -l <train.jsonl)" 3 "three lines"
expect_eq "$(head -n1 train.jsonl | jq -r '[.messages[].role] | join(",")')" "system,user,assistant" "roles"
expect_eq "$(head -n1 train.jsonl | jq -r '.messages[1].content')" one "rendered through the prompt"
run data export bad --format anthropic --prompt ask --target-field answer -o claude.jsonl
expect_rc 0 "export anthropic"
expect_eq "$(head -n1 claude.jsonl | jq -r '.system')" "Answer in one word." "system at the top"
expect_eq "$(head -n1 claude.jsonl | jq -r '[.messages[].role] | join(",")')" "user,assistant" "alternating"
run data export bad --format alpaca --prompt ask --target-field answer -o alpaca.jsonl
expect_rc 0 "export alpaca"
expect_eq "$(head -n1 alpaca.jsonl | jq -r '.input')" one "alpaca input"

run data export bad --format openai-chat --prompt ask -o nope.jsonl
expect_rc 3 "no assistant answer"
expect_one_line_error "no answer"
expect_contains "$ERR" "row 0" "the row is named"
expect_contains "$ERR" "last message must be from the assistant" "the rule is named"
[ ! -e nope.jsonl ] || fail "nothing written on a broken rule"
run data export bad --format openai-chat --prompt ask --target-field answer --max-tokens 3 -o nope.jsonl
expect_rc 3 "over the token limit"
expect_contains "$ERR" "over the openai-chat limit of 3" "the limit is named"
[ ! -e nope.jsonl ] || fail "nothing written over the limit"
run data export bad --format openai-chat --target-field answer -o nope.jsonl
expect_rc 3 "rows without messages and no prompt"
run data export bad --format openai-chat --prompt nothing --target-field answer -o nope.jsonl
expect_rc 3 "an unknown prompt"
run data export bad --format csv --prompt ask -o nope.csv
expect_rc 2 "--prompt with csv"
run data export bad --format yaml -o nope.jsonl
expect_rc 2 "an unknown format"
finish
