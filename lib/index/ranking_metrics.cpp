#include "index/ranking_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <unordered_set>

namespace llmops::index {
namespace {

// The distinct ids among the first k retrieved, in rank order (k = 0: all).
std::vector<std::string> distinct_top(const std::vector<std::string>& retrieved, std::size_t k) {
    std::vector<std::string> top;
    std::unordered_set<std::string> seen;
    for (const auto& id : retrieved) {
        if (k != 0 && top.size() >= k) break;
        if (seen.insert(id).second) top.push_back(id);
    }
    return top;
}

std::size_t hits_in_top(const std::vector<std::string>& retrieved,
                        const std::set<std::string>& relevant, std::size_t k) {
    std::size_t hits = 0;
    for (const auto& id : distinct_top(retrieved, k))
        hits += relevant.count(id);
    return hits;
}

double discount(std::size_t rank0) {
    return 1.0 / std::log2(static_cast<double>(rank0) + 2.0);
}

} // namespace

double precision_at_k(const std::vector<std::string>& retrieved,
                      const std::vector<std::string>& relevant, std::size_t k) {
    if (k == 0) return 0.0;
    std::set<std::string> wanted(relevant.begin(), relevant.end());
    return static_cast<double>(hits_in_top(retrieved, wanted, k)) / static_cast<double>(k);
}

std::optional<double> recall_at_k(const std::vector<std::string>& retrieved,
                                  const std::vector<std::string>& relevant, std::size_t k) {
    std::set<std::string> wanted(relevant.begin(), relevant.end());
    if (wanted.empty()) return std::nullopt;
    return static_cast<double>(hits_in_top(retrieved, wanted, k)) /
           static_cast<double>(wanted.size());
}

double reciprocal_rank(const std::vector<std::string>& retrieved,
                       const std::vector<std::string>& relevant, std::size_t k) {
    std::set<std::string> wanted(relevant.begin(), relevant.end());
    auto top = distinct_top(retrieved, k);
    for (std::size_t i = 0; i < top.size(); ++i)
        if (wanted.count(top[i])) return 1.0 / static_cast<double>(i + 1);
    return 0.0;
}

std::optional<double> ndcg_at_k(const std::vector<std::string>& retrieved,
                                const std::map<std::string, double>& grades, std::size_t k) {
    std::vector<double> ideal;
    for (const auto& [id, grade] : grades)
        if (grade > 0) ideal.push_back(grade);
    if (ideal.empty()) return std::nullopt;
    std::sort(ideal.begin(), ideal.end(), std::greater<>());
    double dcg = 0.0;
    auto top = distinct_top(retrieved, k);
    for (std::size_t i = 0; i < top.size(); ++i) {
        auto found = grades.find(top[i]);
        if (found != grades.end() && found->second > 0) dcg += found->second * discount(i);
    }
    double idcg = 0.0;
    for (std::size_t i = 0; i < ideal.size() && (k == 0 || i < k); ++i)
        idcg += ideal[i] * discount(i);
    return dcg / idcg;
}

std::optional<double> ndcg_at_k(const std::vector<std::string>& retrieved,
                                const std::vector<std::string>& relevant, std::size_t k) {
    std::map<std::string, double> grades;
    for (const auto& id : relevant)
        grades[id] = 1.0;
    return ndcg_at_k(retrieved, grades, k);
}

} // namespace llmops::index
