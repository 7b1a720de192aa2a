#include "core/file_io.hpp"
#include "pipeline/file_hasher.hpp"
#include "store/migrations.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sys/stat.h>
#include <sys/time.h>

using namespace llmops;
using namespace llmops::pipeline;
namespace fs = std::filesystem;

namespace {

// Sets a file's mtime (as `touch -d` would) without touching its content.
void set_mtime(const fs::path& path, long seconds) {
    struct timeval times[2] = {{seconds, 0}, {seconds, 0}};
    REQUIRE(::utimes(path.c_str(), times) == 0);
}

} // namespace

TEST_CASE("file and folder hashes are XXH3-128 of the content and listing", "[pipeline]") {
    testing::TempDir dir;
    testing::write_test_file(dir.path() / "a.txt", "hello");
    testing::write_test_file(dir.path() / "d/x", "1");
    testing::write_test_file(dir.path() / "d/sub/y", "2");
    StatCache cache(nullptr);
    FileHasher hasher(cache, 2);
    auto h = hasher.hash_paths(dir.path(), {"a.txt", "d", "missing"});
    CHECK(h["a.txt"].exists);
    CHECK(h["a.txt"].hash == hash128("hello"));
    CHECK(h["d"].folder);
    CHECK(h["d"].files == 2);
    REQUIRE(h["d"].listing.size() == 2);
    CHECK(h["d"].listing[0].first == "sub/y");
    CHECK(h["d"].hash == folder_hash({{"sub/y", hash128("2")}, {"x", hash128("1")}}));
    CHECK_FALSE(h["missing"].exists);
}

TEST_CASE("the stat cache spares reads and sees every change", "[pipeline]") {
    testing::TempDir dir;
    auto db = store::Database::open(dir.path() / "store.db", true);
    store::migrate(db);
    fs::path file = dir.path() / "data.bin";
    testing::write_test_file(file, "aaaa");
    set_mtime(file, 1'600'000'000);
    {
        StatCache cache(&db);
        FileHasher hasher(cache, 1);
        CHECK(hasher.hash_paths(dir.path(), {"data.bin"})["data.bin"].hash == hash128("aaaa"));
        CHECK(hasher.bytes_read() == 4);
        cache.save();
    }
    SECTION("unchanged: answered from the store without reading") {
        StatCache cache(&db);
        FileHasher hasher(cache, 1);
        CHECK(hasher.hash_paths(dir.path(), {"data.bin"})["data.bin"].hash == hash128("aaaa"));
        CHECK(hasher.bytes_read() == 0);
        CHECK(cache.hits() == 1);
    }
    SECTION("touch alone re-reads (mtime changed), content the same") {
        set_mtime(file, 1'700'000'000);
        StatCache cache(&db);
        FileHasher hasher(cache, 1);
        CHECK(hasher.hash_paths(dir.path(), {"data.bin"})["data.bin"].hash == hash128("aaaa"));
        CHECK(hasher.bytes_read() == 4);
    }
    SECTION("same size, different content, mtime changed") {
        testing::write_test_file(file, "bbbb");
        set_mtime(file, 1'600'000'001);
        StatCache cache(&db);
        FileHasher hasher(cache, 1);
        CHECK(hasher.hash_paths(dir.path(), {"data.bin"})["data.bin"].hash == hash128("bbbb"));
    }
    SECTION("same size, different content, mtime set back: ctime still tells") {
        testing::write_test_file(file, "cccc");
        set_mtime(file, 1'600'000'000);
        StatCache cache(&db);
        FileHasher hasher(cache, 1);
        CHECK(hasher.hash_paths(dir.path(), {"data.bin"})["data.bin"].hash == hash128("cccc"));
    }
    SECTION("replaced by another file (new inode)") {
        testing::write_test_file(dir.path() / "other", "dddd");
        fs::rename(dir.path() / "other", file);
        set_mtime(file, 1'600'000'000);
        StatCache cache(&db);
        FileHasher hasher(cache, 1);
        CHECK(hasher.hash_paths(dir.path(), {"data.bin"})["data.bin"].hash == hash128("dddd"));
    }
}

TEST_CASE("many files hash in parallel to the same answers", "[pipeline]") {
    testing::TempDir dir;
    std::vector<std::string> paths;
    for (int i = 0; i < 64; ++i) {
        std::string name = "f" + std::to_string(i);
        testing::write_test_file(dir.path() / name,
                                 std::string(1000 + i * 37, static_cast<char>('a' + i % 26)));
        paths.push_back(name);
    }
    StatCache one_cache(nullptr), many_cache(nullptr);
    FileHasher one(one_cache, 1), many(many_cache, 4);
    auto a = one.hash_paths(dir.path(), paths);
    auto b = many.hash_paths(dir.path(), paths);
    for (const auto& p : paths)
        CHECK(a[p].hash == b[p].hash);
    CHECK(a["f3"].hash == hash_file(dir.path() / "f3"));
}
