#pragma once
// The --json shapes of data diff, dedup, split, transform, merge and sample (docs/data.md,
// docs/data-ops.md). A new version appears as {"version": {...}, "created": bool}.
#include "data/ops/dataset_dedup.hpp"
#include "data/ops/dataset_diff.hpp"
#include "data/ops/dataset_merge.hpp"
#include "data/ops/dataset_sample.hpp"
#include "data/ops/dataset_split.hpp"
#include "data/ops/dataset_transform.hpp"

#include <nlohmann/json.hpp>

namespace llmops::data {

// `key`: the field that paired rows (none: changes are listed as removed + added).
nlohmann::json to_json(const DatasetDiff& diff, const DatasetVersion& a, const DatasetVersion& b,
                       const std::optional<std::string>& key);
nlohmann::json to_json(const DedupReport& report, const DedupRequest& request);
nlohmann::json to_json(const SplitReport& report, const SplitRequest& request);
nlohmann::json to_json(const TransformReport& report);
nlohmann::json to_json(const MergeReport& report, const MergeRequest& request);
nlohmann::json to_json(const SampleReport& report, const SampleRequest& request);

} // namespace llmops::data
