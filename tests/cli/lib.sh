# Shared helpers for the end-to-end tests. Each test sources this, then works in $WORK, a
# fresh temp folder removed on exit. ctest sets LLMOPS_BIN, LLMOPS_BUILD_DIR, LLMOPS_SOURCE_DIR.
set -euo pipefail

: "${LLMOPS_BIN:?LLMOPS_BIN must point at the llmops binary}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/llmops-cli.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export NO_COLOR=1
unset LLMOPS_DIR

# The PostgreSQL pass (docs/testing.md): LLMOPS_TEST_POSTGRES names the file holding the test
# server's URL (tests/support/postgres_server.sh). The test's projects keep their store in a
# database of its own there, dropped when the test ends.
unset LLMOPS_DATABASE_URL
PG_DBS=()
# Debian's psql is a Perl wrapper choosing a version; the binary itself starts 10x faster.
PSQL=/usr/lib/postgresql/15/bin/psql
[ -x "$PSQL" ] || PSQL=psql
# fresh_store: the projects made from here on keep their store in a new database (in the
# PostgreSQL pass; a new folder is a new store on SQLite anyway).
fresh_store() {
  [ -n "${LLMOPS_TEST_POSTGRES:-}" ] || return 0
  local db
  db=$(basename "$WORK" | tr 'A-Z.-' 'a-z__')_${#PG_DBS[@]}
  "$PSQL" "$PG_BASE/postgres" -qAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" >/dev/null
  PG_DBS+=("$db")
  export LLMOPS_DATABASE_URL="$PG_BASE/$db"
}
drop_stores() {
  local db
  for db in "${PG_DBS[@]}"; do
    "$PSQL" "$PG_BASE/postgres" -qAtc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
}
if [ -n "${LLMOPS_TEST_POSTGRES:-}" ]; then
  PG_BASE=$(cat "$LLMOPS_TEST_POSTGRES")
  fresh_store
  trap 'drop_stores; rm -rf "$WORK"' EXIT
fi
FAILURES=0

fail() {
  echo "FAIL: $*" >&2
  FAILURES=$((FAILURES + 1))
}

# run ARGS...: runs llmops, keeping stdout in $OUT, stderr in $ERR and the exit code in $RC.
run() {
  set +e
  "$LLMOPS_BIN" "$@" >"$WORK/.out" 2>"$WORK/.err"
  RC=$?
  set -e
  OUT=$(cat "$WORK/.out")
  ERR=$(cat "$WORK/.err")
}

expect_rc() {
  local want=$1
  shift
  if [ "$RC" -ne "$want" ]; then
    fail "$* exited $RC, expected $want; stderr: $ERR"
  fi
}

expect_contains() { # HAYSTACK NEEDLE WHAT
  case "$1" in
    *"$2"*) ;;
    *) fail "$3: expected to contain '$2', got: $1" ;;
  esac
}

expect_not_contains() {
  case "$1" in
    *"$2"*) fail "$3: expected not to contain '$2', got: $1" ;;
    *) ;;
  esac
}

expect_eq() { # GOT WANT WHAT
  if [ "$1" != "$2" ]; then fail "$3: got '$1', expected '$2'"; fi
}

# Errors are exactly one line (plus an optional hint line), never a trace.
expect_one_line_error() {
  local first
  # sed, not head: head may exit before printf is done, and pipefail then fails on SIGPIPE.
  first=$(printf '%s\n' "$ERR" | sed -n 1p)
  expect_contains "$first" "llmops: error: " "$1"
  local others
  others=$(printf '%s\n' "$ERR" | tail -n +2 | grep -v '^hint: ' || true)
  if [ -n "$others" ]; then fail "$1: error is more than one line: $ERR"; fi
}

json_get() { # FILTER: jq over $OUT
  printf '%s' "$OUT" | jq -r "$1"
}

# free_port: a TCP port free on 127.0.0.1 just now, for a server a test starts.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# on_sqlite: true unless the test runs in the PostgreSQL pass.
on_sqlite() { [ -z "${LLMOPS_DATABASE_URL:-}" ]; }

# expect_index_build ARGS...: `llmops index build ARGS` succeeds. Retrieval indexes are SQLite
# FTS5 tables, so on a PostgreSQL store the build must be refused cleanly instead (exit 4).
expect_index_build() {
  run index build "$@"
  if on_sqlite; then
    expect_rc 0 "index build"
  else
    expect_rc 4 "index build on a PostgreSQL store"
    expect_contains "$ERR" "retrieval indexes need a SQLite store" "index build says why"
  fi
}

# inject_store_fault TABLE / clear_store_fault TABLE: every insert into TABLE fails with
# "injected store fault" (a trigger, in each backend's dialect) until cleared.
inject_store_fault() {
  if on_sqlite; then
    store_sql "CREATE TRIGGER test_fault BEFORE INSERT ON $1 BEGIN SELECT RAISE(ABORT, 'injected store fault'); END;"
  else
    store_sql "CREATE OR REPLACE FUNCTION test_fault() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN RAISE EXCEPTION 'injected store fault'; END\$\$; CREATE TRIGGER test_fault BEFORE INSERT ON $1 FOR EACH ROW EXECUTE FUNCTION test_fault()"
  fi
}
clear_store_fault() {
  if on_sqlite; then store_sql "DROP TRIGGER test_fault"; else store_sql "DROP TRIGGER test_fault ON $1"; fi
}

# store_dump: the whole database as SQL text (sqlite3 .dump, or pg_dump in the PostgreSQL pass).
store_dump() {
  if [ -n "${LLMOPS_DATABASE_URL:-}" ]; then
    pg_dump --no-owner "$LLMOPS_DATABASE_URL"
  else
    sqlite3 .llmops/store.db .dump
  fi
}

# A digest of the store's visible state: database content and the object files. On
# PostgreSQL, every table's rows in a fixed order (sequences are not content: a rolled-back
# insert advances them).
store_digest() {
  local dir=${1:-.}
  {
    if [ -n "${LLMOPS_DATABASE_URL:-}" ]; then
      # One psql: a query per table, each run by \gexec.
      printf '%s\n' "SELECT format('SELECT %L || '' '' || t::text FROM %I t ORDER BY 1', tablename, tablename) FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename \gexec" |
        "$PSQL" "$LLMOPS_DATABASE_URL" -qAt -v ON_ERROR_STOP=1
    else
      sqlite3 "$dir/.llmops/store.db" .dump
    fi
    (cd "$dir/.llmops" && find objects -type f | sort)
  } | sha256sum | cut -d' ' -f1
}

# expect_refused RC WHAT TEXT ARGS...: `llmops ARGS` exits RC with a one-line error holding
# TEXT, and leaves the store as it was.
expect_refused() {
  local rc=$1 what=$2 text=$3 digest
  shift 3
  digest=$(store_digest)
  run "$@"
  expect_rc "$rc" "$what"
  expect_one_line_error "$what"
  expect_contains "$ERR" "$text" "$what"
  expect_eq "$(store_digest)" "$digest" "$what leaves the store as it was"
}

# wait_busy PID: polls until the process has installed its SIGINT handler and spent 0.1 s of
# CPU (it is in its long loop, ready to be interrupted); false if it ended first or after ~60 s.
wait_busy() {
  local pid=$1 mask ticks
  for _ in $(seq 6000); do
    kill -0 "$pid" 2>/dev/null || return 1
    mask=$(awk '/^SigCgt:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    if [ -n "$mask" ] && (((16#$mask & 2) != 0)) && [ "${ticks:-0}" -ge 10 ]; then return 0; fi
    sleep 0.01
  done
  return 1
}

# wait_exit PID: waits (up to ~60 s) for a background job of this shell and sets EXIT_CODE to
# its exit code; a job still running then is killed and reported as 124. (Not in $(...): a
# subshell cannot wait for its parent's jobs.)
wait_exit() {
  local pid=$1
  EXIT_CODE=0
  for _ in $(seq 6000); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    EXIT_CODE=124
    return
  fi
  wait "$pid" || EXIT_CODE=$?
}

# store_sql SQL...: the sqlite3 shell on ./.llmops/store.db, waiting (as llmops does) while
# another process writes, instead of failing with "database is locked"; psql on the test's
# database in the PostgreSQL pass (one SQL argument there).
store_sql() {
  if [ -n "${LLMOPS_DATABASE_URL:-}" ]; then
    "$PSQL" "$LLMOPS_DATABASE_URL" -qAt -v ON_ERROR_STOP=1 -c "$1"
  else
    sqlite3 -cmd ".timeout 30000" .llmops/store.db "$@"
  fi
}

# wait_until WHAT COMMAND...: runs COMMAND every 50 ms until it succeeds. Tests wait for a
# state (rows in the store, a file, a counter of the stub), never for a length of time. After
# $POLL_TIMEOUT seconds (default 120) the test fails and ends: whatever came next would test
# nothing.
wait_until() {
  local what=$1
  shift
  local deadline=$((SECONDS + ${POLL_TIMEOUT:-120}))
  until "$@"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail "timed out after ${POLL_TIMEOUT:-120} s waiting for $what"
      finish
    fi
    sleep 0.05
  done
}

# sql_count_at_least N SQL: true when the single number SQL selects from the store is >= N
# (false while the table does not exist yet; a busy store is waited for, as store_sql does).
sql_count_at_least() {
  local got
  got=$(store_sql "$2" 2>/dev/null) || return 1
  [ -n "$got" ] && [ "$got" -ge "$1" ]
}

finish() {
  if [ "$FAILURES" -ne 0 ]; then
    echo "$FAILURES check(s) failed" >&2
    exit 1
  fi
  echo "ok"
}
