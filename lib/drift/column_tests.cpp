#include "drift/column_tests.hpp"

#include "core/error.hpp"
#include "stats/contingency_tests.hpp"
#include "stats/distribution_distances.hpp"
#include "stats/kolmogorov_smirnov.hpp"
#include "stats/statistics.hpp"
#include "stats/two_sample_tests.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace llmops::drift {

namespace {

[[noreturn]] void cannot(const std::string& message) {
    throw Error(ErrorKind::BadInput, message);
}

nlohmann::json number_json(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    return v;
}

bool is_distance(const std::string& test) {
    return test == "wasserstein" || test == "jensenshannon" || test == "psi" || test == "kl_div" ||
           test == "hellinger";
}

std::size_t reference_unique(const ColumnValues& v) {
    if (v.numbers.empty()) return v.categories.size();
    std::vector<double> sorted(v.numbers);
    std::sort(sorted.begin(), sorted.end());
    return static_cast<std::size_t>(std::unique(sorted.begin(), sorted.end()) - sorted.begin());
}

// Evidently's get_binned_data: Sturges bins for numeric columns with more than 20 distinct
// reference values, category shares otherwise.
stats::BinnedShares binned(ColumnKind kind, const ColumnValues& r, const ColumnValues& c) {
    if (kind == ColumnKind::Numeric && reference_unique(r) > 20)
        return stats::sturges_shares(r.numbers, c.numbers);
    return stats::category_shares(r.categories, c.categories);
}

// The numbers themselves, not a copy: a million-row side is 8 MB.
const std::vector<double>& need_numbers(const std::string& test, ColumnKind kind,
                                        const ColumnValues& v) {
    if (kind != ColumnKind::Numeric) cannot(test + " needs a numeric column");
    return v.numbers;
}

// The two categories of a binary column (Evidently maps the first sorted one to 0).
std::pair<std::uint64_t, std::uint64_t> binary_counts(const std::string& test,
                                                      const ColumnValues& r, const ColumnValues& c,
                                                      std::string& first) {
    std::set<std::string> keys;
    for (const auto& [k, n] : r.categories)
        keys.insert(k);
    for (const auto& [k, n] : c.categories)
        keys.insert(k);
    if (keys.size() > 2)
        cannot(test + " needs at most two distinct values (found " + std::to_string(keys.size()) +
               ")");
    first = *keys.begin();
    const std::uint64_t r_first = r.categories.count(first) ? r.categories.at(first) : 0;
    const std::uint64_t c_first = c.categories.count(first) ? c.categories.at(first) : 0;
    return {r.size() - r_first, c.size() - c_first}; // "ones" on each side
}

double cohen_h(double p1, double p2) {
    return 2 * std::asin(std::sqrt(p1)) - 2 * std::asin(std::sqrt(p2));
}

std::optional<double> cohen_d(const std::vector<double>& a, const std::vector<double>& b) {
    if (a.size() < 2 || b.size() < 2) return std::nullopt;
    const double n1 = static_cast<double>(a.size()), n2 = static_cast<double>(b.size());
    const double v1 = std::pow(stats::stddev(a, 1), 2), v2 = std::pow(stats::stddev(b, 1), 2);
    const double pooled = std::sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2));
    if (!(pooled > 0)) return std::nullopt;
    return (stats::mean(b) - stats::mean(a)) / pooled;
}

} // namespace

const char* kind_name(ColumnKind kind) {
    switch (kind) {
    case ColumnKind::Numeric:
        return "numeric";
    case ColumnKind::Categorical:
        return "categorical";
    case ColumnKind::Text:
        return "text";
    }
    return "?";
}

std::size_t ColumnValues::size() const {
    if (!numbers.empty()) return numbers.size();
    std::size_t n = 0;
    for (const auto& [k, c] : categories)
        n += c;
    return n;
}

nlohmann::json TestOutcome::to_json() const {
    return {{"test", test},
            {"method", method},
            {"statistic", number_json(statistic)},
            {"p_value", p_value ? number_json(*p_value) : nlohmann::json()},
            {"threshold", threshold},
            {"rule", rule},
            {"drifted", drifted},
            {"effect_size",
             {{"name", effect_size_name},
              {"value", effect_size ? number_json(*effect_size) : nlohmann::json()}}}};
}

const std::vector<std::string>& test_names() {
    static const std::vector<std::string> names = {
        "ks",           "chisquare",   "z",     "wasserstein", "jensenshannon",    "psi",
        "kl_div",       "hellinger",   "mannw", "anderson",    "cramer_von_mises", "t_test",
        "welch_t_test", "fisher_exact"};
    return names;
}

bool is_test_name(const std::string& name) {
    const auto& names = test_names();
    return std::find(names.begin(), names.end(), name) != names.end();
}

double default_threshold(const std::string& test) {
    // Evidently's defaults: 0.1 for distances and for anderson, cramer_von_mises and
    // fisher_exact; 0.05 for the other p-value tests.
    if (test == "anderson" || test == "cramer_von_mises" || test == "fisher_exact") return 0.1;
    return is_distance(test) ? 0.1 : 0.05;
}

std::string default_test(ColumnKind kind, std::size_t reference_rows, std::size_t unique) {
    if (reference_rows <= 1000) {
        if (kind == ColumnKind::Numeric && unique > 5) return "ks";
        return unique > 2 ? "chisquare" : "z";
    }
    if (kind == ColumnKind::Numeric && unique > 5) return "wasserstein";
    return "jensenshannon";
}

TestOutcome run_test(const std::string& test, ColumnKind kind, const ColumnValues& r,
                     const ColumnValues& c, std::optional<double> threshold) {
    TestOutcome o;
    o.test = test;
    o.threshold = threshold.value_or(default_threshold(test));
    o.method = "exact";
    // Verdicts as Evidently's: ks and cramer_von_mises drift at p <= threshold, the other
    // p-value tests at p < threshold, every distance at statistic >= threshold.
    const bool inclusive = test == "ks" || test == "cramer_von_mises";
    o.rule = is_distance(test) ? "statistic >= threshold"
                               : (inclusive ? "p <= threshold" : "p < threshold");
    if (test == "ks") {
        const auto ks = stats::ks_two_sample(need_numbers(test, kind, r), c.numbers);
        o.statistic = ks.statistic;
        o.p_value = ks.p_value;
        o.method = ks.exact ? "exact" : "asymptotic (kstwo)";
        o.effect_size_name = "ks_d";
        o.effect_size = ks.statistic;
    } else if (test == "chisquare") {
        const auto chi = stats::chi_square_against_reference(r.categories, c.categories);
        if (chi.degrees_of_freedom < 1) cannot("chisquare needs at least two distinct values");
        o.statistic = chi.statistic;
        o.p_value = chi.p_value;
        o.method = "asymptotic (chi-square, " + std::to_string(chi.degrees_of_freedom) + " df)";
        o.effect_size_name = "cramers_v";
        o.effect_size = std::isinf(chi.statistic)
                            ? 1.0
                            : std::sqrt(chi.statistic /
                                        (static_cast<double>(c.size()) * chi.degrees_of_freedom));
    } else if (test == "z") {
        std::string first;
        const auto [r1, c1] = binary_counts(test, r, c, first);
        const auto z = stats::two_proportion_z(r1, r.size(), c1, c.size());
        o.statistic = z.statistic;
        o.p_value = z.p_value;
        o.method = "asymptotic (normal)";
        o.effect_size_name = "cohen_h";
        o.effect_size = cohen_h(z.current_share, z.reference_share);
    } else if (test == "fisher_exact") {
        std::string first;
        const auto [r1, c1] = binary_counts(test, r, c, first);
        const auto f = stats::fisher_exact(c1, c.size() - c1, r1, r.size() - r1);
        o.statistic = f.odds_ratio;
        o.p_value = f.p_value;
        o.effect_size_name = "cohen_h";
        o.effect_size = cohen_h(static_cast<double>(c1) / static_cast<double>(c.size()),
                                static_cast<double>(r1) / static_cast<double>(r.size()));
    } else if (test == "wasserstein") {
        o.statistic = stats::wasserstein_normed(need_numbers(test, kind, r), c.numbers);
        o.effect_size_name = "wasserstein_normed";
        o.effect_size = o.statistic;
    } else if (test == "jensenshannon" || test == "psi" || test == "kl_div") {
        auto shares = binned(kind, r, c);
        if (test == "jensenshannon") {
            o.statistic = stats::jensen_shannon_distance(shares.reference, shares.current);
        } else {
            stats::fill_zero_shares(shares.reference);
            stats::fill_zero_shares(shares.current);
            o.statistic = test == "psi" ? stats::psi(shares.reference, shares.current)
                                        : stats::kl_divergence(shares.reference, shares.current);
        }
        o.effect_size_name = test;
        o.effect_size = o.statistic;
    } else if (test == "hellinger") {
        if (kind == ColumnKind::Numeric) {
            o.statistic = stats::hellinger_numeric(r.numbers, c.numbers);
        } else {
            const auto shares = stats::category_shares(r.categories, c.categories);
            o.statistic = stats::hellinger_categorical(shares.reference, shares.current);
        }
        o.effect_size_name = "hellinger";
        o.effect_size = o.statistic;
    } else if (test == "mannw" || test == "anderson" || test == "cramer_von_mises" ||
               test == "t_test" || test == "welch_t_test") {
        const auto& a = need_numbers(test, kind, r);
        stats::TwoSampleResult t;
        if (test == "mannw") t = stats::mann_whitney_u(a, c.numbers);
        if (test == "anderson") t = stats::anderson_darling_2(a, c.numbers);
        if (test == "cramer_von_mises") t = stats::cramer_von_mises_2(a, c.numbers);
        if (test == "t_test") t = stats::t_test(a, c.numbers, true);
        if (test == "welch_t_test") t = stats::t_test(a, c.numbers, false);
        o.statistic = t.statistic;
        o.p_value = t.p_value;
        o.method = t.method;
        if (test == "mannw") {
            // Rank-biserial correlation: 2 U1 / (n1 n2) - 1, in [-1, 1].
            o.effect_size_name = "rank_biserial";
            o.effect_size =
                2 * t.statistic /
                    (static_cast<double>(a.size()) * static_cast<double>(c.numbers.size())) -
                1;
        } else {
            o.effect_size_name = "cohen_d";
            o.effect_size = cohen_d(a, c.numbers);
        }
    } else {
        cannot("unknown test '" + test + "'");
    }
    if (o.p_value) {
        if (std::isnan(*o.p_value)) cannot(test + " is undefined on these values");
        o.drifted = inclusive ? *o.p_value <= o.threshold : *o.p_value < o.threshold;
    } else {
        o.drifted = o.statistic >= o.threshold;
    }
    return o;
}

} // namespace llmops::drift
