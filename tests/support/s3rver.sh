# s3rver (tests/node/package.json), a local S3-compatible server, for the remote tests and
# bench. Source it after tests/cli/lib.sh (or set WORK), then:
#   s3rver_start BUCKET...   starts it on 127.0.0.1 with those buckets, waits for its port;
#                            sets S3_PID, S3_URL (http://127.0.0.1:PORT), S3_DIR (its data)
#   s3rver_stop              stops it (also done on exit)
# It accepts the access key S3RVER with the secret S3RVER, and checks SigV4 signatures.
S3RVER_BIN=${LLMOPS_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}/tests/node/node_modules/.bin/s3rver

s3rver_start() {
  S3_DIR=$WORK/s3rver-data
  mkdir -p "$S3_DIR"
  local args=() b
  for b in "$@"; do args+=(--configure-bucket "$b"); done
  # s3rver encrypts its list continuation tokens with DES, which Node 18's OpenSSL 3 refuses
  # unless the legacy provider is loaded: without it every listing past 1,000 keys fails
  # with HTTP 500.
  node --openssl-legacy-provider "$S3RVER_BIN" -d "$S3_DIR" -a 127.0.0.1 -p 0 "${args[@]}" >"$WORK/s3rver.log" 2>&1 &
  S3_PID=$!
  local port=""
  for _ in $(seq 600); do
    port=$(sed -n 's/^S3rver listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/s3rver.log")
    [ -n "$port" ] && break
    kill -0 "$S3_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "s3rver did not start: $(cat "$WORK/s3rver.log")" >&2
    return 1
  fi
  S3_URL=http://127.0.0.1:$port
  trap 's3rver_stop; rm -rf "$WORK"' EXIT
}

s3rver_stop() {
  if [ -n "${S3_PID:-}" ]; then
    kill "$S3_PID" 2>/dev/null || true
    wait "$S3_PID" 2>/dev/null || true
    S3_PID=""
  fi
}
