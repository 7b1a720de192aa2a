#pragma once
// `data merge`: the rows of several versions, in the order given, as one new version;
// optionally without exact duplicate rows (the first occurrence stays).
#include "data/dataset_writer.hpp"

#include <string>
#include <vector>

namespace llmops::data {

struct MergeRequest {
    std::vector<std::string> sources{}; // dataset references, at least one
    std::string output{};
    std::string message{};
    bool dedup = false;
};

struct MergeSource {
    DatasetVersion version{};
    std::int64_t rows_kept = 0;
    std::int64_t duplicates = 0;
};

struct MergeReport {
    std::vector<MergeSource> sources{};
    std::int64_t rows_in = 0;
    std::int64_t rows_out = 0;
    CommitResult commit{};
};

MergeReport merge_datasets(store::Project& project, const MergeRequest& request);

} // namespace llmops::data
