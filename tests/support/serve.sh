# Bash helpers to run `llmops serve` from a test script (after tests/cli/lib.sh). Source it, then:
#   serve_start ENV [llmops serve options...]  starts it in the current project; sets SERVE_PID,
#                                              SERVE_URL, SERVE_LOG (its stderr); waits for its port
#   serve_stop                                 SIGTERM, then waits; sets SERVE_RC
# A gateway still running is stopped when the script exits.

SERVE_PID=""

_serve_stop_quietly() {
  if [ -n "$SERVE_PID" ]; then
    kill -TERM "$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" 2>/dev/null || true
    SERVE_PID=""
  fi
}

serve_start() {
  local env=$1
  shift
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/llmops-serve.XXXXXX")
  SERVE_LOG=$dir/stderr
  "$LLMOPS_BIN" serve --env "$env" --port 0 --port-file "$dir/port" "$@" >"$dir/stdout" 2>"$SERVE_LOG" &
  SERVE_PID=$!
  if [ -z "${_SERVE_TRAP_SET:-}" ]; then
    _SERVE_TRAP_SET=1
    local previous=""
    if [ -n "$(trap -p EXIT)" ]; then
      eval "set -- $(trap -p EXIT)"
      previous=$3
    fi
    # shellcheck disable=SC2064 # expand $previous now
    trap "_serve_stop_quietly; $previous" EXIT
  fi
  local i
  for i in $(seq 400); do
    [ -s "$dir/port" ] && break
    if ! kill -0 "$SERVE_PID" 2>/dev/null; then
      echo "llmops serve exited at start: $(cat "$SERVE_LOG")" >&2
      SERVE_PID=""
      return 1
    fi
    sleep 0.05
  done
  [ -s "$dir/port" ] || { echo "llmops serve reported no port" >&2; return 1; }
  SERVE_URL="http://127.0.0.1:$(cat "$dir/port")"
}

serve_stop() {
  SERVE_RC=0
  kill -TERM "$SERVE_PID" 2>/dev/null || true
  wait "$SERVE_PID" || SERVE_RC=$?
  SERVE_PID=""
}

# chat BODY [curl options...]: POSTs to /v1/chat/completions; the body goes to $WORK/.resp,
# headers to $WORK/.hdr; HTTP status in $STATUS, body in $RESP.
chat() {
  local body=$1
  shift
  STATUS=$(curl -s -o "$WORK/.resp" -D "$WORK/.hdr" -w '%{http_code}' \
    -H 'Content-Type: application/json' "$@" --data-binary "$body" "$SERVE_URL/v1/chat/completions")
  RESP=$(cat "$WORK/.resp")
}

# header NAME: a response header of the last chat call (case-insensitive), without CR.
header() {
  grep -i "^$1:" "$WORK/.hdr" | head -n1 | cut -d' ' -f2- | tr -d '\r'
}
