# Bash helpers to run the stub model server from a test script. Source this file, then:
#   stub_start [stub_llm options...]   starts it, waits for its port; sets STUB_PID, STUB_PORT,
#                                      STUB_URL (http://127.0.0.1:PORT), STUB_LOG (its stderr)
#   stub_stop [PID]                    SIGTERM, then waits; returns the stub's exit code
# Every stub started is also stopped when the script exits (the existing EXIT trap still runs).
# The binary is $STUB_LLM, else $LLMOPS_BUILD_DIR/stub_llm.

STUB_PIDS=()
STUB_DIRS=()

_stub_stop_all() {
  local pid
  for pid in "${STUB_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  STUB_PIDS=()
  local dir
  for dir in "${STUB_DIRS[@]}"; do rm -rf "$dir"; done
}

_stub_install_trap() {
  [ -n "${_STUB_TRAP_SET:-}" ] && return 0
  _STUB_TRAP_SET=1
  local previous=""
  # `trap -p EXIT` prints "trap -- 'CMD' EXIT", quoted for re-use; eval recovers CMD exactly.
  if [ -n "$(trap -p EXIT)" ]; then
    eval "set -- $(trap -p EXIT)"
    previous=$3
  fi
  # shellcheck disable=SC2064 # expand $previous now: it is the earlier trap's command
  trap "_stub_stop_all; $previous" EXIT
}

stub_start() {
  local bin=${STUB_LLM:-${LLMOPS_BUILD_DIR:?set LLMOPS_BUILD_DIR or STUB_LLM}/stub_llm}
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/stub_llm.XXXXXX")
  "$bin" --port-file "$dir/port" "$@" >"$dir/stdout" 2>"$dir/stderr" &
  STUB_PID=$!
  STUB_PIDS+=("$STUB_PID")
  STUB_DIRS+=("$dir")
  STUB_LOG=$dir/stderr
  _stub_install_trap
  local i
  for i in $(seq 400); do # up to 20 s: sanitizer builds start slowly
    [ -s "$dir/port" ] && break
    if ! kill -0 "$STUB_PID" 2>/dev/null; then
      echo "stub_llm exited at start: $(cat "$dir/stderr")" >&2
      return 1
    fi
    sleep 0.05
  done
  if [ ! -s "$dir/port" ]; then
    echo "stub_llm did not report a port within 20 s" >&2
    return 1
  fi
  STUB_PORT=$(cat "$dir/port")
  STUB_URL="http://127.0.0.1:$STUB_PORT"
}

stub_stop() {
  local pid=${1:-$STUB_PID} rc=0 kept=() p
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || rc=$?
  for p in "${STUB_PIDS[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
  STUB_PIDS=("${kept[@]}")
  return "$rc"
}
