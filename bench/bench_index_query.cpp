// Query latency of a retrieval index, side by side with FTS5's built-in bm25() ranking over the
// same table and the same MATCH expressions (the cost of tunable k1 and b).
//   bench_index_query PROJECT_DIR INDEX QUERIES_FILE [K]
// Prints key=value lines: queries, k, llmops_p50_ms, llmops_p95_ms, llmops_mean_ms,
// builtin_p50_ms, builtin_p95_ms, builtin_mean_ms, mean_results.
#include "index/query_terms.hpp"
#include "index/retrieval_index.hpp"
#include "store/project.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double percentile(std::vector<double> values, double p) {
    std::sort(values.begin(), values.end());
    auto at = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
    return values[at];
}

double mean(const std::vector<double>& values) {
    double sum = 0;
    for (double v : values)
        sum += v;
    return sum / static_cast<double>(values.size());
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: bench_index_query PROJECT_DIR INDEX QUERIES_FILE [K]\n");
        return 2;
    }
    try {
        auto paths = llmops::store::ProjectPaths::for_root(argv[1]);
        auto project = llmops::store::Project::open(paths, llmops::store::StoreAccess::Read);
        auto index = llmops::index::RetrievalIndex::open(project, argv[2]);
        std::size_t k = argc > 4 ? std::stoul(argv[4]) : 10;
        std::vector<std::string> queries;
        std::ifstream in(argv[3]);
        for (std::string line; std::getline(in, line);)
            if (!line.empty()) queries.push_back(line);
        if (queries.empty()) throw std::runtime_error("no queries");

        const std::string table = index.info().fts_table();
        llmops::store::Statement builtin =
            project.db().prepare("SELECT id, text, bm25(" + table + ") FROM " + table + " WHERE " +
                                 table + " MATCH ? ORDER BY bm25(" + table + ") LIMIT ?");
        llmops::index::QueryTokenizer tokenizer(project.db(), index.info().tokenizer);

        for (const auto& q : queries)
            index.search(q, k); // warm the page cache
        std::vector<double> ours, theirs;
        double results = 0;
        for (const auto& q : queries) {
            auto start = Clock::now();
            results += static_cast<double>(index.search(q, k).size());
            ours.push_back(ms_since(start));

            start = Clock::now();
            builtin.bind(1, llmops::index::match_expression(tokenizer.terms(q)))
                .bind(2, static_cast<std::int64_t>(k));
            while (builtin.step()) {
                std::string id = builtin.column_text(0);
                std::string text = builtin.column_text(1);
            }
            builtin.reset();
            theirs.push_back(ms_since(start));
        }
        std::printf("queries=%zu k=%zu llmops_p50_ms=%.3f llmops_p95_ms=%.3f llmops_mean_ms=%.3f "
                    "builtin_p50_ms=%.3f builtin_p95_ms=%.3f builtin_mean_ms=%.3f "
                    "mean_results=%.2f\n",
                    queries.size(), k, percentile(ours, 0.5), percentile(ours, 0.95), mean(ours),
                    percentile(theirs, 0.5), percentile(theirs, 0.95), mean(theirs),
                    results / static_cast<double>(queries.size()));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_index_query: %s\n", e.what());
        return 1;
    }
}
