// Scratch files for child processes and editors: made under $TMPDIR with a prefix, private,
// removed when they go; a failure to make one is reported, never thrown.
#include "core/scratch_file.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

using namespace llmops;
namespace fs = std::filesystem;

namespace {

// Sets TMPDIR while it lives; the previous value comes back when it goes.
class ScopedTmpdir {
  public:
    explicit ScopedTmpdir(const std::string& dir) {
        if (const char* old = std::getenv("TMPDIR")) old_ = old;
        ::setenv("TMPDIR", dir.c_str(), 1);
    }
    ~ScopedTmpdir() {
        if (old_)
            ::setenv("TMPDIR", old_->c_str(), 1);
        else
            ::unsetenv("TMPDIR");
    }
    ScopedTmpdir(const ScopedTmpdir&) = delete;
    ScopedTmpdir& operator=(const ScopedTmpdir&) = delete;

  private:
    std::optional<std::string> old_;
};

} // namespace

TEST_CASE("a scratch file is made under TMPDIR with its prefix, private, and removed when it goes",
          "[core][scratch_file]") {
    testing::TempDir dir;
    ScopedTmpdir tmpdir(dir.path().string());
    std::string path;
    {
        ScratchFile file("llmops-unit");
        REQUIRE(file.ok());
        CHECK(file.error().empty());
        path = file.path();
        CHECK(fs::path(path).parent_path() == dir.path());
        CHECK(fs::path(path).filename().string().rfind("llmops-unit-", 0) == 0);
        CHECK(fs::path(path).filename().string().size() == std::string("llmops-unit-").size() + 6);
        struct stat st {};
        REQUIRE(::stat(path.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
    }
    CHECK_FALSE(fs::exists(path));
}

TEST_CASE("a scratch file written whole is read back from its start, whole or by its tail",
          "[core][scratch_file]") {
    ScratchFile file("llmops-unit");
    REQUIRE(file.ok());
    CHECK(file.read_all().empty());
    CHECK(file.read_tail(10).empty());

    // More than one 64 KiB read, so read_all has to loop.
    std::string text(200000, 'x');
    for (std::size_t i = 0; i < text.size(); i += 997)
        text[i] = static_cast<char>('a' + i % 26);
    text += "the end\n";
    REQUIRE(file.write_all(text));

    // Rewound: what a child given fd() as its stdin would read first.
    char first[4] = {};
    REQUIRE(::read(file.fd(), first, sizeof first) == 4);
    CHECK(std::string(first, 4) == text.substr(0, 4));

    CHECK(file.read_all() == text);
    CHECK(file.read_tail(8) == "the end\n");
    CHECK(file.read_tail(text.size() + 100) == text);
}

TEST_CASE("a scratch file that cannot be made says why instead of throwing",
          "[core][scratch_file]") {
    testing::TempDir dir;
    ScopedTmpdir tmpdir((dir.path() / "missing").string());
    ScratchFile file("llmops-unit");
    CHECK_FALSE(file.ok());
    CHECK(file.fd() < 0);
    CHECK(file.error() == "cannot make a temporary file: No such file or directory");
}
