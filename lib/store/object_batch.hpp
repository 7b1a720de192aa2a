#pragma once
// Many objects written as one durable step. Each object goes to tmp/ unsynced; commit() makes
// them all durable with one syncfs() and then renames them into place, so thousands of small
// chunks cost one flush instead of thousands of fsyncs, and a crash never exposes an object
// whose bytes were not on disk.
//
// The objects of a shard folder ("ab") that objects/ does not have yet are written into a
// folder of their own under tmp/ and placed with one rename of that folder: a dataset's first
// version in a store fills all 256 shards, and 256 renames replace thousands (each rename
// into another folder takes the file system's rename lock, and they were the serial tail of
// `data add`).
#include "core/file_io.hpp"
#include "store/object_store.hpp"

#include <array>
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
    // other threads may still add more (the objects of a new shard's folder that a thread is
    // writing into wait for the next call). Optional: it moves work out of commit().
    void place_added();
    // Makes every added object durable and visible. Call before committing the references,
    // once no thread adds any more.
    void commit();

    std::uint64_t new_bytes() const { return new_bytes_; } // stored size of objects written

  private:
    // Names relative to the tmp and objects folders: system calls on thousands of chunks go
    // through the folders' descriptors instead of walking the full paths each time.
    struct Pending {
        std::string tmp; // in tmp/: "batch-…-N", or "batch-…-shards/ab/cdef…" in a new shard
        std::string target; // in objects/, "ab/cdef…[.zst]"
        int new_shard = -1; // the shard whose folder is placed whole, if any
    };
    // Where a shard's objects go. Unknown: not looked at yet. New: objects/ has no such folder;
    // objects go into this batch's folder for it. Present: objects/ has it (or this batch's
    // folder was placed); objects go to tmp/ one by one.
    enum class Shard : std::uint8_t { Unknown, New, Present };
    static std::size_t shard_of(const Hash128& hash);
    static std::string shard_name(std::size_t shard);  // "ab"
    std::string shards_folder() const;                 // in tmp/: "batch-…-shards"
    std::string shard_folder(std::size_t shard) const; // "batch-…-shards/ab"
    bool look_at_shard(std::size_t shard);
    std::optional<std::pair<std::uint64_t, bool>> find(const Hash128& hash, const std::string& hex);
    void write_object(Pending& pending, std::string_view stored, std::size_t shard);
    bool place_shard_folder(std::size_t shard);
    void place(std::vector<Pending>& ready, const std::vector<std::size_t>& folders);

    ObjectStore& store_;
    FileDescriptor tmp_dir_;
    FileDescriptor objects_dir_;
    std::string tmp_prefix_; // unique to this batch
    std::mutex mutex_;
    std::vector<Pending> pending_;
    std::unordered_set<std::string> seen_;
    // Guarded by mutex_. An object cannot be in a shard objects/ did not have when first looked
    // at, so a new store's objects are checked with one call per shard, not two per object.
    // (Another process storing the same object meanwhile is harmless: a rename replaces it
    // with the same bytes; only new_bytes counts it once more.)
    std::array<Shard, 256> shards_{};
    std::array<bool, 256> absent_at_first_look_{};
    std::array<std::uint32_t, 256> writers_{}; // threads writing into a new shard's folder
    bool shards_folder_made_ = false;
    FileDescriptor shards_dir_; // the folder of the new shards' folders
    std::uint64_t next_tmp_ = 0;
    std::uint64_t new_bytes_ = 0;
    std::size_t placed_ = 0; // objects renamed into place so far
    bool committed_ = false;
};

} // namespace llmops::store
