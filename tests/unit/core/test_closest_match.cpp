// "Did you mean": edit distance and the closeness rule shared by every suggestion.
#include <catch2/catch.hpp>

#include "core/closest_match.hpp"

using llmops::closest_match;
using llmops::did_you_mean;
using llmops::edit_distance;

TEST_CASE("edit distance counts insertions, deletions, substitutions and swaps", "[core]") {
    CHECK(edit_distance("", "") == 0);
    CHECK(edit_distance("abc", "") == 3);
    CHECK(edit_distance("provider", "providers") == 1);
    CHECK(edit_distance("temprature", "temperature") == 1);
    CHECK(edit_distance("tresh", "thresh") == 1);
    CHECK(edit_distance("teh", "the") == 1); // a swap of neighbours is one edit
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(edit_distance("Providers", "providers") == 0); // ASCII case is ignored
}

TEST_CASE("closest_match suggests only likely typos", "[core]") {
    const std::vector<std::string> keys{"version", "providers", "prices"};
    CHECK(closest_match("provider", keys) == "providers");
    CHECK(closest_match("PROVIDERS", keys) == "providers");
    CHECK(closest_match("price", keys) == "prices");
    CHECK(closest_match("verison", keys) == "version");
    CHECK_FALSE(closest_match("models", keys));
    CHECK_FALSE(closest_match("providers", keys)); // not misspelt
    CHECK_FALSE(closest_match("x", {"y"}));        // one letter is no evidence
    CHECK_FALSE(closest_match("ab", {"xy"}));
    CHECK(closest_match("qa", {"qb", "qa2"}) == "qb"); // ties go to the earlier candidate
    CHECK(closest_match("thresold", {"label", "threshold", "field"}) == "threshold");
    CHECK_FALSE(closest_match("anything", {}));
}

TEST_CASE("did_you_mean phrases the suggestion or says nothing", "[core]") {
    CHECK(did_you_mean("provider", {"providers"}) == "did you mean 'providers'?");
    CHECK(did_you_mean("zzz", {"providers"}).empty());
}
