#!/usr/bin/env bash
# init, re-init, outside-project errors, -C, LLMOPS_DIR, --json, help and version.
source "$(dirname "$0")/lib.sh"

run --version
expect_rc 0 "--version"
expect_contains "$OUT" "llmops " "--version"

run help
expect_rc 0 help
for cmd in init data prompt run runs eval index object fsck gc; do
  expect_contains "$OUT" "  $cmd " "help lists $cmd"
done
run help gc
expect_rc 0 "help gc"
expect_contains "$OUT" "--dry-run" "help gc"
run gc --help
expect_rc 0 "gc --help"
expect_contains "$OUT" "--dry-run" "gc --help"
run help no-such-command
expect_rc 2 "help of an unknown command"

# Outside a project every command but init/help/--version fails with exit 4 and a hint.
mkdir outside
for cmd in status fsck gc; do
  run -C outside "$cmd"
  expect_rc 4 "$cmd outside a project"
  expect_one_line_error "$cmd outside a project"
  expect_contains "$ERR" "llmops init" "$cmd outside a project hints at init"
done

run init proj
expect_rc 0 "init proj"
[ -d proj/.llmops/objects ] || fail "init made no objects/"
[ -f proj/.llmops/store.db ] || fail "init made no store.db"
[ -f proj/llmops.yaml ] || fail "init made no llmops.yaml"
grep -q '^#' proj/llmops.yaml || fail "llmops.yaml is not commented"
[ "$(sqlite3 proj/.llmops/store.db 'PRAGMA journal_mode')" = wal ] || fail "store.db is not in WAL mode"
ls proj | grep -q 'llmops-init' && fail "init left a staging folder"

# Re-initialising refuses with exit 2 and says where the project is.
before=$(store_digest proj)
run init proj
expect_rc 2 "re-init"
expect_contains "$ERR" "$WORK/proj/.llmops" "re-init names the existing store"
expect_eq "$(store_digest proj)" "$before" "re-init leaves the store as it was"

# An existing llmops.yaml (cloned from git) is kept.
mkdir cloned && echo "version: 1 # mine" > cloned/llmops.yaml
run init cloned
expect_rc 0 "init beside an existing llmops.yaml"
expect_eq "$(cat cloned/llmops.yaml)" "version: 1 # mine" "init keeps llmops.yaml"

# Discovery walks up; -C and LLMOPS_DIR override it.
mkdir -p proj/a/b
(cd proj/a/b && "$LLMOPS_BIN" status --json) >status.json || fail "status from a subfolder"
expect_eq "$(jq -r .root status.json)" "$WORK/proj" "discovery from a subfolder"
run -C proj status --json
expect_rc 0 "-C proj status"
expect_eq "$(json_get .root)" "$WORK/proj" "-C"
run status -C proj --json
expect_rc 0 "global options after the command"
expect_eq "$(json_get .schema_version)" "$(sqlite3 proj/.llmops/store.db 'PRAGMA user_version')" "schema version"
LLMOPS_DIR="$WORK/cloned" run -C proj status --json
expect_eq "$(json_get .root)" "$WORK/cloned" "LLMOPS_DIR overrides discovery"
LLMOPS_DIR="$WORK/outside" run status
expect_rc 4 "LLMOPS_DIR pointing at a non-project"

# Every --json output parses.
for cmd in status fsck "gc --dry-run" "gc"; do
  run -C proj $cmd --json
  expect_rc 0 "$cmd --json"
  printf '%s' "$OUT" | jq -e . >/dev/null || fail "$cmd --json is not JSON: $OUT"
done
run -C proj init sub --json
printf '%s' "$OUT" | jq -e .store >/dev/null || fail "init --json"

# Usage errors exit 2 with one line.
run -C proj status --no-such-flag
expect_rc 2 "unknown flag"
expect_one_line_error "unknown flag"
run -C proj frobnicate
expect_rc 2 "unknown command"

# -q silences notes; NO_COLOR and --no-color keep escape codes out.
run -C proj fsck -q
expect_eq "$ERR" "" "fsck -q prints nothing on stderr"
if printf '%s%s' "$OUT" "$ERR" | grep -q $'\033'; then fail "colour escape codes without a TTY"; fi

finish
