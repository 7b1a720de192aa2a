#!/usr/bin/env python3
"""Writes the reference values lib/stats's drift tests must match (tests/data/drift/scipy_reference.json).

Each numeric case names two generated samples (the recipe below is re-implemented, in the same
floating-point order, by tests/unit/stats/test_drift_tests.cpp, so the fixture stays small) and
the values SciPy 1.10 / NumPy 1.24 (Debian 12) give for every test; each categorical case lists
the category counts. Evidently's formulas (PSI, the epsilon rule, Hellinger, the Z-test,
chi-square against reference shares) are written out here on NumPy, as Evidently does.

Usage: drift_reference.py [OUTPUT]   (stdout without OUTPUT). Exit 77 when SciPy is missing.
"""
import json
import warnings
import math
import sys

# Debian's python3-scipy cannot be installed beside libboost1.81-dev (its build dependency
# python3-pythran pulls libboost1.74-dev); scripts/install-deps.sh unpacks the .deb here.
sys.path.append("/opt/llmops-scipy/usr/lib/python3/dist-packages")
try:
    import numpy as np
    from scipy import stats
    from scipy.spatial import distance
except ImportError:
    print("drift_reference: SciPy not available", file=sys.stderr)
    sys.exit(77)

MODULUS = 1000003


def generate(spec):
    """value_i = offset + scale * u_i / M, or offset + scale * floor(u_i * levels / M)."""
    out = []
    for i in range(spec["n"]):
        u = (spec["seed"] + i * 7919 + i * i * 104729) % MODULUS
        if spec.get("levels"):
            out.append(spec["offset"] + spec["scale"] * float(u * spec["levels"] // MODULUS))
        else:
            out.append(spec["offset"] + spec["scale"] * (u / MODULUS))
    return np.array(out, dtype=float)


def fill_zeroes(p):
    p = p.copy()
    nz = p[p != 0]
    if nz.size:
        m = nz.min()
        p[p == 0] = m / 10**6 if m <= 0.0001 else 0.0001
    return p


def sturges_shares(ref, cur):
    bins = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
    return np.histogram(ref, bins)[0] / len(ref), np.histogram(cur, bins)[0] / len(cur), bins


def hellinger_numeric(ref, cur):
    keys = np.unique(np.concatenate([ref, cur]))
    bins = np.histogram_bin_edges(keys, bins="sturges")
    h1 = np.histogram(ref, bins=bins, density=True)[0]
    h2 = np.histogram(cur, bins=bins, density=True)[0]
    width = (max(keys) - min(keys)) / len(h1)
    total = sum(math.sqrt(a * b) * width for a, b in zip(h1, h2))
    return math.sqrt(1 - min(max(total, 0), 1))


def numeric_case(name, a, b):
    x, y = generate(a), generate(b)
    ks = stats.ks_2samp(x, y)
    mw = stats.mannwhitneyu(x, y, alternative="two-sided")
    student = stats.ttest_ind(x, y)
    welch = stats.ttest_ind(x, y, equal_var=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ad = stats.anderson_ksamp([x, y])
    cvm = stats.cramervonmises_2samp(x, y)
    rp, cp, edges = sturges_shares(x, y)
    return {
        "name": name, "a": a, "b": b,
        "ks": [float(ks.statistic), float(ks.pvalue)],
        "mannw": [float(mw.statistic), float(mw.pvalue)],
        "t_test": [float(student.statistic), float(student.pvalue)],
        "welch_t_test": [float(welch.statistic), float(welch.pvalue)],
        "anderson": [float(ad.statistic), float(ad.significance_level)],
        "cramer_von_mises": [float(cvm.statistic), float(cvm.pvalue)],
        "wasserstein_normed": float(stats.wasserstein_distance(x, y) / max(np.std(x), 0.001)),
        "sturges_bins": len(edges) - 1,
        "psi": float(np.sum((fill_zeroes(rp) - fill_zeroes(cp)) * np.log(fill_zeroes(rp) / fill_zeroes(cp)))),
        "kl_div": float(stats.entropy(fill_zeroes(rp), fill_zeroes(cp))),
        "jensenshannon": float(distance.jensenshannon(rp, cp)),
        "hellinger": hellinger_numeric(x, y),
    }


def categorical_case(name, ref_counts, cur_counts):
    keys = sorted(set(ref_counts) | set(cur_counts))
    r = np.array([ref_counts.get(k, 0) for k in keys], dtype=float)
    c = np.array([cur_counts.get(k, 0) for k in keys], dtype=float)
    n_ref, n_cur = r.sum(), c.sum()
    out = {"name": name, "reference": ref_counts, "current": cur_counts}
    with np.errstate(divide="ignore"):
        chi = stats.chisquare(c, r * (n_cur / n_ref))
    out["chisquare"] = [float(chi.statistic), float(chi.pvalue)]
    rp, cp = r / n_ref, c / n_cur
    out["psi"] = float(np.sum((fill_zeroes(rp) - fill_zeroes(cp)) * np.log(fill_zeroes(rp) / fill_zeroes(cp))))
    out["kl_div"] = float(stats.entropy(fill_zeroes(rp), fill_zeroes(cp)))
    out["jensenshannon"] = float(distance.jensenshannon(rp, cp))
    out["hellinger"] = math.sqrt(1 - min(max(float(np.sum(np.sqrt(rp * cp))), 0), 1))
    if len(keys) == 2:
        # Evidently's Z-test: the first sorted category is 0, the other 1.
        s1, s2 = n_ref - ref_counts.get(keys[0], 0), n_cur - cur_counts.get(keys[0], 0)
        p1, p2 = s1 / n_ref, s2 / n_cur
        P = (p1 * n_ref + p2 * n_cur) / (n_ref + n_cur)
        z = (p1 - p2) / np.sqrt(P * (1 - P) * (1.0 / n_ref + 1.0 / n_cur))
        out["z"] = [float(z), float(2 * (1 - stats.norm.cdf(abs(z))))]
        # Evidently's 2x2 table: [[ones current, zeros current], [ones reference, zeros reference]].
        table = [[s2, n_cur - s2], [s1, n_ref - s1]]
        fe = stats.fisher_exact(np.array(table, dtype=np.int64))
        out["fisher_exact"] = [float(fe[0]) if math.isfinite(fe[0]) else None, float(fe[1])]
    return out


def finite_json(value):
    """JSON has no infinity: non-finite numbers are written as the strings "inf", "-inf", "nan"."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite_json(v) for v in value]
    return value


def spec(n, seed, scale=1.0, offset=0.0, levels=0):
    s = {"n": n, "seed": seed, "scale": scale, "offset": offset}
    if levels:
        s["levels"] = levels
    return s


def main():
    numeric = [
        ("tiny, no ties (exact MWU, exact CvM)", spec(5, 11), spec(7, 23, 1.0, 0.3)),
        ("equal sizes 8", spec(8, 5), spec(8, 97, 2.0, -0.5)),
        ("20 vs 15", spec(20, 1), spec(15, 2, 1.0, 0.2)),
        ("100 vs 80 shifted", spec(100, 3), spec(80, 4, 1.0, 0.15)),
        ("500 vs 600 same", spec(500, 5), spec(600, 6)),
        ("1000 vs 1000 scaled", spec(1000, 7), spec(1000, 8, 1.3, -0.1)),
        ("ties: 5 levels", spec(300, 9, 1.0, 0.0, 5), spec(250, 10, 1.0, 0.0, 5)),
        ("ties: 12 levels shifted", spec(400, 12, 1.0, 0.0, 12), spec(420, 13, 1.0, 1.0, 12)),
        ("asymptotic KS: 12000 vs 300", spec(12000, 14), spec(300, 15, 1.0, 0.05)),
        ("asymptotic KS: 11000 vs 11000", spec(11000, 16), spec(11000, 17, 1.0, 0.01)),
        ("wide values", spec(2000, 18, 1e6, -5e5), spec(1500, 19, 1.1e6, -5e5)),
    ]
    categorical = [
        ("three categories", {"a": 50, "b": 30, "c": 20}, {"a": 40, "b": 35, "c": 25}),
        ("new category in current", {"a": 60, "b": 40}, {"a": 30, "b": 50, "c": 20}),
        ("binary, small", {"no": 7, "yes": 3}, {"no": 2, "yes": 8}),
        ("binary, large", {"0": 5400, "1": 4600}, {"0": 5000, "1": 5000}),
        ("binary, unchanged", {"x": 30, "y": 30}, {"x": 30, "y": 30}),
        ("rare category (epsilon rule)", {"a": 99990, "b": 10, "c": 0}, {"a": 99000, "b": 500, "c": 500}),
    ]
    doc = {
        "generator": "value_i = offset + scale * (u_i / 1000003) or offset + scale * floor(u_i * levels / 1000003), "
                     "u_i = (seed + 7919 i + 104729 i^2) mod 1000003",
        "scipy": __import__("scipy").__version__, "numpy": np.__version__,
        "numeric": [numeric_case(*c) for c in numeric],
        "categorical": [categorical_case(*c) for c in categorical],
    }
    text = json.dumps(finite_json(doc), indent=1, sort_keys=True, allow_nan=False) + "\n"
    if len(sys.argv) > 1:
        with open(sys.argv[1], "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
