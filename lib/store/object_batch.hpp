#pragma once
// Many objects written as one durable step. Each object goes to tmp/ unsynced; commit() makes
// them all durable with one syncfs() and then renames them into place, so thousands of small
// chunks cost one flush instead of thousands of fsyncs, and a crash never exposes an object
// whose bytes were not on disk.
#include "core/file_io.hpp"
#include "store/object_store.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace llmops::store {

class ObjectBatch {
  public:
    explicit ObjectBatch(ObjectStore& store);
    ~ObjectBatch(); // removes the temp files of an uncommitted batch
    ObjectBatch(const ObjectBatch&) = delete;
    ObjectBatch& operator=(const ObjectBatch&) = delete;

    // Thread-safe. Content already stored (or already in this batch) is not written again.
    ObjectInfo add(std::string_view bytes, Compression compression);
    ObjectInfo add_hashed(const Hash128& hash, std::string_view bytes, Compression compression);
    // Makes the objects added so far durable and visible (one flush, then the renames), while
    // other threads may still add more. Optional: it moves work out of commit().
    void place_added();
    // Makes every added object durable and visible. Call before committing the references,
    // once no thread adds any more.
    void commit();

    std::uint64_t new_bytes() const { return new_bytes_; } // stored size of objects written

  private:
    // Names relative to the tmp and objects folders: system calls on thousands of chunks go
    // through the folders' descriptors instead of walking the full paths each time.
    struct Pending {
        std::string tmp;    // in tmp/
        std::string target; // in objects/, "ab/cdef…[.zst]"
    };
    std::optional<std::pair<std::uint64_t, bool>> find(const std::string& hex);
    void place(std::vector<Pending>& ready);

    ObjectStore& store_;
    FileDescriptor tmp_dir_;
    FileDescriptor objects_dir_;
    std::string tmp_prefix_; // unique to this batch
    std::mutex mutex_;
    std::vector<Pending> pending_;
    std::unordered_set<std::string> seen_;
    // Per shard folder ("ab"): 0 not looked at yet, 1 absent, 2 present. An object cannot be in
    // an absent shard, so a new store's objects are checked with one call per shard, not two
    // per object. (Another process storing the same object meanwhile is harmless: the rename
    // replaces it with the same bytes; only new_bytes counts it once more.)
    std::array<std::atomic<std::uint8_t>, 256> shards_{};
    std::uint64_t next_tmp_ = 0;
    std::uint64_t new_bytes_ = 0;
    std::size_t placed_ = 0; // objects renamed into place so far
    bool committed_ = false;
};

} // namespace llmops::store
