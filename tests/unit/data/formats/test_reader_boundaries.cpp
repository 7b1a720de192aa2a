// The readers give the same rows, lines and errors wherever the source's reads end: a source
// that hands out a few bytes at a time puts a read boundary at every position (a CR at the end
// of the window, a closing quote, a BOM, a blank CRLF line). Also exact messages of the readers'
// rarer errors and the row size limit at its boundary.
#include "core/error.hpp"
#include "data/formats/csv_value.hpp"
#include "data/formats/input_files.hpp"
#include "data/formats/parallel_jsonl.hpp"
#include "data/formats/row_reader.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace llmops;
using namespace llmops::data;

namespace {

// Hands out at most `chunk` bytes per read.
class ChunkedSource final : public ByteSource {
  public:
    ChunkedSource(std::string_view bytes, std::size_t chunk) : bytes_(bytes), chunk_(chunk) {}
    std::size_t read(char* dest, std::size_t capacity) override {
        const std::size_t n = std::min({capacity, chunk_, bytes_.size()});
        std::memcpy(dest, bytes_.data(), n);
        bytes_.remove_prefix(n);
        return n;
    }
    const std::string& name() const override { return name_; }

  private:
    std::string_view bytes_;
    std::size_t chunk_;
    std::string name_ = "mem";
};

// Every row as "line: json", or the error as "error: message @line:column".
std::vector<std::string> outcome(std::string_view bytes, InputFormat format, std::size_t chunk,
                                 ReaderOptions options = {}) {
    std::vector<std::string> out;
    try {
        auto reader =
            open_row_reader(std::make_unique<ChunkedSource>(bytes, chunk), format, options);
        Row row;
        while (reader->next(row))
            out.push_back(std::to_string(row.line) + ": " + row.json);
    } catch (const Error& e) {
        out.push_back("error: " + e.message() + " @" + std::to_string(e.where().line) + ":" +
                      std::to_string(e.where().column));
    }
    return out;
}

// The outcome with the whole input in one read, checked to be the same for reads of 1 to 7
// bytes.
std::vector<std::string> read_any_chunks(std::string_view bytes, InputFormat format,
                                         ReaderOptions options = {}) {
    const auto whole = outcome(bytes, format, bytes.size() + 1, options);
    for (std::size_t chunk = 1; chunk <= 7; ++chunk) {
        INFO("reads of " << chunk << " bytes");
        CHECK(outcome(bytes, format, chunk, options) == whole);
    }
    return whole;
}

using Rows = std::vector<std::string>;

} // namespace

TEST_CASE("CSV: blank lines, CRLF and lone CRs wherever the reads end", "[data]") {
    // Blank LF and CRLF lines are skipped (one at the very end of the input too).
    CHECK(read_any_chunks("a\n\n1\n\r\n2\r\n\r\n\n3", InputFormat::Csv) ==
          Rows{R"(3: {"a":"1"})", R"(5: {"a":"2"})", R"(8: {"a":"3"})"});
    CHECK(read_any_chunks("a\n1\r\n\r\n", InputFormat::Csv) == Rows{R"(2: {"a":"1"})"});
    // A lone CR is data inside a field; a stray CR at the very end ends the input.
    CHECK(read_any_chunks("a\nx\ry\n", InputFormat::Csv) == Rows{R"(2: {"a":"x\ry"})"});
    CHECK(read_any_chunks("a\n1\n\r", InputFormat::Csv) == Rows{R"(2: {"a":"1"})"});
    CHECK(read_any_chunks("a\n1\r", InputFormat::Csv) == Rows{R"(2: {"a":"1"})"});
    // A closing quote followed by CRLF, by a CR at the very end, by a comma.
    CHECK(read_any_chunks("a\n\"q\"\r\n\"w\"\r", InputFormat::Csv) ==
          Rows{R"(2: {"a":"q"})", R"(3: {"a":"w"})"});
    CHECK(read_any_chunks("a,b\n\"1\"\"2\",\"x\ny\"\n3,4\n", InputFormat::Csv) ==
          Rows{R"(2: {"a":"1\"2","b":"x\ny"})", R"(4: {"a":"3","b":"4"})"});
    CHECK(read_any_chunks("\xEF\xBB\xBF"
                          "a,b\r\n1,2\r\n",
                          InputFormat::Csv) == Rows{R"(2: {"a":"1","b":"2"})"});
}

TEST_CASE("CSV: errors after a closing quote and ragged rows, wherever the reads end", "[data]") {
    CHECK(read_any_chunks("a\n\"x\"y\n", InputFormat::Csv) ==
          Rows{"error: unexpected character after a closing quote @2:4"});
    CHECK(read_any_chunks("a\n\"x\"\rz\n", InputFormat::Csv) ==
          Rows{"error: unexpected character after a closing quote @2:4"});
    CHECK(read_any_chunks("a,b\n1\n", InputFormat::Csv) ==
          Rows{"error: ragged row: 1 field, the header has 2 @2:2"});
    CHECK(read_any_chunks("a\n\"open\n", InputFormat::Csv) ==
          Rows{"error: unterminated quoted field @2:1"});
}

TEST_CASE("CSV: a record is complete without waiting for the end of the input", "[data]") {
    // A small row limit: a reader that waited for the end of the input before ending a record
    // would hold more than the limit in its window.
    std::string csv = "k,v\n";
    Rows expected;
    for (int i = 0; i < 40; ++i) {
        csv += std::to_string(i) + ",\"t" + std::to_string(i) + "\"\r\n";
        expected.push_back(std::to_string(i + 2) + ": {\"k\":\"" + std::to_string(i) +
                           "\",\"v\":\"t" + std::to_string(i) + "\"}");
    }
    csv += "x,y";
    expected.push_back(R"(42: {"k":"x","v":"y"})");
    ReaderOptions options;
    options.max_row_bytes = 16;
    CHECK(read_any_chunks(csv, InputFormat::Csv, options) == expected);
}

TEST_CASE("the row size limit counts a row's bytes without its line ending", "[data]") {
    ReaderOptions options;
    options.max_row_bytes = 7; // {"a":1} is 7 bytes
    CHECK(read_any_chunks("{\"a\":1}\r\n{\"b\":2}\n", InputFormat::Jsonl, options) ==
          Rows{R"(1: {"a":1})", R"(2: {"b":2})"});
    CHECK(read_any_chunks("{\"a\":1}\r\n{\"b\": 2}\n", InputFormat::Jsonl, options) ==
          Rows{R"(1: {"a":1})", "error: row longer than 7 bytes @2:0"});
    CHECK(read_any_chunks("{\"a\":1}\r", InputFormat::Jsonl, options) == Rows{R"(1: {"a":1})"});
    // A blank CRLF line is within any limit.
    options.max_row_bytes = 0;
    options.allow_empty = true;
    CHECK(read_any_chunks("\r\n\r\n", InputFormat::Jsonl, options).empty());

    options = {};
    options.max_row_bytes = 7;
    CHECK(read_any_chunks("a\n1234567\r\n", InputFormat::Csv, options) ==
          Rows{R"(2: {"a":"1234567"})"});
    CHECK(read_any_chunks("a\n12345678\n1\n", InputFormat::Csv, options) ==
          Rows{"error: row longer than 7 bytes @2:0"});
    CHECK(read_any_chunks("[{\"a\":1}  \n ,{\"b\":2}\t]", InputFormat::Json, options) ==
          Rows{R"(1: {"a":1})", R"(2: {"b":2})"});
    CHECK(read_any_chunks("[{\"a\":1},{\"b\": 2}]", InputFormat::Json, options) ==
          Rows{R"(1: {"a":1})", "error: row longer than 7 bytes @1:0"});
    // Spaces inside an unterminated string are row bytes.
    options.max_row_bytes = 10;
    CHECK(read_any_chunks("[{\"a\":\"x          ", InputFormat::Json, options) ==
          Rows{"error: row longer than 10 bytes @1:0"});
}

TEST_CASE("JSONL: CR handling and blank lines wherever the reads end", "[data]") {
    // A CRLF blank line after a row; a line ending CRLF; no final newline.
    CHECK(read_any_chunks("{\"a\":1}\n\r\n{\"b\":2}\r\n\n{\"c\":3}", InputFormat::Jsonl) ==
          Rows{R"(1: {"a":1})", R"(3: {"b":2})", R"(5: {"c":3})"});
    CHECK(read_any_chunks("\xEF\xBB\xBF{\"a\":1}\n", InputFormat::Jsonl) == Rows{R"(1: {"a":1})"});
}

TEST_CASE("JSON array: element errors and hints", "[data]") {
    CHECK(read_any_chunks("[{\"a\":1} , {\"b\":2}\n]", InputFormat::Json) ==
          Rows{R"(1: {"a":1})", R"(1: {"b":2})"});
    CHECK(read_any_chunks("[{\"a\":1}}]", InputFormat::Json) ==
          Rows{R"(1: {"a":1})", "error: expected ',' or ']' after an array element @1:9"});
    CHECK(read_any_chunks("[{\"a\":1},]", InputFormat::Json) ==
          Rows{R"(1: {"a":1})", "error: trailing comma in JSON array @1:10"});
    CHECK(read_any_chunks("[{\"a\":1}] x", InputFormat::Json) ==
          Rows{R"(1: {"a":1})", "error: unexpected content after the JSON array @1:11"});
    try {
        auto reader = open_row_reader(std::string_view("{\"a\":1}"), "mem", InputFormat::Json);
        Row row;
        reader->next(row);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.message() == "expected a JSON array of objects, found an object");
        CHECK(e.hint() == "for one JSON object per line use --format jsonl");
    }
    try {
        auto reader = open_row_reader(std::string_view("\"text\""), "mem", InputFormat::Json);
        Row row;
        reader->next(row);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.hint().empty());
    }
}

TEST_CASE("CSV number literals: the JSON grammar exactly", "[data]") {
    for (const char* yes :
         {"0", "-0", "7", "-12", "0.5", "-0.25", "1e5", "1E5", "1e+5", "1e-5", "2.5E-3", "10"})
        CHECK(is_json_number_literal(yes));
    for (const char* no : {"", "-", "+1", ".5", "-.5", "01", "1.", "1.e5", "1e", "1e+", "1e+-5",
                           "e5", "1x", "0x10", "--1", " 1", "1 "})
        CHECK_FALSE(is_json_number_literal(no));
}

TEST_CASE("input files: exact messages for what cannot be read", "[data]") {
    llmops::testing::TempDir dir;
    try {
        expand_inputs({dir.path() / "missing.csv"});
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.message() == "input file not found");
        CHECK(e.where().file == (dir.path() / "missing.csv").string());
    }
    try {
        auto reader = open_row_reader(dir.path(), InputFormat::Jsonl);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.message() == "input is a directory, not a file");
    }
    // A socket: it exists, but opening it for reading fails.
    const fs::path socket_path = dir.path() / "s.jsonl";
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    REQUIRE(socket_path.string().size() < sizeof address.sun_path);
    std::strcpy(address.sun_path, socket_path.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    try {
        expand_inputs({socket_path});
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.message() == std::string("cannot read input file: ") + std::strerror(ENXIO));
    }
    ::close(fd);
    // A file that opens but cannot be read: /proc/self/mem at offset 0 is unmapped memory.
    if (fs::exists("/proc/self/mem")) {
        try {
            auto reader = open_row_reader(fs::path("/proc/self/mem"), InputFormat::Jsonl);
            Row row;
            reader->next(row);
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.message() == std::string("cannot read input file: ") + std::strerror(EIO));
        }
    }
}

TEST_CASE("parallel JSONL: a one-byte file, and the limit without the CR", "[data]") {
    llmops::testing::TempDir dir;
    const fs::path one = dir.path() / "one.jsonl";
    testing::write_test_file(one, "7");
    try {
        read_jsonl_in_parallel(one, {}, 2, [](std::string_view) {});
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.where().line == 1);
    }
    const fs::path crlf = dir.path() / "crlf.jsonl";
    testing::write_test_file(crlf, "{\"a\":1}\r\n\r\n{\"b\":2}\r\n");
    ReaderOptions options;
    options.max_row_bytes = 7;
    std::vector<std::string> rows;
    const auto summary = read_jsonl_in_parallel(
        crlf, options, 2, [&](std::string_view row) { rows.emplace_back(row); });
    CHECK(rows == std::vector<std::string>{R"({"a":1})", R"({"b":2})"});
    CHECK(summary.rows == 2);
    CHECK(summary.bytes == 20);
}

TEST_CASE("error positions inside array elements and JSONL lines", "[data]") {
    // The element starts at line 2, column 3; the bad value is its 6th byte.
    const auto array = read_any_chunks("[{\"a\":1},\n  {\"b\":x}]", InputFormat::Json);
    REQUIRE(array.size() == 2);
    CHECK(array[1].ends_with(" @2:8"));
    // A line that is not an object; a NUL byte; a BOM that does not start the file.
    CHECK(read_any_chunks("{\"a\":1}\n[1]\n", InputFormat::Jsonl) ==
          Rows{R"(1: {"a":1})", "error: line is not a JSON object (found array) @2:1"});
    CHECK(read_any_chunks(std::string_view("{\"a\":\"x\0\"}\n", 11), InputFormat::Jsonl) ==
          Rows{"error: NUL byte (0x00) in a line; JSON text cannot hold one @1:8"});
    CHECK(read_any_chunks("{\"a\":1}\n\xEF\xBB\xBF{\"b\":2}\n", InputFormat::Jsonl) ==
          Rows{R"(1: {"a":1})", "error: byte order mark (U+FEFF) at the start of a line; only "
                                "the file may start with one @2:1"});
}
