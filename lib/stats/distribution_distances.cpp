#include "stats/distribution_distances.hpp"

#include "core/error.hpp"
#include "stats/statistics.hpp"

#include <algorithm>
#include <cmath>

namespace llmops::stats {

namespace {

void require_same_size(const std::vector<double>& a, const std::vector<double>& b,
                       const char* what) {
    if (a.size() != b.size() || a.empty())
        throw_bad_input(std::string(what) +
                        ": the two share vectors must be non-empty and of equal length");
}

std::vector<double> normalised(const std::vector<double>& shares) {
    double total = 0;
    for (double s : shares)
        total += s;
    std::vector<double> out(shares);
    for (double& s : out)
        s /= total;
    return out;
}

// scipy.special.rel_entr: x ln(x / y), 0 at x = 0, infinity when y = 0 < x.
double relative_entropy(double x, double y) {
    if (x == 0 && y >= 0) return 0.0;
    if (x > 0 && y > 0) return x * std::log(x / y);
    return INFINITY;
}

} // namespace

std::vector<double> sturges_edges(const std::vector<double>& values) {
    if (values.empty()) throw_bad_input("sturges bins: no values");
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    double first = *lo, last = *hi;
    const double range = last - first;
    if (first == last) {
        first -= 0.5;
        last += 0.5;
    }
    const double width = range / (std::log2(static_cast<double>(values.size())) + 1.0);
    const std::size_t bins =
        width > 0 ? static_cast<std::size_t>(std::ceil((last - first) / width)) : 1;
    std::vector<double> edges(bins + 1);
    const double step = (last - first) / static_cast<double>(bins);
    for (std::size_t i = 0; i < bins; ++i)
        edges[i] = static_cast<double>(i) * step + first;
    edges[bins] = last;
    return edges;
}

std::vector<std::uint64_t> histogram_counts(const std::vector<double>& values,
                                            const std::vector<double>& edges) {
    std::vector<std::uint64_t> counts(edges.size() - 1, 0);
    for (double v : values) {
        if (v < edges.front() || v > edges.back()) continue;
        // The bin i with edges[i] <= v < edges[i + 1]; the last bin is closed.
        auto it = std::upper_bound(edges.begin(), edges.end(), v);
        std::size_t bin = static_cast<std::size_t>(it - edges.begin());
        bin = bin == 0 ? 0 : bin - 1;
        if (bin >= counts.size()) bin = counts.size() - 1;
        ++counts[bin];
    }
    return counts;
}

BinnedShares sturges_shares(const std::vector<double>& reference,
                            const std::vector<double>& current) {
    if (reference.empty() || current.empty()) throw_bad_input("binned shares: a sample is empty");
    std::vector<double> all(reference);
    all.insert(all.end(), current.begin(), current.end());
    BinnedShares out;
    out.edges = sturges_edges(all);
    const auto ref_counts = histogram_counts(reference, out.edges);
    const auto cur_counts = histogram_counts(current, out.edges);
    for (std::size_t i = 0; i < ref_counts.size(); ++i) {
        out.reference.push_back(static_cast<double>(ref_counts[i]) /
                                static_cast<double>(reference.size()));
        out.current.push_back(static_cast<double>(cur_counts[i]) /
                              static_cast<double>(current.size()));
    }
    return out;
}

BinnedShares category_shares(const std::map<std::string, std::uint64_t>& reference,
                             const std::map<std::string, std::uint64_t>& current) {
    double ref_total = 0, cur_total = 0;
    for (const auto& [k, c] : reference)
        ref_total += static_cast<double>(c);
    for (const auto& [k, c] : current)
        cur_total += static_cast<double>(c);
    if (ref_total == 0 || cur_total == 0) throw_bad_input("category shares: a sample is empty");
    std::map<std::string, std::pair<double, double>> merged;
    for (const auto& [k, c] : reference)
        merged[k].first = static_cast<double>(c);
    for (const auto& [k, c] : current)
        merged[k].second = static_cast<double>(c);
    BinnedShares out;
    for (const auto& [k, counts] : merged) {
        out.labels.push_back(k);
        out.reference.push_back(counts.first / ref_total);
        out.current.push_back(counts.second / cur_total);
    }
    return out;
}

void fill_zero_shares(std::vector<double>& shares) {
    double smallest = INFINITY;
    for (double s : shares)
        if (s != 0) smallest = std::min(smallest, s);
    if (std::isinf(smallest)) return;
    const double fill = smallest <= 0.0001 ? smallest / 1e6 : 0.0001;
    for (double& s : shares)
        if (s == 0) s = fill;
}

namespace {

// Both ascending: the area between the two empirical CDFs, walking the merged values once.
double wasserstein_of_sorted(const std::vector<double>& u, const std::vector<double>& v) {
    const double nu = static_cast<double>(u.size()), nv = static_cast<double>(v.size());
    std::size_t iu = 0, iv = 0;
    double total = 0;
    double x = std::min(u.front(), v.front());
    while (true) {
        // CDFs just right of x: the count of values <= x.
        while (iu < u.size() && u[iu] <= x)
            ++iu;
        while (iv < v.size() && v[iv] <= x)
            ++iv;
        if (iu == u.size() && iv == v.size()) break;
        const double next = iu == u.size()   ? v[iv]
                            : iv == v.size() ? u[iu]
                                             : std::min(u[iu], v[iv]);
        total +=
            std::fabs(static_cast<double>(iu) / nu - static_cast<double>(iv) / nv) * (next - x);
        x = next;
    }
    return total;
}

} // namespace

double wasserstein_distance(const std::vector<double>& reference,
                            const std::vector<double>& current) {
    if (reference.empty() || current.empty()) throw_bad_input("wasserstein: a sample is empty");
    const bool sorted = std::is_sorted(reference.begin(), reference.end()) &&
                        std::is_sorted(current.begin(), current.end());
    if (sorted) return wasserstein_of_sorted(reference, current);
    std::vector<double> u(reference), v(current);
    sort_ascending(u);
    sort_ascending(v);
    return wasserstein_of_sorted(u, v);
}

double wasserstein_normed(const std::vector<double>& reference,
                          const std::vector<double>& current) {
    const double spread = reference.size() > 0 ? stddev(reference, 0) : 0.0;
    return wasserstein_distance(reference, current) / std::max(spread, 0.001);
}

double psi(const std::vector<double>& reference, const std::vector<double>& current) {
    require_same_size(reference, current, "psi");
    double total = 0;
    for (std::size_t i = 0; i < reference.size(); ++i)
        total += (reference[i] - current[i]) * std::log(reference[i] / current[i]);
    return total;
}

double kl_divergence(const std::vector<double>& reference, const std::vector<double>& current) {
    require_same_size(reference, current, "kl_div");
    const auto p = normalised(reference), q = normalised(current);
    double total = 0;
    for (std::size_t i = 0; i < p.size(); ++i)
        total += relative_entropy(p[i], q[i]);
    return total;
}

double jensen_shannon_distance(const std::vector<double>& reference,
                               const std::vector<double>& current) {
    require_same_size(reference, current, "jensenshannon");
    const auto p = normalised(reference), q = normalised(current);
    double total = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
        const double m = (p[i] + q[i]) / 2.0;
        total += relative_entropy(p[i], m) + relative_entropy(q[i], m);
    }
    return std::sqrt(total / 2.0);
}

double hellinger_categorical(const std::vector<double>& reference,
                             const std::vector<double>& current) {
    require_same_size(reference, current, "hellinger");
    double overlap = 0;
    for (std::size_t i = 0; i < reference.size(); ++i)
        overlap += std::sqrt(reference[i] * current[i]);
    return std::sqrt(1.0 - std::clamp(overlap, 0.0, 1.0));
}

double hellinger_numeric(const std::vector<double>& reference, const std::vector<double>& current) {
    if (reference.empty() || current.empty()) throw_bad_input("hellinger: a sample is empty");
    std::vector<double> keys(reference);
    keys.insert(keys.end(), current.begin(), current.end());
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    const auto edges = sturges_edges(keys);
    const auto ref_counts = histogram_counts(reference, edges);
    const auto cur_counts = histogram_counts(current, edges);
    const std::size_t bins = ref_counts.size();
    const double width = (keys.back() - keys.front()) / static_cast<double>(bins);
    double overlap = 0;
    for (std::size_t i = 0; i < bins; ++i) {
        const double bin = edges[i + 1] - edges[i];
        const double d1 =
            static_cast<double>(ref_counts[i]) / static_cast<double>(reference.size()) / bin;
        const double d2 =
            static_cast<double>(cur_counts[i]) / static_cast<double>(current.size()) / bin;
        overlap += std::sqrt(d1 * d2) * width;
    }
    return std::sqrt(1.0 - std::clamp(overlap, 0.0, 1.0));
}

} // namespace llmops::stats
