#!/usr/bin/env bash
# The gateway side by side with the alternatives, one run, wrk POSTing a chat body:
#   - the C++ stub directly (0 ms upstream);
#   - nginx proxy_pass to the same stub with upstream keep-alive;
#   - llmops serve, passthrough (the client's messages), request log on;
#   - llmops serve, a prompt route (variables rendered), request log on;
# at concurrency 1, 16 and 64 for BENCH_SECONDS (5; smoke 1) each: req/s, p50, p99 and the latency
# added over direct. Then 1,000 concurrent requests against a 1 s upstream (max latency, gateway
# RSS), a soak of BENCH_SOAK_REQUESTS (1,000,000; smoke 20,000) prompt-route requests at
# concurrency 64 after a warm-up of a tenth of that, for RSS growth (goal <= 5%; the script fails
# beyond, at full size), and SIGTERM under load: log rows written against requests answered.
# Usage: bench/bench_serve.sh   (LLMOPS_BIN points at the build; needs wrk and nginx)
source "$(dirname "$0")/common.sh"

seconds=${BENCH_SECONDS:-$(by_mode 5 1)}
soak_requests=${BENCH_SOAK_REQUESTS:-$(by_mode 1000000 20000)}
export LLMOPS_BUILD_DIR=${LLMOPS_BUILD_DIR:-$(dirname "$LLMOPS_BIN")}
source "$ROOT_DIR/tests/support/stub_llm.sh"
command -v wrk >/dev/null || { echo "bench_serve: wrk is not installed" >&2; exit 1; }
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
[ -x "$NGINX" ] || { echo "bench_serve: nginx is not installed" >&2; exit 1; }

work=$SCRATCH/serve
rm -rf "$work"
"$LLMOPS_BIN" init "$work" >/dev/null
cd "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

stub_start --threads 256 --keep-requests 0
stub_url=$STUB_URL
printf 'name: ask\nmessages:\n  - {role: user, content: "Please answer: {{question}}"}\nvariables: {question: {required: true}}\n' >ask.yaml
"$LLMOPS_BIN" prompt add ask.yaml -q >/dev/null
cat >llmops.yaml <<YAML
providers:
  stub: {type: openai, model: stub-model, base_url: "$stub_url/v1", api_key_env: "", retries: {max: 0}}
environments:
  bench: {}
serve:
  passthrough: [stub]
  limits: {upstream_concurrency: 1024, max_connections: 8192}
YAML
"$LLMOPS_BIN" deploy ask@1 --env bench --provider stub -q >/dev/null

# nginx: proxy_pass with upstream keep-alive, as the usual production front.
nginx_port=$(free_port)
mkdir -p nginx/logs
cat >nginx/nginx.conf <<NGINX
worker_processes 2;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream stub { server ${stub_url#http://}; keepalive 128; }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://stub;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
NGINX
"$NGINX" -p "$work/nginx" -c "$work/nginx/nginx.conf" 2>nginx/stderr &
nginx_pid=$!

serve_port_file=$work/serve.port
"$LLMOPS_BIN" serve --env bench --port 0 --port-file "$serve_port_file" 2>serve.err &
serve_pid=$!
cleanup() {
  kill -TERM "$nginx_pid" "$serve_pid" 2>/dev/null || true
  wait "$nginx_pid" "$serve_pid" 2>/dev/null || true
}
trap 'cleanup; _stub_stop_all' EXIT
for _ in $(seq 200); do [ -s "$serve_port_file" ] && break; sleep 0.05; done
serve_url="http://127.0.0.1:$(cat "$serve_port_file")"
nginx_url="http://127.0.0.1:$nginx_port"
for _ in $(seq 100); do curl -s -o /dev/null "$nginx_url/healthz" && break; sleep 0.05; done

cat >post.lua <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BENCH_BODY")
LUA
passthrough_body='{"model":"stub","messages":[{"role":"user","content":"Please answer: what is the capital of France?"}]}'
route_body='{"model":"ask","variables":{"question":"what is the capital of France?"}}'

# wrk_run URL BODY CONNECTIONS SECONDS: sets RPS, P50, P99 (ms), MAX (ms), ERRS.
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.3f", v / 1000; else if (v ~ /ms$/) printf "%.3f", v + 0; else if (v ~ /s$/) printf "%.3f", v * 1000; else print v }'; }
wrk_run() {
  local threads=2
  [ "$3" -lt 2 ] && threads=1
  BENCH_BODY=$2 wrk -t"$threads" -c"$3" -d"$4"s --timeout 10s --latency -s post.lua "$1/v1/chat/completions" >wrk.out 2>&1
  RPS=$(awk '/Requests\/sec/ {printf "%.0f", $2}' wrk.out)
  P50=$(to_ms "$(awk '$1 == "50%" {print $2}' wrk.out)")
  P99=$(to_ms "$(awk '$1 == "99%" {print $2}' wrk.out)")
  MAX=$(to_ms "$(awk '$1 == "Latency" {print $4}' wrk.out)")
  ERRS=$(awk '/Non-2xx|Socket errors/ {print}' wrk.out | tr '\n' ' ')
}

row() { printf '%-28s %5s %10s %10s %10s %12s %12s  %s\n' "$@"; }
echo "wrk, $seconds s per cell, 0 ms upstream (the stub), all on the same 2 cores"
row "contender" "conc" "req/s" "p50 ms" "p99 ms" "+p50 ms" "+p99 ms" "errors"
for c in 1 16 64; do
  wrk_run "$stub_url" "$passthrough_body" "$c" "$seconds"
  d50=$P50 d99=$P99
  row "stub direct" "$c" "$RPS" "$P50" "$P99" "-" "-" "$ERRS"
  wrk_run "$nginx_url" "$passthrough_body" "$c" "$seconds"
  nginx_rps=$RPS
  row "nginx proxy_pass keep-alive" "$c" "$RPS" "$P50" "$P99" "$(echo "$P50 - $d50" | bc -l | xargs printf '%.3f')" "$(echo "$P99 - $d99" | bc -l | xargs printf '%.3f')" "$ERRS"
  wrk_run "$serve_url" "$passthrough_body" "$c" "$seconds"
  row "llmops serve passthrough" "$c" "$RPS" "$P50" "$P99" "$(echo "$P50 - $d50" | bc -l | xargs printf '%.3f')" "$(echo "$P99 - $d99" | bc -l | xargs printf '%.3f')" "$ERRS"
  printf '%-28s %5s %10s\n' "  (serve / nginx)" "$c" "$(echo "$RPS / $nginx_rps" | bc -l | xargs printf '%.2fx')"
  wrk_run "$serve_url" "$route_body" "$c" "$seconds"
  row "llmops serve prompt route" "$c" "$RPS" "$P50" "$P99" "$(echo "$P50 - $d50" | bc -l | xargs printf '%.3f')" "$(echo "$P99 - $d99" | bc -l | xargs printf '%.3f')" "$ERRS"
done
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
# The anonymous part of RSS (heap, stacks): without the pages of store.db that the log's SQLite
# connection maps (its mmap_size), which are file-backed and count in VmRSS too.
rss_anon_kb() { awk '/RssAnon/ {print $2}' "/proc/$1/status"; }
echo "gateway RSS after the table: $(( $(rss_kb "$serve_pid") / 1024 )) MiB"

# 1,000 concurrent requests against a 1 s upstream.
stub_start --threads 1200 --keep-requests 0 --latency-ms 1000
slow_url=$STUB_URL
sed -i "s#base_url: \"$stub_url/v1\"#base_url: \"$slow_url/v1\"#" llmops.yaml
"$LLMOPS_BIN" serve --env bench --port 0 --port-file "$work/slow.port" 2>slow.err &
slow_pid=$!
for _ in $(seq 200); do [ -s "$work/slow.port" ] && break; sleep 0.05; done
slow_serve="http://127.0.0.1:$(cat "$work/slow.port")"
wrk_run "$slow_serve" "$passthrough_body" 1000 3
echo "1000 concurrent, 1 s upstream, 3 s: $RPS req/s, p50 $P50 ms, p99 $P99 ms, max $MAX ms, gateway RSS $(( $(rss_kb "$slow_pid") / 1024 )) MiB $ERRS"
kill -TERM "$slow_pid"
wait "$slow_pid" || true
slow_answered=$(sed -n 's/.*stopped after \([0-9]*\) request.*/\1/p' slow.err)

# Soak: RSS after a warm-up of a tenth of the requests, against RSS after all of them.
served() { # requests the gateway answered so far, per its /metrics
  curl -s "$serve_url/metrics" | awk '/^llmops_gateway_requests_total/ {s += $2} END {printf "%d", s}'
}
soak_count() { # REQUESTS: at least that many prompt-route requests at concurrency 64
  local base
  base=$(served)
  # wrk stops by time only (a thread's stop() does not end its run): poll the count, then end it.
  BENCH_BODY=$route_body wrk -t2 -c64 -d3600s --timeout 10s -s post.lua \
    "$serve_url/v1/chat/completions" >wrk.out 2>&1 &
  local wrk_pid=$!
  while [ $(($(served) - base)) -lt "$1" ] && kill -0 "$wrk_pid" 2>/dev/null; do sleep 0.5; done
  kill -INT "$wrk_pid"
  wait "$wrk_pid" || true
  SOAK_DONE=$(($(served) - base))
}
soak_count $((soak_requests / 10))
rss_warm=$(rss_kb "$serve_pid")
anon_warm=$(rss_anon_kb "$serve_pid")
soak_start=$SECONDS
soak_count "$soak_requests"
rss_after=$(rss_kb "$serve_pid")
anon_after=$(rss_anon_kb "$serve_pid")
soak_growth=$(echo "($rss_after - $rss_warm) * 100 / $rss_warm" | bc -l | xargs printf '%+.1f')
echo "soak: $SOAK_DONE requests in $((SECONDS - soak_start)) s after a warm-up of $((soak_requests / 10)); RSS $((rss_warm / 1024)) -> $((rss_after / 1024)) MiB (${soak_growth}%, goal <= +5%), of it anonymous $((anon_warm / 1024)) -> $((anon_after / 1024)) MiB $(awk '/Non-2xx|Socket errors/ {print}' wrk.out | tr '\n' ' ')"
soak_failed=$(echo "$rss_after * 100 > $rss_warm * 105" | bc)

# SIGTERM under load: every answered request has its row.
BENCH_BODY=$route_body wrk -t2 -c64 -d10s -s post.lua "$serve_url/v1/chat/completions" >/dev/null 2>&1 &
wrk_pid=$!
sleep 2
rows_before=$(sqlite3 .llmops/store.db 'SELECT COUNT(*) FROM request_log')
kill -TERM "$serve_pid"
wait "$serve_pid" || true
wait "$wrk_pid" || true
summary=$(grep 'stopped after' serve.err)
answered=$(sed -n 's/.*stopped after \([0-9]*\) request.*/\1/p' <<<"$summary")
rows=$(sqlite3 .llmops/store.db 'SELECT COUNT(*) FROM request_log')
answered=$((answered + slow_answered))
echo "SIGTERM under load: the gateways took $answered requests, $rows log rows ($((answered - rows)) lost); rows before the signal $rows_before"
# The goal is judged at full size only: a smoke soak ends while the caches still warm up.
if [ "$soak_failed" = 1 ] && [ "$SMOKE" != 1 ]; then
  echo "bench_serve: FAIL: RSS grew by ${soak_growth}% over the soak (goal <= 5%)" >&2
  exit 1
fi
