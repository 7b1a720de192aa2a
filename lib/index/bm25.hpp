#pragma once
// Okapi BM25 as llmops ranks passages. The formula is that of SQLite FTS5's built-in bm25()
// (so the scores equal -bm25() at k1 = 1.2, b = 0.75), with k1 and b as parameters, which
// bm25() fixes. It runs inside SQLite as the FTS5 auxiliary function
//   llmops_bm25(fts_table, k1, b)
// returning the score itself: higher is better. Formula: docs/retrieval.md.
#include "store/database.hpp"

namespace llmops::index {

struct Bm25Params {
    double k1 = 1.2; // term-frequency saturation: 0 ignores repeats
    double b = 0.75; // length normalisation: 0 none, 1 full
    bool operator==(const Bm25Params&) const = default;
};

// Throws Error(Usage) unless k1 is finite and >= 0 and b is in [0, 1].
void validate_bm25_params(const Bm25Params& params);

// The SQL name of the ranking function.
inline constexpr const char* kBm25FunctionName = "llmops_bm25";

// Registers llmops_bm25 on the connection of db; later calls on the same connection do
// nothing. Throws Error(Store) when SQLite has no FTS5.
void register_bm25_function(store::Database& db);

} // namespace llmops::index
