#include "store/object_store.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <new>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>
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

namespace {

// Per-thread buffers for reading objects: reading a dataset opens thousands of small chunks, and
// fresh zero-filled buffers for each (128 KiB in, 128 KiB out) cost more than decoding them.
// A read whose sink reads another object meanwhile gets buffers of its own.
struct ReadBuffers {
    std::unique_ptr<ZSTD_DCtx, DCtxDeleter> decoder{ZSTD_createDCtx()};
    std::unique_ptr<char[]> in = std::make_unique_for_overwrite<char[]>(kBlockSize);
    std::unique_ptr<char[]> out = std::make_unique_for_overwrite<char[]>(ZSTD_DStreamOutSize());
    std::unique_ptr<char[]> whole; // a small object's stored bytes
    std::size_t whole_capacity = 0;
    bool in_use = false;
};

class BorrowedBuffers {
  public:
    BorrowedBuffers() {
        thread_local ReadBuffers shared;
        if (shared.in_use) {
            own_ = std::make_unique<ReadBuffers>();
            buffers_ = own_.get();
        } else {
            buffers_ = &shared;
        }
        if (!buffers_->decoder) throw std::bad_alloc();
        buffers_->in_use = true;
    }
    ~BorrowedBuffers() { buffers_->in_use = false; }
    BorrowedBuffers(const BorrowedBuffers&) = delete;
    BorrowedBuffers& operator=(const BorrowedBuffers&) = delete;
    ReadBuffers* operator->() const { return buffers_; }

  private:
    std::unique_ptr<ReadBuffers> own_;
    ReadBuffers* buffers_ = nullptr;
};

// Objects up to this stored size are read whole, and a compressed one that declares its size
// (a dataset chunk does) is decoded in one call straight into the string get() returns.
constexpr std::uint64_t kWholeObjectLimit = 4 << 20;
constexpr std::uint64_t kWholeContentLimit = 64 << 20;

void check_digest(const Hash128& digest, const StoredObject& object) {
    if (digest != object.hash)
        throw Error(ErrorKind::Store,
                    "corrupt object " + object.hash.hex() + ": content hashes to " + digest.hex(),
                    ErrorLocation{.file = object.path.string()},
                    "run 'llmops fsck' to list what is damaged");
}

// An object's file, open, with what find() tells of it.
struct OpenObject {
    StoredObject object;
    FileDescriptor file;
};

// Opens the compressed form first, as dataset chunks are stored: an open and an fstat per
// object, where find() and then opening took two stats (one failing), an open and an fstat,
// a tenth of `data cat`'s system calls. Either form holds the same content.
std::optional<OpenObject> open_object(const ObjectStore& store, const Hash128& hash) {
    for (bool compressed : {true, false}) {
        fs::path p = store.path_for(hash, compressed);
        FileDescriptor file(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
        if (!file.valid()) {
            if (errno == ENOENT || errno == ENOTDIR) continue;
            open_for_reading(p); // throws the error that names the file
        }
        struct stat st {};
        if (::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode)) continue; // as find() skips
        return OpenObject{{hash, std::move(p), static_cast<std::uint64_t>(st.st_size), compressed},
                          std::move(file)};
    }
    return std::nullopt;
}

// Content in blocks to sink, in constant memory, from the start of `in`; the caller checks the
// hash.
void stream_object(const StoredObject& object, const FileDescriptor& in, BorrowedBuffers& buffers,
                   const std::function<void(std::string_view)>& sink) {
    if (::lseek(in.get(), 0, SEEK_SET) != 0)
        throw Error(ErrorKind::Store, std::string("cannot read object: ") + std::strerror(errno),
                    ErrorLocation{.file = object.path.string()});
    char* buffer = buffers->in.get();
    if (!object.compressed) {
        for (;;) {
            std::size_t n = read_some(in.get(), buffer, kBlockSize, object.path);
            if (n == 0) break;
            sink(std::string_view(buffer, n));
        }
        return;
    }
    ZSTD_DCtx* decoder = buffers->decoder.get();
    ZSTD_DCtx_reset(decoder, ZSTD_reset_session_only);
    const std::size_t out_size = ZSTD_DStreamOutSize();
    std::size_t last = 0;
    for (;;) {
        std::size_t n = read_some(in.get(), buffer, kBlockSize, object.path);
        if (n == 0) break;
        ZSTD_inBuffer zin{buffer, n, 0};
        // Call again while input remains or the output buffer came back full: the decoder may
        // hold more output than one buffer.
        bool output_full = true;
        while (zin.pos < zin.size || output_full) {
            ZSTD_outBuffer zout{buffers->out.get(), out_size, 0};
            last = ZSTD_decompressStream(decoder, &zout, &zin);
            if (ZSTD_isError(last)) throw_zstd("corrupt object", last, object.path);
            sink(std::string_view(buffers->out.get(), zout.pos));
            // A finished frame (last == 0) has nothing more to give, even if it filled the
            // buffer exactly; calling again would start reading a next frame.
            output_full = zout.pos == zout.size && last != 0;
        }
    }
    // 0 means the last frame ended cleanly; anything else is a cut-off object.
    if (last != 0)
        throw Error(ErrorKind::Store, "corrupt object: truncated zstd frame",
                    ErrorLocation{.file = object.path.string()});
}

// A small object's content in one piece, unverified; nullopt when it has to be streamed (it
// grew past the limit since it was found, or it is not one zstd frame that declares its size).
std::optional<std::string> read_whole(const StoredObject& object, const FileDescriptor& in,
                                      BorrowedBuffers& buffers) {
    const std::size_t capacity = static_cast<std::size_t>(kWholeObjectLimit) + 1;
    if (!object.compressed) {
        std::string content(static_cast<std::size_t>(object.stored_size) + 1, '\0');
        std::size_t size = 0;
        while (std::size_t n =
                   read_some(in.get(), content.data() + size, content.size() - size, object.path)) {
            size += n;
            if (size == content.size()) {
                if (size >= capacity) return std::nullopt;
                content.resize(std::min(capacity, size * 2));
            }
        }
        content.resize(size);
        return content;
    }
    if (buffers->whole_capacity < capacity) {
        buffers->whole = std::make_unique_for_overwrite<char[]>(capacity);
        buffers->whole_capacity = capacity;
    }
    char* packed = buffers->whole.get();
    std::size_t size = 0;
    while (std::size_t n = read_some(in.get(), packed + size, capacity - size, object.path)) {
        size += n;
        if (size == capacity) return std::nullopt;
    }
    const unsigned long long declared = ZSTD_getFrameContentSize(packed, size);
    if (declared == ZSTD_CONTENTSIZE_UNKNOWN || declared == ZSTD_CONTENTSIZE_ERROR ||
        declared > kWholeContentLimit || ZSTD_findFrameCompressedSize(packed, size) != size)
        return std::nullopt;
    std::string content(static_cast<std::size_t>(declared), '\0');
    const std::size_t n =
        ZSTD_decompressDCtx(buffers->decoder.get(), content.data(), content.size(), packed, size);
    if (ZSTD_isError(n)) throw_zstd("corrupt object", n, object.path);
    if (n != content.size()) // zstd checks the declared size itself; kept as a guard
        throw Error(ErrorKind::Store, "corrupt object: shorter than its zstd frame declares",
                    ErrorLocation{.file = object.path.string()});
    return content;
}

// stream_object, with the content checked against the object's name at the end.
void stream_verified(const OpenObject& opened, BorrowedBuffers& buffers,
                     const std::function<void(std::string_view)>& sink) {
    const StoredObject& object = opened.object;
    Hasher128 hasher;
    stream_object(object, opened.file, buffers, [&](std::string_view block) {
        hasher.update(block);
        sink(block);
    });
    check_digest(hasher.digest(), object);
}

} // namespace

void ObjectStore::read(const Hash128& hash,
                       const std::function<void(std::string_view)>& sink) const {
    std::optional<OpenObject> opened = open_object(*this, hash);
    if (!opened) throw_missing(hash);
    BorrowedBuffers buffers;
    stream_verified(*opened, buffers, sink);
}

std::string ObjectStore::get(const Hash128& hash) const {
    std::optional<OpenObject> opened = open_object(*this, hash);
    if (!opened) throw_missing(hash);
    BorrowedBuffers buffers;
    if (opened->object.stored_size <= kWholeObjectLimit) {
        if (std::optional<std::string> content =
                read_whole(opened->object, opened->file, buffers)) {
            check_digest(hash128(*content), opened->object);
            return std::move(*content);
        }
    }
    std::string out;
    stream_verified(*opened, buffers, [&out](std::string_view block) { out.append(block); });
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
