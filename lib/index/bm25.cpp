#include "index/bm25.hpp"

#include "core/error.hpp"
#include "index/fts5_api.hpp"

#include <cmath>
#include <fmt/format.h>
#include <mutex>
#include <new>
#include <sqlite3.h>
#include <unordered_set>
#include <vector>

namespace llmops::index {

void validate_bm25_params(const Bm25Params& params) {
    if (!std::isfinite(params.k1) || params.k1 < 0)
        throw_usage(fmt::format("k1 must be a number >= 0, not {}", params.k1),
                    "1.2 is the usual value; 0.5 to 2.0 is the usual range");
    if (!std::isfinite(params.b) || params.b < 0 || params.b > 1)
        throw_usage(fmt::format("b must be a number from 0 to 1, not {}", params.b),
                    "0.75 is the usual value");
}

namespace {

// What one query needs for every row it scores; computed at its first row, kept as FTS5
// auxiliary data for the rest.
struct QueryStatistics {
    std::vector<double> idf;       // per query phrase
    double mean_length = 1.0;      // tokens per row
    std::vector<double> frequency; // per phrase, for the row being scored
};

int count_rows(const Fts5ExtensionApi*, Fts5Context*, void* count) {
    ++*static_cast<std::int64_t*>(count);
    return SQLITE_OK;
}

int compute_statistics(const Fts5ExtensionApi* api, Fts5Context* fts, QueryStatistics& stats) {
    sqlite3_int64 rows = 0;
    sqlite3_int64 tokens = 0;
    int rc = api->xRowCount(fts, &rows);
    if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &tokens);
    if (rc != SQLITE_OK) return rc;
    if (rows > 0 && tokens > 0)
        stats.mean_length = static_cast<double>(tokens) / static_cast<double>(rows);
    int phrases = api->xPhraseCount(fts);
    stats.idf.assign(static_cast<std::size_t>(phrases), 0.0);
    stats.frequency.assign(static_cast<std::size_t>(phrases), 0.0);
    for (int p = 0; p < phrases; ++p) {
        std::int64_t containing = 0;
        rc = api->xQueryPhrase(fts, p, &containing, count_rows);
        if (rc != SQLITE_OK) return rc;
        double n = static_cast<double>(containing);
        double idf = std::log((static_cast<double>(rows) - n + 0.5) / (n + 0.5));
        // As FTS5 does: a term in more than half the rows would score negative; keep it a
        // tiny positive weight so that matching it never lowers a score.
        stats.idf[static_cast<std::size_t>(p)] = idf > 0 ? idf : 1e-6;
    }
    return SQLITE_OK;
}

void delete_statistics(void* stats) {
    delete static_cast<QueryStatistics*>(stats);
}

void bm25_function(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* ctx, int argc,
                   sqlite3_value** argv) {
    if (argc != 2) {
        sqlite3_result_error(ctx, "llmops_bm25 takes (table, k1, b)", -1);
        return;
    }
    const double k1 = sqlite3_value_double(argv[0]);
    const double b = sqlite3_value_double(argv[1]);
    auto* stats = static_cast<QueryStatistics*>(api->xGetAuxdata(fts, 0));
    if (stats == nullptr) {
        // No exception may cross into SQLite's C frames.
        stats = new (std::nothrow) QueryStatistics;
        if (stats == nullptr) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        int rc = SQLITE_OK;
        try {
            rc = compute_statistics(api, fts, *stats);
        } catch (const std::bad_alloc&) {
            rc = SQLITE_NOMEM;
        }
        if (rc == SQLITE_OK)
            rc = api->xSetAuxdata(fts, stats, delete_statistics);
        else
            delete stats;
        if (rc != SQLITE_OK) {
            sqlite3_result_error_code(ctx, rc);
            return;
        }
    }

    std::fill(stats->frequency.begin(), stats->frequency.end(), 0.0);
    int instances = 0;
    int rc = api->xInstCount(fts, &instances);
    for (int i = 0; rc == SQLITE_OK && i < instances; ++i) {
        int phrase = 0, column = 0, offset = 0;
        rc = api->xInst(fts, i, &phrase, &column, &offset);
        if (rc == SQLITE_OK && phrase >= 0 &&
            static_cast<std::size_t>(phrase) < stats->frequency.size())
            stats->frequency[static_cast<std::size_t>(phrase)] += 1.0;
    }
    int length = 0;
    if (rc == SQLITE_OK) rc = api->xColumnSize(fts, -1, &length);
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    const double norm = k1 * (1.0 - b + b * static_cast<double>(length) / stats->mean_length);
    double score = 0.0;
    for (std::size_t p = 0; p < stats->frequency.size(); ++p) {
        double tf = stats->frequency[p];
        if (tf > 0) score += stats->idf[p] * (tf * (k1 + 1.0)) / (tf + norm);
    }
    sqlite3_result_double(ctx, score);
}

// Connections that have the function. FTS5 keeps every registration until the connection
// closes, so registering on each open would grow without bound in a long-lived process;
// FTS5 calls forget_connection when it frees the function, as the connection closes.
std::mutex& registry_mutex() {
    static std::mutex mutex;
    return mutex;
}
std::unordered_set<sqlite3*>& registered_connections() {
    static std::unordered_set<sqlite3*> connections;
    return connections;
}
void forget_connection(void* connection) {
    std::lock_guard lock(registry_mutex());
    registered_connections().erase(static_cast<sqlite3*>(connection));
}

} // namespace

void register_bm25_function(store::Database& db) {
    sqlite3* connection = db.sqlite_handle("retrieval indexes");
    std::lock_guard lock(registry_mutex());
    if (registered_connections().count(connection)) return;
    fts5_api& api = fts5_api_of(db);
    if (api.xCreateFunction(&api, kBm25FunctionName, connection, bm25_function,
                            forget_connection) != SQLITE_OK)
        throw Error(ErrorKind::Store,
                    std::string("cannot register the BM25 ranking function: ") +
                        sqlite3_errmsg(connection),
                    ErrorLocation{.file = db.path().string()});
    registered_connections().insert(connection);
}

} // namespace llmops::index
