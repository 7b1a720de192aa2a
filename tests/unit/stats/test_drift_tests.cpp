// The drift tests of lib/stats against SciPy 1.10.1 / NumPy 1.24.2 (Debian 12) over the table
// in tests/data/drift/scipy_reference.json, written by tests/support/drift_reference.py (ctest
// `drift_reference` regenerates it and fails when it differs). Statistics must agree to 1e-9
// (relative to max(1, |value|)), p-values to 1e-6.
#include "stats/contingency_tests.hpp"
#include "stats/distribution_distances.hpp"
#include "stats/kolmogorov_smirnov.hpp"
#include "stats/two_sample_tests.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <vector>

using namespace llmops::stats;
using nlohmann::json;

namespace {

json load_reference() {
    std::ifstream in(std::string(LLMOPS_SOURCE_DIR) + "/tests/data/drift/scipy_reference.json");
    REQUIRE(in.good());
    return json::parse(in);
}

// The generator of drift_reference.py, in the same floating-point order.
std::vector<double> generate(const json& spec) {
    const long long n = spec.at("n"), seed = spec.at("seed");
    const double scale = spec.at("scale"), offset = spec.at("offset");
    const long long levels = spec.value("levels", 0LL);
    const long long modulus = 1000003;
    std::vector<double> out;
    for (long long i = 0; i < n; ++i) {
        const long long u = (seed + i * 7919 + i * i * 104729) % modulus;
        if (levels)
            out.push_back(offset + scale * static_cast<double>(u * levels / modulus));
        else
            out.push_back(offset + scale * (static_cast<double>(u) / static_cast<double>(modulus)));
    }
    return out;
}

double number(const json& v) {
    if (v.is_string()) return v == "inf" ? INFINITY : (v == "-inf" ? -INFINITY : NAN);
    return v.get<double>();
}

void check_statistic(double ours, const json& expected, const std::string& what) {
    INFO(what << ": ours " << ours << ", scipy " << expected.dump());
    const double e = number(expected);
    if (std::isinf(e)) {
        CHECK(ours == e);
        return;
    }
    CHECK(std::fabs(ours - e) <= 1e-9 * std::max(1.0, std::fabs(e)));
}

void check_p(double ours, const json& expected, const std::string& what) {
    INFO(what << " p: ours " << ours << ", scipy " << expected.dump());
    CHECK(std::fabs(ours - number(expected)) <= 1e-6);
}

std::map<std::string, std::uint64_t> counts(const json& j) {
    std::map<std::string, std::uint64_t> out;
    for (const auto& [k, v] : j.items())
        out[k] = v.get<std::uint64_t>();
    return out;
}

} // namespace

TEST_CASE("numeric drift tests match scipy on the reference table", "[stats][drift]") {
    const json ref = load_reference();
    REQUIRE(ref.at("numeric").size() >= 10);
    for (const json& c : ref.at("numeric")) {
        const std::string name = c.at("name");
        const auto a = generate(c.at("a")), b = generate(c.at("b"));
        const KsResult ks = ks_two_sample(a, b);
        check_statistic(ks.statistic, c["ks"][0], name + " ks");
        check_p(ks.p_value, c["ks"][1], name + " ks");
        CHECK(ks.exact == (std::max(a.size(), b.size()) <= 10000));
        const auto mw = mann_whitney_u(a, b);
        check_statistic(mw.statistic, c["mannw"][0], name + " mannw");
        check_p(mw.p_value, c["mannw"][1], name + " mannw");
        const auto student = t_test(a, b, true);
        check_statistic(student.statistic, c["t_test"][0], name + " t_test");
        check_p(student.p_value, c["t_test"][1], name + " t_test");
        const auto welch = t_test(a, b, false);
        check_statistic(welch.statistic, c["welch_t_test"][0], name + " welch");
        check_p(welch.p_value, c["welch_t_test"][1], name + " welch");
        const auto ad = anderson_darling_2(a, b);
        check_statistic(ad.statistic, c["anderson"][0], name + " anderson");
        check_p(ad.p_value, c["anderson"][1], name + " anderson");
        const auto cvm = cramer_von_mises_2(a, b);
        check_statistic(cvm.statistic, c["cramer_von_mises"][0], name + " cvm");
        check_p(cvm.p_value, c["cramer_von_mises"][1], name + " cvm");
        check_statistic(wasserstein_normed(a, b), c["wasserstein_normed"], name + " wasserstein");
        BinnedShares shares = sturges_shares(a, b);
        CHECK(shares.reference.size() == c["sturges_bins"].get<std::size_t>());
        check_statistic(jensen_shannon_distance(shares.reference, shares.current),
                        c["jensenshannon"], name + " jensenshannon");
        fill_zero_shares(shares.reference);
        fill_zero_shares(shares.current);
        check_statistic(psi(shares.reference, shares.current), c["psi"], name + " psi");
        check_statistic(kl_divergence(shares.reference, shares.current), c["kl_div"],
                        name + " kl_div");
        check_statistic(hellinger_numeric(a, b), c["hellinger"], name + " hellinger");
    }
}

TEST_CASE("categorical drift tests match scipy on the reference table", "[stats][drift]") {
    const json ref = load_reference();
    REQUIRE(ref.at("categorical").size() >= 5);
    for (const json& c : ref.at("categorical")) {
        const std::string name = c.at("name");
        const auto r = counts(c.at("reference")), k = counts(c.at("current"));
        const auto chi = chi_square_against_reference(r, k);
        check_statistic(chi.statistic, c["chisquare"][0], name + " chisquare");
        check_p(chi.p_value, c["chisquare"][1], name + " chisquare");
        BinnedShares shares = category_shares(r, k);
        check_statistic(jensen_shannon_distance(shares.reference, shares.current),
                        c["jensenshannon"], name + " jensenshannon");
        check_statistic(hellinger_categorical(shares.reference, shares.current), c["hellinger"],
                        name + " hellinger");
        fill_zero_shares(shares.reference);
        fill_zero_shares(shares.current);
        check_statistic(psi(shares.reference, shares.current), c["psi"], name + " psi");
        check_statistic(kl_divergence(shares.reference, shares.current), c["kl_div"],
                        name + " kl_div");
        if (!c.contains("z")) continue;
        // Evidently: the first sorted category is 0, every other value 1.
        const std::string first = shares.labels.front();
        std::uint64_t n_ref = 0, n_cur = 0;
        for (const auto& [key, v] : r)
            n_ref += v;
        for (const auto& [key, v] : k)
            n_cur += v;
        const std::uint64_t s_ref = n_ref - (r.count(first) ? r.at(first) : 0);
        const std::uint64_t s_cur = n_cur - (k.count(first) ? k.at(first) : 0);
        const auto z = two_proportion_z(s_ref, n_ref, s_cur, n_cur);
        if (s_ref * n_cur != s_cur * n_ref) check_statistic(z.statistic, c["z"][0], name + " z");
        check_p(z.p_value, c["z"][1], name + " z");
        const auto fe = fisher_exact(s_cur, n_cur - s_cur, s_ref, n_ref - s_ref);
        if (!c["fisher_exact"][0].is_null())
            check_statistic(fe.odds_ratio, c["fisher_exact"][0], name + " fisher odds ratio");
        check_p(fe.p_value, c["fisher_exact"][1], name + " fisher");
    }
}

TEST_CASE("Evidently's epsilon rule fills zero shares", "[stats][drift]") {
    // [hand] smallest non-zero share 0.25 > 0.0001: zeros become 0.0001.
    std::vector<double> a = {0.0, 0.25, 0.75};
    fill_zero_shares(a);
    CHECK(a[0] == 0.0001);
    // [hand] smallest non-zero 0.00005 <= 0.0001: zeros become 0.00005 / 10^6.
    std::vector<double> b = {0.0, 0.00005, 0.99995};
    fill_zero_shares(b);
    CHECK(b[0] == Approx(5e-11).epsilon(1e-12));
    CHECK(b[1] == 0.00005);
}

TEST_CASE("drift tests refuse what they cannot measure", "[stats][drift]") {
    CHECK_THROWS(ks_two_sample({}, {1.0}));
    CHECK_THROWS(ks_two_sample({1.0, NAN}, {1.0}));
    CHECK_THROWS(t_test({1.0, 1.0}, {2.0, 2.0}, true));  // zero variance on both sides
    CHECK_THROWS(anderson_darling_2({3.0, 3.0}, {3.0})); // one distinct value
    CHECK_THROWS(cramer_von_mises_2({1.0}, {1.0, 2.0})); // needs two values per side
}

TEST_CASE("Mann-Whitney U: exact against a large sample, bounded memory beyond", "[stats][drift]") {
    // [hand] 3 values above all 100,000 others, no ties: U1 = 300,000, the most extreme of
    // C(100,003, 3) arrangements on each side: p = 2 / C(100003, 3).
    std::vector<double> many(100'000);
    for (std::size_t i = 0; i < many.size(); ++i)
        many[i] = static_cast<double>(i);
    auto top = mann_whitney_u({1e6, 1e6 + 1, 1e6 + 2}, many);
    CHECK(top.method == "exact");
    CHECK(top.statistic == 300'000.0);
    const double arrangements = 100'003.0 * 100'002.0 * 100'001.0 / 6.0;
    CHECK(top.p_value == Approx(2.0 / arrangements).epsilon(1e-9));
    // 8 values against 600,000: m n = 4.8M cells, past the bound: the normal approximation.
    std::vector<double> huge(600'000);
    for (std::size_t i = 0; i < huge.size(); ++i)
        huge[i] = static_cast<double>(i) + 0.5;
    auto bounded = mann_whitney_u({1, 2, 3, 4, 5, 6, 7, 8}, huge);
    CHECK(bounded.method == "asymptotic");
    CHECK(bounded.p_value < 0.05);
}
