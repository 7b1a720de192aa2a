#pragma once
// Row-level diff between two dataset versions. Manifests are compared first: chunks present in
// both are skipped unread, so the cost is the size of the change, not of the data.
#include "data/dataset_version.hpp"
#include "store/project.hpp"

#include <optional>
#include <string>
#include <vector>

namespace llmops::data {

struct FieldChange {
    std::string field;
    std::optional<std::string> before; // canonical JSON; nullopt when the field is absent
    std::optional<std::string> after;
};

struct ChangedRow {
    std::string key; // canonical JSON of the key value
    std::string before;
    std::string after;
    std::vector<FieldChange> fields;
};

struct DatasetDiff {
    std::int64_t added = 0;
    std::int64_t removed = 0;
    std::int64_t changed = 0; // only with a key
    std::int64_t rows_a = 0;
    std::int64_t rows_b = 0;
    std::int64_t chunks_read = 0;
    std::int64_t chunks_total = 0;
    // Row texts (canonical JSON), at most `limit` of each.
    std::vector<std::string> added_rows;
    std::vector<std::string> removed_rows;
    std::vector<ChangedRow> changed_rows;
};

struct DiffOptions {
    std::optional<std::string> key; // top-level field pairing removed and added rows
    std::size_t limit = 20;
};

// The key `data diff` pairs rows by when none is given: `id`, when every row of both versions
// has it and none has it null. nullopt otherwise (rows are then listed as removed + added).
std::optional<std::string> default_diff_key(const DatasetVersion& a, const DatasetVersion& b);

DatasetDiff diff_versions(store::Project& project, const DatasetVersion& a, const DatasetVersion& b,
                          const DiffOptions& options);

// The top-level field changes between two canonical rows.
std::vector<FieldChange> changed_fields(std::string_view before, std::string_view after);

} // namespace llmops::data
