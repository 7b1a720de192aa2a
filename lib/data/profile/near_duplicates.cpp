#include "data/profile/near_duplicates.hpp"

#include "core/hash.hpp"

#include <algorithm>
#include <array>
#include <numeric>

namespace llmops::data {

namespace {

constexpr int kHashes = 64;
constexpr int kBands = 16;
constexpr int kRowsPerBand = kHashes / kBands;
// Pair checks allowed in all: a sample of near-identical templated texts would otherwise
// cost O(n^2).
constexpr std::uint64_t kComparisonBudget = 20'000'000;

using Signature = std::array<std::uint64_t, kHashes>;

std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 33)) * 0xFF51AFD7ED558CCDULL;
    z = (z ^ (z >> 33)) * 0xC4CEB9FE1A85EC53ULL;
    return z ^ (z >> 33);
}

std::uint64_t rotl(std::uint64_t x, int r) {
    return (x << r) | (x >> (64 - r));
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// False for a text without words (nothing to compare).
bool signature_of(const std::string& text, const std::array<std::uint64_t, kHashes>& seeds,
                  std::string& lower, std::vector<std::uint64_t>& words, Signature& sig) {
    lower.resize(text.size());
    std::transform(text.begin(), text.end(), lower.begin(), [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    words.clear();
    std::size_t i = 0;
    while (i < lower.size()) {
        while (i < lower.size() && is_space(lower[i]))
            ++i;
        std::size_t start = i;
        while (i < lower.size() && !is_space(lower[i]))
            ++i;
        if (i > start) words.push_back(hash64(std::string_view(lower).substr(start, i - start)));
    }
    if (words.empty()) return false;
    sig.fill(~std::uint64_t{0});
    auto add_shingle = [&](std::uint64_t shingle) {
        for (int k = 0; k < kHashes; ++k)
            sig[k] = std::min(sig[k], mix64(shingle ^ seeds[k]));
    };
    if (words.size() < 3) {
        add_shingle(words[0] ^ (words.size() > 1 ? rotl(words[1], 21) : 0));
    } else {
        for (std::size_t w = 0; w + 2 < words.size(); ++w)
            add_shingle(words[w] ^ rotl(words[w + 1], 21) ^ rotl(words[w + 2], 42));
    }
    return true;
}

double similarity(const Signature& a, const Signature& b) {
    int same = 0;
    for (int k = 0; k < kHashes; ++k)
        same += a[k] == b[k];
    return static_cast<double>(same) / kHashes;
}

bool band_equal(const Signature& a, const Signature& b, int band) {
    for (int r = band * kRowsPerBand; r < (band + 1) * kRowsPerBand; ++r)
        if (a[r] != b[r]) return false;
    return true;
}

} // namespace

NearDuplicateEstimate find_near_duplicates(const std::vector<std::string>& texts,
                                           double threshold) {
    NearDuplicateEstimate out;
    out.threshold = threshold;
    std::array<std::uint64_t, kHashes> seeds{};
    for (int k = 0; k < kHashes; ++k)
        seeds[k] = mix64(0x6E656172ULL + static_cast<std::uint64_t>(k) * 0x9E3779B97F4A7C15ULL);

    std::vector<Signature> sigs;
    sigs.reserve(texts.size());
    std::string lower;
    std::vector<std::uint64_t> words;
    Signature sig{};
    for (const auto& t : texts)
        if (signature_of(t, seeds, lower, words, sig)) sigs.push_back(sig);
    out.sample_texts = sigs.size();

    // Identical signatures first: a group of c is c(c-1)/2 pairs, found without comparing.
    std::sort(sigs.begin(), sigs.end());
    std::vector<Signature> unique;
    std::vector<std::uint64_t> multiplicity;
    for (const auto& s : sigs) {
        if (!unique.empty() && unique.back() == s) {
            ++multiplicity.back();
        } else {
            unique.push_back(s);
            multiplicity.push_back(1);
        }
    }
    std::vector<bool> matched(unique.size(), false);
    for (std::size_t u = 0; u < unique.size(); ++u) {
        if (multiplicity[u] < 2) continue;
        out.pairs_in_sample += multiplicity[u] * (multiplicity[u] - 1) / 2;
        matched[u] = true;
    }

    // LSH: texts sharing a band are candidates; a pair is checked in the first band it shares.
    std::uint64_t comparisons = 0;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> keys(unique.size());
    for (int band = 0; band < kBands && out.complete; ++band) {
        for (std::size_t u = 0; u < unique.size(); ++u) {
            std::uint64_t key = static_cast<std::uint64_t>(band);
            for (int r = band * kRowsPerBand; r < (band + 1) * kRowsPerBand; ++r)
                key = mix64(key ^ unique[u][r]) + 0x9E3779B97F4A7C15ULL;
            keys[u] = {key, static_cast<std::uint32_t>(u)};
        }
        std::sort(keys.begin(), keys.end());
        for (std::size_t start = 0; start < keys.size() && out.complete;) {
            std::size_t end = start + 1;
            while (end < keys.size() && keys[end].first == keys[start].first)
                ++end;
            for (std::size_t i = start; i < end && out.complete; ++i) {
                for (std::size_t j = i + 1; j < end; ++j) {
                    if (++comparisons > kComparisonBudget) {
                        out.complete = false;
                        break;
                    }
                    const auto& a = unique[keys[i].second];
                    const auto& b = unique[keys[j].second];
                    if (!band_equal(a, b, band)) continue; // a key collision
                    bool seen_before = false;
                    for (int earlier = 0; earlier < band && !seen_before; ++earlier)
                        seen_before = band_equal(a, b, earlier);
                    if (seen_before || similarity(a, b) < threshold) continue;
                    out.pairs_in_sample +=
                        multiplicity[keys[i].second] * multiplicity[keys[j].second];
                    matched[keys[i].second] = matched[keys[j].second] = true;
                }
            }
            start = end;
        }
    }
    for (std::size_t u = 0; u < unique.size(); ++u)
        if (matched[u]) out.texts_with_near_duplicate += multiplicity[u];
    return out;
}

} // namespace llmops::data
