#!/usr/bin/env bash
# llmops review under tmux: keys are sent to a real terminal, $EDITOR is a script. A review is
# quit half way and resumed, and the version it writes holds the decisions (an edit kept, a
# rejected row gone). Without a terminal it refuses (exit 2) and changes nothing.
source "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || { echo "tmux is not installed" >&2; exit 77; }

run init proj
expect_rc 0 init
cd proj
cat >qa.jsonl <<'JSONL'
{"q": "2+2", "expected": "4"}
{"q": "capital of France", "expected": "Lyon"}
{"q": "spam row", "expected": "buy now"}
JSONL
run data add qa.jsonl --name qa
expect_rc 0 "data add"
cat >editor.sh <<'SH'
#!/bin/sh
# What a reviewer types: the corrected answer.
printf 'Paris\n' >"$1"
SH
chmod +x editor.sh

# --- no terminal ---------------------------------------------------------------------------------
DIGEST=$(store_digest)
run review qa </dev/null
expect_rc 2 "no terminal"
expect_one_line_error "no terminal"
expect_contains "$ERR" "needs a terminal" "says why"
expect_eq "$(store_digest)" "$DIGEST" "nothing changed without a terminal"

# --- under tmux ----------------------------------------------------------------------------------
SOCKET="llmops-review-$$"
trap 'tmux -L "$SOCKET" kill-server 2>/dev/null || true; rm -rf "$WORK"' EXIT
# start_review ARGS: runs llmops review in a detached tmux window; its exit code lands in rc.txt.
start_review() {
  rm -f rc.txt
  tmux -L "$SOCKET" new-session -d -s review -x 120 -y 50 \
    "cd '$PWD' && EDITOR='$PWD/editor.sh' '$LLMOPS_BIN' review $* ; echo \$? >rc.txt; sleep 3600"
}
screen_has() { tmux -L "$SOCKET" capture-pane -p -t review | grep -qF -- "$1"; }
keys() { tmux -L "$SOCKET" send-keys -t review "$@"; }
finished() { [ -s rc.txt ]; }
end_review() {
  wait_until "review to end" finished
  REVIEW_RC=$(cat rc.txt)
  tmux -L "$SOCKET" kill-session -t review
}

start_review qa --field expected
wait_until "the first row" screen_has "qa@1  row 1/3"
screen_has '"q": "2+2"' || fail "the row is shown"
keys a
wait_until "the second row" screen_has "row 2/3"
keys e
wait_until "the edit" screen_has "(edited)"
screen_has '"expected": "Paris"' || fail "the edited field is shown"
keys a
wait_until "the third row" screen_has "row 3/3"
keys q
end_review
expect_eq "$REVIEW_RC" 0 "quit exits 0"
expect_eq "$(store_sql 'SELECT COUNT(*) FROM review_decisions')" 2 "two decisions kept"
run data log qa --json
expect_eq "$(json_get 'length')" 1 "no version written on quit"

start_review qa
wait_until "the review resumes at row 3" screen_has "row 3/3"
screen_has "resuming: 2 row(s) decided before" || fail "says it resumes"
keys r
end_review
expect_eq "$REVIEW_RC" 0 "the review ends"
run data show qa --json
expect_eq "$(json_get .version)" 2 "a new version"
expect_eq "$(json_get .rows)" 2 "the rejected row is gone"
expect_eq "$(json_get .provenance.command)" review "provenance"
expect_eq "$(json_get '.provenance.rejected_rows | join(",")')" 2 "rejected rows listed"
expect_eq "$(json_get '.provenance.edited_rows | join(",")')" 1 "edited rows listed"
run data cat qa
expect_eq "$(printf '%s\n' "$OUT" | sed -n 2p | jq -r .expected)" Paris "the edit is kept"
expect_eq "$(store_sql 'SELECT COUNT(*) FROM review_decisions')" 0 "decisions cleared"

# Skip, previous, an unknown key, and writing at once: nothing changes.
start_review qa
wait_until "qa@2" screen_has "qa@2  row 1/2"
keys s
wait_until "row 2" screen_has "row 2/2"
keys p
wait_until "back to row 1" screen_has "row 1/2  field 'expected'  decided: skip"
keys x
wait_until "the unknown key" screen_has "unknown key 'x'"
keys w
end_review
expect_eq "$REVIEW_RC" 0 "w writes"
run data log qa --json
expect_eq "$(json_get 'length')" 2 "an unchanged review adds no version"
finish
