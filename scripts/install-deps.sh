#!/usr/bin/env bash
# Installs every Debian 12 package that the build, the tests, the benchmarks and the example
# need. Idempotent; run as root (or with sudo available).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl sqlite3
  libcli11-dev libsqlite3-dev libyaml-cpp-dev libfmt-dev libcurl4-openssl-dev catch2
  libxxhash-dev xxhash libcpp-httplib-dev nlohmann-json3-dev libre2-dev libsimdjson-dev
  libzstd-dev libdtl-dev libutf8proc-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev clang-format-14
  python3 jq bc openssl git-lfs time libxml2-utils zstd zsh
  libboost1.81-dev libssl-dev wrk nginx-light prometheus nodejs
)

# npm: Debian's package, unless a Node.js build that bundles it is installed already.
command -v npm >/dev/null || packages+=(npm)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
else
  echo "install-deps: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi

# The official clients the gateway tests drive (tests/node/package.json pins them).
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$root/tests/node/node_modules/openai" ]; then
  (cd "$root/tests/node" && npm ci --no-audit --no-fund)
fi

# promptfoo, the peer tests/cli/test_serve_promptfoo.sh and bench/bench_eval.sh run against the
# gateway and the eval runner: installed where the peer's README says, when the peer is there
# (0.121.20 is the newest release that starts on Node 20).
peer=$root/../shared/peers/promptfoo
pf_dir=${PF_DIR:-/tmp/promptfoo-peer}
if [ -d "$peer" ] && [ ! -x "$pf_dir/node_modules/.bin/promptfoo" ]; then
  mkdir -p "$pf_dir"
  (cd "$pf_dir" && { [ -f package.json ] || npm init -y >/dev/null; } &&
    npm install --no-audit --no-fund promptfoo@0.121.20)
fi
