// `data profile` and `data dedup --near` share one definition of a near duplicate: on texts that
// differ in Unicode case, width and compatibility forms, a pair one of them calls near
// duplicates the other does too.
#include "data/ops/dataset_dedup.hpp"
#include "data/profile/near_duplicates.hpp"
#include "json/canonical_json.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

using namespace llmops;
using namespace llmops::data;

namespace {

const std::vector<std::string> kTexts = {
    // 0-3: one sentence in plain, upper case, full-width letters and with NBSPs.
    "the quick brown fox jumps over the lazy dog by the river bank this morning",
    "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG BY THE RIVER BANK THIS MORNING",
    "ｔｈｅ ｑｕｉｃｋ ｂｒｏｗｎ ｆｏｘ jumps over the lazy dog by the river bank this morning",
    "the\u00A0quick\u00A0brown fox jumps over the lazy dog by the river bank this morning",
    // 4-5: Unicode case folding (ß -> ss) and a ligature.
    "Die Straße ist lang und breit und führt zum schönen alten Marktplatz der Stadt",
    "DIE STRASSE IST LANG UND BREIT UND FÜHRT ZUM SCHÖNEN ALTEN MARKTPLATZ DER STADT",
    "a \uFB01ne day for a long walk along the quiet shore of the northern lake today",
    "A FINE DAY FOR A LONG WALK ALONG THE QUIET SHORE OF THE NORTHERN LAKE TODAY",
    // 8: an edit of 0 (one word of fifteen changed): near, but not the same.
    "the quick brown fox jumps over the lazy cat by the river bank this morning",
    // 9-11: unrelated texts.
    "retrieval indexes rank passages by term frequency and inverse document frequency",
    "an eval run scores each case with metrics and compares two runs example by example",
    "prompts are templates with variables few shot examples and model parameters",
};

std::string row_of(std::size_t id, const std::string& text) {
    return canonical_json(nlohmann::json{{"id", id}, {"text", text}});
}

DedupOptions near_options() {
    DedupOptions options;
    options.near = NearDupOptions{};
    options.near->field = "text"; // and dedup's defaults: threshold 0.8, 128 permutations
    return options;
}

// Whether `data dedup --near` drops the second of two rows as a near duplicate of the first.
bool dedup_calls_near(const std::string& first, const std::string& second) {
    RowDeduplicator dedup(near_options());
    REQUIRE_FALSE(dedup.check(row_of(0, first), 0));
    const auto dropped = dedup.check(row_of(1, second), 1);
    return dropped && dropped->similarity.has_value();
}

} // namespace

TEST_CASE("profile and dedup agree on every pair", "[profile][near]") {
    for (std::size_t i = 0; i < kTexts.size(); ++i) {
        for (std::size_t j = i + 1; j < kTexts.size(); ++j) {
            INFO("texts " << i << " and " << j);
            const NearDuplicateEstimate profile = find_near_duplicates({kTexts[i], kTexts[j]});
            CHECK((profile.pairs_in_sample == 1) == dedup_calls_near(kTexts[i], kTexts[j]));
            CHECK((profile.pairs_in_sample == 1) == dedup_calls_near(kTexts[j], kTexts[i]));
        }
    }
}

TEST_CASE("case, width and compatibility variants are near duplicates", "[profile][near]") {
    std::vector<bool> in_pair;
    const NearDuplicateEstimate e = find_near_duplicates(kTexts, 0.8, &in_pair);
    CHECK(e.sample_texts == kTexts.size());
    CHECK(e.complete);
    // 0-3 normalise to one text (6 pairs), 4-5 and 6-7 one pair each; 8 (one word in fifteen
    // changed) shares 10 of 16 word 3-shingles with them: similarity ~0.6, below 0.8.
    CHECK(e.pairs_in_sample == 6 + 1 + 1);
    CHECK(e.texts_with_near_duplicate == 8);
    for (std::size_t t = 0; t < kTexts.size(); ++t) {
        INFO("text " << t);
        CHECK(in_pair[t] == (t < 8));
    }

    // The same rows through dedup: every row it drops as a near duplicate, and the row it
    // keeps instead, is one the profile counts in a pair.
    RowDeduplicator dedup(near_options());
    std::set<std::size_t> involved;
    for (std::size_t t = 0; t < kTexts.size(); ++t) {
        if (auto dropped = dedup.check(row_of(t, kTexts[t]), static_cast<std::int64_t>(t))) {
            REQUIRE(dropped->similarity);
            involved.insert(t);
            involved.insert(static_cast<std::size_t>(dropped->duplicate_of));
        }
    }
    CHECK(involved == std::set<std::size_t>{0, 1, 2, 3, 4, 5, 6, 7});
}
