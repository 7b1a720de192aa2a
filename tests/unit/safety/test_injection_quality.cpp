// Precision and recall of the injection heuristics on the committed labelled sets
// (tests/data/safety/injection_*.jsonl) plus the example project's QA texts as benign: the
// goals of issue 18 (precision >= 0.95 at recall >= 0.60) are asserted here. Set
// LLMOPS_SHOW_MISSES=1 to print every false positive and false negative.
#include "safety/injection_detector.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace llmops::safety;

namespace {

const fs::path kSource = LLMOPS_SOURCE_DIR;

struct Labelled {
    std::string text;
    bool injection = false;
    std::string family;
};

std::vector<nlohmann::json> read_rows(const fs::path& path) {
    std::vector<nlohmann::json> rows;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
    return rows;
}

std::vector<Labelled> labelled_set() {
    std::vector<Labelled> out;
    for (auto name : {"injection_malicious.jsonl", "injection_benign.jsonl"})
        for (const auto& row : read_rows(kSource / "tests/data/safety" / name))
            out.push_back({row.at("text").get<std::string>(), row.at("label") == "injection",
                           row.value("family", "")});
    // The example project's questions, answers and contexts: ordinary QA text.
    for (auto name : {"qa.jsonl", "qa-v2.jsonl"})
        for (const auto& row : read_rows(kSource / "examples/project/data" / name))
            for (auto field : {"question", "answer", "context"})
                if (row.contains(field) && row[field].is_string())
                    out.push_back({row[field].get<std::string>(), false, "example_qa"});
    return out;
}

} // namespace

TEST_CASE("injection heuristics reach precision 0.95 at recall 0.60 on the labelled set",
          "[safety][injection]") {
    auto set = labelled_set();
    REQUIRE(set.size() > 250);
    bool show = std::getenv("LLMOPS_SHOW_MISSES") != nullptr;
    std::size_t true_positives = 0, false_positives = 0, false_negatives = 0, benign = 0;
    std::map<std::string, std::pair<int, int>> per_family; // found, total
    for (const auto& item : set) {
        auto findings = detect_injection(item.text);
        bool flagged = !findings.empty();
        if (item.injection) {
            auto& [found, total] = per_family[item.family];
            ++total;
            if (flagged) {
                ++true_positives;
                ++found;
            } else {
                ++false_negatives;
                if (show) std::cerr << "MISS  [" << item.family << "] " << item.text << "\n";
            }
        } else {
            ++benign;
            if (flagged) {
                ++false_positives;
                if (show)
                    std::cerr << "FALSE [" << findings[0].rule_id << "] " << item.text << "\n";
            }
        }
    }
    double precision =
        static_cast<double>(true_positives) / static_cast<double>(true_positives + false_positives);
    double recall =
        static_cast<double>(true_positives) / static_cast<double>(true_positives + false_negatives);
    if (show) {
        std::cerr << "precision " << precision << " recall " << recall << " (TP " << true_positives
                  << ", FP " << false_positives << " of " << benign << " benign, FN "
                  << false_negatives << ")\n";
        for (const auto& [family, counts] : per_family)
            std::cerr << "  " << family << ": " << counts.first << "/" << counts.second << "\n";
    }
    CHECK(precision >= 0.95);
    CHECK(recall >= 0.60);
}
