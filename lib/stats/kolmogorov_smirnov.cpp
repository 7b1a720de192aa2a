#include "stats/kolmogorov_smirnov.hpp"

#include "core/error.hpp"
#include "stats/special_functions.hpp"
#include "stats/statistics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace llmops::stats {

namespace {

constexpr double kPi = 3.14159265358979323846;

double clip01(double p) {
    return std::clamp(p, 0.0, 1.0);
}

// m == n: the closed form for the share of paths crossing x - y = ±h (Gnedenko & Korolyuk).
double prob_outside_square(long long n, long long h) {
    double total = 0.0;
    for (long long k = n / h; k >= 0; --k) {
        double term = 1.0;
        for (long long j = 0; j < h; ++j)
            term =
                static_cast<double>(n - k * h - j) * term / static_cast<double>(n + k * h + j + 1);
        total = term * (1.0 - total);
    }
    return 2.0 * total;
}

// m != n: the share of lattice paths from (0,0) to (m,n) that stay strictly inside
// |ng x - mg y| < h, by f(x,y) = f(x-1,y) x/(x+y) + f(x,y-1) y/(x+y), which keeps every value a
// probability (the path count divided by C(x+y, x)); the tail is 1 minus it.
double prob_outside_band(long long m, long long n, long long g, long long h) {
    if (m < n) std::swap(m, n);
    const long long mg = m / g, ng = n / g;
    std::vector<double> column(static_cast<std::size_t>(n + 1), 0.0), next(column.size(), 0.0);
    auto inside = [&](long long x, long long y) { return std::llabs(ng * x - mg * y) < h; };
    for (long long y = 0; y <= n && inside(0, y); ++y)
        column[static_cast<std::size_t>(y)] = 1.0;
    for (long long x = 1; x <= m; ++x) {
        // Rows inside the band at this x: mg y in (ng x - h, ng x + h).
        const long long low = std::max<long long>(0, (ng * x - h) / mg - 1);
        const long long high = std::min<long long>(n, (ng * x + h) / mg + 1);
        std::fill(next.begin(), next.end(), 0.0);
        for (long long y = low; y <= high; ++y) {
            if (!inside(x, y)) continue;
            const double from_left = column[static_cast<std::size_t>(y)];
            const double from_below = y > 0 ? next[static_cast<std::size_t>(y - 1)] : 0.0;
            next[static_cast<std::size_t>(y)] =
                (from_left * static_cast<double>(x) + from_below * static_cast<double>(y)) /
                static_cast<double>(x + y);
        }
        std::swap(column, next);
    }
    return 1.0 - column[static_cast<std::size_t>(n)];
}

// Durbin's matrix method as Marsaglia, Tsang & Wang (2003): P(D_n < d), exact.
double kolmogorov_cdf_durbin(long long n, double d) {
    const double nd = static_cast<double>(n) * d;
    if (nd <= 0.5) return 0.0;
    const int k = static_cast<int>(std::ceil(nd));
    const double h = k - nd;
    const int m = 2 * k - 1;
    std::vector<double> H(static_cast<std::size_t>(m * m), 0.0);
    std::vector<double> v(static_cast<std::size_t>(m)), w(static_cast<std::size_t>(m));
    double factorial_inverse = 1.0;
    for (int j = 1; j <= m; ++j) {
        w[j - 1] = factorial_inverse;
        factorial_inverse /= j;
        v[j - 1] = (1.0 - std::pow(h, j)) * factorial_inverse;
    }
    const double tt = std::pow(std::max(2 * h - 1.0, 0.0), m) - 2 * std::pow(h, m);
    v[m - 1] = (1.0 + tt) * factorial_inverse;
    auto at = [m](std::vector<double>& a, int r, int c) -> double& { return a[r * m + c]; };
    for (int i = 1; i < m; ++i)
        for (int r = i - 1; r < m; ++r)
            at(H, r, i) = w[r - (i - 1)];
    for (int r = 0; r < m; ++r)
        at(H, r, 0) = v[r];
    for (int c = 0; c < m; ++c)
        at(H, m - 1, c) = v[m - 1 - c];
    auto multiply = [m, &at](std::vector<double>& a, std::vector<double>& b) {
        std::vector<double> out(a.size(), 0.0);
        for (int r = 0; r < m; ++r)
            for (int t = 0; t < m; ++t) {
                const double left = at(a, r, t);
                if (left == 0.0) continue;
                for (int c = 0; c < m; ++c)
                    out[r * m + c] += left * at(b, t, c);
            }
        return out;
    };
    std::vector<double> power(H.size(), 0.0);
    for (int i = 0; i < m; ++i)
        at(power, i, i) = 1.0;
    const double big = std::ldexp(1.0, 128);
    long long exponent = 0, h_exponent = 0, left = n;
    while (left > 0) {
        if (left % 2) {
            power = multiply(power, H);
            exponent += h_exponent;
        }
        H = multiply(H, H);
        h_exponent *= 2;
        if (std::fabs(at(H, k - 1, k - 1)) > big) {
            for (double& x : H)
                x /= big;
            h_exponent += 128;
        }
        left /= 2;
    }
    double p = at(power, k - 1, k - 1);
    for (long long i = 1; i <= n; ++i) {
        p = static_cast<double>(i) * p / static_cast<double>(n);
        if (std::fabs(p) < std::ldexp(1.0, -128)) {
            p *= big;
            exponent -= 128;
        }
    }
    return std::ldexp(p, static_cast<int>(exponent));
}

// Pelz & Good's (1976) asymptotic series for P(D_n <= x).
double kolmogorov_cdf_pelz_good(long long n_count, double x) {
    const double n = static_cast<double>(n_count);
    const double z = std::sqrt(n) * x;
    const double z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2;
    const double pi2 = kPi * kPi, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
    const double qlog = -pi2 / 8 / z2;
    if (qlog < -708) return 0.0;
    double q = std::exp(qlog);
    const double k1a = -z2, k1b = pi2 / 4;
    const double k2a = 6 * z6 + 2 * z4, k2b = (2 * z4 - 5 * z2) * pi2 / 4,
                 k2c = pi4 * (1 - 2 * z2) / 16;
    const double k3d = pi6 * (5 - 30 * z2) / 64, k3c = pi4 * (-60 * z2 + 212 * z4) / 16,
                 k3b = pi2 * (135 * z4 - 96 * z6) / 4, k3a = -30 * z6 - 90 * std::pow(z, 8);
    double K[4] = {0, 0, 0, 0};
    const long long maxk = static_cast<long long>(std::ceil(16 * z / kPi));
    for (long long k = maxk; k > 0; --k) {
        const double m = 2.0 * k - 1, m2 = m * m, m4 = m2 * m2, m6 = m4 * m2;
        const double qpower = std::pow(q, 8.0 * k);
        const double coeffs[4] = {1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4,
                                  k3a + k3b * m2 + k3c * m4 + k3d * m6};
        for (int i = 0; i < 4; ++i)
            K[i] = K[i] * qpower + coeffs[i];
    }
    const double sqrt2pi = std::sqrt(2 * kPi);
    const double divisors[4] = {z, 6 * z4, 72 * std::pow(z, 7), 6480 * std::pow(z, 10)};
    for (int i = 0; i < 4; ++i)
        K[i] = K[i] * q * sqrt2pi / divisors[i];
    q = std::exp(-pi2 / 2 / z2);
    double k2extra = 0, k3extra = 0;
    const double sqrt3z = std::sqrt(3.0) * z;
    for (long long k = maxk; k > 0; --k) {
        const double ks = static_cast<double>(k), ksq = ks * ks;
        const double qp = std::pow(q, ksq);
        k2extra += ksq * qp;
        k3extra += (sqrt3z + kPi * ks) * (sqrt3z - kPi * ks) * ksq * qp;
    }
    K[2] += k2extra * pi2 * sqrt2pi / (-36 * z3);
    K[3] += k3extra * pi2 * sqrt2pi / (216 * z6);
    double total = 0;
    for (int i = 0; i < 4; ++i)
        total += K[i] / std::pow(n, i / 2.0);
    return total;
}

// log(n! / n^n) by Stirling's series (the coefficients of scipy's _ksstats).
double log_factorial_over_power(double n) {
    static const double coeffs[] = {-2.955065359477124183e-2,  6.4102564102564102564e-3,
                                    -1.9175269175269175269e-3, 8.4175084175084175084e-4,
                                    -5.952380952380952381e-4,  7.9365079365079365079e-4,
                                    -2.7777777777777777778e-3, 8.3333333333333333333e-2};
    const double rn = 1.0 / n, t = rn / n;
    double poly = 0;
    for (double c : coeffs)
        poly = poly * t + c;
    return std::log(n) / 2 - n + std::log(2 * kPi) / 2 + rn * poly;
}

} // namespace

double smirnov_sf(long long n_count, double d) {
    if (d <= 0) return 1.0;
    if (d >= 1) return 0.0;
    const double n = static_cast<double>(n_count);
    const long long last = static_cast<long long>(std::floor(n * (1.0 - d)));
    double sum = 0.0;
    for (long long j = 0; j <= last; ++j) {
        const double jn = static_cast<double>(j) / n;
        const double rest = 1.0 - d - jn;
        if (rest <= 0 && j < n_count) continue;
        double log_term = log_binomial(n, static_cast<double>(j)) + (j - 1) * std::log(d + jn);
        if (n_count - j > 0) log_term += (n - j) * std::log(rest);
        sum += std::exp(log_term);
    }
    return clip01(d * sum);
}

double kolmogorov_n_sf(double x, long long n) {
    if (x >= 1.0) return 0.0;
    if (x <= 0.0) return 1.0;
    const double nd = static_cast<double>(n);
    const double t = nd * x;
    if (t <= 1.0) {
        if (t <= 0.5) return 1.0;
        double prob;
        if (n <= 140) {
            prob = 1.0;
            for (long long i = 1; i <= n; ++i)
                prob *= static_cast<double>(i) * (1.0 / nd) * (2 * t - 1);
        } else {
            prob = std::exp(log_factorial_over_power(nd) + nd * std::log(2 * t - 1));
        }
        return clip01(1.0 - prob);
    }
    if (t >= nd - 1) return clip01(2 * std::pow(1.0 - x, nd));
    if (x >= 0.5) return clip01(2 * smirnov_sf(n, x));
    const double nx2 = t * x;
    if (n <= 140) {
        // scipy uses Pomeranz's exact recursion for 0.754693 < n x^2 <= 4; Durbin's matrix is
        // exact there too.
        if (nx2 <= 4) return clip01(1.0 - kolmogorov_cdf_durbin(n, x));
        return clip01(2 * smirnov_sf(n, x));
    }
    if (nx2 >= 370.0) return 0.0;
    if (nx2 >= 2.2) return clip01(2 * smirnov_sf(n, x));
    const double cdf = (n <= 100000 && nd * std::pow(x, 1.5) <= 1.4)
                           ? kolmogorov_cdf_durbin(n, x)
                           : kolmogorov_cdf_pelz_good(n, x);
    return clip01(1.0 - cdf);
}

double ks_two_sample_exact_tail(std::size_t m, std::size_t n, long long h) {
    if (h <= 0) return 1.0;
    const long long g = std::gcd(static_cast<long long>(m), static_cast<long long>(n));
    if (m == n) return clip01(prob_outside_square(static_cast<long long>(n), h));
    return clip01(prob_outside_band(static_cast<long long>(m), static_cast<long long>(n), g, h));
}

KsResult ks_two_sample(std::vector<double> a, std::vector<double> b) {
    if (a.empty() || b.empty()) throw Error(ErrorKind::BadInput, "ks: a sample is empty");
    for (const auto* s : {&a, &b})
        for (double v : *s)
            if (!std::isfinite(v)) throw Error(ErrorKind::BadInput, "ks: values must be finite");
    sort_ascending(a);
    sort_ascending(b);
    const std::size_t n1 = a.size(), n2 = b.size();
    // Walk both sorted samples; the ECDF difference is evaluated after each distinct value.
    std::size_t i = 0, j = 0;
    long long best = 0; // max |n2 * i - n1 * j| in units of 1 / (n1 n2)
    while (i < n1 || j < n2) {
        double v = i < n1 && (j >= n2 || a[i] <= b[j]) ? a[i] : b[j];
        while (i < n1 && a[i] == v)
            ++i;
        while (j < n2 && b[j] == v)
            ++j;
        const long long diff = std::llabs(static_cast<long long>(n2) * static_cast<long long>(i) -
                                          static_cast<long long>(n1) * static_cast<long long>(j));
        best = std::max(best, diff);
    }
    KsResult r;
    // scipy computes D in floating point as i/n1 - j/n2; the same division here.
    r.statistic = static_cast<double>(best) / (static_cast<double>(n1) * static_cast<double>(n2));
    const long long g = std::gcd(static_cast<long long>(n1), static_cast<long long>(n2));
    if (std::max(n1, n2) <= 10000) {
        const long long lcm = static_cast<long long>(n1) / g * static_cast<long long>(n2);
        const long long h = best / g; // D * lcm, exactly
        r.statistic = static_cast<double>(h) / static_cast<double>(lcm);
        r.p_value = ks_two_sample_exact_tail(n1, n2, h);
        r.exact = true;
        return r;
    }
    const double m = static_cast<double>(std::max(n1, n2)),
                 n = static_cast<double>(std::min(n1, n2));
    const double en = m * n / (m + n);
    r.p_value = kolmogorov_n_sf(r.statistic, std::llround(en));
    r.exact = false;
    return r;
}

} // namespace llmops::stats
