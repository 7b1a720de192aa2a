// Writes a deterministic QA-shaped JSONL dataset for the data benchmarks, and optionally the
// edited second version of issue 3's P2: rows appended, a contiguous block removed, and rows
// changed at random positions.
//   gen_dataset ROWS OUT.jsonl [EDITED.jsonl APPEND REMOVE CHANGE]
#include "stats/statistics.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_set>

namespace {
using llmops::stats::splitmix64;

const char* const kWords[] = {"model",  "prompt", "answer",  "context", "question",
                              "vector", "token",  "latency", "dataset", "version",
                              "metric", "judge",  "the",     "a",       "of",
                              "and",    "to",     "in",      "is",      "for"};

std::string words(std::uint64_t& rng, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
        if (i) out += ' ';
        out += kWords[splitmix64(rng) % 20];
    }
    return out;
}

// About 250 bytes per row.
std::string row(std::uint64_t id, int variant) {
    std::uint64_t rng = id * 7919 + static_cast<std::uint64_t>(variant);
    char score[32];
    std::snprintf(score, sizeof score, "%.3f",
                  static_cast<double>(splitmix64(rng) % 1000) / 1000.0);
    return "{\"id\":" + std::to_string(id) + ",\"question\":\"" + words(rng, 8) +
           "?\",\"answer\":\"" + words(rng, 6) + "\",\"context\":\"" + words(rng, 20) +
           "\",\"score\":" + score + ",\"variant\":" + std::to_string(variant) + "}\n";
}

void write_all(FILE* f, const std::string& s) {
    std::fwrite(s.data(), 1, s.size(), f);
}
} // namespace

int main(int argc, char** argv) {
    if (argc != 3 && argc != 7) {
        std::fprintf(stderr,
                     "usage: gen_dataset ROWS OUT.jsonl [EDITED.jsonl APPEND REMOVE CHANGE]\n");
        return 2;
    }
    std::uint64_t rows = std::strtoull(argv[1], nullptr, 10);
    FILE* out = std::fopen(argv[2], "wb");
    if (!out) return 1;
    for (std::uint64_t i = 0; i < rows; ++i)
        write_all(out, row(i, 0));
    std::fclose(out);
    if (argc == 3) return 0;

    std::uint64_t append = std::strtoull(argv[4], nullptr, 10);
    std::uint64_t remove = std::strtoull(argv[5], nullptr, 10);
    std::uint64_t change = std::strtoull(argv[6], nullptr, 10);
    std::uint64_t remove_from = rows / 3;
    std::unordered_set<std::uint64_t> changed;
    std::uint64_t rng = 42;
    while (changed.size() < change) {
        std::uint64_t at = splitmix64(rng) % rows;
        if (at < remove_from || at >= remove_from + remove) changed.insert(at);
    }
    FILE* edited = std::fopen(argv[3], "wb");
    if (!edited) return 1;
    for (std::uint64_t i = 0; i < rows; ++i) {
        if (i >= remove_from && i < remove_from + remove) continue;
        write_all(edited, row(i, changed.count(i) ? 1 : 0));
    }
    for (std::uint64_t i = 0; i < append; ++i)
        write_all(edited, row(rows + i, 0));
    std::fclose(edited);
    return 0;
}
