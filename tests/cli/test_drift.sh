#!/usr/bin/env bash
# drift: Evidently's default tests per column, the dataset verdict and exit code, --test,
# --threshold, --columns, --drift-share, text columns, and every kind of bad input.
source "$(dirname "$0")/lib.sh"

run init -q .
expect_rc 0 init

# Deterministic sides: python3 (no third-party modules).
gen() { # ROWS SHIFT SEED FILE
  python3 - "$@" <<'PY'
import json, random, sys
n, shift, seed, out = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = random.Random(seed)
topics = ["billing invoice refund payment", "password login account reset",
          "shipping delivery package tracking"]
if shift > 0:
    topics += ["crypto wallet blockchain token"] * 3
with open(out, "w") as f:
    for i in range(n):
        words = rng.choice(topics).split()
        text = " ".join(rng.choice(words) for _ in range(rng.randint(4, 12)))
        f.write(json.dumps({
            "latency": round(rng.gauss(100 + 40 * shift, 20), 3),
            "tier": rng.choice(["free", "pro", "team"] + ["enterprise"] * int(3 * shift)),
            "flag": rng.random() < 0.3 + 0.4 * shift,
            "question": text}) + "\n")
PY
}
gen 600 0 1 ref.jsonl
gen 500 0 2 same.jsonl
gen 500 1 3 shifted.jsonl
gen 1500 0 4 big_ref.jsonl
gen 1500 1 5 big_cur.jsonl
for n in ref same shifted big_ref big_cur; do
  run data add $n.jsonl --name $n -q
  expect_rc 0 "data add $n"
done

# Small reference (<= 1000 rows): ks, chisquare, z; the text column gets the classifier.
run drift ref shifted --json
expect_rc 1 "drift ref shifted exits 1 (dataset drifted)"
expect_eq "$(json_get '.columns[] | select(.column=="latency") | .test.test')" "ks" "latency: ks"
expect_eq "$(json_get '.columns[] | select(.column=="tier") | .test.test')" "chisquare" "tier: chisquare"
expect_eq "$(json_get '.columns[] | select(.column=="flag") | .test.test')" "z" "flag: z (two values)"
expect_eq "$(json_get '.columns[] | select(.column=="question") | .kind')" "text" "question is text"
expect_eq "$(json_get '.columns[] | select(.column=="question") | .content.drifted')" "true" "text content drifted"
expect_contains "$(json_get '.columns[] | select(.column=="question") | .content.current_terms | map(.term) | join(",")')" "crypto" "top current term"
expect_eq "$(json_get '.columns[] | select(.column=="latency") | .test.effect_size.name')" "ks_d" "effect size named"
expect_eq "$(json_get '.dataset_drifted')" "true" "dataset drifted"
expect_eq "$(json_get '.columns[] | select(.column=="latency") | .test.threshold')" "0.05" "default threshold"

run drift ref same
expect_rc 0 "drift ref same exits 0"
expect_contains "$OUT" "no dataset drift" "text verdict"
expect_contains "$OUT" "latency" "text lists columns"

# --html: one self-contained page; the path is checked before any work.
run drift ref shifted --html report.html
expect_rc 1 "drift --html"
expect_contains "$(cat report.html)" "<svg" "histograms"
expect_contains "$(cat report.html)" "domain classifier" "text explanation"
expect_contains "$(cat report.html)" "crypto" "separating terms in the page"
expect_not_contains "$(cat report.html)" "<script" "no scripts"
expect_not_contains "$(cat report.html)" "http" "no external resources"
expect_eq "$(grep -o '<svg' report.html | wc -l)" "4" "a histogram per tested column"
run drift ref shifted --html no/such/dir/report.html
expect_rc 3 "unwritable --html path"
expect_one_line_error "unwritable --html path"

# Large reference (> 1000 rows): wasserstein (normed) and jensenshannon.
run drift big_ref big_cur --json
expect_rc 1 "big drift"
expect_eq "$(json_get '.columns[] | select(.column=="latency") | .test.test')" "wasserstein" "latency: wasserstein"
expect_eq "$(json_get '.columns[] | select(.column=="tier") | .test.test')" "jensenshannon" "tier: jensenshannon"
expect_eq "$(json_get '.columns[] | select(.column=="flag") | .test.test')" "jensenshannon" "flag: jensenshannon"
expect_eq "$(json_get '.columns[] | select(.column=="question") | .content.threshold')" "0.55" "fixed AUC threshold"

# --test, --threshold, --columns, --drift-share.
run drift ref shifted --columns latency,tier --test latency=psi --threshold tier=0.0000001 --json
expect_rc 1 "options"
expect_eq "$(json_get '.columns | map(.column) | join(",")')" "latency,tier" "--columns"
expect_eq "$(json_get '.columns[0].test.test')" "psi" "--test latency=psi"
expect_eq "$(json_get '.columns[0].test.p_value')" "null" "psi has no p-value"
expect_eq "$(json_get '.columns[1].test.threshold')" "1e-07" "--threshold"
ref_rows=$(json_get .reference.rows)
run drift ref shifted --columns latency,tier,latency --test latency=psi --json
expect_eq "$(json_get '.columns | map(.column) | join(",")')" "latency,tier" "a column named twice is compared once"
expect_eq "$(json_get '.reference.rows')" "$ref_rows" "a column named twice counts its rows once"
run drift ref same --columns latency --test latency=t_test --json
expect_rc 0 "t_test same"
expect_eq "$(json_get '.columns[0].test.effect_size.name')" "cohen_d" "t_test effect size"
run drift ref shifted --columns latency,tier,flag --drift-share 1 --test tier=hellinger --threshold tier=0.99
expect_rc 0 "--drift-share 1 with one column under threshold"
for t in ks chisquare wasserstein jensenshannon psi kl_div hellinger mannw anderson cramer_von_mises t_test welch_t_test; do
  run drift ref shifted --columns latency --test latency=$t --json
  expect_rc 1 "latency $t drifts"
  expect_eq "$(json_get '.columns[0].test.test')" "$t" "test $t ran"
done
run drift ref shifted --columns flag --test flag=fisher_exact --json
expect_eq "$(json_get '.columns[0].skipped')" "null" "fisher_exact runs on a binary column"

# Usage errors: exit 2.
run drift ref shifted --test latency=nope
expect_rc 2 "unknown test"
expect_one_line_error "unknown test"
run drift ref shifted --threshold latency
expect_rc 2 "threshold without value"
run drift ref shifted --drift-share 0
expect_rc 2 "drift share 0"

# Bad input: per-column skips and one-line errors (exit 3).
cat >a.jsonl <<'JSONL'
{"x": 1, "kind": "a", "mixed": 1, "const": 5, "nulls": null, "only_a": 1}
{"x": 2, "kind": "b", "mixed": 2, "const": 5, "nulls": null, "only_a": 2}
{"x": 3, "kind": "a", "mixed": 3, "const": 5, "nulls": null, "only_a": 3}
{"x": 4, "kind": "b", "mixed": 4, "const": 5, "nulls": null, "only_a": 4}
JSONL
cat >b.jsonl <<'JSONL'
{"x": 9, "kind": 1, "mixed": "one", "const": 5, "nulls": null}
{"x": 8, "kind": 2, "mixed": 2, "const": 5, "nulls": null}
{"x": 7, "kind": 3, "mixed": 3, "const": 5, "nulls": null}
{"x": 6, "kind": 4, "mixed": 4, "const": 5, "nulls": null}
JSONL
# NaN and infinities never reach a dataset: data add refuses them (the drift layer still checks
# every number, tests/unit/drift).
printf '{"x": 1e999}\n' >inf.jsonl
run data add inf.jsonl --name inf
expect_rc 3 "an infinity is refused"
run data add a.jsonl --name a -q
run data add b.jsonl --name b -q
run drift a b --json
expect_rc 1 "only x is testable, and it drifted"
expect_eq "$(json_get '.tested_columns')" "1" "one tested column"
expect_eq "$(json_get '.columns[] | select(.column=="kind") | .skipped')" "categorical in reference, numeric in current" "type mismatch"
expect_contains "$(json_get '.columns[] | select(.column=="mixed") | .skipped')" "mixed types in current" "mixed types"
expect_eq "$(json_get '.columns[] | select(.column=="const") | .skipped')" "constant in reference and current" "constant"
expect_eq "$(json_get '.columns[] | select(.column=="nulls") | .skipped')" "all null in reference" "all null"
expect_eq "$(json_get '.columns[] | select(.column=="only_a") | .skipped')" "missing in current" "missing column"
run drift a b
expect_contains "$OUT" "skipped: constant in reference and current" "text skip line"

run drift a b --columns const
expect_rc 3 "nothing testable"
expect_one_line_error "nothing testable"
expect_contains "$ERR" "const: constant in reference and current" "reason listed"
run drift a b --columns nosuch
expect_rc 3 "column in neither side"
expect_one_line_error "column in neither side"
run drift a nosuch
expect_rc 3 "unknown dataset"
printf '' >empty.jsonl
run data add empty.jsonl --name empty --allow-empty -q
run drift a empty
expect_rc 3 "empty current"
expect_contains "$ERR" "has no rows" "empty side named"

exit $((FAILURES > 0))
