// The hand matchers of the probe rules find what RE2 finds with the rules' own compiled
// patterns: on random texts over the bytes that matter (hex digits, separators, backslashes,
// x, padding, base64 and base64url symbols), from random starts to random ends.
#include "safety/injection_probe_match.hpp"
#include "safety/injection_rules.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <string>

using namespace llmops::safety;

namespace {

std::string random_probe_text(std::mt19937& rng) {
    static const std::string alphabet = "0123456789abcdefABCDEF   ::\\\\xxXgGz==+/-_.\n";
    std::uniform_int_distribution<int> pick(0, static_cast<int>(alphabet.size()) - 1);
    std::uniform_int_distribution<int> style(0, 5);
    std::string text;
    const int parts = 1 + static_cast<int>(rng() % 12);
    for (int p = 0; p < parts; ++p) {
        switch (style(rng)) {
        case 0: // hex pairs with separators, sometimes one short or one too many
            for (int k = static_cast<int>(rng() % 16); k > 0; --k)
                text += std::string("a9") + (rng() % 2 ? " " : ":");
            if (rng() % 2) text += "f0";
            break;
        case 1: // \x escapes
            for (int k = static_cast<int>(rng() % 12); k > 0; --k)
                text += rng() % 5 ? "\\x4f" : "\\X4F";
            break;
        case 2: // a run of hex digits around 24
            text += std::string(20 + rng() % 10, "0a9F"[rng() % 4]);
            break;
        case 3: // base64-ish with padding
            text += std::string(20 + rng() % 10, "Zq+/-_"[rng() % 6]) + std::string(rng() % 4, '=');
            break;
        default:
            for (int k = static_cast<int>(rng() % 30); k > 0; --k)
                text += alphabet[static_cast<std::size_t>(pick(rng))];
        }
    }
    return text;
}

} // namespace

TEST_CASE("the probe rules' hand matchers find what RE2 finds", "[safety][injection]") {
    const auto& rules = InjectionRuleSet::builtin();
    std::vector<std::pair<std::size_t, ProbeMatcher>> probes;
    for (std::size_t r = 0; r < rules.rules().size(); ++r)
        if (auto m = probe_matcher_for(rules.regex(r).pattern()); m != ProbeMatcher::none)
            probes.emplace_back(r, m);
    REQUIRE(probes.size() == 3); // base64, base64url, hex: all three by hand
    CHECK(probe_matcher_for("[A-Za-z0-9+/]{20,}") == ProbeMatcher::none);
    std::mt19937 rng(7);
    std::size_t found = 0;
    for (int round = 0; round < 20000; ++round) {
        const std::string text = random_probe_text(rng);
        const std::size_t end = text.size() - (rng() % 3 ? 0 : rng() % (text.size() + 1));
        const std::size_t from = end == 0 ? 0 : rng() % (end + 1);
        for (auto [rule, matcher] : probes) {
            re2::StringPiece match;
            const bool slow = rules.regex(rule).Match(text, from, end, RE2::UNANCHORED, &match, 1);
            std::size_t begin = 0;
            std::size_t stop = 0;
            const bool fast = next_probe_match(matcher, text, from, end, begin, stop);
            INFO(text << " from " << from << " to " << end << " rule " << rule);
            REQUIRE(fast == slow);
            if (!slow) continue;
            ++found;
            CHECK(begin == static_cast<std::size_t>(match.data() - text.data()));
            CHECK(stop == begin + match.size());
        }
    }
    CHECK(found > 5000);
}
