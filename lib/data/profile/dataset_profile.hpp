#pragma once
// `llmops data profile`: one pass over a dataset version's canonical rows that gathers, per
// field, types, missing and null rates, distinct counts, top values, numeric and text
// statistics; plus exact-duplicate rows and a near-duplicate estimate. Memory stays bounded
// whatever the dataset size (docs/profile.md gives every definition and the JSON shape).
#include "data/dataset_version.hpp"
#include "data/profile/duplicate_rows.hpp"
#include "data/profile/field_profile.hpp"
#include "data/profile/field_stats.hpp"
#include "data/profile/near_duplicates.hpp"
#include "store/project.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::data {

struct ProfileOptions {
    FieldStatsLimits field;
    std::size_t max_fields = 128;               // fields past this only count presence/types
    std::size_t memory_budget = 96u << 20;      // exact distinct sets and value arrays
    std::size_t duplicate_row_limit = 1u << 20; // row hashes tracked before sampling
    std::size_t near_duplicate_sample = 10'000; // rows sampled for MinHash
    std::size_t near_duplicate_sample_bytes = 16u << 20;
    double near_duplicate_threshold = 0.8;
};

struct NearDuplicateProfile {
    std::string field;        // the text field with the most characters per value
    double sample_rate = 1.0; // the probability each row had of being sampled
    std::uint64_t sample_rows = 0;
    NearDuplicateEstimate estimate;
    double estimated_pairs = 0; // pairs_in_sample / sample_rate^2
};

struct DatasetProfile {
    std::string dataset; // NAME@N
    std::string manifest;
    std::uint64_t rows = 0;
    std::uint64_t bytes = 0; // canonical JSONL bytes
    std::uint64_t duplicate_rows = 0;
    bool duplicate_rows_exact = true;
    double duplicate_rows_sample_rate = 1.0;
    std::uint64_t invalid_utf8_rows = 0;
    std::optional<NearDuplicateProfile> near_duplicates;
    std::vector<FieldProfile> fields; // in key order

    nlohmann::json to_json() const;
};

// The one-pass accumulator; profile_dataset() feeds it a stored version's rows.
class DatasetProfiler {
  public:
    // expected_rows sizes the near-duplicate sample (0: unknown, sample every row).
    explicit DatasetProfiler(ProfileOptions options = {}, std::uint64_t expected_rows = 0);
    ~DatasetProfiler();
    DatasetProfiler(const DatasetProfiler&) = delete;
    DatasetProfiler& operator=(const DatasetProfiler&) = delete;

    // `row` is the canonical JSON text of an object (data/canonical_json.hpp).
    void add_row(std::string_view row);
    DatasetProfile finish();

  private:
    FieldStats& field_at(std::size_t position, std::string_view key);
    void sample_row(std::string_view row);
    void enforce_memory_budget();
    std::optional<NearDuplicateProfile> near_duplicates(const std::string& key,
                                                        const std::string& name);

    ProfileOptions options_;
    std::vector<std::unique_ptr<FieldStats>> fields_;
    std::map<std::string, std::size_t, std::less<>> field_index_;
    std::vector<std::size_t> position_cache_; // field at each key position in the last row
    DuplicateRowCounter duplicates_;
    std::uint64_t rows_ = 0, bytes_ = 0, invalid_utf8_rows_ = 0;

    // Near-duplicate sample: rows kept with probability sample_threshold_ / 2^64, chosen by
    // a hash of the row position; halved when the sample outgrows its byte budget.
    std::uint64_t sample_threshold_;
    std::vector<std::pair<std::uint64_t, std::string>> sample_;
    std::size_t sample_bytes_ = 0;
};

DatasetProfile profile_dataset(store::Project& project, const DatasetVersion& version,
                               const ProfileOptions& options = {});

} // namespace llmops::data
