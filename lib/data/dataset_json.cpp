#include "data/dataset_json.hpp"

namespace llmops::data {

using nlohmann::json;

json to_json(const CommitResult& result) {
    json out = result.version.to_json();
    out["created"] = result.created;
    out["new_object_bytes"] = result.new_object_bytes;
    return out;
}

json to_json(const DatasetSummary& summary) {
    return {{"name", summary.name},
            {"versions", summary.versions},
            {"latest", summary.latest.to_json()}};
}

json to_json(const std::vector<DatasetSummary>& datasets) {
    json out = json::array();
    for (const auto& d : datasets)
        out.push_back(to_json(d));
    return out;
}

json to_json(const std::vector<DatasetVersion>& versions) {
    json out = json::array();
    for (const auto& v : versions)
        out.push_back(v.to_json());
    return out;
}

json version_with_chunks_json(const DatasetVersion& version, const std::vector<ChunkRef>& chunks) {
    json out = version.to_json();
    json list = json::array();
    for (const auto& c : chunks)
        list.push_back({{"hash", c.hash}, {"rows", c.rows}, {"bytes", c.bytes}});
    out["chunks"] = list;
    return out;
}

json tag_json(const DatasetVersion& version, const std::string& tag) {
    return {{"ref", version.ref()}, {"tag", tag}};
}

json removal_json(const std::string& ref, std::int64_t removed_versions) {
    return {{"removed_versions", removed_versions}, {"ref", ref}};
}

} // namespace llmops::data
