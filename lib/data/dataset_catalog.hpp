#pragma once
// Datasets and versions in store.db: resolving references, listing, tags, removal.
#include "data/dataset_version.hpp"
#include "store/database.hpp"

#include <optional>
#include <string>
#include <vector>

namespace llmops::data {

struct DatasetSummary {
    std::string name;
    std::int64_t versions = 0;
    DatasetVersion latest;
};

// NAME (latest), NAME@N, NAME@latest, NAME@tag, NAME@<hash prefix of 4+ digits>.
// Throws Error(BadInput) naming what was not found.
DatasetVersion resolve_version(store::Database& db, const std::string& ref);
std::optional<DatasetVersion> latest_version(store::Database& db, const std::string& name);
// By database id (as runs record it); nullopt when the version was removed.
std::optional<DatasetVersion> find_version_by_id(store::Database& db, std::int64_t version_id);
std::vector<DatasetSummary> list_datasets(store::Database& db);
// Newest first.
std::vector<DatasetVersion> dataset_log(store::Database& db, const std::string& name);
std::vector<ChunkRef> version_chunks(store::Database& db, std::int64_t version_id);

// Points tag at the version (moving it if it named another). Tags may not look like version
// numbers or be "latest".
void tag_version(store::Database& db, const DatasetVersion& version, const std::string& tag);

// Removes one version, or the whole dataset when version is empty. Objects stay until gc.
// Returns the number of versions removed.
std::int64_t remove_dataset(store::Database& db, const std::string& name,
                            const std::optional<std::string>& selector);

} // namespace llmops::data
