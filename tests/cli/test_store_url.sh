#!/usr/bin/env bash
# Where the store lives (docs/postgresql.md): LLMOPS_DATABASE_URL and store.url in llmops.yaml,
# and their bad values. Each error is one line, names the database without its password, has
# the documented exit code, and leaves the project's own store as it was.
source "$(dirname "$0")/lib.sh"

run init proj
expect_rc 0 init
cd proj
before=$(store_digest)

# A server that does not answer: exit 4, the URL shown without its password or query.
LLMOPS_DATABASE_URL='postgresql://ann:s3cret@127.0.0.1:1/llm?password=s3cret' run data list
expect_rc 4 "an unreachable PostgreSQL server"
expect_contains "$ERR" "cannot connect to the store database" "says what failed"
expect_contains "$ERR" "(postgresql://ann@127.0.0.1:1/llm)" "names the database"
expect_eq "$(printf '%s' "$ERR" | grep -c s3cret || true)" 0 "never the password"
expect_one_line_error "an unreachable PostgreSQL server"

# Not a PostgreSQL URL: a usage error.
LLMOPS_DATABASE_URL='mysql://h/db' run data list
expect_rc 2 "LLMOPS_DATABASE_URL of another database"
expect_contains "$ERR" "LLMOPS_DATABASE_URL must be a postgresql://" "names the variable"

# store: in llmops.yaml, checked at its line and column (LLMOPS_DATABASE_URL would win over it).
saved_url=${LLMOPS_DATABASE_URL:-}
unset LLMOPS_DATABASE_URL
cp llmops.yaml llmops.yaml.good
printf 'store:\n  url: sqlite:///x.db\n' >>llmops.yaml
line=$(grep -n '^  url: sqlite' llmops.yaml | cut -d: -f1)
run data list
expect_rc 3 "store.url of another database"
expect_contains "$ERR" "store.url must be a postgresql://" "says what is wrong"
expect_contains "$ERR" "llmops.yaml:$line:8" "at its line and column"
cp llmops.yaml.good llmops.yaml
printf 'store:\n  uri: postgresql://h/db\n' >>llmops.yaml
run data list
expect_rc 3 "an unknown key under store:"
expect_contains "$ERR" "store: unknown key 'uri' (known: url)" "names the key"
cp llmops.yaml.good llmops.yaml
printf 'store:\n  url: postgresql://ann@127.0.0.1:1/llm\n' >>llmops.yaml
run data list
expect_rc 4 "store.url names an unreachable server"
expect_contains "$ERR" "(postgresql://ann@127.0.0.1:1/llm)" "the configured database is named"
cp llmops.yaml.good llmops.yaml
[ -z "$saved_url" ] || export LLMOPS_DATABASE_URL=$saved_url
expect_eq "$(store_digest)" "$before" "the project's store is unchanged"
finish
