#pragma once
// The --json shapes of the dataset commands (data add, list, show, tag, rm; docs/data.md).
// A version on its own is DatasetVersion::to_json.
#include "data/dataset_catalog.hpp"
#include "data/dataset_writer.hpp"

#include <nlohmann/json.hpp>

namespace llmops::data {

// `data add`: the version's fields plus "created" and "new_object_bytes".
nlohmann::json to_json(const CommitResult& result);
// `data list`: [{"name", "versions", "latest": version}].
nlohmann::json to_json(const DatasetSummary& summary);
nlohmann::json to_json(const std::vector<DatasetSummary>& datasets);
// `data log`: the versions, as given.
nlohmann::json to_json(const std::vector<DatasetVersion>& versions);
// `data show`: the version's fields plus "chunks": [{"hash", "rows", "bytes"}].
nlohmann::json version_with_chunks_json(const DatasetVersion& version,
                                        const std::vector<ChunkRef>& chunks);
// `data tag`: {"ref", "tag"}.
nlohmann::json tag_json(const DatasetVersion& version, const std::string& tag);
// `data rm`: {"removed_versions", "ref"}.
nlohmann::json removal_json(const std::string& ref, std::int64_t removed_versions);

} // namespace llmops::data
