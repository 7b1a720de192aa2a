#pragma once
// Searching a retrieval index: the top-k passages for free query text, ranked by BM25.
//
// For other code (the eval runner filling a prompt variable, serving):
//   store::Project project = store::Project::open(paths, store::StoreAccess::Read);
//   auto index = index::RetrievalIndex::open(project, "docs");
//   std::vector<index::Passage> top = index.search(question, 5);
//   vars["passages"] = index::passages_json(top); // {{#passages}}{{text}}{{/passages}}
//
// A RetrievalIndex uses the project's SQLite connection: keep the Project alive while using
// it, and use it from one thread at a time (one Project per thread for parallel work).
#include "index/bm25.hpp"
#include "index/index_catalog.hpp"
#include "index/query_terms.hpp"
#include "store/project.hpp"

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::index {

struct Passage {
    std::string id;
    std::string text;
    double score = 0; // BM25: higher is better; always > 0 for a returned passage
};

// [{"rank", "id", "score", "text"}, ...], rank from 1: the shape of `index query --json`
// results and of a prompt variable filled from retrieval.
nlohmann::json passages_json(const std::vector<Passage>& passages);

class RetrievalIndex {
  public:
    // Throws Error(BadInput) when there is no index of that name.
    static RetrievalIndex open(store::Project& project, std::string_view name);
    static RetrievalIndex open(store::Database& db, std::string_view name);

    const IndexInfo& info() const { return info_; }

    // The k best passages for the query, best first; ties in rows order. The query is free
    // text: it is split into terms by the index's tokenizer and a passage matches when it
    // holds any of them (never FTS5 syntax). No terms, or k = 0: no passages.
    std::vector<Passage> search(std::string_view query, std::size_t k) const; // info().bm25
    std::vector<Passage> search(std::string_view query, std::size_t k,
                                const Bm25Params& params) const;

  private:
    RetrievalIndex(store::Database& db, IndexInfo info);

    store::Database* db_;
    IndexInfo info_;
    QueryTokenizer tokenizer_;
    std::unique_ptr<store::Statement> statement_; // prepared once, reused by every search
};

} // namespace llmops::index
