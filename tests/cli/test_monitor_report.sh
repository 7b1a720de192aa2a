#!/usr/bin/env bash
# llmops monitor report --html: traffic through `llmops serve` across a deploy, a canary, a
# promotion, a failing canary, a rollback and a firing alert; the dashboard file is
# self-contained (no external resource), has its SVG charts, the deploy, promote, rollback and
# alert markers, the releases and the alert history; headless Chromium opens it without a
# console message, and its screenshot is kept in $LLMOPS_BUILD_DIR/test-output/monitor_report/.
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/stub_llm.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/serve.sh"

KEEP=$LLMOPS_BUILD_DIR/test-output/monitor_report
rm -rf "$KEEP"
mkdir -p "$KEEP"
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || { echo "FAIL: chromium is not installed (scripts/install-deps.sh)" >&2; exit 1; }

# chromium_console PAGE SCREENSHOT: opens PAGE headless, writes SCREENSHOT, and sets CONSOLE to
# the console messages it logged (every level: the page has no script, so any is an error).
chromium_console() {
  local log=$WORK/chromium.$RANDOM.log
  timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$WORK/chromium-profile" --enable-logging=stderr --v=0 \
    --window-size=1400,2600 --virtual-time-budget=3000 --screenshot="$2" "file://$1" \
    >"$log.out" 2>"$log" || true
  CONSOLE=$(grep 'CONSOLE' "$log" || true)
}

# The detector itself: a page with a console error and a missing script must be caught.
printf '<!DOCTYPE html><html><body><script>console.error("boom")</script><script src="missing.js"></script></body></html>' \
  >"$WORK/broken.html"
chromium_console "$WORK/broken.html" "$WORK/broken.png"
expect_contains "$CONSOLE" "boom" "the console detector sees console.error"

run init proj
expect_rc 0 init
cd proj
stub_start
GOOD=$STUB_URL
stub_start --fault-rate 1 --faults 500
BROKEN=$STUB_URL
for version in 1 2 3; do
  printf 'name: ask\nmessages:\n  - {role: user, content: "v%s {{question}}"}\nvariables: {question: {required: true}}\n' \
    "$version" >ask.yaml
  run prompt add ask.yaml
  expect_rc 0 "prompt add ask v$version"
done
cat >llmops.yaml <<YAML
providers:
  good: {type: openai, model: stub-model, base_url: $GOOD/v1, api_key_env: ""}
  broken: {type: openai, model: stub-model, base_url: $BROKEN/v1, api_key_env: "", retries: {max: 0}}
environments:
  prod: {}
alerts:
  rules:
    - {name: AskErrors, metric: error_rate, selector: {env: prod, route: ask}, window: 1h, threshold: 0.1}
YAML
send() { # N FIRST
  local i
  for i in $(seq "$2" $(($2 + $1 - 1))); do
    chat "{\"model\":\"ask\",\"user\":\"u$i\",\"variables\":{\"question\":\"q$i\"}}"
  done
}
# Feedback posts are logged too: count only the chat requests, or the wait ends early.
logged() { sql_count_at_least "$1" "SELECT COUNT(*) FROM request_log WHERE path = '/v1/chat/completions'"; }

run deploy ask@1 --env prod --provider good
expect_rc 0 "deploy ask@1"
run deploy ask@2 --env prod --provider good --canary 50
expect_rc 0 "canary ask@2"
serve_start prod
send 40 1
wait_until "40 requests logged" logged 40
for id in $(store_sql "SELECT id FROM request_log ORDER BY seq LIMIT 12"); do
  curl -s -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"request_id\":\"$id\",\"name\":\"helpful\",\"value\":0.75}" "$SERVE_URL/v1/feedback"
done
run deploy promote prod
expect_rc 0 promote
run deploy ask@3 --env prod --provider broken --canary 50
expect_rc 0 "failing canary"
# Before the gateway picks the canary up, all traffic goes to the stable release.
wait_until "the gateway picking the canary up" grep -q "canary ask@3 at 50%" "$SERVE_LOG"
send 40 101
wait_until "80 requests logged" logged 80
run deploy rollback prod -m "canary fails"
expect_rc 0 rollback
serve_stop
run monitor check --no-deliver
expect_rc 1 "the error-rate alert fires"

# --- the report ------------------------------------------------------------------------------------
run monitor report --html dash.html --since 1h --env prod
expect_rc 0 "monitor report"
# 80 chat requests in three releases, and the 12 feedback posts (no release: "(none)"), as
# `llmops monitor --by release` counts them.
expect_contains "$ERR" "wrote dash.html: 92 request(s) in 4 release(s)" "summary note"
cp dash.html "$KEEP/dashboard.html"
html=$(cat dash.html)
expect_eq "$(grep -o '<svg class="time-chart"' dash.html | wc -l)" 8 \
  "8 charts: latency p50/p95/p99, requests/s, error rate, tokens/s, cost, feedback helpful"
for title in "latency p50" "latency p95" "latency p99" "requests per second" "error rate" \
  "output tokens per second" "cost per bucket (USD)" "feedback helpful (mean)"; do
  expect_contains "$html" "aria-label=\"$title\"" "chart $title"
done
for kind in deploy promote rollback alert; do
  expect_contains "$html" "<g class=\"marker marker-$kind\">" "a $kind marker on the time axis"
done
expect_eq "$(grep -o '<g class="marker marker-deploy">' dash.html | wc -l)" 24 "3 deploys on 8 charts"
for release in ask@1 ask@2 ask@3; do
  expect_contains "$html" "data-series=\"$release\"" "a series for $release"
done
expect_contains "$html" '<table id="releases">' "release table"
expect_contains "$html" '<table id="deploys">' "deploy history table"
expect_contains "$html" "canary fails" "the rollback's message"
expect_contains "$html" '<table id="alerts">' "alert history table"
expect_contains "$html" '<td class="state-firing">firing</td>' "the alert fired"
expect_contains "$html" "AskErrors" "the rule's name"
# Self-contained: nothing to fetch, no script.
if grep -Eq '(src|href)=|@import|url\(|<script|<link' dash.html; then
  fail "the dashboard refers to an external resource or runs a script"
fi

chromium_console "$PWD/dash.html" "$KEEP/dashboard.png"
expect_eq "$CONSOLE" "" "Chromium logs no console message for the dashboard"
[ -s "$KEEP/dashboard.png" ] || fail "no screenshot"
expect_eq "$(head -c 8 "$KEEP/dashboard.png" | od -An -tx1 | tr -d ' \n')" 89504e470d0a1a0a "a PNG"

# --- bad input -------------------------------------------------------------------------------------
before=$(store_digest)
run monitor report --html missing-dir/dash.html
expect_rc 3 "unwritable output"
expect_one_line_error "unwritable output"
run monitor report --html x.html --since 1h --until 2h
expect_rc 2 "inverted window"
expect_one_line_error "inverted window"
run monitor report --html x.html --bucket soon
expect_rc 2 "bad bucket"
expect_contains "$ERR" "--bucket" "names the option"
run monitor report --since 1h
expect_rc 2 "--html is required"
[ ! -e x.html ] || fail "a failed report left a file"
expect_eq "$(store_digest)" "$before" "the report reads only"

# An empty window still makes a valid page.
run monitor report --html empty.html --since 2020-01-01 --until 2020-01-02
expect_rc 0 "empty window"
expect_contains "$(cat empty.html)" "no data in this window" "empty charts say so"
finish
