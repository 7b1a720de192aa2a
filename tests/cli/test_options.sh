#!/usr/bin/env bash
# Numeric options follow one rule (finite, in range, exit 2 naming the option and the range);
# a run records the overrides it used; messages on stderr are one line with control
# characters escaped; `data export -o ""` is refused; temp files show in status and fsck.
source "$(dirname "$0")/lib.sh"

run init proj
expect_rc 0 init
cd proj
printf '{"id":"q0","question":"one"}\n{"id":"q1","question":"two"}\n{"id":"q2","question":"three"}\n' >qa.jsonl
run data add qa.jsonl --name qa
expect_rc 0 "data add"
cat >p.yaml <<'YAML'
name: p
messages:
  - role: user
    content: "{{question}}"
variables:
  question: {type: string, required: true}
YAML
run prompt add p.yaml
expect_rc 0 "prompt add"
printf '{"q":"a","relevant":["0"]}\n' >labels.jsonl
run data add labels.jsonl --name labels
expect_index_build idx --data qa --field question

# bad_option WHAT EXPECTED_TEXT ARGS...: exit 2, one line naming the option, no huge number.
bad_option() {
  local what=$1 expected=$2
  shift 2
  local before
  before=$(store_digest)
  run "$@"
  expect_rc 2 "$what"
  expect_one_line_error "$what"
  expect_contains "$ERR" "$expected" "$what"
  expect_not_contains "$ERR" "179769313486231" "$what prints no huge number"
  expect_eq "$(store_digest)" "$before" "$what leaves the store as it was"
  if [ "${#ERR}" -gt 400 ]; then fail "$what: message is ${#ERR} bytes long"; fi
}

RUN=(run p --data qa --provider echo)
# Durations.
for v in nan -nan NaN inf -inf 1e308 1e400 0 -1 abc 1s2 0x10 ''; do
  bad_option "--timeout '$v'" "--timeout: expected a duration from 1ms to 1d" "${RUN[@]}" --timeout "$v"
done
bad_option "--timeout 2d" "got '2d'" "${RUN[@]}" --timeout 2d
# Rates.
for v in nan 0 -5 1e400 1e308; do
  bad_option "--rpm $v" "--rpm: expected a number of requests per minute from 0.001 to 1000000000" "${RUN[@]}" --rpm "$v"
  bad_option "--tpm $v" "--tpm: expected a number of tokens per minute from 1 to 1000000000000" "${RUN[@]}" --tpm "$v"
done
# Counts.
for v in -1 101 1.5 1e2 nan; do
  bad_option "--max-retries $v" "--max-retries: expected a whole number from 0 to 100" "${RUN[@]}" --max-retries "$v"
done
for v in 0 1025 -3; do
  bad_option "-j $v" "--concurrency: expected a whole number from 1 to 1024" "${RUN[@]}" -j "$v"
done
for v in -1 0 1.5 1e3 nan; do
  bad_option "run --limit $v" "--limit: expected a whole number of at least 1, got '$v'" "${RUN[@]}" --limit "$v"
done
bad_option "run --limit 20 digits" "got '99999999999999999999' (too large)" "${RUN[@]}" --limit 99999999999999999999
bad_option "run --resume -1" "--resume: expected a whole number of at least 1" run --resume -1
bad_option "runs list -n -1" "--limit: expected a whole number of at least 1, got '-1'" runs list -n -1
bad_option "runs list -n 0" "--limit: expected a whole number of at least 1" runs list -n 0
bad_option "runs list 20-digit -n" "(too large)" runs list -n 99999999999999999999
bad_option "eval list -n -1" "--limit: expected a whole number of at least 1" eval list -n -1
bad_option "eval run --limit -1" "--limit: expected a whole number of at least 1" eval run x.yaml --limit -1
bad_option "eval run -j 0" "--concurrency: expected a whole number from 1 to 1024" eval run x.yaml -j 0
bad_option "eval compare --alpha nan" "--alpha: expected a number greater than 0 and at most 0.5" eval compare 1 2 --alpha nan
bad_option "eval compare --alpha 0" "--alpha: expected a number greater than 0 and at most 0.5" eval compare 1 2 --alpha 0
bad_option "data cat --limit -1" "--limit: expected a whole number of at least 1, got '-1'" data cat qa --limit -1
bad_option "data export --limit 0" "--limit: expected a whole number of at least 1" data export qa -o x.jsonl --limit 0
bad_option "data diff --limit -1" "--limit: expected a whole number of at least 0" data diff qa qa --limit -1
bad_option "data sample -n 0" "--n: expected a whole number of at least 1" data sample qa -n 0
bad_option "data sample --seed -1" "--seed: expected a whole number from 0 to 18446744073709551615" data sample qa -n 1 --seed -1
bad_option "data split --seed 2^64" "--seed: expected a whole number from 0 to" data split qa --ratios a=0.5,b=0.5 --seed 18446744073709551616
bad_option "data dedup --near 0" "--near: expected a number greater than 0 and at most 1" data dedup qa --near 0 --field question
bad_option "data dedup --near nan" "--near: expected a number greater than 0 and at most 1" data dedup qa --near nan --field question
bad_option "data dedup --permutations 0" "--permutations: expected a whole number from 1 to 1024" data dedup qa --near 0.5 --field question --permutations 0
bad_option "data dedup --shingle-size 65" "--shingle-size: expected a whole number from 1 to 64" data dedup qa --near 0.5 --field question --shingle-size 65
bad_option "index query -k 0" "-k: expected a whole number from 1 to 10000" index query idx one -k 0
bad_option "index query --k1 nan" "--k1: expected a number from 0 to 1000" index query idx one --k1 nan
bad_option "index query --b 2" "--b: expected a number from 0 to 1" index query idx one --b 2
bad_option "index build --k1 -1" "--k1: expected a number from 0 to 1000" index build idx2 --data qa --field question --k1 -1
bad_option "index eval -k 1,0" "-k: expected a whole number from 1 to 10000, got '0'" index eval idx --data labels --query-field q --relevant-field relevant -k 1,0
bad_option "index eval --b 0.5,inf" "--b: expected a number from 0 to 1, got 'inf'" index eval idx --data labels --query-field q --relevant-field relevant --b 0.5,inf
bad_option "prompt diff -U -1" "--unified: expected a whole number from 0 to 10000" prompt diff p p -U -1
bad_option "prompt render --row -1" "--row: expected a whole number of at least 0" prompt render p --data qa --row -1
bad_option "prompt render --limit 0" "--limit: expected a whole number of at least 1" prompt render p --data qa --limit 0
bad_option "cache clear --older-than nan" "--older-than: expected a duration from 0s to 36500d" cache clear --older-than nan
bad_option "cache clear --older-than 1e308d" "--older-than: expected a duration" cache clear --older-than 1e308d

# Values in range are taken as they are.
run data sample qa -n 1 --seed 18446744073709551615 -o sampled
expect_rc 0 "the largest seed"
run cache clear --older-than 7d
expect_rc 0 "cache clear --older-than 7d"
run data cat qa --limit 1
expect_rc 0 "data cat --limit 1"
expect_eq "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" 1 "data cat --limit 1 prints one row"
run runs list -n 5
expect_rc 0 "runs list -n 5"

# --- the stored run config records the overrides used -----------------------------------------
run run p --data qa --provider echo --timeout 9 --max-retries 0 --rpm 7 --tpm 1000 --json
expect_rc 0 "run with overrides"
RUN_ID=$(json_get .id)
run runs show "$RUN_ID" --json
expect_eq "$(json_get .provider_config.timeout_s)" 9 "stored timeout is the override"
expect_eq "$(json_get .provider_config.max_retries)" 0 "stored retries are the override"
expect_eq "$(json_get .provider_config.requests_per_minute)" 7 "stored rpm is the override"
expect_eq "$(json_get .provider_config.tokens_per_minute)" 1000 "stored tpm is the override"
run run p --data qa --provider echo --timeout 1500ms --json
expect_rc 0 "run --timeout with a unit"
run runs show "$(json_get .id)" --json
expect_eq "$(json_get .provider_config.timeout_s)" 1.5 "--timeout 1500ms is 1.5 s"

# --- terminal safety: names with control characters stay on one line ---------------------------
NASTY=$(printf 'qa\nsecond line\033[31mred')
run data cat "$NASTY"
expect_rc 3 "data cat of a name with a newline and ESC"
expect_one_line_error "newline in a dataset name"
expect_contains "$ERR" 'qa\nsecond line\x1b[31mred' "the name is shown escaped"
if printf '%s' "$ERR" | grep -q "$(printf '\033')"; then fail "an ESC byte reached stderr"; fi
run prompt show "$NASTY"
expect_rc 3 "prompt show of a name with a newline and ESC"
expect_one_line_error "newline in a prompt name"
if printf '%s' "$ERR" | grep -q "$(printf '\033')"; then fail "an ESC byte reached stderr (prompt)"; fi
C1=$(printf 'p\xc2\x9b31m')
run prompt show "$C1"
expect_contains "$ERR" 'p\u{009b}31m' "a C1 control is escaped"
# A warning echoes a variable name: escaped too.
run prompt render p --var question=x --var "$(printf 'bad\nname')=1"
expect_rc 0 "render with an undeclared variable"
expect_contains "$ERR" "llmops: warning: variable 'bad\\nname' is not declared" "warning escaped"
expect_eq "$(printf '%s\n' "$ERR" | wc -l | tr -d ' ')" 1 "the warning is one line"
# A bad option value with an ESC in it.
run run p --data qa --provider echo --timeout "$(printf '\033[2J')"
expect_rc 2 "ESC in an option value"
if printf '%s' "$ERR" | grep -q "$(printf '\033')"; then fail "an ESC byte reached stderr (option)"; fi

# --- data export -o "" ---------------------------------------------------------------------
before=$(store_digest)
run data export qa -o ""
expect_rc 2 'data export -o ""'
expect_eq "$OUT" "" 'data export -o "" writes nothing to stdout'
expect_contains "$ERR" "--output: expected a file name" 'data export -o "" says why'
run data export qa -o "" --json
expect_rc 2 'data export -o "" --json'
expect_eq "$OUT" "" 'data export -o "" --json writes nothing to stdout'
expect_eq "$(store_digest)" "$before" 'data export -o "" leaves the store as it was'
run data export qa -o out.jsonl --json
expect_rc 0 "data export --json"
expect_eq "$(printf '%s' "$OUT" | jq -s length)" 1 "data export --json prints one document"

# --- temp files: status shows their size, fsck reports them, gc removes them -----------------------
head -c 1048576 /dev/zero >.llmops/tmp/import-killed-1
head -c 2048 /dev/zero >.llmops/tmp/import-killed-2
run status --json
expect_eq "$(json_get .temp_files.count)" 2 "status counts temp files"
expect_eq "$(json_get .temp_files.bytes)" 1050624 "status sums temp files"
run status
expect_contains "$OUT" "temp files" "status text shows temp files"
expect_contains "$OUT" "1.0 MiB" "status text shows their size"
run fsck --json
expect_rc 0 "temp files are not a store problem"
expect_eq "$(json_get .temp_files.count)" 2 "fsck counts temp files"
expect_eq "$(json_get .temp_files.bytes)" 1050624 "fsck sums temp files"
run fsck
expect_contains "$ERR" "2 temp files (1.0 MiB) in .llmops/tmp" "fsck reports temp files"
expect_contains "$ERR" "'llmops gc' removes them" "fsck says how to remove them"
run gc
run status --json
expect_eq "$(json_get .temp_files.count)" 0 "gc removed the temp files"

finish
