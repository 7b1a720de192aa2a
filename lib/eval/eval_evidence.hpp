#pragma once
// Stored evidence: a completed eval run that answered exactly the question being asked again
// (the same spec, cases, prompt version and provider config), so a gate can reuse its scores
// instead of calling the provider. Reference: docs/deploy.md ("Evidence").
#include <cstdint>
#include <optional>
#include <string>

#include "store/database.hpp"

namespace llmops::eval {

struct EvidenceKey {
    std::string spec_hash; // of the spec with its single prompt × provider cell
    std::optional<std::int64_t> dataset_version_id;
    std::string data_source;
    std::int64_t case_count = 0;
    std::int64_t prompt_version_id = 0;
    std::string provider_config_hash; // canonical JSON of the run's recorded provider config
};

// The newest completed single-cell eval run matching every part of the key, if any. A spec
// that reads a file directly is never matched: a path does not pin its content.
std::optional<std::int64_t> find_evidence(store::Database& db, const EvidenceKey& key);

} // namespace llmops::eval
