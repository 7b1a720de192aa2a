#!/usr/bin/env bash
# docs/quickstart.md, run as a reader would: every ```sh block in order, in one shell, in a
# fresh folder, with `llmops` on PATH. A fenced block right after `<!-- file: PATH -->` is
# written to PATH first; `<!-- exit: N -->` before a ```sh block of one command expects exit N.
# Any other failure (a command that fails, a marker without a block) fails the test, naming
# the line of docs/quickstart.md.
source "$(dirname "$0")/lib.sh"

: "${LLMOPS_SOURCE_DIR:?LLMOPS_SOURCE_DIR must point at the source tree}"
doc="$LLMOPS_SOURCE_DIR/docs/quickstart.md"

mkdir -p "$WORK/bin" "$WORK/reader"
ln -s "$LLMOPS_BIN" "$WORK/bin/llmops"
export PATH="$WORK/bin:$PATH"

# The quickstart as a bash script. Each command line is preceded by QS_LINE=N (its line in the
# doc) so the ERR trap can say where the reader would have got stuck.
awk -v doc="docs/quickstart.md" '
function fail(msg) { printf "%s:%d: %s\n", doc, NR, msg > "/dev/stderr"; bad = 1; exit 1 }
BEGIN { fence = ""; file = ""; want = ""; mode = "" }
fence == "" && /^<!-- file: .* -->$/ {
  if (file != "" || want != "") fail("two markers in a row")
  file = $0; sub(/^<!-- file: /, "", file); sub(/ -->$/, "", file); next
}
fence == "" && /^<!-- exit: [0-9]+ -->$/ {
  if (file != "" || want != "") fail("two markers in a row")
  want = $0; gsub(/[^0-9]/, "", want); next
}
fence == "" && /^```/ {
  fence = "```"; lang = substr($0, 4)
  if (file != "") {
    printf "QS_LINE=%d\nmkdir -p \"$(dirname %s)\"\ncat >%s <<'"'"'QUICKSTART_FILE'"'"'\n", NR, file, file
    mode = "file"
  } else if (lang == "sh") {
    mode = "run"; commands = 0
  } else {
    if (want != "") fail("an exit: marker needs a ```sh block")
    mode = "skip"
  }
  next
}
fence != "" && /^```$/ {
  if (mode == "file") print "QUICKSTART_FILE"
  if (mode == "run" && want != "") {
    if (commands != 1) fail("an exit: marker needs a block of exactly one command")
    printf "if [ \"$QS_RC\" -ne %d ]; then echo \"%s:$QS_LINE: exited $QS_RC, expected %d\" >&2; exit 1; fi\n", want, doc, want
  }
  if (mode == "run") runs++
  if (mode == "file") files++
  fence = ""; file = ""; want = ""; mode = ""; next
}
fence != "" {
  if (mode == "file") print
  if (mode == "run" && $0 !~ /^[ \t]*(#.*)?$/) {
    commands++
    if (want != "") printf "QS_LINE=%d\nQS_RC=0\n%s || QS_RC=$?\n", NR, $0
    else printf "QS_LINE=%d\n%s\n", NR, $0
  }
  next
}
NF && (file != "" || want != "") { fail("a marker must be followed by a fenced block") }
END {
  if (bad) exit 1
  if (fence != "") { printf "%s: a fenced block is never closed\n", doc > "/dev/stderr"; exit 1 }
  printf "# %d blocks run, %d files written\n", runs, files
}
' "$doc" >"$WORK/quickstart.sh"

# Guard against a quickstart that lost its steps: the journey the page promises must be there.
for step in "llmops init" "llmops data add" "llmops data diff" "llmops prompt add" \
  "llmops run " "llmops eval run" "llmops eval compare" "--junit"; do
  grep -qF -- "$step" "$WORK/quickstart.sh" || fail "docs/quickstart.md no longer runs '$step'"
done

# Run it from a folder of its own, as a reader would.
cd "$WORK/reader"
set +e
bash -c '
set -eEuo pipefail
trap "echo \"docs/quickstart.md:\$QS_LINE: command failed: \$BASH_COMMAND\" >&2" ERR
QS_LINE=0
source "$1"
' quickstart "$WORK/quickstart.sh" >"$WORK/quickstart.log" 2>&1
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  cat "$WORK/quickstart.log" >&2
  fail "docs/quickstart.md does not run end to end (exit $rc)"
fi

# What the page says happened, happened.
cd "$WORK/reader/trivia" 2>/dev/null || fail "the quickstart did not create trivia/"
if [ "$FAILURES" -eq 0 ]; then
  run eval show 1 --json
  expect_eq "$(json_get .passed)" "false" "eval 1 (question only) fails its threshold"
  run eval show 2 --json
  expect_eq "$(json_get .passed)" "true" "eval 2 (with context) passes"
  expect_eq "$(json_get '.cells[0].passed')" "7" "eval 2: 7 of 8 cases pass"
  run eval compare 1 2 --json
  expect_eq "$(json_get .regression)" "false" "the new prompt is no regression"
  run prompt show answer@production --json
  expect_rc 0 "the production label points at a version"
  for report in junit.xml summary.md report.html; do
    [ -s "$report" ] || fail "the quickstart's $report is missing or empty"
  done
fi

finish
