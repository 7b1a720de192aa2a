#pragma once
// Many objects written as one durable step. Each object goes to tmp/ unsynced; commit() makes
// them all durable with one syncfs() and then renames them into place, so thousands of small
// chunks cost one flush instead of thousands of fsyncs, and a crash never exposes an object
// whose bytes were not on disk.
#include "store/object_store.hpp"

#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

namespace llmops::store {

class ObjectBatch {
public:
    explicit ObjectBatch(ObjectStore& store) : store_(store) {}
    ~ObjectBatch(); // removes the temp files of an uncommitted batch
    ObjectBatch(const ObjectBatch&) = delete;
    ObjectBatch& operator=(const ObjectBatch&) = delete;

    // Thread-safe. Content already stored (or already in this batch) is not written again.
    ObjectInfo add(std::string_view bytes, Compression compression);
    ObjectInfo add_hashed(const Hash128& hash, std::string_view bytes, Compression compression);
    // Makes every added object durable and visible. Call before committing the references.
    void commit();

    std::uint64_t new_bytes() const { return new_bytes_; } // stored size of objects written

private:
    struct Pending {
        std::filesystem::path tmp;
        std::filesystem::path target;
    };
    ObjectStore& store_;
    std::mutex mutex_;
    std::vector<Pending> pending_;
    std::unordered_set<std::string> seen_;
    std::uint64_t new_bytes_ = 0;
    bool committed_ = false;
};

} // namespace llmops::store
