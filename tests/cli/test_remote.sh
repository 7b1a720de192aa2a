#!/usr/bin/env bash
# Remotes against s3rver on 127.0.0.1 (tests/support/s3rver.sh): remote add/list/remove, push
# (a second one sends nothing), clone and pull, concurrent pushes of different versions, a
# label moved on both sides, multipart uploads, Debian's awscli reading what llmops pushed and
# llmops cloning what awscli uploaded, and bad input (unreachable endpoint, wrong credentials,
# missing bucket, truncated object, corrupted record) with one-line errors and the local store
# unchanged.
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/s3rver.sh"

if [ ! -x "$S3RVER_BIN" ]; then
  fail "s3rver is not installed: run scripts/install-deps.sh (npm ci in tests/node)"
  finish
fi
AWS=/usr/bin/aws # Debian's awscli, not a pyenv shim on PATH
export HOME=$WORK/home AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
export AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_REGION AWS_SHARED_CREDENTIALS_FILE AWS_CONFIG_FILE
mkdir -p "$HOME"
s3rver_start team
awsx() { "$AWS" --endpoint-url "$S3_URL" "$@"; }
# put_raw KEY FILE: writes bytes to the bucket with curl's own SigV4 (a tampering peer).
put_raw() {
  curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER -X PUT \
    -H "x-amz-content-sha256: $(sha256sum "$2" | cut -d' ' -f1)" \
    --data-binary "@$2" "$S3_URL/team/$1" >/dev/null
}

ask_spec() { # VERSION TEXT
  printf 'name: ask\nmessages:\n  - {role: user, content: "%s {{question}}"}\nvariables: {question: {required: true}}\n' "$1" >ask.yaml
}

# --- project a: a dataset with a tag, a prompt with a label
run init a
cd a
for i in $(seq 200); do echo "{\"q\":\"question $i\",\"a\":\"answer $i\"}"; done >qa.jsonl
run data add qa.jsonl -n qa -t gold
expect_rc 0 data add
ask_spec "Q:"
run prompt add ask.yaml
run prompt label ask@1 production
expect_rc 0 prompt label

run remote add origin s3://team/proj --endpoint "$S3_URL"
expect_rc 0 remote add
run remote add origin s3://team/other --endpoint "$S3_URL"
expect_rc 2 remote add twice
expect_one_line_error "remote add twice"
run remote add bad http://team/x
expect_rc 2 remote add with a bad URL
expect_contains "$ERR" "s3://" "bad URL error"
run remote list --json
expect_eq "$(json_get '.[0].name + " " + .[0].url + " " + .[0].endpoint')" \
  "origin s3://team/proj $S3_URL" "remote list --json"

# --- push, then a second push that sends nothing
run push --json
expect_rc 0 push
expect_eq "$(json_get .records_sent)" 2 "first push sends both records"
sent=$(json_get .objects_sent)
[ "$sent" -ge 3 ] || fail "first push sent $sent objects, expected the manifest, chunks and spec"
expect_eq "$(json_get '[.refs[].status] | join(",")')" "created,created" "refs created"
run push --json
expect_rc 0 second push
expect_eq "$(json_get '.objects_sent + .records_sent')" 0 "second push sends nothing"
expect_eq "$(json_get '[.refs[].status] | unique | join(",")')" "up-to-date" "second push refs"

# --- Debian's awscli sees and reads what llmops pushed
listing=$(awsx s3 ls --recursive s3://team/proj/)
expect_contains "$listing" "proj/catalog/" "aws s3 ls sees the catalog"
expect_contains "$listing" "proj/objects/" "aws s3 ls sees the objects"
expect_contains "$listing" "proj/refs/prompt-labels/ask/production" "aws s3 ls sees the label"
awsx s3 cp --recursive --quiet s3://team/proj "$WORK/downloaded"
spec=$(store_sql "SELECT spec FROM prompt_versions")
expect_eq "$(xxhsum -H2 "$WORK/downloaded/objects/${spec:0:2}/${spec:2}" | cut -d' ' -f1)" \
  "$spec" "aws s3 cp reads the prompt spec object intact"
# ... and llmops clones what awscli uploaded in the same layout.
awsx s3 cp --recursive --quiet "$WORK/downloaded" s3://team/copied
cd "$WORK"
run clone s3://team/copied fromaws --endpoint "$S3_URL"
expect_rc 0 clone of what aws uploaded
run -C fromaws data cat qa@gold
rows_a=$("$LLMOPS_BIN" -C a data cat qa@gold | md5sum)
expect_eq "$(printf '%s\n' "$OUT" | md5sum)" "$rows_a" "aws-uploaded dataset rows"

# --- listings longer than one page (S3 returns at most 1,000 keys per request): 1,100 foreign
# keys that sort before every object ('-' < '0') push llmops's own objects onto the second page.
mkdir -p "$WORK/junk/-foreign"
for i in $(seq 1100); do : >"$WORK/junk/-foreign/other-$i"; done
awsx s3 cp --recursive --quiet "$WORK/junk" s3://team/proj/objects/
# With a record missing from the remote, push lists the objects to check that record's.
first_record=$(awsx s3 ls s3://team/proj/catalog/ | awk 'NR == 1 {print $4}')
awsx s3 rm --quiet "s3://team/proj/catalog/$first_record"
run -C a push --json
expect_rc 0 "push lists 1,100 foreign keys before its own objects"
expect_eq "$(json_get .records_sent)" 1 "the missing record is sent again"
expect_eq "$(json_get .objects_sent)" 0 "its objects are all found, on the second page"

# --- clone, then concurrent pushes of different versions merge
run clone s3://team/proj b --endpoint "$S3_URL"
expect_rc 0 clone
run -C b prompt show ask@production --json
expect_rc 0 "label arrived"
run -C b data cat qa@gold
expect_eq "$(printf '%s\n' "$OUT" | md5sum)" "$rows_a" "cloned dataset rows"
run -C b remote list --json
expect_eq "$(json_get '.[0].name')" origin "clone names its remote origin"

for i in $(seq 50); do echo "{\"q\":\"extra $i\",\"a\":\"more $i\"}"; done >>a/qa.jsonl
run -C a data add qa.jsonl -n qa
(cd b && ask_spec "Question:" && "$LLMOPS_BIN" prompt add ask.yaml >/dev/null 2>&1)
set +e
"$LLMOPS_BIN" -C a push >"$WORK/push_a.log" 2>&1 &
pid_a=$!
"$LLMOPS_BIN" -C b push >"$WORK/push_b.log" 2>&1 &
pid_b=$!
wait $pid_a
rc_a=$?
wait $pid_b
rc_b=$?
set -e
expect_eq "$rc_a/$rc_b" "0/0" "concurrent pushes ($(cat "$WORK/push_a.log" "$WORK/push_b.log"))"
run -C a pull --json
expect_rc 0 pull into a
expect_eq "$(json_get '.versions_added | join(",")')" "prompt ask@2" "a gets b's prompt version"
run -C b pull --json
expect_rc 0 pull into b
expect_eq "$(json_get '.versions_added | join(",")')" "dataset qa@2" "b gets a's dataset version"
run -C b data cat qa@2
expect_eq "$(printf '%s\n' "$OUT" | md5sum)" "$("$LLMOPS_BIN" -C a data cat qa@2 | md5sum)" \
  "merged dataset rows"
run -C b pull --json
expect_eq "$(json_get '.records_received + .objects_received')" 0 "a second pull fetches nothing"

# --- a label moved on both sides is rejected, never overwritten
run -C a prompt label ask@2 production
run -C a push --json
expect_rc 0 "a moves the label and pushes"
expect_eq "$(json_get '[.refs[] | select(.status == "updated") | .ref] | join(",")')" \
  "prompt-labels/ask/production" "fast-forward of the label"
(cd b && ask_spec "Asked:" && "$LLMOPS_BIN" prompt add ask.yaml >/dev/null 2>&1)
run -C b prompt label ask@3 production
run -C b push
expect_rc 1 "push of a label that moved on the remote"
expect_one_line_error "rejected push"
expect_contains "$ERR" "rejected: prompt-labels/ask/production" "rejected push names the label"
before=$(store_digest b)
run -C b pull
expect_rc 1 "pull of a label that moved on both sides"
expect_one_line_error "rejected pull"
expect_eq "$(store_digest b)" "$before" "rejected pull leaves the store unchanged"
run -C b pull --force --json
expect_rc 0 "pull --force"
expect_eq "$(json_get '[.refs[] | select(.status == "forced") | .ref] | join(",")')" \
  "prompt-labels/ask/production" "forced label"
run -C b prompt show ask@production --json
expect_eq "$(json_get .version)" 2 "b now has a's production"

# --- multipart uploads (parts of 64 KiB; S3 itself wants 5 MiB)
mkdir mp
cd mp
run init .
filler=$(head -c 1000 /dev/zero | tr '\0' x)
for i in $(seq 1000); do printf '{"id":%d,"text":"%s"}\n' "$i" "$filler"; done >big.jsonl
run data add big.jsonl -n big --compression none
run remote add origin s3://team/mp --endpoint "$S3_URL"
LLMOPS_REMOTE_PART_KB=64 run push --json
expect_rc 0 multipart push
[ "$(json_get .multipart_objects)" -ge 1 ] || fail "no multipart upload: $OUT"
cd "$WORK"
run clone s3://team/mp mpclone --endpoint "$S3_URL"
expect_rc 0 clone of multipart objects
run -C mpclone data cat big@1
expect_eq "$(printf '%s\n' "$OUT" | md5sum)" "$("$LLMOPS_BIN" -C mp data cat big@1 | md5sum)" \
  "multipart round trip"

# --- bad input: one line, the documented exit code, the store unchanged
before=$(store_digest b)
run -C b remote add dead s3://team/proj --endpoint http://127.0.0.1:1
run -C b pull dead
expect_rc 5 "unreachable endpoint"
expect_one_line_error "unreachable endpoint"
expect_contains "$ERR" "remote 'dead': cannot reach http://127.0.0.1:1" "unreachable message"
run -C b remote remove dead
# s3rver checks the access key but not SigV4 signatures, so the wrong key is the key id.
AWS_ACCESS_KEY_ID=wrong run -C b pull
expect_rc 5 "wrong credentials"
expect_one_line_error "wrong credentials"
expect_contains "$ERR" "access denied" "wrong credentials message"
run -C b remote add nobucket s3://nosuch/x --endpoint "$S3_URL"
run -C b push nobucket
expect_rc 5 "missing bucket"
expect_one_line_error "missing bucket"
expect_contains "$ERR" "bucket 'nosuch' does not exist" "missing bucket message"
run -C b remote remove nobucket
expect_eq "$(store_digest b)" "$before" "failed remotes leave b unchanged"

# A truncated object: a fresh project pulling it gets nothing.
chunk=$(sqlite3 a/.llmops/store.db "SELECT chunk FROM dataset_chunks LIMIT 1")
key=$(cd "$WORK/downloaded" && ls objects/"${chunk:0:2}"/"${chunk:2}"*)
head -c 20 "$WORK/downloaded/$key" >"$WORK/truncated"
put_raw "copied/$key" "$WORK/truncated"
run init c
run -C c remote add origin s3://team/copied --endpoint "$S3_URL"
before=$(store_digest c)
run -C c pull
expect_rc 3 "truncated object"
expect_one_line_error "truncated object"
expect_contains "$ERR" "corrupt object" "truncated object message"
expect_eq "$(store_digest c)" "$before" "failed pull applies nothing"
expect_eq "$(ls c/.llmops/tmp | wc -l)" 0 "failed pull leaves no staged object"
run clone s3://team/copied d --endpoint "$S3_URL"
expect_rc 3 "clone of a truncated object"
[ ! -e d ] || fail "a failed clone left its folder"

# A corrupted catalog record.
put_raw "copied/$key" "$WORK/downloaded/$key"
record=$(cd "$WORK/downloaded" && ls catalog | head -1)
sed 's/"message":"/"message":"tampered /' "$WORK/downloaded/catalog/$record" >"$WORK/tampered"
put_raw "copied/catalog/$record" "$WORK/tampered"
run -C c pull
expect_rc 3 "corrupted record"
expect_one_line_error "corrupted record"
expect_contains "$ERR" "corrupt record" "corrupted record message"
expect_eq "$(store_digest c)" "$before" "pull of a corrupted record applies nothing"

run -C c remote remove origin
expect_rc 0 remote remove
run -C c remote list --json
expect_eq "$OUT" "[]" "no remote left"
run -C c push
expect_rc 2 "push without a remote"
expect_one_line_error "push without a remote"

finish
