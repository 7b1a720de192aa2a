// The zones of the built-in recognizers (safety/pii_zones.hpp) never lose a finding: matching
// each pattern zone by zone gives the same validated candidates as matching it over every line,
// on the labelled and benign sets and on random mutations of them (bytes the patterns care
// about inserted, changed, dropped; lines joined past the engine's 2 KB segments).
#include "safety/pii_candidates.hpp"
#include "safety/pii_phone.hpp"
#include "safety/pii_recognizers.hpp"
#include "safety/pii_zones.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <re2/re2.h>
#include <string>
#include <vector>

using namespace llmops::safety;

namespace {

std::vector<std::string> zone_test_sentences() {
    const std::filesystem::path data =
        std::filesystem::path(LLMOPS_SOURCE_DIR) / "tests/data/safety";
    std::vector<std::string> out;
    for (const char* name : {"pii_labelled.jsonl", "pii_benign.jsonl"}) {
        std::ifstream in(data / name);
        std::string line;
        while (std::getline(in, line))
            if (!line.empty()) out.push_back(nlohmann::json::parse(line)["text"]);
    }
    return out;
}

// Bytes and pieces the patterns turn on, to insert and change at random.
const std::vector<std::string> kZonePieces = {
    "0",   "1",  "3",  "7",  "9",   " ",       "-",    ".",   "/",   "(",    ")",
    "+",   ":",  "@",  "%",  "_",   ",",       "\t",   "A",   "Z",   "b",    "x",
    "é",   "ſ",  "K",  "::", "://", "www.",    "WwW.", "bc1", "BC1", " of ", " May ",
    "th ", "19", "20", "\n", "x12", " ext. 4", "Ext",  " x "};

std::string mutated(const std::string& text, std::mt19937& rng) {
    std::string out = text;
    const int edits = std::uniform_int_distribution<int>(0, 4)(rng);
    for (int e = 0; e < edits && !out.empty(); ++e) {
        std::size_t at = std::uniform_int_distribution<std::size_t>(0, out.size() - 1)(rng);
        while (at > 0 && (static_cast<unsigned char>(out[at]) & 0xC0) == 0x80)
            --at; // a character boundary, so the text stays valid UTF-8
        std::size_t length = 1;
        while (at + length < out.size() &&
               (static_cast<unsigned char>(out[at + length]) & 0xC0) == 0x80)
            ++length;
        const std::string& piece =
            kZonePieces[std::uniform_int_distribution<std::size_t>(0, kZonePieces.size() - 1)(rng)];
        switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
        case 0:
            out.insert(at, piece);
            break;
        case 1:
            out.replace(at, length, piece);
            break;
        case 2:
            out.erase(at, length);
            break;
        default:
            out.insert(at, out.substr(at, length));
            break;
        }
    }
    return out;
}

struct Found {
    std::size_t begin, end;
    std::string validation;
    bool operator==(const Found&) const = default;
};

std::vector<Found> validated(const RecognizerSpec& spec, const RE2& regex, std::string_view text,
                             std::string_view context, std::size_t from, std::size_t to,
                             const PhoneJudge& phone) {
    std::vector<Found> out;
    re2::StringPiece m;
    std::size_t pos = from;
    while (pos < to && regex.Match(context, pos, to, RE2::UNANCHORED, &m, 1)) {
        const std::size_t begin = static_cast<std::size_t>(m.data() - text.data());
        const std::size_t end = begin + m.size();
        pos = end - static_cast<std::size_t>(context.data() - text.data()) + (m.empty() ? 1 : 0);
        if (auto c = validate_candidate(spec, text, begin, end, phone))
            out.push_back({c->begin, c->end, c->validation});
    }
    return out;
}

// Line by line against zone by zone, for every built-in recognizer.
void check_zones(const std::string& text) {
    static const PhoneJudge phone{"US", default_phone_regions()};
    TextZones zones;
    find_zones(text, zones);
    for (const auto& spec : builtin_recognizers()) {
        const auto kind = zone_kind_of(spec.id);
        REQUIRE(kind);
        const RE2 regex(spec.pattern);
        std::vector<Found> by_line, by_zone;
        for (std::size_t start = 0; start <= text.size();) {
            std::size_t end = text.find('\n', start);
            if (end == std::string::npos) end = text.size();
            const std::string_view line = std::string_view(text).substr(start, end - start);
            for (auto& f : validated(spec, regex, text, line, 0, line.size(), phone))
                by_line.push_back(std::move(f));
            start = end + 1;
        }
        for (const Zone& z : zones.zones(*kind))
            for (auto& f : validated(spec, regex, text, text, z.begin, z.end, phone))
                by_zone.push_back(std::move(f));
        INFO(spec.id << " in: " << text);
        REQUIRE(by_zone.size() == by_line.size());
        for (std::size_t i = 0; i < by_line.size(); ++i) {
            CHECK(by_zone[i].begin == by_line[i].begin);
            CHECK(by_zone[i].end == by_line[i].end);
            CHECK(by_zone[i].validation == by_line[i].validation);
        }
        // Zones are in order and do not overlap.
        const auto& list = zones.zones(*kind);
        for (std::size_t i = 1; i < list.size(); ++i)
            CHECK(list[i - 1].end <= list[i].begin);
    }
}

} // namespace

TEST_CASE("pii zones: every labelled and benign sentence, one text", "[safety][pii]") {
    std::string all;
    for (const auto& s : zone_test_sentences())
        all += s + "\n";
    check_zones(all);
}

TEST_CASE("pii zones: random mutations of the sentences", "[safety][pii]") {
    const auto sentences = zone_test_sentences();
    std::mt19937 rng(20261206);
    for (int round = 0; round < 3; ++round) {
        std::string text;
        for (const auto& s : sentences)
            text += mutated(s, rng) + (rng() % 8 == 0 ? " " : "\n");
        check_zones(text);
    }
}

TEST_CASE("pii zones: hand-picked edges", "[safety][pii]") {
    for (const char* text : {"",
                             "1",
                             "19",
                             "1990",
                             "x@y",
                             "a.b",
                             "::",
                             "://",
                             "www.",
                             "born 17th of ſeptember, 1990 in Leeds",
                             "born Auguſt 3rd, 2001",
                             "DE89 3704 0044 0532 0130 00",
                             "XDE89370400440532013000",
                             "_DE89 3704 0044 0532 0130 00",
                             "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
                             "_1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
                             "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
                             "xbc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
                             "HTTPſ://example.com/a",
                             "wWw.example.com/x y",
                             "fe80::1%eth0 and ::1",
                             "+44 (0)20 7946 0958.",
                             "(201) 555-0123",
                             "call 212-555-0147x123 or (212)555-0147 ext. 4567 today",
                             "212.555.0147 EXTENSION 89, 212 555 0147 x 1 and 2125550147X12345678",
                             "555-0147x12 555-0148 x 3x4 ext 212-555-0147",
                             "+1-212-555-0147x 212-555-0149x1",
                             "(+44) 20 7946 0958, (+ 44) 20 7946 0958 and ((+44)) 20 7946 0958",
                             "4111-1111-1111-1111",
                             "536 22 1234",
                             "10.0.0.1.",
                             "1.2.3.4.5",
                             "a 192.168.1.1\n2001:db8::1\njo@example.com",
                             "ssn 536221234 on file",
                             "(536-22-1234)",
                             "536 22-1234",
                             "x536221234",
                             "1536221234",
                             "536-22-12345",
                             "17.05.1990",
                             "1990/5/7",
                             "7-5-1990 and 1990-2000",
                             "setup.py, README.md and self.name",
                             "Example.COM",
                             "a.Com",
                             "b.co_"})
        check_zones(text);
}
