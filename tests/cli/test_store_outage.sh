#!/usr/bin/env bash
# A PostgreSQL store that goes away mid-run and comes back (docs/postgresql.md): while it is
# down, commands fail with one line naming the database (exit 4) and the gateway keeps
# answering; once it is back, commands and the gateway's request log work again without a
# restart (the connection is made anew), and the row of the request answered meanwhile is
# written then. The test runs its own server, which it stops; it runs
# in the SQLite pass only (the PostgreSQL pass's shared server must stay up).
source "$(dirname "$0")/lib.sh"
source "$LLMOPS_SOURCE_DIR/tests/support/serve.sh"
SERVER=$LLMOPS_SOURCE_DIR/tests/support/postgres_server.sh
[ -x /usr/lib/postgresql/15/bin/pg_ctl ] || { echo "postgresql-15 is not installed" >&2; exit 1; }

# The server's own user must reach its folder: not under $WORK (mode 700).
PGDIR=$(mktemp -d "${TMPDIR:-/tmp}/llmops-outage-pg.XXXXXX")
chmod 755 "$PGDIR"
eval "set -- $(trap -p EXIT)"
trap "cd / && bash '$SERVER' stop '$PGDIR/server' >/dev/null 2>&1; rm -rf '$PGDIR'; $3" EXIT
(cd / && bash "$SERVER" start "$PGDIR/server")
"$PSQL" "$(cat "$PGDIR/server/url")/postgres" -qAt -c "CREATE DATABASE outage" >/dev/null
export LLMOPS_DATABASE_URL="$(cat "$PGDIR/server/url")/outage"

run init proj
expect_rc 0 "init on the PostgreSQL store"
cd proj
printf 'name: ask\nmessages:\n  - {role: user, content: "{{question}}"}\nvariables: {question: {required: true}}\n' >ask.yaml
run prompt add ask.yaml
printf 'providers:\n  e: {type: echo}\nenvironments:\n  prod: {}\n' >llmops.yaml
run deploy ask@1 --env prod --provider e
expect_rc 0 "deploy"
serve_start prod
ask() { chat "{\"model\":\"ask\",\"variables\":{\"question\":\"$1\"}}"; }
ask before
expect_eq "$STATUS" 200 "answered with the store up"
chats() { sql_count_at_least "$1" "SELECT COUNT(*) FROM request_log WHERE path = '/v1/chat/completions'"; }
wait_until "the first request logged" chats 1

# --- the server goes away ---------------------------------------------------------------------------
(cd / && bash "$SERVER" stop "$PGDIR/server")
run prompt list
expect_rc 4 "a command while the store is down"
expect_contains "$ERR" "(postgresql://postgres@127.0.0.1:" "names the database"
expect_one_line_error "a command while the store is down"
ask during
expect_eq "$STATUS" 200 "the gateway keeps answering without its store"
during_id=$(header x-request-id)

# --- and comes back ---------------------------------------------------------------------------------
(cd / && bash "$SERVER" resume "$PGDIR/server")
run prompt list
expect_rc 0 "commands work again"
ask after
expect_eq "$STATUS" 200 "answered with the store back"
after_id=$(header x-request-id)
logged_after() { sql_count_at_least 2 "SELECT COUNT(*) FROM request_log WHERE id IN ('$during_id', '$after_id')"; }
# The writer kept the rows it could not write (up to 200,000, docs/serve.md) and reconnects.
wait_until "the gateway's log writer writing again, the outage's row too" logged_after
serve_stop
expect_eq "$SERVE_RC" 0 "the gateway stops cleanly"
finish
