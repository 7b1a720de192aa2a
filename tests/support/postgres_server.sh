#!/usr/bin/env bash
# postgres_server.sh start|stop|resume DIR: a throwaway PostgreSQL 15 server (Debian's
# postgresql-15) for the test suite's PostgreSQL pass, listening on 127.0.0.1 only, trust
# authentication, C collation. `start` writes DIR/url (postgresql://postgres@127.0.0.1:PORT);
# each test makes its own database there (tests/cli/lib.sh). `resume` starts a stopped one
# again on its port. initdb refuses to run as root, so as root the server runs as the
# `postgres` user the package created.
set -euo pipefail
action=$1
dir=$2
bin=/usr/lib/postgresql/15/bin
as_owner=()
if [ "$(id -u)" -eq 0 ]; then as_owner=(runuser -u postgres --); fi

case "$action" in
start)
  "$0" stop "$dir" 2>/dev/null || true
  rm -rf "$dir"
  mkdir -p "$dir"
  [ ${#as_owner[@]} -eq 0 ] || chown postgres "$dir"
  "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --locale=C -E UTF8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; exit 1; }
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # Many tests run at once, each with a gateway or two: room for their connections.
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c fsync=off" \
    start >/dev/null || { cat "$dir/server.log"; exit 1; }
  echo "postgresql://postgres@127.0.0.1:$port" >"$dir/url"
  ;;
resume)
  # After stop: the same data and port again (a server that went away and came back).
  port=$(sed 's/.*://' "$dir/url")
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c fsync=off" \
    start >/dev/null || { cat "$dir/server.log"; exit 1; }
  ;;
stop)
  [ -d "$dir/data" ] || exit 0
  "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
  ;;
*)
  echo "usage: postgres_server.sh start|stop|resume DIR" >&2
  exit 2
  ;;
esac
