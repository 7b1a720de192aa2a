#pragma once
// Near-duplicate texts estimated with MinHash on a sample: 64 min-hashes of each text's word
// 3-shingles (ASCII-lowercased), candidate pairs from LSH (16 bands of 4), a pair counted when
// its estimated Jaccard similarity is at least `threshold`. Definitions in docs/profile.md.
#include <cstdint>
#include <string>
#include <vector>

namespace llmops::data {

struct NearDuplicateEstimate {
    double threshold = 0.8;
    std::uint64_t sample_texts = 0;              // non-empty texts compared
    std::uint64_t pairs_in_sample = 0;           // pairs at or above the threshold
    std::uint64_t texts_with_near_duplicate = 0; // sampled texts in at least one such pair
    bool complete = true; // false when the comparison budget ran out (counts are lower bounds)
};

// Compares every pair of `texts` that LSH makes a candidate. Identical texts count as near
// duplicates (similarity 1).
NearDuplicateEstimate find_near_duplicates(const std::vector<std::string>& texts,
                                           double threshold = 0.8);

} // namespace llmops::data
