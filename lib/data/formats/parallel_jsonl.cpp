#include "data/formats/parallel_jsonl.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "data/formats/jsonl_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sys/mman.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <utility>
#include <vector>

namespace llmops::data {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kBlockBytes = 4 << 20;

// Bytes of the file: a mapping of a regular file (no copy out of the page cache), or bytes
// read from a pipe.
class FileRange {
  public:
    FileRange() = default;
    FileRange(void* map, std::size_t map_length, std::string_view bytes)
        : map_(map), map_length_(map_length), bytes_(bytes) {}
    explicit FileRange(std::string owned)
        : owned_(std::make_unique<std::string>(std::move(owned))), bytes_(*owned_) {}
    FileRange(FileRange&& other) noexcept { take(other); }
    FileRange& operator=(FileRange&& other) noexcept {
        if (this != &other) {
            release();
            take(other);
        }
        return *this;
    }
    FileRange(const FileRange&) = delete;
    FileRange& operator=(const FileRange&) = delete;
    ~FileRange() { release(); }

    std::string_view bytes() const { return bytes_; }
    void shrink(std::size_t length) { bytes_ = bytes_.substr(0, length); }
    // Maps all pages of a mapping in one system call rather than a page fault per few pages
    // (outside the lock the block was cut under). Advice only: failure changes nothing.
    void prefault() const {
#ifdef MADV_POPULATE_READ
        if (map_) ::madvise(map_, map_length_, MADV_POPULATE_READ);
#endif
    }

  private:
    void take(FileRange& other) {
        map_ = std::exchange(other.map_, nullptr);
        map_length_ = other.map_length_;
        owned_ = std::move(other.owned_); // on the heap: bytes_ stays valid
        bytes_ = std::exchange(other.bytes_, {});
    }
    void release() {
        if (map_) ::munmap(map_, map_length_);
        map_ = nullptr;
        owned_.reset();
        bytes_ = {};
    }

    void* map_ = nullptr;
    std::size_t map_length_ = 0;
    std::unique_ptr<std::string> owned_;
    std::string_view bytes_;
};

struct Block {
    std::size_t seq = 0;
    FileRange range;
    bool starts_file = false;
    bool too_long = false; // its first line alone is longer than the row size limit
};

// Hands out consecutive blocks of a file, each ending just after a newline (or at the end).
// Not thread-safe: callers hold their lock.
class BlockSource {
  public:
    BlockSource(const fs::path& path, std::size_t max_row_bytes)
        : path_(path), fd_(open_for_reading(path)), max_row_bytes_(max_row_bytes) {
        struct stat st {};
        if (::fstat(fd_.get(), &st) != 0)
            throw Error(ErrorKind::BadInput,
                        std::string("cannot stat file: ") + std::strerror(errno),
                        ErrorLocation{.file = path.string()});
        regular_ = S_ISREG(st.st_mode);
        size_ = static_cast<std::uint64_t>(st.st_size);
        page_ = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    }

    std::uint64_t bytes() const { return regular_ ? size_ : read_; }

    bool next(Block& out) {
        out.starts_file = first_;
        first_ = false;
        return regular_ ? next_mapped(out) : next_read(out);
    }

  private:
    bool too_long(std::size_t scanned) const { return scanned > max_row_bytes_ + 1; }

    bool next_mapped(Block& out) {
        if (offset_ >= size_) return false;
        for (std::size_t want = kBlockBytes;; want *= 2) {
            const auto length =
                static_cast<std::size_t>(std::min<std::uint64_t>(want, size_ - offset_));
            out.range = map(offset_, length);
            const std::string_view bytes = out.range.bytes();
            std::size_t take = length;
            if (offset_ + length < size_) {
                const void* nl = ::memrchr(bytes.data(), '\n', length);
                if (!nl) {
                    if (!too_long(length)) continue; // one long row: map more
                    out.too_long = true;
                    offset_ = size_; // nothing after an error is read
                    return true;
                }
                take = static_cast<std::size_t>(static_cast<const char*>(nl) - bytes.data()) + 1;
            }
            out.range.shrink(take);
            offset_ += take;
            return true;
        }
    }

    FileRange map(std::uint64_t offset, std::size_t length) const {
        const std::uint64_t aligned = offset / page_ * page_;
        const auto skip = static_cast<std::size_t>(offset - aligned);
        void* p = ::mmap(nullptr, length + skip, PROT_READ, MAP_PRIVATE, fd_.get(),
                         static_cast<off_t>(aligned));
        if (p == MAP_FAILED)
            throw Error(ErrorKind::BadInput,
                        std::string("cannot map file: ") + std::strerror(errno),
                        ErrorLocation{.file = path_.string()});
        return FileRange(p, length + skip,
                         std::string_view(static_cast<const char*>(p) + skip, length));
    }

    bool next_read(Block& out) {
        if (eof_ && carry_.empty()) return false;
        std::string text = std::move(carry_);
        carry_.clear();
        for (;;) {
            std::size_t have = text.size();
            text.resize(have + kBlockBytes);
            std::size_t n = eof_ ? 0 : read_some(fd_.get(), text.data() + have, kBlockBytes, path_);
            text.resize(have + n);
            read_ += n;
            if (n == 0) eof_ = true;
            if (eof_) break;
            const std::size_t nl = text.rfind('\n');
            if (nl != std::string::npos) {
                carry_.assign(text, nl + 1);
                text.resize(nl + 1);
                break;
            }
            if (too_long(text.size())) {
                out.too_long = true;
                eof_ = true;
                break;
            }
        }
        if (text.empty()) return false;
        out.range = FileRange(std::move(text));
        return true;
    }

    fs::path path_;
    FileDescriptor fd_;
    std::size_t max_row_bytes_;
    bool regular_ = true;
    bool first_ = true;
    std::uint64_t size_ = 0;
    std::uint64_t page_ = 4096;
    std::uint64_t offset_ = 0;
    // Pipes:
    std::string carry_;
    std::uint64_t read_ = 0;
    bool eof_ = false;
};

struct Parsed {
    Block block;
    RowBlock rows;
    long lines = 0;
    std::optional<Error> error; // bad input, located by the line within the block
    std::exception_ptr failure; // anything else, passed on as it is
};

// Canonicalises a block's lines as JsonlReader does.
void parse_block(Parsed& parsed, JsonCanonicalizer& canonicalizer, const std::string& name,
                 const ReaderOptions& options) {
    if (parsed.block.too_long) {
        parsed.error = row_too_long_error(name, 1, options.max_row_bytes);
        return;
    }
    std::string_view data = parsed.block.range.bytes();
    if (parsed.block.starts_file && data.starts_with("\xEF\xBB\xBF")) data.remove_prefix(3);
    RowBlock& rows = parsed.rows;
    rows.text.reserve(data.size() + 64);
    long line = 0;
    while (!data.empty()) {
        const void* nl = std::memchr(data.data(), '\n', data.size());
        const std::size_t length =
            nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - data.data()) : data.size();
        std::string_view text = data.substr(0, length);
        data.remove_prefix(nl ? length + 1 : length);
        ++line;
        if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
        if (text.size() > options.max_row_bytes) {
            parsed.error = row_too_long_error(name, line, options.max_row_bytes);
            return;
        }
        if (is_blank_line(text)) continue;
        const std::size_t start = rows.text.size();
        try {
            canonicalizer.append_unpadded(text, rows.text, JsonRoot::Object);
        } catch (const JsonTextError& e) {
            parsed.error = jsonl_line_error(e, text, name, line);
            return;
        }
        rows.end_row(start, canonicalizer.last_fields());
    }
    parsed.lines = line;
}

} // namespace

JsonlFileSummary read_jsonl_in_parallel(const fs::path& path, const ReaderOptions& options,
                                        unsigned workers,
                                        const std::function<void(const RowBlock&)>& consume) {
    const std::string name = path.string();
    BlockSource source(path, options.max_row_bytes);
    workers = std::max(1u, workers);
    // Enough blocks in flight to keep every worker busy while the consumer works on one.
    const std::size_t max_in_flight = 2 * workers + 2;

    std::mutex mutex;
    std::condition_variable changed;
    std::map<std::size_t, Parsed> done;
    std::vector<RowBlock> spare; // consumed blocks, reused for their buffers
    std::size_t blocks_cut = 0;
    std::size_t in_flight = 0;
    bool source_done = false;
    bool stop = false;
    std::exception_ptr source_error;
    Hasher128 file_hasher;

    auto work = [&] {
        JsonCanonicalizer canonicalizer;
        for (;;) {
            Parsed parsed;
            {
                std::unique_lock lock(mutex);
                changed.wait(lock,
                             [&] { return stop || source_done || in_flight < max_in_flight; });
                if (stop || source_done) return;
                try {
                    if (!source.next(parsed.block)) {
                        source_done = true;
                        changed.notify_all();
                        return;
                    }
                } catch (...) {
                    source_error = std::current_exception();
                    source_done = true;
                    changed.notify_all();
                    return;
                }
                parsed.block.seq = blocks_cut++;
                ++in_flight;
                if (!spare.empty()) {
                    parsed.rows = std::move(spare.back());
                    spare.pop_back();
                }
                // Blocks are cut in file order, so the file is hashed here; and the bytes are
                // in cache for parsing right after, instead of being read again later.
                parsed.block.range.prefault();
                file_hasher.update(parsed.block.range.bytes());
            }
            try {
                parse_block(parsed, canonicalizer, name, options);
            } catch (const Error& e) {
                parsed.error = e;
            } catch (...) {
                parsed.failure = std::current_exception();
            }
            parsed.block.range = FileRange(); // unmapped as soon as parsed: RSS stays low
            {
                std::lock_guard lock(mutex);
                const std::size_t seq = parsed.block.seq;
                done.emplace(seq, std::move(parsed));
            }
            changed.notify_all();
        }
    };

    std::vector<std::thread> pool;
    auto shutdown = [&] {
        {
            std::lock_guard lock(mutex);
            stop = true;
        }
        changed.notify_all();
        for (auto& t : pool)
            t.join();
    };

    JsonlFileSummary summary;
    try {
        for (unsigned i = 0; i < workers; ++i)
            pool.emplace_back(work);
        long lines_before = 0;
        for (std::size_t next = 0;; ++next) {
            Parsed parsed;
            {
                std::unique_lock lock(mutex);
                changed.wait(
                    lock, [&] { return done.count(next) || (source_done && next >= blocks_cut); });
                auto it = done.find(next);
                if (it == done.end()) break; // every block consumed
                parsed = std::move(it->second);
                done.erase(it);
                --in_flight;
            }
            changed.notify_all();
            if (parsed.failure) std::rethrow_exception(parsed.failure);
            if (parsed.error) {
                // Lines inside the block count from 1: shift them to the file's numbering.
                const Error& e = *parsed.error;
                ErrorLocation where = e.where();
                if (where.line > 0) where.line += lines_before;
                throw Error(e.kind(), e.message(), where, e.hint());
            }
            consume(parsed.rows);
            summary.rows += static_cast<std::int64_t>(parsed.rows.rows());
            lines_before += parsed.lines;
            RowBlock reuse = std::move(parsed.rows);
            reuse.text.clear();
            reuse.ends.clear();
            reuse.hashes.clear();
            reuse.schema = SchemaSummary();
            std::lock_guard lock(mutex);
            spare.push_back(std::move(reuse));
        }
        if (source_error) std::rethrow_exception(source_error);
        summary.hash = file_hasher.digest();
        summary.bytes = source.bytes();
    } catch (...) {
        shutdown();
        throw;
    }
    shutdown();
    return summary;
}

JsonlFileSummary read_jsonl_in_parallel(const fs::path& path, const ReaderOptions& options,
                                        unsigned workers,
                                        const std::function<void(std::string_view)>& consume) {
    return read_jsonl_in_parallel(path, options, workers, [&consume](const RowBlock& block) {
        for (std::size_t i = 0; i < block.rows(); ++i)
            consume(block.row(i));
    });
}

} // namespace llmops::data
