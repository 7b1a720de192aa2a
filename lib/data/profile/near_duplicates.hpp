#pragma once
// Near-duplicate texts in a sample, by the very definition `data dedup --near` applies
// (stats::NearDuplicateIndex with dedup's defaults: word 3-shingles of the NFKC, case-folded
// text, 128 MinHash permutations, LSH bands chosen for the threshold): a pair of texts is
// counted exactly when dedup would drop the later one as a near duplicate of the earlier.
// Definitions in docs/profile.md.
#include <cstdint>
#include <string>
#include <vector>

namespace llmops::data {

struct NearDuplicateEstimate {
    double threshold = 0.8;
    std::uint64_t sample_texts = 0;              // texts with at least one shingle compared
    std::uint64_t pairs_in_sample = 0;           // pairs at or above the threshold
    std::uint64_t texts_with_near_duplicate = 0; // sampled texts in at least one such pair
    bool complete = true; // false when the comparison budget ran out (counts are lower bounds)
};

// Which of `texts` are in at least one near-duplicate pair (`in_pair`, parallel to `texts`),
// with the counts. Identical texts are near duplicates (similarity 1).
NearDuplicateEstimate find_near_duplicates(const std::vector<std::string>& texts,
                                           double threshold = 0.8,
                                           std::vector<bool>* in_pair = nullptr);

} // namespace llmops::data
