#pragma once
// Hashes of files and folders (XXH3-128, the hash of the object store), read in parallel and
// remembered in a stat cache: a file whose size, mtime, ctime and inode are those recorded is
// not read again, so a no-op `pipeline status` over gigabytes costs a stat per file.
// ctime is kept besides the mtime the issue names because no user tool can set it back: a
// same-size rewrite followed by `touch -d` to the old mtime is still seen.
#include "core/hash.hpp"
#include "store/database.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace llmops::pipeline {

struct FileStat {
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;
    std::uint64_t inode = 0;
    bool operator==(const FileStat&) const = default;
};

// The store's table file_hashes, loaded once and written back in one transaction.
class StatCache {
  public:
    // Without a database the cache lives in memory only (tests, --no-store uses).
    explicit StatCache(store::Database* db);
    std::optional<Hash128> lookup(const std::string& path, const FileStat& stat) const;
    void remember(const std::string& path, const FileStat& stat, const Hash128& hash);
    // Writes what changed since loading; a no-op when nothing did.
    void save();
    std::size_t hits() const { return hits_; }
    std::size_t misses() const { return misses_; }

  private:
    struct Entry {
        FileStat stat;
        Hash128 hash;
    };
    store::Database* db_;
    std::unordered_map<std::string, Entry> entries_;
    std::vector<std::string> changed_;
    mutable std::size_t hits_ = 0;
    mutable std::size_t misses_ = 0;
};

struct PathHash {
    bool exists = false;
    bool folder = false;
    Hash128 hash;            // a file's content, or a folder's listing (below)
    std::uint64_t files = 0; // 1 for a file
    std::uint64_t bytes = 0;
    // A folder's files: relative path -> content hash, sorted by path.
    std::vector<std::pair<std::string, Hash128>> listing;
};

// The hash of a folder: XXH3-128 of "<relative path>\0<hex hash>\n" per file, sorted by path.
Hash128 folder_hash(const std::vector<std::pair<std::string, Hash128>>& listing);

// Hashes one file by streaming it.
Hash128 hash_file(const std::filesystem::path& path);

class FileHasher {
  public:
    // threads = 0: one per core.
    FileHasher(StatCache& cache, unsigned threads = 0);
    // Hashes of the given paths (relative to root), files read in parallel; a missing path
    // gives exists = false. Symbolic links are followed.
    std::map<std::string, PathHash> hash_paths(const std::filesystem::path& root,
                                               const std::vector<std::string>& paths);
    std::uint64_t bytes_read() const { return bytes_read_; }

  private:
    StatCache& cache_;
    unsigned threads_;
    std::uint64_t bytes_read_ = 0;
};

} // namespace llmops::pipeline
