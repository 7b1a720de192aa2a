#pragma once
// Retrieval metrics over a ranked list of retrieved ids and the set of relevant ids (binary
// relevance) or relevance grades (graded nDCG). Definitions follow trec_eval / pytrec_eval:
// P@k divides by k even when fewer than k ids were retrieved; a retrieved id counts once (its
// first rank). Formulas: docs/metrics.md.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace llmops::index {

// |relevant ∩ top k| / k. k must be > 0.
double precision_at_k(const std::vector<std::string>& retrieved,
                      const std::vector<std::string>& relevant, std::size_t k);
// |relevant ∩ top k| / |relevant|; nullopt when nothing is relevant (undefined).
std::optional<double> recall_at_k(const std::vector<std::string>& retrieved,
                                  const std::vector<std::string>& relevant, std::size_t k);
// 1 / rank of the first relevant id within the top k (k = 0: the whole list); 0 when none.
double reciprocal_rank(const std::vector<std::string>& retrieved,
                       const std::vector<std::string>& relevant, std::size_t k = 0);
// DCG@k / IDCG@k with gain = grade and discount 1 / log2(rank + 1); binary grades are 1.
// nullopt when no grade is positive (undefined).
std::optional<double> ndcg_at_k(const std::vector<std::string>& retrieved,
                                const std::map<std::string, double>& grades, std::size_t k);
std::optional<double> ndcg_at_k(const std::vector<std::string>& retrieved,
                                const std::vector<std::string>& relevant, std::size_t k);

} // namespace llmops::index
