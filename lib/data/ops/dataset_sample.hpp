#pragma once
// `data sample`: a deterministic sample of N rows without replacement. The N rows with the
// smallest hash64(row, seed) are kept (bottom-k sampling), then written in their original order.
// The same seed gives the same sample; a sample of a grown dataset keeps the old picks that
// still rank in the bottom N.
#include "data/dataset_writer.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace llmops::data {

// Positions (ascending) of the `n` rows with the smallest (hash, position) pairs.
std::vector<std::int64_t> bottom_k(const std::vector<std::uint64_t>& hashes, std::int64_t n);

struct SampleRequest {
    std::string source{};
    std::int64_t n = 0; // >= 1
    std::uint64_t seed = 0;
    std::string output{}; // empty: SOURCE-sample
    std::string message{};
};

struct SampleReport {
    DatasetVersion source{};
    std::int64_t rows_in = 0;
    std::int64_t rows_out = 0;
    CommitResult commit{};
};

SampleReport sample_dataset(store::Project& project, const SampleRequest& request);

} // namespace llmops::data
