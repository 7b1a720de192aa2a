#include "store/object_batch.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <set>
#include <unistd.h>
#include <zstd.h>

namespace llmops::store {

namespace fs = std::filesystem;

namespace {
constexpr int kBatchZstdLevel = 1; // chunks are written once and read often: favour speed

void sync_filesystem(const fs::path& dir) {
    FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid() || ::syncfs(fd.get()) != 0)
        throw Error(ErrorKind::Store, std::string("cannot flush the store: ") + std::strerror(errno),
                    ErrorLocation::in_file(dir.string()));
}
} // namespace

ObjectBatch::~ObjectBatch() {
    if (committed_) return;
    for (const auto& p : pending_) ::unlink(p.tmp.c_str());
}

ObjectInfo ObjectBatch::add(std::string_view bytes, Compression compression) {
    return add_hashed(hash128(bytes), bytes, compression);
}

ObjectInfo ObjectBatch::add_hashed(const Hash128& hash, std::string_view bytes,
                                   Compression compression) {
    {
        std::lock_guard lock(mutex_);
        if (!seen_.insert(hash.hex()).second) return {hash, bytes.size(), 0, false, true};
    }
    if (auto existing = store_.find(hash))
        return {hash, bytes.size(), existing->stored_size, existing->compressed, true};

    std::string compressed;
    std::string_view stored = bytes;
    bool is_compressed = compression == Compression::Zstd;
    if (is_compressed) {
        compressed.resize(ZSTD_compressBound(bytes.size()));
        // One encoder per thread, reused across the batch's many small chunks.
        thread_local std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> ctx(ZSTD_createCCtx(),
                                                                              &ZSTD_freeCCtx);
        std::size_t n = ZSTD_compressCCtx(ctx.get(), compressed.data(), compressed.size(),
                                          bytes.data(), bytes.size(), kBatchZstdLevel);
        if (ZSTD_isError(n))
            throw Error(ErrorKind::Store, std::string("compression failed: ") + ZSTD_getErrorName(n));
        compressed.resize(n);
        stored = compressed;
    }
    TempFile tmp(store_.tmp_dir(), "batch-");
    tmp.write(stored);
    Pending pending{tmp.path(), store_.path_for(hash, is_compressed)};
    tmp.keep();
    std::lock_guard lock(mutex_);
    pending_.push_back(std::move(pending));
    new_bytes_ += stored.size();
    return {hash, bytes.size(), stored.size(), is_compressed, false};
}

void ObjectBatch::commit() {
    if (pending_.empty()) {
        committed_ = true;
        return;
    }
    sync_filesystem(store_.tmp_dir());
    std::set<fs::path> shards;
    for (const auto& p : pending_) {
        fs::path shard = p.target.parent_path();
        if (shards.insert(shard).second) {
            std::error_code ec;
            fs::create_directory(shard, ec);
        }
        if (::rename(p.tmp.c_str(), p.target.c_str()) != 0)
            throw Error(ErrorKind::Store,
                        std::string("cannot rename object into place: ") + std::strerror(errno),
                        ErrorLocation::in_file(p.target.string()));
    }
    committed_ = true;
    sync_filesystem(store_.objects_dir());
}

} // namespace llmops::store
