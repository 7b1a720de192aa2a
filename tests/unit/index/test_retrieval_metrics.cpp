// Retrieval metrics (eval/metrics/retrieval.hpp) against hand-computed values, with the
// trec_eval conventions: P@k divides by k, a retrieved id counts once, undefined is nullopt.
#include "index/ranking_metrics.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using llmops::index::ndcg_at_k;
using llmops::index::precision_at_k;
using llmops::index::recall_at_k;
using llmops::index::reciprocal_rank;
using Ids = std::vector<std::string>;

namespace {
double discount(int rank) {
    return 1.0 / std::log2(rank + 1.0);
}
} // namespace

TEST_CASE("precision at k divides by k even past the end of the list", "[retrieval-metrics]") {
    Ids retrieved{"a", "b", "c", "d", "e"};
    Ids relevant{"b", "e", "x"};
    CHECK(llmops::index::precision_at_k(retrieved, relevant, 1) == 0.0);
    CHECK(llmops::index::precision_at_k(retrieved, relevant, 2) == Approx(0.5));
    CHECK(llmops::index::precision_at_k(retrieved, relevant, 5) == Approx(0.4));
    CHECK(llmops::index::precision_at_k(retrieved, relevant, 10) == Approx(0.2)); // 2 hits / 10
    CHECK(llmops::index::precision_at_k(retrieved, relevant, 0) == 0.0);
    CHECK(llmops::index::precision_at_k({}, relevant, 3) == 0.0);
}

TEST_CASE("recall at k divides by the relevant count and is undefined with none relevant",
          "[retrieval-metrics]") {
    Ids retrieved{"a", "b", "c", "d", "e"};
    Ids relevant{"b", "e", "x"};
    CHECK(*recall_at_k(retrieved, relevant, 1) == 0.0);
    CHECK(*recall_at_k(retrieved, relevant, 2) == Approx(1.0 / 3));
    CHECK(*recall_at_k(retrieved, relevant, 5) == Approx(2.0 / 3));
    CHECK(*recall_at_k(retrieved, relevant, 100) == Approx(2.0 / 3));
    CHECK_FALSE(llmops::index::recall_at_k(retrieved, {}, 5).has_value());
    // A relevant id listed twice is one relevant id.
    CHECK(*recall_at_k(retrieved, {"b", "b"}, 5) == Approx(1.0));
}

TEST_CASE("reciprocal rank is 1 / rank of the first relevant id within k", "[retrieval-metrics]") {
    Ids retrieved{"a", "b", "c", "d", "e"};
    CHECK(llmops::index::reciprocal_rank(retrieved, {"b", "e"}) == Approx(0.5));
    CHECK(llmops::index::reciprocal_rank(retrieved, {"a"}) == Approx(1.0));
    CHECK(llmops::index::reciprocal_rank(retrieved, {"e"}) == Approx(0.2));
    CHECK(llmops::index::reciprocal_rank(retrieved, {"e"}, 4) == 0.0); // beyond the cut-off
    CHECK(llmops::index::reciprocal_rank(retrieved, {"x"}) == 0.0);
    CHECK(llmops::index::reciprocal_rank({}, {"x"}) == 0.0);
}

TEST_CASE("a retrieved id counts once at its first rank", "[retrieval-metrics]") {
    Ids retrieved{"b", "b", "c"};
    CHECK(llmops::index::precision_at_k(retrieved, {"b"}, 3) == Approx(1.0 / 3));
    CHECK(*recall_at_k(retrieved, {"b", "c"}, 2) == Approx(1.0)); // top 2 distinct: b, c
    CHECK(llmops::index::reciprocal_rank(Ids{"a", "a", "b"}, {"b"}) == Approx(0.5));
}

TEST_CASE("binary nDCG at k against hand-computed gains", "[retrieval-metrics]") {
    Ids retrieved{"a", "b", "c", "d", "e"};
    Ids relevant{"b", "e", "x"};
    // DCG@5: hits at ranks 2 and 5; IDCG@5: three hits at ranks 1..3.
    double dcg = discount(2) + discount(5);
    double idcg = discount(1) + discount(2) + discount(3);
    CHECK(*ndcg_at_k(retrieved, relevant, 5) == Approx(dcg / idcg));
    CHECK(*ndcg_at_k(retrieved, relevant, 5) == Approx(0.4776237).epsilon(1e-6));
    // At k = 2 the ideal list holds two relevant ids.
    CHECK(*ndcg_at_k(retrieved, relevant, 2) == Approx(discount(2) / (discount(1) + discount(2))));
    CHECK(*ndcg_at_k(retrieved, relevant, 1) == 0.0);
    CHECK(*ndcg_at_k(Ids{"b", "e", "x"}, relevant, 3) == Approx(1.0));
    CHECK_FALSE(llmops::index::ndcg_at_k(retrieved, Ids{}, 5).has_value());
}

TEST_CASE("graded nDCG uses the grade as gain", "[retrieval-metrics]") {
    std::map<std::string, double> grades{{"a", 3}, {"b", 2}, {"c", 0}};
    Ids retrieved{"c", "b", "a"};
    double dcg = 2 * discount(2) + 3 * discount(3);
    double idcg = 3 * discount(1) + 2 * discount(2);
    CHECK(*ndcg_at_k(retrieved, grades, 3) == Approx(dcg / idcg));
    CHECK(*ndcg_at_k(retrieved, grades, 3) == Approx(0.6480410).epsilon(1e-6));
    CHECK_FALSE(llmops::index::ndcg_at_k(retrieved, std::map<std::string, double>{{"c", 0}}, 3)
                    .has_value());
}
