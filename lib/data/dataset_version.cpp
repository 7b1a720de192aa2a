#include "data/dataset_version.hpp"

namespace llmops::data {

nlohmann::json DatasetVersion::to_json() const {
    return {{"name", name},
            {"version", number},
            {"ref", ref()},
            {"manifest", manifest},
            {"parent", parent_number ? nlohmann::json(*parent_number) : nlohmann::json()},
            {"rows", rows},
            {"bytes", bytes},
            {"stored_bytes", stored_bytes},
            {"schema", schema},
            {"sources", sources},
            {"provenance", provenance},
            {"message", message},
            {"created_at", created_at},
            {"tags", tags}};
}

} // namespace llmops::data
