#include "data/profile/near_duplicates.hpp"

#include "stats/minhash.hpp"

#include <algorithm>
#include <numeric>
#include <span>

namespace llmops::data {

namespace {

// Candidate comparisons allowed in all: a sample of near-identical templated texts would
// otherwise cost O(n^2).
constexpr std::uint64_t kComparisonBudget = 20'000'000;

} // namespace

NearDuplicateEstimate find_near_duplicates(const std::vector<std::string>& texts, double threshold,
                                           std::vector<bool>* in_pair) {
    NearDuplicateEstimate out;
    out.threshold = threshold;
    stats::NearDuplicateParams params;
    params.threshold = threshold;
    stats::NearDuplicateIndex index(params);
    const auto p = static_cast<std::size_t>(params.permutations);

    // Signatures of the texts that have shingles, flattened; owner[k] is the text of the k-th.
    std::vector<std::uint32_t> signatures;
    std::vector<std::size_t> owner;
    std::vector<std::uint32_t> signature;
    for (std::size_t t = 0; t < texts.size(); ++t) {
        if (!index.signature(texts[t], signature)) continue;
        signatures.insert(signatures.end(), signature.begin(), signature.end());
        owner.push_back(t);
    }
    out.sample_texts = owner.size();
    auto sig = [&](std::size_t k) {
        return std::span<const std::uint32_t>(signatures.data() + k * p, p);
    };

    // Identical signatures first: a group of c is c(c-1)/2 pairs, found without comparing.
    std::vector<std::size_t> order(owner.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return std::lexicographical_compare(sig(a).begin(), sig(a).end(), sig(b).begin(),
                                            sig(b).end());
    });
    std::vector<std::vector<std::size_t>> groups; // members of each distinct signature
    for (std::size_t k : order) {
        if (groups.empty() || !std::ranges::equal(sig(groups.back().front()), sig(k)))
            groups.emplace_back();
        groups.back().push_back(k);
    }
    std::vector<bool> matched(groups.size(), false);
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const std::uint64_t c = groups[g].size();
        out.pairs_in_sample += c * (c - 1) / 2;
        matched[g] = c > 1;
    }

    // Distinct signatures against each other, through the index dedup uses.
    index.reserve(groups.size());
    std::uint64_t budget = kComparisonBudget;
    std::vector<stats::NearMatch> matches;
    for (std::size_t g = 0; g < groups.size() && out.complete; ++g) {
        const auto candidates = index.matches(sig(groups[g].front()), matches, budget);
        if (candidates > budget) out.complete = false;
        budget -= std::min<std::uint64_t>(candidates, budget);
        for (const stats::NearMatch& m : matches) {
            out.pairs_in_sample += groups[g].size() * groups[m.id].size();
            matched[g] = matched[m.id] = true;
        }
        index.insert(sig(groups[g].front()));
    }

    if (in_pair) in_pair->assign(texts.size(), false);
    for (std::size_t g = 0; g < groups.size(); ++g) {
        if (!matched[g]) continue;
        out.texts_with_near_duplicate += groups[g].size();
        if (in_pair)
            for (std::size_t k : groups[g])
                (*in_pair)[owner[k]] = true;
    }
    return out;
}

} // namespace llmops::data
