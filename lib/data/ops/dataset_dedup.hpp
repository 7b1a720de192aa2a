#pragma once
// `data dedup`: dropping exact duplicate rows (optionally after normalising their strings) and
// near-duplicates of a text field (MinHash + LSH), keeping each first occurrence.
#include "data/dataset_writer.hpp"
#include "stats/minhash.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::data {

// The canonical row with every string value (at any depth; keys untouched) normalised by
// normalize_text: what exact de-duplication with `normalize` compares.
std::string normalize_row(std::string_view canonical_row);

// Near duplicates of one text field, by the definition `data profile` shares
// (stats::NearDuplicateIndex).
struct NearDupOptions : stats::NearDuplicateParams {
    std::string field{};
};

struct DedupOptions {
    bool normalize = false; // exact matching after normalize_row
    std::optional<NearDupOptions> near{};
};

struct DroppedRow {
    std::int64_t row = 0;               // 0-based position in the source version
    std::int64_t duplicate_of = 0;      // the kept row it repeats
    std::optional<double> similarity{}; // near duplicates only: estimated Jaccard
};

// Decides, row by row in order, whether a row repeats one kept before it. Exact matches are
// found first; a row that is no exact duplicate is compared with the kept rows' signatures.
class RowDeduplicator {
  public:
    explicit RowDeduplicator(const DedupOptions& options); // throws Error(Usage) on bad options
    ~RowDeduplicator();
    RowDeduplicator(const RowDeduplicator&) = delete;
    RowDeduplicator& operator=(const RowDeduplicator&) = delete;

    // nullopt: keep the row (it is remembered); else why it is dropped.
    std::optional<DroppedRow> check(std::string_view row, std::int64_t index);

    std::optional<stats::LshBands> bands() const;
    // Rows the near-duplicate test skipped: the field was missing, null or had no words.
    std::int64_t rows_without_text() const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

struct DedupRequest {
    std::string source{}; // dataset reference
    DedupOptions options{};
    std::string output{}; // dataset to write; empty: the source's dataset
    std::string message{};
    bool dry_run = false;
};

struct DedupReport {
    DatasetVersion source{};
    std::int64_t rows_in = 0;
    std::int64_t rows_out = 0;
    std::int64_t exact = 0;
    std::int64_t near = 0;
    std::vector<DroppedRow> dropped{};
    std::optional<stats::LshBands> bands{};
    std::int64_t rows_without_text = 0;
    std::optional<CommitResult> commit{}; // none on a dry run
};

DedupReport dedup_dataset(store::Project& project, const DedupRequest& request);

} // namespace llmops::data
