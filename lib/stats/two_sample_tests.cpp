#include "stats/two_sample_tests.hpp"

#include "core/error.hpp"
#include "stats/special_functions.hpp"
#include "stats/statistics.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numbers>
#include <numeric>

namespace llmops::stats {

namespace {

void require_samples(const std::vector<double>& a, const std::vector<double>& b,
                     std::size_t min_size, const char* test) {
    if (a.size() < min_size || b.size() < min_size)
        throw_bad_input(std::string(test) + ": each sample needs at least " +
                        std::to_string(min_size) + " value(s)");
    for (const auto* s : {&a, &b})
        for (double v : *s)
            if (!std::isfinite(v)) throw_bad_input(std::string(test) + ": values must be finite");
}

std::vector<double> concat(const std::vector<double>& a, const std::vector<double>& b) {
    std::vector<double> all(a);
    all.insert(all.end(), b.begin(), b.end());
    return all;
}

// The exact null distribution is computed for at most this many values of U (m n + 1 doubles):
// beyond it (a sample of <= 8 against ~500,000) the normal approximation is used instead.
constexpr double kMaxExactMannWhitneyCells = 4'000'000;

// Number of arrangements of m + n ranks whose rank-sum statistic U equals k, for every k: the
// coefficients of the Gaussian binomial [m + n choose m]_q, the product over i = 1..s of
// (1 - q^(L + i)) / (1 - q^i) with s = min(m, n), L = max(m, n). O(s^2 L) time, O(s L) memory.
std::vector<double> mann_whitney_counts(int m, int n) {
    const int s = std::min(m, n), l = std::max(m, n);
    std::vector<double> poly(static_cast<std::size_t>(s) * static_cast<std::size_t>(l) + 1, 0.0);
    poly[0] = 1.0;
    for (int i = 1; i <= s; ++i) {
        const std::size_t degree = static_cast<std::size_t>(i) * static_cast<std::size_t>(l);
        const std::size_t shift = static_cast<std::size_t>(l + i);
        for (std::size_t k = degree; k >= shift; --k) // times (1 - q^(L + i))
            poly[k] -= poly[k - shift];
        for (std::size_t k = static_cast<std::size_t>(i); k <= degree; ++k) // over (1 - q^i)
            poly[k] += poly[k - static_cast<std::size_t>(i)];
    }
    return poly;
}

// Exact p-value of the two-sample Cramér-von Mises statistic (Anderson 1962; Xiao, Gordon &
// Yakovlev 2006): the distribution of sum (a v - b u)^2 over lattice paths, by dynamic
// programming over the path's corner points.
double cvm_exact_p(double u_statistic, long long m, long long n) {
    const long long lcm = std::lcm(m, n);
    const long long a = lcm / m, b = lcm / n;
    const long long mn = m * n;
    // zeta as scipy computes it, in integers (floor division).
    // zeta as scipy computes it: floating-point floor division.
    const double numerator = static_cast<double>(lcm * lcm * (m + n)) *
                             (6 * u_statistic - static_cast<double>(mn * (4 * mn - 1)));
    const long long zeta =
        static_cast<long long>(std::floor(numerator / static_cast<double>(6 * mn * mn)));
    // gs[v]: map value -> number of paths reaching (u, v).
    std::vector<std::map<long long, double>> gs(static_cast<std::size_t>(m + 1));
    gs[0][0] = 1.0;
    for (long long u = 0; u <= n; ++u) {
        std::vector<std::map<long long, double>> next(gs.size());
        std::map<long long, double> tmp;
        for (long long v = 0; v <= m; ++v) {
            std::map<long long, double> merged = tmp;
            for (const auto& [value, count] : gs[static_cast<std::size_t>(v)])
                merged[value] += count;
            const long long step = (a * v - b * u) * (a * v - b * u);
            std::map<long long, double> shifted;
            for (const auto& [value, count] : merged)
                shifted.emplace_hint(shifted.end(), value + step, count);
            tmp = shifted;
            next[static_cast<std::size_t>(v)] = std::move(shifted);
        }
        gs = std::move(next);
    }
    double hits = 0.0;
    for (const auto& [value, count] : gs[static_cast<std::size_t>(m)])
        if (value >= zeta) hits += count;
    return hits / std::exp(log_binomial(static_cast<double>(m + n), static_cast<double>(m)));
}

// The limiting CDF of the Cramér-von Mises statistic (Csörgő & Faraway 1996, eq. 1.2), summed
// until a term falls below 1e-7, as scipy does.
double cvm_limit_cdf(double x) {
    double total = 0.0;
    for (int k = 0; k < 1000; ++k) {
        const double u = std::exp(std::lgamma(k + 0.5) - std::lgamma(k + 1.0)) /
                         (std::pow(std::numbers::pi, 1.5) * std::sqrt(x));
        const double y = 4.0 * k + 1.0;
        const double q = y * y / (16.0 * x);
        const double term = u * std::sqrt(y) * bessel_k_scaled(0.25, q);
        total += term;
        if (std::fabs(term) < 1e-7) break;
    }
    return total;
}

// Least-squares quadratic through (x_i, y_i): coefficients c2, c1, c0 (numpy.polyfit(x, y, 2)).
// Solved by Householder QR on the Vandermonde matrix, columns scaled to unit norm as numpy does.
std::array<double, 3> quadratic_fit(const std::vector<double>& x, const std::vector<double>& y) {
    const std::size_t rows = x.size();
    std::vector<std::array<double, 3>> A(rows);
    for (std::size_t i = 0; i < rows; ++i)
        A[i] = {x[i] * x[i], x[i], 1.0};
    std::array<double, 3> scale{};
    for (int c = 0; c < 3; ++c) {
        double s = 0;
        for (std::size_t i = 0; i < rows; ++i)
            s += A[i][c] * A[i][c];
        scale[c] = std::sqrt(s);
        for (std::size_t i = 0; i < rows; ++i)
            A[i][c] /= scale[c];
    }
    std::vector<double> rhs(y);
    for (int c = 0; c < 3; ++c) {
        double norm = 0;
        for (std::size_t i = c; i < rows; ++i)
            norm += A[i][c] * A[i][c];
        norm = std::sqrt(norm);
        const double alpha = A[c][c] > 0 ? -norm : norm;
        std::vector<double> v(rows, 0.0);
        for (std::size_t i = c; i < rows; ++i)
            v[i] = A[i][c];
        v[c] -= alpha;
        double vnorm2 = 0;
        for (std::size_t i = c; i < rows; ++i)
            vnorm2 += v[i] * v[i];
        if (vnorm2 == 0) continue;
        for (int cc = c; cc < 3; ++cc) {
            double dot = 0;
            for (std::size_t i = c; i < rows; ++i)
                dot += v[i] * A[i][cc];
            for (std::size_t i = c; i < rows; ++i)
                A[i][cc] -= 2 * dot / vnorm2 * v[i];
        }
        double dot = 0;
        for (std::size_t i = c; i < rows; ++i)
            dot += v[i] * rhs[i];
        for (std::size_t i = c; i < rows; ++i)
            rhs[i] -= 2 * dot / vnorm2 * v[i];
    }
    std::array<double, 3> coef{};
    for (int c = 2; c >= 0; --c) {
        double s = rhs[c];
        for (int cc = c + 1; cc < 3; ++cc)
            s -= A[c][cc] * coef[cc];
        coef[c] = s / A[c][c];
    }
    for (int c = 0; c < 3; ++c)
        coef[c] /= scale[c];
    return coef;
}

} // namespace

std::vector<double> average_ranks(const std::vector<double>& values) {
    std::vector<std::size_t> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t l, std::size_t r) { return values[l] < values[r]; });
    std::vector<double> ranks(values.size());
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j < order.size() && values[order[j]] == values[order[i]])
            ++j;
        const double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
        for (std::size_t t = i; t < j; ++t)
            ranks[order[t]] = rank;
        i = j;
    }
    return ranks;
}

TwoSampleResult mann_whitney_u(const std::vector<double>& a, const std::vector<double>& b) {
    require_samples(a, b, 1, "mannw");
    const double n1 = static_cast<double>(a.size()), n2 = static_cast<double>(b.size());
    const std::vector<double> all = concat(a, b);
    const std::vector<double> ranks = average_ranks(all);
    double r1 = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        r1 += ranks[i];
    const double u1 = r1 - n1 * (n1 + 1) / 2;
    const double u2 = n1 * n2 - u1;
    const double u = std::max(u1, u2);
    // Tie term: sum of t^3 - t over groups of equal values.
    std::vector<double> sorted(all);
    std::sort(sorted.begin(), sorted.end());
    double tie_term = 0;
    bool ties = false;
    for (std::size_t i = 0; i < sorted.size();) {
        std::size_t j = i;
        while (j < sorted.size() && sorted[j] == sorted[i])
            ++j;
        const double t = static_cast<double>(j - i);
        if (t > 1) ties = true;
        tie_term += t * t * t - t;
        i = j;
    }
    TwoSampleResult r;
    r.statistic = u1;
    const bool exact =
        !(a.size() > 8 && b.size() > 8) && !ties && n1 * n2 + 1 <= kMaxExactMannWhitneyCells;
    if (exact) {
        const int m = static_cast<int>(a.size()), n = static_cast<int>(b.size());
        const std::vector<double> counts = mann_whitney_counts(m, n);
        const double total = std::exp(log_binomial(n1 + n2, n1));
        // P(U >= u) = P(U <= mn - u) by symmetry.
        const int upto = static_cast<int>(std::llround(n1 * n2 - u));
        double cdf = 0;
        for (int k = 0; k <= upto; ++k)
            cdf += counts[static_cast<std::size_t>(k)] / total;
        r.p_value = std::clamp(2 * cdf, 0.0, 1.0);
        r.method = "exact";
        return r;
    }
    const double n = n1 + n2;
    const double variance = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1)));
    // Every value tied: no spread, nothing to test (rounding may leave a tiny negative).
    const double z = variance > 0 ? (u - n1 * n2 / 2 - 0.5) / std::sqrt(variance) : 0.0;
    r.p_value = variance > 0 ? std::clamp(2 * normal_sf(z), 0.0, 1.0) : 1.0;
    r.method = "asymptotic";
    return r;
}

TwoSampleResult t_test(const std::vector<double>& a, const std::vector<double>& b,
                       bool equal_variance) {
    require_samples(a, b, 2, equal_variance ? "t_test" : "welch_t_test");
    const double n1 = static_cast<double>(a.size()), n2 = static_cast<double>(b.size());
    const double m1 = mean(a), m2 = mean(b);
    const double v1 = std::pow(stddev(a, 1), 2), v2 = std::pow(stddev(b, 1), 2);
    double denominator, df;
    if (equal_variance) {
        df = n1 + n2 - 2;
        const double pooled = ((n1 - 1) * v1 + (n2 - 1) * v2) / df;
        denominator = std::sqrt(pooled * (1.0 / n1 + 1.0 / n2));
    } else {
        const double e1 = v1 / n1, e2 = v2 / n2;
        df = (e1 + e2) * (e1 + e2) / (e1 * e1 / (n1 - 1) + e2 * e2 / (n2 - 1));
        denominator = std::sqrt(e1 + e2);
    }
    if (!(denominator > 0)) throw_bad_input("t_test: both samples have zero variance");
    TwoSampleResult r;
    r.statistic = (m1 - m2) / denominator;
    r.p_value = student_t_two_sided(r.statistic, df);
    r.method = "exact";
    return r;
}

TwoSampleResult anderson_darling_2(const std::vector<double>& a, const std::vector<double>& b) {
    require_samples(a, b, 1, "anderson");
    std::vector<double> z = concat(a, b);
    std::sort(z.begin(), z.end());
    std::vector<double> unique(z);
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    if (unique.size() < 2) throw_bad_input("anderson: needs more than one distinct value");
    const double N = static_cast<double>(z.size());
    const int k = 2;
    const double sizes[2] = {static_cast<double>(a.size()), static_cast<double>(b.size())};
    // Midrank statistic A2akN (Scholz & Stephens 1987, eq. 7).
    double a2 = 0;
    for (int i = 0; i < k; ++i) {
        std::vector<double> s = i == 0 ? a : b;
        std::sort(s.begin(), s.end());
        double inner_sum = 0;
        for (double value : unique) {
            const auto z_left = std::lower_bound(z.begin(), z.end(), value) - z.begin();
            const auto z_right = std::upper_bound(z.begin(), z.end(), value) - z.begin();
            const double lj = static_cast<double>(z_right - z_left);
            const double bj = static_cast<double>(z_left) + lj / 2.0;
            const auto s_left = std::lower_bound(s.begin(), s.end(), value) - s.begin();
            const auto s_right = std::upper_bound(s.begin(), s.end(), value) - s.begin();
            const double fij = static_cast<double>(s_right - s_left);
            const double mij = static_cast<double>(s_right) - fij / 2.0;
            const double d = N * mij - bj * sizes[i];
            inner_sum += lj / N * d * d / (bj * (N - bj) - N * lj / 4.0);
        }
        a2 += inner_sum / sizes[i];
    }
    a2 *= (N - 1.0) / N;
    const double H = 1.0 / sizes[0] + 1.0 / sizes[1];
    // h = sum_{i=1}^{N-1} 1/i; g = sum_{i=1}^{N-2} sum_{j=i+1}^{N-1} 1/((N-i) j).
    double hs = 0, g = 0;
    const long long n_total = static_cast<long long>(N);
    for (long long i = n_total - 1, idx = 2; i > 1; --i, ++idx) {
        hs += 1.0 / static_cast<double>(i);
        g += hs / static_cast<double>(idx);
    }
    const double h = hs + 1.0;
    const double kk = k;
    const double ca = (4 * g - 6) * (kk - 1) + (10 - 6 * g) * H;
    const double cb =
        (2 * g - 4) * kk * kk + 8 * h * kk + (2 * g - 14 * h - 4) * H - 8 * h + 4 * g - 6;
    const double cc =
        (6 * h + 2 * g - 2) * kk * kk + (4 * h - 4 * g + 6) * kk + (2 * h - 6) * H + 4 * h;
    const double cd = (2 * h + 6) * kk * kk - 4 * h * kk;
    const double sigma2 =
        (ca * N * N * N + cb * N * N + cc * N + cd) / ((N - 1.0) * (N - 2.0) * (N - 3.0));
    const double m = kk - 1;
    TwoSampleResult r;
    r.statistic = (a2 - m) / std::sqrt(sigma2);
    static const double b0[] = {0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085};
    static const double b1[] = {-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615};
    static const double b2[] = {-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154};
    static const double sig[] = {0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001};
    std::vector<double> critical(7), log_sig(7);
    for (int i = 0; i < 7; ++i) {
        critical[i] = b0[i] + b1[i] / std::sqrt(m) + b2[i] / m;
        log_sig[i] = std::log(sig[i]);
    }
    r.method = "interpolated";
    if (r.statistic < *std::min_element(critical.begin(), critical.end())) {
        r.p_value = 0.25;
        r.method = "capped";
    } else if (r.statistic > *std::max_element(critical.begin(), critical.end())) {
        r.p_value = 0.001;
        r.method = "floored";
    } else {
        const auto c = quadratic_fit(critical, log_sig);
        r.p_value = std::exp((c[0] * r.statistic + c[1]) * r.statistic + c[2]);
    }
    return r;
}

TwoSampleResult cramer_von_mises_2(std::vector<double> a, std::vector<double> b) {
    require_samples(a, b, 2, "cramer_von_mises");
    sort_ascending(a);
    sort_ascending(b);
    const double nx = static_cast<double>(a.size()), ny = static_cast<double>(b.size());
    const std::vector<double> ranks = average_ranks(concat(a, b));
    double u = 0, uy = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        u += std::pow(ranks[i] - static_cast<double>(i + 1), 2);
    for (std::size_t i = 0; i < b.size(); ++i)
        uy += std::pow(ranks[a.size() + i] - static_cast<double>(i + 1), 2);
    u = nx * u + ny * uy;
    const double k = nx * ny, N = nx + ny;
    TwoSampleResult r;
    r.statistic = u / (k * N) - (4 * k - 1) / (6 * N);
    if (std::max(a.size(), b.size()) <= 20) {
        r.p_value = cvm_exact_p(u, static_cast<long long>(nx), static_cast<long long>(ny));
        r.method = "exact";
        return r;
    }
    const double et = (1 + 1 / N) / 6;
    double vt = (N + 1) * (4 * k * N - 3 * (nx * nx + ny * ny) - 2 * k);
    vt = vt / (45 * N * N * 4 * k);
    const double tn = 1.0 / 6 + (r.statistic - et) / std::sqrt(45 * vt);
    r.p_value = tn < 0.003 ? 1.0 : std::max(0.0, 1.0 - cvm_limit_cdf(tn));
    r.method = "asymptotic";
    return r;
}

} // namespace llmops::stats
