#include "core/error.hpp"
#include "data/parallel_jsonl.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace llmops;
namespace fs = std::filesystem;

namespace {
// Rows of ~100 bytes; enough of them to span several 4 MiB blocks.
fs::path write_rows(const fs::path& dir, int rows, int bad_row = -1) {
    fs::path file = dir / "rows.jsonl";
    std::ofstream out(file);
    for (int i = 0; i < rows; ++i) {
        if (i == bad_row)
            out << "{\"id\": " << i << ", \"text\": oops}\n";
        else
            out << "{\"text\": \"row number " << i << " with some padding text to grow it\", \"id\": " << i
                << "}\n";
    }
    return file;
}

std::vector<std::string> sequential(const fs::path& file) {
    auto reader = data::open_row_reader(file, data::InputFormat::Jsonl);
    std::vector<std::string> rows;
    data::Row row;
    while (reader->next(row)) rows.push_back(row.json);
    return rows;
}
} // namespace

TEST_CASE("parallel JSONL gives the rows of the sequential reader, in order", "[data][parallel]") {
    testing::TempDir dir;
    fs::path file = write_rows(dir.path(), 200'000);
    std::vector<std::string> rows;
    data::read_jsonl_in_parallel(file, {}, 3, [&rows](std::string_view r) { rows.emplace_back(r); });
    CHECK(rows == sequential(file));
}

TEST_CASE("parallel JSONL reports an error at the file's own line", "[data][parallel]") {
    testing::TempDir dir;
    const int bad = 150'001;
    fs::path file = write_rows(dir.path(), 200'000, bad);
    long sequential_line = 0, sequential_column = 0;
    try {
        sequential(file);
        FAIL("expected an error");
    } catch (const Error& e) {
        sequential_line = e.where().line;
        sequential_column = e.where().column;
    }
    CHECK(sequential_line == bad + 1);
    try {
        data::read_jsonl_in_parallel(file, {}, 2, [](std::string_view) {});
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::BadInput);
        CHECK(e.where().line == sequential_line);
        CHECK(e.where().column == sequential_column);
        CHECK(e.where().file == file.string());
    }
}

TEST_CASE("parallel JSONL stops cleanly when the consumer throws", "[data][parallel]") {
    testing::TempDir dir;
    fs::path file = write_rows(dir.path(), 100'000);
    int seen = 0;
    CHECK_THROWS_AS(data::read_jsonl_in_parallel(file, {}, 2,
                                                 [&seen](std::string_view) {
                                                     if (++seen == 1000) throw std::runtime_error("stop");
                                                 }),
                    std::runtime_error);
}
