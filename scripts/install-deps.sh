#!/usr/bin/env bash
# Installs every Debian 12 package that the build, the tests, the benchmarks and the example
# need. Idempotent; run as root (or with sudo available).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl sqlite3
  libcli11-dev libsqlite3-dev libyaml-cpp-dev libfmt-dev libcurl4-openssl-dev catch2
  libxxhash-dev xxhash libcpp-httplib-dev nlohmann-json3-dev libre2-dev libsimdjson-dev
  libzstd-dev libdtl-dev libutf8proc-dev libbenchmark-dev libjemalloc-dev
  clang-14 libclang-rt-14-dev clang-format-14
  python3 jq bc openssl git-lfs time libxml2-utils zstd zsh
  libboost1.81-dev libssl-dev wrk nginx-light prometheus prometheus-alertmanager nodejs
  chromium libxml2-dev awscli tmux libpq-dev postgresql-15
  libicu-dev liblzma-dev zlib1g-dev
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

# SciPy for the drift tests' reference table (tests/support/drift_reference.py). Debian's
# python3-scipy cannot be installed with apt here: its dependency python3-pythran (needed only
# to build SciPy) pulls libboost1.74-dev, which conflicts with libboost1.81-dev. Its runtime
# needs are python3-numpy, BLAS/LAPACK and L-BFGS-B (liblbfgsb0: scipy.stats imports
# scipy.optimize), so the .deb is unpacked under /opt/llmops-scipy.
for p in python3-numpy python3-decorator libgfortran5 liblapack3 libblas3 liblbfgsb0; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "$p"
done
if [ ! -d /opt/llmops-scipy/usr/lib/python3/dist-packages/scipy ]; then
  scipy_tmp=$(mktemp -d)
  (cd "$scipy_tmp" && apt-get download python3-scipy)
  "${sudo_cmd[@]}" mkdir -p /opt/llmops-scipy
  "${sudo_cmd[@]}" dpkg-deb -x "$scipy_tmp"/python3-scipy_*.deb /opt/llmops-scipy
  rm -rf "$scipy_tmp"
fi

# libphonenumber for the PII recognizer of phone numbers (lib/safety). Debian's
# libphonenumber-dev depends on libboost-thread-dev, i.e. libboost1.74-dev, which conflicts with
# libboost1.81-dev (Boost.Beast for serve). The library itself needs no Boost headers: its
# dependencies (abseil, protobuf) come from apt, and the -dev package's headers and archive are
# unpacked under /opt/llmops-phonenumber (CMakeLists.txt looks there; the runtime package is
# for builds with -DLLMOPS_SHARED_DEPS=ON).
for p in libphonenumber8 libabsl-dev libprotobuf-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "$p"
done
if [ ! -f /opt/llmops-phonenumber/usr/include/phonenumbers/phonenumberutil.h ]; then
  pn_tmp=$(mktemp -d)
  (cd "$pn_tmp" && apt-get download libphonenumber-dev)
  "${sudo_cmd[@]}" mkdir -p /opt/llmops-phonenumber
  "${sudo_cmd[@]}" dpkg-deb -x "$pn_tmp"/libphonenumber-dev_*.deb /opt/llmops-phonenumber
  rm -rf "$pn_tmp"
fi

# The official clients the gateway tests drive, and s3rver, the local S3-compatible server of
# tests/cli/test_remote.sh and bench/bench_remote.sh (tests/node/package.json pins them).
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$root/tests/node/node_modules/openai" ] || [ ! -d "$root/tests/node/node_modules/s3rver" ]; then
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
