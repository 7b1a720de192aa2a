#pragma once
// `index build`: a dataset version's passages into a new FTS5 table, in one transaction.
#include "index/index_catalog.hpp"
#include "store/project.hpp"

#include <optional>
#include <string>

namespace llmops::index {

struct IndexBuildOptions {
    std::string name;     // the index name: same rules as dataset names
    std::string data_ref; // NAME, NAME@N, NAME@tag ...
    std::string text_field;
    std::optional<std::string> id_field; // none: the 0-based row number is the id
    Bm25Params bm25;                     // stored as the index's query defaults
    bool replace = false;                // rebuild an index of that name (else refuse)
};

// Reads every row of the version: text_field (and id_field) must be strings or numbers,
// ids unique. Replacing an index drops the old one in the same transaction, so readers see
// the old index or the new one, never neither. On any error nothing changes.
// Throws Error(BadInput) for an unknown dataset, a missing or mistyped field (row and field
// named) or a duplicate id; Error(Usage) when the name is taken and replace is false or the
// BM25 parameters are out of range.
IndexInfo build_index(store::Project& project, const IndexBuildOptions& options);

} // namespace llmops::index
