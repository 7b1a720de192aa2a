// Output files (-o, --junit, --html ...): checked before any work, written whole or not at all,
// every failure Error(BadInput) with the OS reason.
#include "core/error.hpp"
#include "core/output_file.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

using namespace llmops;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

Error output_error_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e;
    }
    FAIL("no error");
    return Error(ErrorKind::Usage, "");
}

std::size_t entries(const fs::path& dir) {
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

} // namespace

TEST_CASE("an output path is checked before anything is written", "[core][output]") {
    testing::TempDir dir;
    fs::create_directories(dir.path() / "folder");
    check_output_path(dir.path() / "new.txt"); // a new file in a writable folder
    check_output_path("/dev/null");            // an existing device

    Error missing = output_error_of([&] { check_output_path(dir.path() / "nope" / "a.txt"); });
    CHECK(missing.kind() == ErrorKind::BadInput);
    CHECK_THAT(missing.message(), Catch::EndsWith("a.txt: No such file or directory"));
    CHECK_THAT(missing.hint(), Catch::Contains("create the folder"));

    Error folder = output_error_of([&] { check_output_path(dir.path() / "folder"); });
    CHECK(folder.kind() == ErrorKind::BadInput);
    CHECK_THAT(folder.message(), Catch::EndsWith("folder: Is a directory"));

    std::ofstream(dir.path() / "file") << "x";
    Error under_file = output_error_of([&] { check_output_path(dir.path() / "file" / "a.txt"); });
    CHECK_THAT(under_file.message(), Catch::EndsWith("Not a directory"));

    CHECK(output_error_of([] { check_output_path(""); }).kind() == ErrorKind::Usage);
    CHECK(entries(dir.path()) == 2); // nothing created by the checks
}

TEST_CASE("an output file replaces the old one only when committed", "[core][output]") {
    testing::TempDir dir;
    const fs::path target = dir.path() / "report.txt";
    std::ofstream(target) << "old";
    {
        OutputFile out(target);
        out.stream() << "new ";
        out.write("content");
        CHECK(slurp(target) == "old"); // not yet
        out.commit();
    }
    CHECK(slurp(target) == "new content");
    CHECK(entries(dir.path()) == 1); // no temp file left

    {
        OutputFile abandoned(target);
        abandoned.write("half");
    } // not committed: the temp file goes, the old file stays
    CHECK(slurp(target) == "new content");
    CHECK(entries(dir.path()) == 1);
}

TEST_CASE("a full disk fails the commit with the OS reason", "[core][output]") {
    OutputFile out("/dev/full");
    out.write(std::string(1 << 17, 'x'));
    Error full = output_error_of([&] { out.commit(); });
    CHECK(full.kind() == ErrorKind::BadInput);
    CHECK(full.message() == "cannot write /dev/full: No space left on device");
}
