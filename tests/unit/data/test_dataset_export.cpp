// data cat / data export: JSONL and CSV output of a version, the row limit, and the atomic
// replacement of the target file.
#include "core/error.hpp"
#include "data/dataset_export.hpp"
#include "data/dataset_import.hpp"
#include "store/project.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace llmops;
using namespace llmops::data;
namespace fs = std::filesystem;

namespace {

struct ExportStore {
    testing::TempDir dir;
    store::ProjectPaths paths = store::init_project(dir.path() / "proj");
    store::Project project = store::Project::open(paths, store::StoreAccess::Write);

    DatasetVersion add(const std::string& jsonl) {
        const fs::path file = dir.path() / "rows.jsonl";
        std::ofstream(file, std::ios::binary) << jsonl;
        ImportOptions options;
        options.name = "rows";
        return import_files(project, {file}, options).version;
    }
};

std::string exported(ExportStore& s, const DatasetVersion& v, ExportOptions options) {
    std::string out;
    export_rows(s.project, v, options, [&](std::string_view block) { out.append(block); });
    return out;
}

std::string file_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace

TEST_CASE("export writes canonical JSONL rows, up to the limit", "[data][export]") {
    ExportStore s;
    DatasetVersion v = s.add("{\"b\":1,\"a\":\"x\"}\n{\"a\":\"y\"}\n{\"a\":\"z\",\"b\":2}\n");
    CHECK(exported(s, v, {}) == "{\"a\":\"x\",\"b\":1}\n{\"a\":\"y\"}\n{\"a\":\"z\",\"b\":2}\n");
    CHECK(exported(s, v, {.limit = 2}) == "{\"a\":\"x\",\"b\":1}\n{\"a\":\"y\"}\n");
    CHECK(exported(s, v, {.limit = 0}).empty());
}

TEST_CASE("export writes CSV with a header of every field", "[data][export]") {
    ExportStore s;
    DatasetVersion v = s.add("{\"a\":\"x, y\",\"b\":1}\n{\"a\":\"q\"}\n");
    // RFC 4180: CRLF line ends.
    CHECK(exported(s, v, {.format = InputFormat::Csv}) == "a,b\r\n\"x, y\",1\r\nq,\r\n");
}

TEST_CASE("export to a file replaces it whole and counts the rows", "[data][export]") {
    ExportStore s;
    DatasetVersion v = s.add("{\"a\":1}\n{\"a\":2}\n");
    const fs::path target = s.dir.path() / "out.jsonl";
    std::ofstream(target) << "old content that is longer than the export\n";
    CHECK(export_rows_to_file(s.project, v, {}, target) == 2);
    CHECK(file_text(target) == "{\"a\":1}\n{\"a\":2}\n");
    // Nothing left behind in the store's staging folder.
    CHECK(fs::is_empty(s.paths.tmp_dir));
}

TEST_CASE("output formats are jsonl and csv only", "[data][export]") {
    CHECK(parse_output_format("jsonl") == InputFormat::Jsonl);
    CHECK(parse_output_format("csv") == InputFormat::Csv);
    for (const char* bad : {"json", "parquet", ""}) {
        try {
            parse_output_format(bad);
            FAIL("accepted " << bad);
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::Usage);
        }
    }
}
