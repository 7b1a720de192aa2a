#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "data/formats/parallel_jsonl.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <optional>
#include <sys/stat.h>
#include <thread>

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
            out << "{\"text\": \"row number " << i
                << " with some padding text to grow it\", \"id\": " << i << "}\n";
    }
    return file;
}

std::vector<std::string> sequential(const fs::path& file) {
    auto reader = data::open_row_reader(file, data::InputFormat::Jsonl);
    std::vector<std::string> rows;
    data::Row row;
    while (reader->next(row))
        rows.push_back(row.json);
    return rows;
}
} // namespace

TEST_CASE("parallel JSONL gives the rows of the sequential reader, in order", "[data][parallel]") {
    testing::TempDir dir;
    fs::path file = write_rows(dir.path(), 200'000);
    std::vector<std::string> rows;
    data::read_jsonl_in_parallel(file, {}, 3,
                                 [&rows](std::string_view r) { rows.emplace_back(r); });
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
                                                     if (++seen == 1000)
                                                         throw std::runtime_error("stop");
                                                 }),
                    std::runtime_error);
}

namespace {
const fs::path kData = fs::path(LLMOPS_SOURCE_DIR) / "tests" / "data";

struct Failure {
    std::string message, hint, file;
    long line = 0, column = 0;
    bool operator==(const Failure&) const = default;
};

template <class Fn> std::optional<Failure> failure_of(Fn&& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return Failure{e.message(), e.hint(), e.where().file, e.where().line, e.where().column};
    }
    return std::nullopt;
}

std::vector<std::string> sequential(const fs::path& file, const data::ReaderOptions& options) {
    auto reader = data::open_row_reader(file, data::InputFormat::Jsonl, options);
    std::vector<std::string> rows;
    data::Row row;
    while (reader->next(row))
        rows.push_back(row.json);
    return rows;
}

std::vector<std::string> parallel(const fs::path& file, const data::ReaderOptions& options) {
    std::vector<std::string> rows;
    data::read_jsonl_in_parallel(file, options, 2,
                                 [&rows](std::string_view r) { rows.emplace_back(r); });
    return rows;
}

void write_bytes(const fs::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}
} // namespace

TEST_CASE("parallel JSONL fails like the sequential reader on every bad JSONL file",
          "[data][parallel]") {
    data::ReaderOptions options;
    options.allow_empty = true; // emptiness is judged by the caller over all inputs
    int files = 0;
    for (const auto& entry : fs::directory_iterator(kData / "bad")) {
        if (entry.path().extension() != ".jsonl") continue;
        ++files;
        INFO(entry.path().filename().string());
        auto expected = failure_of([&] { sequential(entry.path(), options); });
        auto got = failure_of([&] { parallel(entry.path(), options); });
        // Each reader must reject the file on its own: agreeing to accept it is no pass.
        const std::string name = entry.path().filename().string();
        if (name != "empty.jsonl" && name != "blank_only.jsonl") {
            CHECK(expected.has_value());
            CHECK(got.has_value());
        }
        CHECK(got == expected);
    }
    CHECK(files >= 14);
}

TEST_CASE("both JSONL readers reject one character after a row", "[data][parallel]") {
    testing::TempDir dir;
    const fs::path file = dir.path() / "trailing.jsonl";
    struct Case {
        const char* bytes;
        long line, column;
    };
    const Case cases[] = {
        {"{\"a\":1}x", 1, 8},                  // the last line, no final newline
        {"{\"a\":1}x\n", 1, 8},                // a newline after it
        {"{\"a\":1}\n{\"b\":2}x", 2, 8},       // on a later line without a newline
        {"{\"a\":1}\r\n{\"b\":2}x\r\n", 2, 8}, // CRLF line ends
        {"{\"a\":1} x\n", 1, 9},               // after a space
        {"{\"a\":1}}\n", 1, 8},                // a second closing brace
        {"{\"a\":1}\"\n", 1, 9},               // a stray quote: an unterminated string
    };
    for (const Case& c : cases) {
        INFO(std::string(c.bytes));
        write_bytes(file, c.bytes);
        auto expected = failure_of([&] { sequential(file, {}); });
        REQUIRE(expected);
        CHECK(expected->line == c.line);
        CHECK(expected->column == c.column);
        CHECK(failure_of([&] { parallel(file, {}); }) == expected);
    }
    // The same rows without the stray character are accepted by both.
    write_bytes(file, "{\"a\":1}\r\n{\"b\":2} \t\r\n");
    CHECK(sequential(file, {}) == std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"});
    CHECK(parallel(file, {}) == sequential(file, {}));
}

TEST_CASE("a later byte order mark and NUL bytes are named with line and column",
          "[data][parallel]") {
    testing::TempDir dir;
    const fs::path file = dir.path() / "odd.jsonl";
    struct Case {
        std::string bytes;
        std::string message;
        long line, column;
    };
    const std::string bom = "byte order mark (U+FEFF) at the start of a line; only the file may "
                            "start with one";
    const std::string nul = "NUL byte (0x00) in a line; JSON text cannot hold one";
    const Case cases[] = {
        {"{\"a\":1}\n\xEF\xBB\xBF{\"a\":2}\n", bom, 2, 1},
        {"\xEF\xBB\xBF{\"a\":1}\n\xEF\xBB\xBF{\"a\":2}\n", bom, 2, 1},
        {std::string("{\"a\":1}\n\0\n{\"a\":2}\n", 15), nul, 2, 1},
        {std::string("{\"a\":1}\0\n", 9), nul, 1, 8},
        {std::string("{\"a\":1}\n  \0{\"a\":2}\n", 18), nul, 2, 3},
        {std::string("{\"a\":\"x\0y\"}\n", 13), nul, 1, 8},
        // An error before the NUL byte is reported as it is.
        {std::string("{\"a\":?}\0\n", 9),
         "malformed JSON: syntax error while parsing value - "
         "invalid literal",
         1, 6},
    };
    for (const Case& c : cases) {
        INFO(nlohmann::json(c.bytes).dump());
        write_bytes(file, c.bytes);
        auto expected = failure_of([&] { sequential(file, {}); });
        REQUIRE(expected);
        CHECK(expected->message.starts_with(c.message));
        CHECK(expected->line == c.line);
        CHECK(expected->column == c.column);
        CHECK(failure_of([&] { parallel(file, {}); }) == expected);
    }
}

TEST_CASE("parallel JSONL: BOM, CRLF, blank lines and no final newline", "[data][parallel]") {
    testing::TempDir dir;
    const fs::path good = kData / "good" / "rows.jsonl";
    CHECK(parallel(good, {}) == sequential(good, {}));
    // A byte order mark counts only at the very start of the file.
    fs::path file = dir.path() / "bom.jsonl";
    write_bytes(file, "\xEF\xBB\xBF{\"a\":1}\r\n\r\n  \t\n{\"b\":2}\n\xEF\xBB\xBF{\"c\":3}");
    auto expected = failure_of([&] { sequential(file, {}); });
    REQUIRE(expected);
    CHECK(expected->line == 5);
    CHECK(failure_of([&] { parallel(file, {}); }) == expected);
}

TEST_CASE("parallel JSONL: rows longer than a block, and longer than the limit",
          "[data][parallel]") {
    testing::TempDir dir;
    const std::string big(6 << 20, 'x'); // longer than a 4 MiB block, under the 16 MiB limit
    fs::path file = dir.path() / "big.jsonl";
    write_bytes(file, "{\"n\":1}\n{\"t\":\"" + big + "\"}\n{\"n\":3}\n");
    std::vector<std::string> rows = parallel(file, {});
    REQUIRE(rows.size() == 3);
    CHECK(rows[1].size() == big.size() + 8);
    CHECK(rows == sequential(file, {}));

    data::ReaderOptions small;
    small.max_row_bytes = 1000;
    for (std::size_t length : {std::size_t{1001}, std::size_t{5000}, std::size_t{5} << 20}) {
        std::string text;
        for (int i = 0; i < 50'000; ++i)
            text += "{\"i\":" + std::to_string(i) + "}\n";
        text += "{\"t\":\"" + std::string(length, 'y') + "\"}\n{\"i\":0}\n";
        write_bytes(file, text);
        INFO("row of " << length << " bytes");
        auto expected = failure_of([&] { sequential(file, small); });
        REQUIRE(expected);
        CHECK(expected->line == 50'001);
        CHECK(failure_of([&] { parallel(file, small); }) == expected);
    }
}

TEST_CASE("parallel JSONL hashes the file it reads", "[data][parallel]") {
    testing::TempDir dir;
    fs::path file = write_rows(dir.path(), 100'000);
    const std::string bytes = read_file(file);
    long rows = 0;
    data::JsonlFileSummary summary =
        data::read_jsonl_in_parallel(file, {}, 2, [&rows](std::string_view) { ++rows; });
    CHECK(summary.hash == hash128(bytes));
    CHECK(summary.bytes == bytes.size());
    CHECK(summary.rows == 100'000);
    CHECK(rows == 100'000);
}

TEST_CASE("parallel JSONL hands parsed blocks on while it waits for more of a pipe",
          "[data][parallel]") {
    // 30,000 rows of 113 bytes are three whole 1 MiB blocks and a part. The writer keeps the
    // pipe open until the consumer has had the three blocks: reading must not hold them up (a
    // reader blocked on the pipe used to hold the lock the consumer needs, so they came only
    // when the writer gave up).
    testing::TempDir dir;
    const fs::path pipe = dir.path() / "rows.jsonl";
    REQUIRE(::mkfifo(pipe.c_str(), 0600) == 0);
    std::promise<void> three_blocks;
    bool in_time = false;
    std::thread writer([&] {
        std::ofstream out(pipe);
        for (int i = 10000; i < 40000; ++i)
            out << "{\"id\":" << i << ",\"text\":\"" << std::string(90, 'x') << "\"}\n";
        out.flush();
        in_time = three_blocks.get_future().wait_for(std::chrono::seconds(20)) ==
                  std::future_status::ready;
    });
    std::int64_t rows = 0;
    const auto summary =
        data::read_jsonl_in_parallel(pipe, {}, 2, [&](std::shared_ptr<const data::RowBlock> block) {
            const bool before = rows >= 25000;
            rows += static_cast<std::int64_t>(block->rows());
            if (!before && rows >= 25000) three_blocks.set_value();
        });
    writer.join();
    CHECK(in_time);
    CHECK(summary.rows == 30000);
    CHECK(rows == 30000);
}
