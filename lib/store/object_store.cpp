#include "store/object_store.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"

#include <memory>
#include <sys/stat.h>
#include <zstd.h>

namespace llmops::store {

namespace fs = std::filesystem;

namespace {
constexpr std::size_t kBlockSize = 128 << 10;
constexpr int kZstdLevel = 3;

struct CCtxDeleter {
    void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxDeleter {
    void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

[[noreturn]] void throw_zstd(const char* what, std::size_t code, const fs::path& path) {
    throw Error(ErrorKind::Store, std::string(what) + ": " + ZSTD_getErrorName(code),
                ErrorLocation{.file = path.string()});
}

// Feeds bytes to zstd and writes what comes out to a temp file.
class CompressingWriter {
  public:
    explicit CompressingWriter(TempFile& out) : out_(out), ctx_(ZSTD_createCCtx()) {
        ZSTD_CCtx_setParameter(ctx_.get(), ZSTD_c_compressionLevel, kZstdLevel);
        buffer_.resize(ZSTD_CStreamOutSize());
    }
    void write(std::string_view bytes) { pump(bytes, ZSTD_e_continue); }
    void finish() { pump({}, ZSTD_e_end); }
    std::uint64_t written() const { return written_; }

  private:
    void pump(std::string_view bytes, ZSTD_EndDirective mode) {
        ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
        for (;;) {
            ZSTD_outBuffer out{buffer_.data(), buffer_.size(), 0};
            std::size_t left = ZSTD_compressStream2(ctx_.get(), &out, &in, mode);
            if (ZSTD_isError(left)) throw_zstd("compression failed", left, out_.path());
            out_.write(std::string_view(buffer_.data(), out.pos));
            written_ += out.pos;
            bool done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
            if (done) return;
        }
    }
    TempFile& out_;
    std::unique_ptr<ZSTD_CCtx, CCtxDeleter> ctx_;
    std::string buffer_;
    std::uint64_t written_ = 0;
};

std::string shard_name(const std::string& hex) {
    return hex.substr(0, 2);
}

[[noreturn]] void throw_missing(const Hash128& hash) {
    throw Error(ErrorKind::Store, "object " + hash.hex() + " is missing from the store", {},
                "run 'llmops fsck' to list what is damaged");
}
} // namespace

ObjectStore::ObjectStore(fs::path objects_dir, fs::path tmp_dir)
    : objects_dir_(std::move(objects_dir)), tmp_dir_(std::move(tmp_dir)) {}

fs::path ObjectStore::path_for(const Hash128& hash, bool compressed) const {
    std::string hex = hash.hex();
    std::string name = hex.substr(2);
    if (compressed) name += kCompressedSuffix;
    return objects_dir_ / shard_name(hex) / name;
}

std::optional<StoredObject> ObjectStore::find(const Hash128& hash) const {
    for (bool compressed : {false, true}) {
        fs::path p = path_for(hash, compressed);
        struct stat st {};
        if (::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode))
            return StoredObject{hash, p, static_cast<std::uint64_t>(st.st_size), compressed};
    }
    return std::nullopt;
}

bool ObjectStore::has(const Hash128& hash) const {
    return find(hash).has_value();
}

ObjectInfo ObjectStore::commit(TempFile& tmp, const Hash128& hash, std::uint64_t size,
                               std::uint64_t stored_size, bool compressed) {
    if (auto existing = find(hash))
        return {hash, size, existing->stored_size, existing->compressed, true};
    fs::path target = path_for(hash, compressed);
    std::error_code ec;
    fs::create_directory(target.parent_path(), ec);
    if (ec)
        throw Error(ErrorKind::Store, "cannot create object directory: " + ec.message(),
                    ErrorLocation{.file = target.parent_path().string()});
    tmp.commit_to(target);
    return {hash, size, stored_size, compressed, false};
}

ObjectInfo ObjectStore::put(std::string_view bytes, Compression compression) {
    Hash128 hash = hash128(bytes);
    if (auto existing = find(hash))
        return {hash, bytes.size(), existing->stored_size, existing->compressed, true};
    TempFile tmp(tmp_dir_, "obj-");
    if (compression == Compression::Zstd) {
        CompressingWriter writer(tmp);
        writer.write(bytes);
        writer.finish();
        return commit(tmp, hash, bytes.size(), writer.written(), true);
    }
    tmp.write(bytes);
    return commit(tmp, hash, bytes.size(), bytes.size(), false);
}

ObjectInfo ObjectStore::put_file(const fs::path& file, Compression compression) {
    TempFile tmp(tmp_dir_, "obj-");
    Hasher128 hasher;
    std::unique_ptr<CompressingWriter> writer;
    if (compression == Compression::Zstd) writer = std::make_unique<CompressingWriter>(tmp);
    std::uint64_t size = 0;
    stream_file(file, [&](std::string_view block) {
        // Hash and write a cache-sized piece at a time so the bytes are still hot for the write.
        for (std::size_t at = 0; at < block.size(); at += kBlockSize) {
            std::string_view piece = block.substr(at, kBlockSize);
            hasher.update(piece);
            if (writer)
                writer->write(piece);
            else
                tmp.write(piece);
        }
        size += block.size();
    });
    if (writer) writer->finish();
    return commit(tmp, hasher.digest(), size, writer ? writer->written() : size, writer != nullptr);
}

void ObjectStore::read(const Hash128& hash,
                       const std::function<void(std::string_view)>& sink) const {
    auto object = find(hash);
    if (!object) throw_missing(hash);
    FileDescriptor in = open_for_reading(object->path);
    auto buffer = std::make_unique<char[]>(kBlockSize);
    Hasher128 hasher;
    auto emit = [&](std::string_view block) {
        hasher.update(block);
        sink(block);
    };
    if (!object->compressed) {
        for (;;) {
            std::size_t n = read_some(in.get(), buffer.get(), kBlockSize, object->path);
            if (n == 0) break;
            emit(std::string_view(buffer.get(), n));
        }
    } else {
        // One decoder per thread: reading a dataset opens thousands of small chunks, and
        // creating a context for each was a measurable share of `data cat`.
        thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> ctx(ZSTD_createDCtx());
        ZSTD_DCtx_reset(ctx.get(), ZSTD_reset_session_only);
        std::string out(ZSTD_DStreamOutSize(), '\0');
        std::size_t last = 0;
        for (;;) {
            std::size_t n = read_some(in.get(), buffer.get(), kBlockSize, object->path);
            if (n == 0) break;
            ZSTD_inBuffer zin{buffer.get(), n, 0};
            // Call again while input remains or the output buffer came back full: the
            // decoder may hold more output than one buffer.
            bool output_full = true;
            while (zin.pos < zin.size || output_full) {
                ZSTD_outBuffer zout{out.data(), out.size(), 0};
                last = ZSTD_decompressStream(ctx.get(), &zout, &zin);
                if (ZSTD_isError(last)) throw_zstd("corrupt object", last, object->path);
                emit(std::string_view(out.data(), zout.pos));
                // A finished frame (last == 0) has nothing more to give, even if it filled
                // the buffer exactly; calling again would start reading a next frame.
                output_full = zout.pos == zout.size && last != 0;
            }
        }
        // 0 means the last frame ended cleanly; anything else is a cut-off object.
        if (last != 0)
            throw Error(ErrorKind::Store, "corrupt object: truncated zstd frame",
                        ErrorLocation{.file = object->path.string()});
    }
    if (hasher.digest() != hash)
        throw Error(ErrorKind::Store,
                    "corrupt object " + hash.hex() + ": content hashes to " + hasher.digest().hex(),
                    ErrorLocation{.file = object->path.string()},
                    "run 'llmops fsck' to list what is damaged");
}

std::string ObjectStore::get(const Hash128& hash) const {
    std::string out;
    read(hash, [&out](std::string_view block) { out.append(block); });
    return out;
}

ObjectCheck ObjectStore::verify(const Hash128& hash) const {
    if (!has(hash)) return {ObjectProblem::Missing, "missing"};
    try {
        read(hash, [](std::string_view) {});
        return {};
    } catch (const Error& e) {
        bool mismatch = e.message().rfind("corrupt", 0) == 0;
        return {mismatch ? ObjectProblem::HashMismatch : ObjectProblem::Unreadable, e.message()};
    }
}

std::vector<StoredObject> ObjectStore::list() const {
    std::vector<StoredObject> out;
    std::error_code ec;
    for (const auto& shard : fs::directory_iterator(objects_dir_, ec)) {
        std::string prefix = shard.path().filename().string();
        if (!shard.is_directory() || prefix.size() != 2) continue;
        for (const auto& entry : fs::directory_iterator(shard.path(), ec)) {
            std::string name = entry.path().filename().string();
            bool compressed = name.ends_with(kCompressedSuffix);
            if (compressed) name.resize(name.size() - kCompressedSuffix.size());
            std::string hex = prefix + name;
            if (!is_hex_hash(hex) || !entry.is_regular_file()) continue;
            out.push_back({Hash128::from_hex(hex), entry.path(), entry.file_size(), compressed});
        }
    }
    return out;
}

void ObjectStore::remove(const StoredObject& object) const {
    std::error_code ec;
    fs::remove(object.path, ec);
    if (ec)
        throw Error(ErrorKind::Store, "cannot remove object: " + ec.message(),
                    ErrorLocation{.file = object.path.string()});
}

} // namespace llmops::store
