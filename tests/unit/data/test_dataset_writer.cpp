// A version's identity must not depend on how its rows were read: the parallel JSONL path
// (single-pass canonicaliser, row blocks) gives the manifest of the sequential full path, and
// the manifest of a fixed dataset is pinned so that no optimisation can change it.
#include "core/file_io.hpp"
#include "data/dataset_import.hpp"
#include "data/dataset_writer.hpp"
#include "store/project.hpp"
#include "temp_dir.hpp"
#include "json/canonical_json.hpp"

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

using namespace llmops;
using namespace llmops::data;
namespace fs = std::filesystem;

namespace {

std::uint64_t next(std::uint64_t& state) {
    state += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Rows shaped like bench/gen_dataset's (keys out of order, decimals such as 0.500), with every
// 97th row spelled unusually (whitespace, escapes, exponents, big numbers, non-ASCII) so that
// both the fast and the full canonicaliser are used.
std::string rows_text(int count) {
    static const char* const kWords[] = {"model", "prompt", "answer",  "the",   "a", "of",
                                         "token", "vector", "latency", "judge", "é", "日本"};
    std::ostringstream out;
    for (int id = 0; id < count; ++id) {
        std::uint64_t rng = static_cast<std::uint64_t>(id) * 7919;
        std::string text;
        for (int i = 0; i < 12; ++i) {
            if (i) text += ' ';
            text += kWords[next(rng) % 12];
        }
        char score[32];
        std::snprintf(score, sizeof score, "%.3f", static_cast<double>(next(rng) % 1000) / 1000.0);
        if (id % 97 == 5) {
            out << "{ \"text\" : \"" << text << "\\u00e9\\n\\/\" , \"id\" : " << id
                << ", \"score\": " << score << "e0, \"big\": 123456789012345678901234}\r\n";
        } else if (id % 97 == 50) {
            out << "\n{\"z\":[1.0,-0,{\"b\":1,\"a\":2}],\"id\":" << id << "}\n";
        } else {
            out << "{\"id\":" << id << ",\"text\":\"" << text << "\",\"score\":" << score
                << ",\"ok\":" << (id % 3 ? "true" : "false") << ",\"tags\":[\"x\",null]}\n";
        }
    }
    return out.str();
}

struct WriterStore {
    testing::TempDir dir;
    store::ProjectPaths paths = store::init_project(dir.path() / "proj");
    store::Project project = store::Project::open(paths, store::StoreAccess::Write);
};

} // namespace

TEST_CASE("data add's parallel path gives the manifest of the sequential full path",
          "[data][dataset_writer]") {
    WriterStore s;
    const fs::path file = s.dir.path() / "rows.jsonl";
    std::ofstream(file, std::ios::binary) << rows_text(60'000);

    ImportOptions options;
    options.name = "parallel";
    const CommitResult parallel = import_files(s.project, {file}, options);

    // The reference: every line through the simdjson canonicaliser, one add_row at a time.
    JsonCanonicalizer full(FastPath::Off);
    DatasetWriter writer(s.project);
    std::istringstream lines(read_file(file));
    std::string line, row;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        row.clear();
        line.append(kJsonPadding, ' ');
        full.append(line.data(), line.size() - kJsonPadding, row, JsonRoot::Object);
        writer.add_row(row);
    }
    VersionDraft draft;
    draft.name = "sequential";
    const CommitResult sequential = writer.commit(draft);

    CHECK(parallel.version.rows == 60'000);
    CHECK(parallel.version.manifest == sequential.version.manifest);
    CHECK(parallel.version.schema == sequential.version.schema);
}

TEST_CASE("the manifest of a fixed dataset is pinned", "[data][dataset_writer]") {
    WriterStore s;
    const fs::path file = s.dir.path() / "rows.jsonl";
    std::ofstream(file, std::ios::binary) << rows_text(60'000);
    ImportOptions options;
    options.name = "pinned";
    const CommitResult result = import_files(s.project, {file}, options);
    // Computed by llmops 1bb0d11, before the single-pass canonicaliser and the parallel reader.
    CHECK(result.version.manifest == "33fee09865cace1fd084e0c18dfedae6");
}
