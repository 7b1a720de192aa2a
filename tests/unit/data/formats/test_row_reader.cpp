#include "core/error.hpp"
#include "data/formats/input_files.hpp"
#include "data/formats/input_format.hpp"
#include "data/formats/row_reader.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <fstream>
#include <future>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace llmops::data;

namespace {

const fs::path kData = fs::path(LLMOPS_SOURCE_DIR) / "tests" / "data";

std::vector<Row> read_all(const fs::path& path, ReaderOptions options = {}) {
    auto reader = open_row_reader(path, detect_format(path), options);
    std::vector<Row> rows;
    Row row;
    while (reader->next(row))
        rows.push_back(row);
    return rows;
}

std::vector<std::string> texts(const std::vector<Row>& rows) {
    std::vector<std::string> out;
    for (const Row& row : rows)
        out.push_back(row.json);
    return out;
}

std::vector<std::string> read_memory(std::string_view bytes, InputFormat format,
                                     ReaderOptions options = {}) {
    auto reader = open_row_reader(bytes, "mem", format, options);
    std::vector<std::string> out;
    Row row;
    while (reader->next(row))
        out.push_back(row.json);
    return out;
}

struct BadCase {
    const char* file;
    const char* message;
    long line;
    long column;
};

} // namespace

TEST_CASE("bad-input corpus: each file fails with its message and location", "[data]") {
    const BadCase cases[] = {
        {"malformed.jsonl",
         "malformed JSON: syntax error while parsing object separator - unexpected number "
         "literal; expected ':'",
         2, 6},
        {"truncated.jsonl",
         "malformed JSON: syntax error while parsing array - unexpected end of input; expected "
         "']'",
         2, 10},
        {"trailing_content.jsonl",
         "malformed JSON: syntax error while parsing value - unexpected '{'; expected end of "
         "input",
         1, 9},
        {"trailing_character.jsonl",
         "malformed JSON: syntax error while parsing value - invalid literal; expected end of "
         "input",
         1, 8},
        {"bom_later_line.jsonl",
         "byte order mark (U+FEFF) at the start of a line; only the file may start with one", 3, 1},
        {"nul_between_rows.jsonl", "NUL byte (0x00) in a line; JSON text cannot hold one", 2, 1},
        {"nul_after_row.jsonl", "NUL byte (0x00) in a line; JSON text cannot hold one", 2, 8},
        {"not_object.jsonl", "line is not a JSON object (found array)", 3, 1},
        {"scalar_line.jsonl", "line is not a JSON object (found string)", 1, 1},
        {"duplicate_key.jsonl", "duplicate key \"a\"", 1, 14},
        {"duplicate_key_nested.jsonl", "duplicate key \"k\"", 1, 13},
        {"invalid_utf8.jsonl", "invalid UTF-8", 2, 10},
        {"too_deep.jsonl", "JSON nested too deeply (more than 1024 levels)", 1, 0},
        {"number_overflow.jsonl", "malformed JSON: number overflow parsing '1e400'", 1, 10},
        {"empty.jsonl", "empty input: no rows", 0, 0},
        {"blank_only.jsonl", "empty input: no rows", 0, 0},
        {"ragged.csv", "ragged row: 3 fields, the header has 2", 3, 5},
        {"ragged_short.csv", "ragged row: 1 field, the header has 2", 3, 2},
        {"unterminated_quote.csv", "unterminated quoted field", 3, 3},
        {"quote_then_text.csv", "unexpected character after a closing quote", 2, 6},
        {"duplicate_header.csv", "duplicate column name \"id\" in the CSV header", 1, 9},
        {"invalid_utf8.csv", "invalid UTF-8", 3, 6},
        {"empty.csv", "empty input: no rows", 0, 0},
        {"header_only.csv", "empty input: no rows", 0, 0},
        {"not_array.json", "expected a JSON array of objects, found an object", 1, 1},
        {"array_element_not_object.json", "array element is not a JSON object (found number)", 3,
         3},
        {"array_trailing_comma.json", "trailing comma in JSON array", 2, 1},
        {"array_unterminated.json", "unterminated JSON array", 1, 1},
        {"array_malformed_element.json",
         "malformed JSON: syntax error while parsing value - invalid literal", 4, 7},
        {"array_trailing_content.json", "unexpected content after the JSON array", 1, 11},
        {"array_duplicate_key.json", "duplicate key \"b\"", 2, 11},
        {"empty_array.json", "empty input: no rows", 0, 0},
        {"unknown.xyz", "unknown format '.xyz' (known: .jsonl, .ndjson, .csv, .json)", 0, 0},
    };
    for (const BadCase& c : cases) {
        INFO(c.file);
        const fs::path path = kData / "bad" / c.file;
        REQUIRE(fs::exists(path));
        try {
            read_all(path);
            FAIL("no error");
        } catch (const llmops::Error& e) {
            CHECK(e.kind() == llmops::ErrorKind::BadInput);
            CHECK(e.message() == c.message);
            CHECK(e.where().file == path.string());
            CHECK(e.where().line == c.line);
            CHECK(e.where().column == c.column);
            CHECK(std::string(e.what()).find('\n') == std::string::npos);
        }
    }
    // Every corpus file is covered.
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(kData / "bad"))
        files += entry.path().extension() != ".md";
    CHECK(files == std::size(cases));
}

TEST_CASE("unknown formats and explicit --format", "[data]") {
    CHECK(detect_format("a.JSONL") == InputFormat::Jsonl);
    CHECK(detect_format("a.ndjson") == InputFormat::Jsonl);
    CHECK(detect_format("a.csv") == InputFormat::Csv);
    CHECK(detect_format("a.json") == InputFormat::Json);
    CHECK(detect_format("a.txt", std::string("csv")) == InputFormat::Csv);
    try {
        detect_format("data");
        FAIL("no error");
    } catch (const llmops::Error& e) {
        CHECK(e.message() == "unknown format: the file name has no extension");
        CHECK(e.hint().find("--format") != std::string::npos);
    }
    CHECK_THROWS_AS(detect_format("a.csv", std::string("yaml")), llmops::Error);
}

TEST_CASE("empty input is accepted with allow_empty", "[data]") {
    ReaderOptions options;
    options.allow_empty = true;
    CHECK(read_all(kData / "bad" / "empty.jsonl", options).empty());
    CHECK(read_all(kData / "bad" / "header_only.csv", options).empty());
    CHECK(read_all(kData / "bad" / "empty_array.json", options).empty());
}

TEST_CASE("good JSONL: BOM, CRLF, blank lines, no final newline", "[data]") {
    const auto rows = read_all(kData / "good" / "rows.jsonl");
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].json == R"({"a":"x","b":1})");
    CHECK(rows[1].json == "{\"m\":100,\"n\":1,\"s\":\"tab\\there \xc3\xa9 /\",\"z\":0}");
    CHECK(rows[2].json == R"({"nested":{"x":null,"y":[1,{"c":3,"d":2}]},"t":true})");
    CHECK(rows[0].line == 1);
    CHECK(rows[1].line == 3);
    CHECK(rows[2].line == 5);
    CHECK(rows[2].index == 2);
}

TEST_CASE("good CSV: quoted commas, quotes, newlines, CRLF, BOM", "[data]") {
    const auto rows = read_all(kData / "good" / "quoted.csv");
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].json == R"({"id":"1","note":"she said \"hi\"","text":"hello, world"})");
    CHECK(rows[1].json == R"({"id":"2","note":"","text":"line one\r\nline two"})");
    CHECK(rows[2].json == R"({"id":"3","note":"x","text":"plain"})");
    CHECK(rows[0].line == 2);
    CHECK(rows[1].line == 3);
    CHECK(rows[2].line == 5);
}

TEST_CASE("CSV type inference", "[data]") {
    ReaderOptions options;
    options.infer_types = true;
    const auto rows = texts(read_all(kData / "good" / "types.csv", options));
    REQUIRE(rows.size() == 2);
    CHECK(rows[0] == R"({"b":true,"e":null,"f":3.5,"i":42,"q":"","s":"007","z":100})");
    CHECK(rows[1] == R"({"b":false,"e":null,"f":0.1,"i":-7,"q":12,"s":"+1","z":0})");
    const auto plain = texts(read_all(kData / "good" / "types.csv"));
    CHECK(plain[0] == R"({"b":"true","e":"","f":"3.50","i":"42","q":"","s":"007","z":"1e2"})");
    CHECK(read_memory("a\n1e400\nTRUE\nnull\n 1\n", InputFormat::Csv, options) ==
          std::vector<std::string>{R"({"a":"1e400"})", R"({"a":"TRUE"})", R"({"a":"null"})",
                                   R"({"a":" 1"})"});
}

TEST_CASE("CSV edge cases", "[data]") {
    // Final record without a newline; a trailing comma is an empty last field; a quote inside
    // an unquoted field is data; a lone CR is data.
    CHECK(read_memory("a,b\n1,\n\"x\"\"\",y\"z\n3,4\r", InputFormat::Csv) ==
          std::vector<std::string>{R"({"a":"1","b":""})", R"({"a":"x\"","b":"y\"z"})",
                                   R"({"a":"3","b":"4"})"});
    CHECK(read_memory("a\nx\ry\n", InputFormat::Csv) ==
          std::vector<std::string>{R"({"a":"x\ry"})"});
    // Header keys come out sorted whatever the column order.
    CHECK(read_memory("z,a\n1,2\n", InputFormat::Csv) ==
          std::vector<std::string>{R"({"a":"2","z":"1"})"});
}

TEST_CASE("good JSON array, streamed element by element", "[data]") {
    const auto rows = read_all(kData / "good" / "rows.json");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].json == R"({"a":"x","b":1})");
    CHECK(rows[1].json == R"({"list":[1,2,{"k":"v"}],"text":"with ] and } and , inside"})");
    CHECK(rows[1].line == 3);
}

TEST_CASE("rows that cross the reader's 1 MiB blocks", "[data]") {
    // Many rows with a few long ones: splits land inside rows, strings and CRLFs.
    std::string jsonl, csv = "k,v\n", array = "[";
    std::vector<std::string> expected;
    for (int i = 0; i < 3000; ++i) {
        const std::string text(i % 500 == 7 ? 700000 : 100 + i % 37,
                               static_cast<char>('a' + i % 26));
        jsonl += "{\"v\":\"" + text + "\",\"k\":" + std::to_string(i) + "}\r\n";
        csv += std::to_string(i) + ",\"" + text + "\"\r\n";
        array += (i ? "," : "") + std::string("{\"v\":\"") + text +
                 "\",\"k\":" + std::to_string(i) + "}";
        expected.push_back("{\"k\":" + std::to_string(i) + ",\"v\":\"" + text + "\"}");
    }
    array += "]";
    CHECK(read_memory(jsonl, InputFormat::Jsonl) == expected);
    CHECK(read_memory(array, InputFormat::Json) == expected);
    ReaderOptions options;
    options.infer_types = true;
    CHECK(read_memory(csv, InputFormat::Csv, options) == expected);
}

TEST_CASE("a 100 MB single line either works or fails clearly", "[data]") {
    llmops::testing::TempDir dir;
    const fs::path path = dir.path() / "huge.jsonl";
    {
        std::ofstream out(path, std::ios::binary);
        out << "{\"text\":\"";
        const std::string chunk(1 << 20, 'x');
        for (int i = 0; i < 100; ++i)
            out << chunk;
        out << "\"}\n{\"a\":1}\n";
    }
    // Default: over the row size limit, a clean error at line 1.
    try {
        read_all(path);
        FAIL("no error");
    } catch (const llmops::Error& e) {
        CHECK(e.message() == "row longer than 16 MiB");
        CHECK(e.where().line == 1);
        CHECK_FALSE(e.hint().empty());
    }
    // With a higher limit it is read.
    ReaderOptions options;
    options.max_row_bytes = std::size_t{128} << 20;
    auto reader = open_row_reader(path, InputFormat::Jsonl, options);
    Row row;
    REQUIRE(reader->next(row));
    CHECK(row.json.size() == (std::size_t{100} << 20) + 11);
    REQUIRE(reader->next(row));
    CHECK(row.json == R"({"a":1})");
    CHECK(row.line == 2);
}

TEST_CASE("missing files and directories of inputs", "[data]") {
    llmops::testing::TempDir dir;
    const fs::path missing = dir.path() / "nope.jsonl";
    try {
        read_all(missing);
        FAIL("no error");
    } catch (const llmops::Error& e) {
        CHECK(e.message() == "input file not found");
        CHECK(e.where().file == missing.string());
    }
    CHECK_THROWS_AS(expand_inputs({missing}), llmops::Error);
    CHECK_THROWS_AS(read_all(dir.path()), llmops::Error); // a directory is not a file

    fs::create_directories(dir.path() / "data" / "sub");
    fs::create_directories(dir.path() / "data" / ".hidden");
    llmops::testing::write_test_file(dir.path() / "data" / "b.jsonl", "{\"a\":1}\n");
    llmops::testing::write_test_file(dir.path() / "data" / "a.csv", "x\n1\n");
    llmops::testing::write_test_file(dir.path() / "data" / "sub" / "c.json", "[{\"c\":1}]");
    llmops::testing::write_test_file(dir.path() / "data" / "README.md", "not data");
    llmops::testing::write_test_file(dir.path() / "data" / ".secret.jsonl", "{}");
    llmops::testing::write_test_file(dir.path() / "data" / ".hidden" / "d.jsonl", "{}");
    const auto files = expand_inputs({dir.path() / "data"});
    REQUIRE(files.size() == 3);
    CHECK(files[0] == dir.path() / "data" / "a.csv");
    CHECK(files[1] == dir.path() / "data" / "b.jsonl");
    CHECK(files[2] == dir.path() / "data" / "sub" / "c.json");

    // An unreadable data file in a directory is an error naming that file.
    const fs::path dangling = dir.path() / "data" / "sub" / "z.jsonl";
    fs::create_symlink(dir.path() / "gone.jsonl", dangling);
    try {
        expand_inputs({dir.path() / "data"});
        FAIL("no error");
    } catch (const llmops::Error& e) {
        CHECK(e.message() == "cannot read input file: dangling symbolic link");
        CHECK(e.where().file == dangling.string());
    }
    fs::remove(dangling);
    if (::geteuid() != 0) { // root reads anything
        const fs::path locked = dir.path() / "data" / "locked.jsonl";
        llmops::testing::write_test_file(locked, "{}\n");
        fs::permissions(locked, fs::perms::none);
        try {
            expand_inputs({dir.path() / "data"});
            FAIL("no error");
        } catch (const llmops::Error& e) {
            CHECK(e.message() == "cannot read input file: Permission denied");
            CHECK(e.where().file == locked.string());
        }
        fs::permissions(locked, fs::perms::owner_all);
    }

    fs::create_directories(dir.path() / "nothing");
    CHECK_THROWS_AS(expand_inputs({dir.path() / "nothing"}), llmops::Error);
}

TEST_CASE("a named pipe given as input is not opened before it is read", "[data]") {
    // Opening and closing a pipe's read end to test it would let the writer meet no reader
    // (SIGPIPE). With no writer yet, such an open would block: run it aside and bound the wait.
    llmops::testing::TempDir dir;
    const fs::path pipe = dir.path() / "rows.jsonl";
    REQUIRE(::mkfifo(pipe.c_str(), 0600) == 0);
    auto expanded = std::async(std::launch::async, [&] { return expand_inputs({pipe}); });
    const bool returned = expanded.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
    if (!returned) {
        // Free the blocked open so that the test ends.
        const int writer = ::open(pipe.c_str(), O_WRONLY);
        expanded.wait();
        ::close(writer);
    }
    REQUIRE(returned);
    CHECK(expanded.get() == std::vector<fs::path>{pipe});
}
