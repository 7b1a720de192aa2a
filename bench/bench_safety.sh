#!/usr/bin/env bash
# PII detection: speed of `llmops scan` on mixed English text (MB/s per core: bytes over the
# CPU seconds of the process), and precision / recall / F1 of `llmops scan eval` on the labelled
# set, side by side with a naive-regex baseline (one bare pattern per type, no validation, no
# context) measured in the same run: GNU grep -E for speed, the same patterns in Python for
# quality. Goal (issue 18): >= 100 MB/s per core for PII + injection together, the line
# "llmops scan --pii --injection"; the PII lines and the engine alone show where the time goes.
# Usage: bench/bench_safety.sh   (BENCH_MB of text, default 8; BENCH_REPEAT=3; LLMOPS_BIN;
#        BENCH_SMOKE=1: 0.2 MB, one run)
source "$(dirname "$0")/common.sh"

BUILD_DIR=${LLMOPS_BUILD_DIR:-$(dirname "$LLMOPS_BIN")}
GEN=$BUILD_DIR/gen_pii_corpus
[ -x "$GEN" ] || { echo "bench_safety: build gen_pii_corpus first (ninja -C build gen_pii_corpus)" >&2; exit 1; }
mb=${BENCH_MB:-$(by_mode 8 0.2)}
bytes=$(echo "$mb * 1048576 / 1" | bc)
text=$SCRATCH/safety-$bytes.txt
[ -f "$text" ] || "$GEN" text "$bytes" "$text"
size=$(stat -c %s "$text")
# The same text with every digit drawn anew: the generated text repeats its lines (its benign
# ones most), so the phone judge's verdict cache answers most numbers there; here almost none.
fresh=$SCRATCH/safety-$bytes-fresh-digits.txt
[ -f "$fresh" ] || python3 - "$text" "$fresh" <<'PY'
import random, sys
random.seed(20261206)
text = open(sys.argv[1], encoding="utf-8").read()
out = "".join(random.choice("0123456789") if "0" <= c <= "9" else c for c in text)
open(sys.argv[2], "w", encoding="utf-8").write(out)
PY
labelled=$ROOT_DIR/tests/data/safety/pii_labelled.jsonl
benign=$ROOT_DIR/tests/data/safety/pii_benign.jsonl

# The naive baseline: what a first attempt with bare regexes looks like.
cat >"$SCRATCH/naive.txt" <<'PATTERNS'
EMAIL_ADDRESS	[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}
PHONE_NUMBER	\+?\(?[0-9][0-9 ().-]{6,}[0-9]
CREDIT_CARD	[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{1,4}
IBAN_CODE	[A-Z]{2}[0-9]{2}[A-Z0-9 ]{11,30}[A-Z0-9]
IP_ADDRESS	[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}
URL	https?://[^ ]+
DOMAIN_NAME	[A-Za-z0-9-]+\.(com|org|net|io|de|uk|fr|gov|es)
US_SSN	[0-9]{3}-[0-9]{2}-[0-9]{4}
CRYPTO	(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,39}
DATE_TIME	[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{2,4}
PATTERNS
cut -f2 "$SCRATCH/naive.txt" >"$SCRATCH/naive-grep.txt"

speed() { # NAME CMD...: median MB/s per core
  local name=$1 runs=()
  shift
  for _ in $(seq "$REPEAT"); do
    measure "$@"
    [ "$(echo "$CPU_TAKEN > 0" | bc)" = 1 ] || CPU_TAKEN=0.01
    runs+=("$(echo "$size / 1048576 / $CPU_TAKEN" | bc -l)")
  done
  printf '%-34s %10.1f MB/s per core   (%s MB, peak RSS %s MB)\n' "$name" "$(median "${runs[@]}")" \
    "$(echo "$size / 1048576" | bc -l | xargs printf '%.1f')" "$((PEAK_RSS_KB / 1024))"
}

echo "== speed: $(basename "$text"), mixed English text, ~1 line in 10 with an entity"
# scan exits 1 when it finds something, which this text always makes it do.
speed "llmops scan --pii (PII alone)" bash -c '"$0" scan --pii "$1"; [ $? -eq 1 ]' "$LLMOPS_BIN" "$text"
speed "... the same, digits drawn anew" bash -c '"$0" scan --pii "$1"; [ $? -eq 1 ]' "$LLMOPS_BIN" "$fresh"
# The injection rules read at most 8 MiB of text at once (docs/safety-injection.md).
both=$SCRATCH/safety-both-$bytes.txt
head -c 8000000 "$text" >"$both"
whole_size=$size
size=$(stat -c %s "$both")
speed "llmops scan --pii --injection" bash -c '"$0" scan --pii --injection "$1"; [ $? -eq 1 ]' "$LLMOPS_BIN" "$both"
# Written text beside the generated one, as much of it: the copyright files of the installed
# Debian packages (licences, names from many languages and scripts, addresses, URLs), invalid
# UTF-8 dropped. Its content depends on the machine's packages: compare within a run.
natural=$SCRATCH/safety-natural-$size.txt
[ -f "$natural" ] || { find /usr/share/doc -name copyright -type f | sort | xargs -r cat 2>/dev/null ||
  true; } | head -c "$size" | iconv -f UTF-8 -t UTF-8 -c >"$natural"
size=$(stat -c %s "$natural")
if [ "$size" -gt 0 ]; then
  speed "... Debian copyright texts" bash -c '"$0" scan --pii --injection "$1"; [ $? -le 1 ]' "$LLMOPS_BIN" "$natural"
else
  echo "... Debian copyright texts: none on this machine (/usr/share/doc), skipped"
fi
size=$whole_size
speed "naive regex (grep -E -o, 10 patterns)" grep -E -o -f "$SCRATCH/naive-grep.txt" "$text"
# The engine alone, without the process's startup (dynamic loading, libphonenumber, patterns).
if [ -x "$BUILD_DIR/bench_pii_engine" ]; then
  for input in "$text" "$fresh"; do
    runs=()
    for _ in $(seq "$REPEAT"); do runs+=("$("$BUILD_DIR/bench_pii_engine" "$input" | cut -d' ' -f1)"); done
    printf '%-34s %10.1f MB/s per core\n' "engine alone$([ "$input" = "$fresh" ] && echo ', digits anew')" "$(median "${runs[@]}")"
  done
fi

naive_eval() { # FILE: P/R/F1 of the naive patterns, exact and overlap, per type
  python3 - "$SCRATCH/naive.txt" "$1" <<'PY'
import json, re, sys
patterns = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
compiled = [(t, re.compile(p)) for t, p in patterns]
stats = {}
def s(t): return stats.setdefault(t, {"lab": 0, "pred": 0, "ex_tp": 0, "ex_fl": 0, "ov_tp": 0, "ov_fl": 0})
for line in open(sys.argv[2]):
    row = json.loads(line)
    labels = [(e["type"], e["start"], e["end"]) for e in row.get("entities", [])]
    preds = [(t, m.start(), m.end()) for t, r in compiled for m in r.finditer(row["text"])]
    for l in labels: s(l[0])["lab"] += 1
    for p in preds: s(p[0])["pred"] += 1
    same = lambda a, b: a == b
    over = lambda a, b: a[0] == b[0] and a[1] < b[2] and b[1] < a[2]
    for p in preds:
        if any(same(p, l) for l in labels): s(p[0])["ex_tp"] += 1
        if any(over(p, l) for l in labels): s(p[0])["ov_tp"] += 1
    for l in labels:
        if any(same(p, l) for p in preds): s(l[0])["ex_fl"] += 1
        if any(over(p, l) for p in preds): s(l[0])["ov_fl"] += 1
def prf(tp, fl, pred, lab):
    p = tp / pred if pred else 1.0
    r = fl / lab if lab else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)
for t in sorted(stats):
    v = stats[t]
    ep = prf(v["ex_tp"], v["ex_fl"], v["pred"], v["lab"])
    op = prf(v["ov_tp"], v["ov_fl"], v["pred"], v["lab"])
    print(f"{t:<16}{v['lab']:>9}{v['pred']:>10}   {ep[0]:>6.3f}{ep[1]:>7.3f}{ep[2]:>7.3f}   {op[0]:>6.3f}{op[1]:>7.3f}{op[2]:>7.3f}")
PY
}

echo
echo "== quality on $(basename "$labelled"): llmops scan eval"
"$LLMOPS_BIN" scan eval "$labelled"
echo "== the same set: naive regex baseline (type, labelled, predicted, exact P R F1, overlap P R F1)"
naive_eval "$labelled"
echo
faker_set=$ROOT_DIR/tests/data/safety/pii_faker.jsonl
echo "== quality on $(basename "$faker_set") (Faker en_US values, as public labelled sets are made; bench/gen_faker_set.py)"
"$LLMOPS_BIN" scan eval "$faker_set"
echo "== the same set: naive regex baseline"
naive_eval "$faker_set"
echo
echo "== false positives on $(basename "$benign") (benign sentences and the example project's QA texts)"
"$LLMOPS_BIN" scan eval "$benign" | tail -n 1
echo "naive regex baseline: predictions per type on the benign set"
naive_eval "$benign" | awk '{print "  " $1 " " $3}'
