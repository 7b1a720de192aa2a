#pragma once
// What a dataset version is, as stored in store.db (see docs/store-format.md).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace llmops::data {

struct ChunkRef {
    std::string hash; // object name, hex
    std::int64_t rows = 0;
    std::int64_t bytes = 0; // uncompressed
};

struct DatasetVersion {
    std::int64_t id = 0;
    std::int64_t dataset_id = 0;
    std::string name;
    std::int64_t number = 0;
    std::string manifest; // object name of the manifest, hex: the version's content identity
    std::optional<std::int64_t> parent_number;
    std::int64_t rows = 0;
    std::int64_t bytes = 0;        // canonical JSONL bytes
    std::int64_t stored_bytes = 0; // compressed chunk bytes this version added to the store
    nlohmann::json schema;         // {"fields": {name: {type: count}}}
    nlohmann::json sources;        // [{"path", "format", "hash", "bytes", "rows"}]
    nlohmann::json provenance;     // {"command", ...}
    std::string message;
    std::string created_at;
    std::vector<std::string> tags;

    std::string ref() const { return name + "@" + std::to_string(number); }
    nlohmann::json to_json() const;
};

} // namespace llmops::data
