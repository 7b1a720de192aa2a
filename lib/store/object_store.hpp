#pragma once
// Content-addressed, immutable blobs under .llmops/objects/ab/cdef…, named by the XXH3-128 of
// their uncompressed content. A zstd-compressed object carries a ".zst" suffix so that a raw
// object's file always hashes to its own name (`xxhsum -H2` checks it by hand).
#include "core/file_io.hpp"
#include "core/hash.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::store {

enum class Compression { None, Zstd };

// The file name suffix of a zstd-compressed object.
inline constexpr std::string_view kCompressedSuffix = ".zst";

struct ObjectInfo {
    Hash128 hash;
    std::uint64_t size = 0;        // uncompressed bytes
    std::uint64_t stored_size = 0; // bytes on disk
    bool compressed = false;
    bool existed = false; // already in the store before this put
};

struct StoredObject {
    Hash128 hash;
    std::filesystem::path path;
    std::uint64_t stored_size = 0;
    bool compressed = false;
};

enum class ObjectProblem { Ok, Missing, HashMismatch, Unreadable };

struct ObjectCheck {
    ObjectProblem problem = ObjectProblem::Ok;
    std::string detail;
};

class ObjectStore {
  public:
    ObjectStore(std::filesystem::path objects_dir, std::filesystem::path tmp_dir);

    ObjectInfo put(std::string_view bytes, Compression compression = Compression::None);
    // Streams the file through hash and copy in constant memory.
    ObjectInfo put_file(const std::filesystem::path& file,
                        Compression compression = Compression::None);

    bool has(const Hash128& hash) const;
    std::optional<StoredObject> find(const Hash128& hash) const;

    // Whole content, verified against its name (throws Error(Store) on corruption or absence).
    std::string get(const Hash128& hash) const;
    // Streams content in blocks to sink; verifies the hash at the end.
    void read(const Hash128& hash, const std::function<void(std::string_view)>& sink) const;
    ObjectCheck verify(const Hash128& hash) const;

    // Every object file present, in no particular order.
    std::vector<StoredObject> list() const;
    void remove(const StoredObject& object) const;

    std::filesystem::path path_for(const Hash128& hash, bool compressed) const;
    const std::filesystem::path& objects_dir() const { return objects_dir_; }
    const std::filesystem::path& tmp_dir() const { return tmp_dir_; }

  private:
    ObjectInfo commit(TempFile& tmp, const Hash128& hash, std::uint64_t size,
                      std::uint64_t stored_size, bool compressed);

    std::filesystem::path objects_dir_;
    std::filesystem::path tmp_dir_;
};

} // namespace llmops::store
