#include "data/formats/parallel_jsonl.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "data/formats/jsonl_reader.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace llmops::data {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kBlockBytes = 1 << 20;
// Read (and hashed) in pieces this size, so each is hashed while it is still in the cache.
constexpr std::size_t kReadBytes = 256 << 10;

// A block's bytes, in a buffer reused from block to block: read() into memory that is already
// mapped costs less here than mapping the file (page faults, TLB misses, munmap).
class BlockBuffer {
  public:
    char* data() { return data_.get(); }
    std::string_view bytes() const { return {data_.get(), size_}; }
    std::size_t size() const { return size_; }
    std::size_t room() const { return capacity_ - size_; }
    void clear() { size_ = 0; }
    void grew(std::size_t n) { size_ += n; }
    void shrink(std::size_t n) { size_ = n; }
    // Room for `n` more bytes, keeping the content.
    void reserve_more(std::size_t n) {
        if (room() >= n) return;
        const std::size_t capacity = std::max(size_ + n, 2 * capacity_);
        auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
        prefault_for_writing(bigger.get(), capacity);
        if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
        data_ = std::move(bigger);
        capacity_ = capacity;
    }

  private:
    std::unique_ptr<char[]> data_;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

struct Block {
    std::size_t seq = 0;
    BlockBuffer buffer;
    bool starts_file = false;
    bool too_long = false; // its first line alone is longer than the row size limit
};

// Hands out consecutive blocks of a file or pipe, each ending just after a newline (or at the
// end), hashing the bytes in file order as it reads them. A block reuses the buffer it comes
// with. Not thread-safe: callers hold their lock.
class BlockSource {
  public:
    BlockSource(const fs::path& path, std::size_t max_row_bytes)
        : path_(path), fd_(open_for_reading(path)), max_row_bytes_(max_row_bytes) {}

    std::uint64_t bytes() const { return read_; }
    Hash128 hash() const { return hasher_.digest(); }

    bool next(Block& out) {
        if (eof_ && carry_.empty()) return false;
        out.starts_file = first_;
        first_ = false;
        BlockBuffer& buffer = out.buffer;
        buffer.clear();
        buffer.reserve_more(std::max(carry_.size(), kBlockBytes) + kReadBytes);
        std::memcpy(buffer.data(), carry_.data(), carry_.size());
        buffer.grew(carry_.size());
        carry_.clear();
        std::size_t searched = 0; // bytes already known to hold no newline
        for (;;) {
            while (!eof_ && buffer.size() < kBlockBytes + searched)
                read_piece(buffer);
            if (eof_) break;
            const std::string_view bytes = buffer.bytes();
            const void* nl = ::memrchr(bytes.data() + searched, '\n', bytes.size() - searched);
            if (nl) {
                const auto take =
                    static_cast<std::size_t>(static_cast<const char*>(nl) - bytes.data()) + 1;
                carry_.assign(bytes.substr(take));
                buffer.shrink(take);
                break;
            }
            if (too_long(bytes.size())) {
                out.too_long = true;
                eof_ = true; // nothing after an error is read
                break;
            }
            searched = bytes.size(); // one long row: read more
        }
        return buffer.size() > 0;
    }

  private:
    bool too_long(std::size_t scanned) const { return scanned > max_row_bytes_ + 1; }

    void read_piece(BlockBuffer& buffer) {
        buffer.reserve_more(kReadBytes);
        const std::size_t n =
            read_some(fd_.get(), buffer.data() + buffer.size(), kReadBytes, path_);
        if (n == 0) {
            eof_ = true;
            return;
        }
        hasher_.update(std::string_view(buffer.data() + buffer.size(), n));
        buffer.grew(n);
        read_ += n;
    }

    fs::path path_;
    FileDescriptor fd_;
    std::size_t max_row_bytes_;
    Hasher128 hasher_;
    std::string carry_; // the start of the next block's first row
    std::uint64_t read_ = 0;
    bool first_ = true;
    bool eof_ = false;
};

struct Parsed {
    Block block;
    std::shared_ptr<RowBlock> rows;
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
    std::string_view data = parsed.block.buffer.bytes();
    if (parsed.block.starts_file && data.starts_with("\xEF\xBB\xBF")) data.remove_prefix(3);
    RowBlock& rows = *parsed.rows;
    // Canonical text is rarely longer than the input: one size for every block, so a reused
    // buffer is never reallocated (and its pages faulted in again). The size covers the longest
    // usual block (a block is cut after the newline that follows kBlockBytes, within the last
    // read): asking a reused buffer for a few bytes more doubles it.
    const std::size_t capacity = rows.text.capacity();
    rows.text.reserve(std::max(data.size(), kBlockBytes + kReadBytes) + kBlockBytes / 8);
    if (rows.text.capacity() != capacity)
        prefault_for_writing(rows.text.data(), rows.text.capacity());
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
        rows.end_row(start, canonicalizer.last_fields(), canonicalizer.last_keys_repeat());
    }
    rows.finish();
    parsed.lines = line;
}

} // namespace

namespace {

// A parsed block's rows to fill: a used one that nobody holds any more, or a new one.
std::shared_ptr<RowBlock> free_rows(std::vector<std::shared_ptr<RowBlock>>& spare) {
    for (auto& rows : spare) {
        if (rows.use_count() != 1) continue; // the consumer still reads it
        std::shared_ptr<RowBlock> reuse = std::move(rows);
        rows = std::move(spare.back());
        spare.pop_back();
        reuse->text.clear();
        reuse->ends.clear();
        reuse->hashes.clear();
        reuse->schema = SchemaSummary();
        return reuse;
    }
    return std::make_shared<RowBlock>();
}

} // namespace

JsonlFileSummary
read_jsonl_in_parallel(const fs::path& path, const ReaderOptions& options, unsigned workers,
                       const std::function<void(std::shared_ptr<const RowBlock>)>& consume) {
    const std::string name = path.string();
    BlockSource source(path, options.max_row_bytes);
    workers = std::max(1u, workers);
    // Enough blocks in flight to keep every worker busy while the consumer works on one.
    const std::size_t max_in_flight = 2 * workers + 2;

    // Reading has a lock of its own: a read from a pipe can block for as long as the producer
    // takes, and parsed blocks must reach the consumer meanwhile.
    std::mutex source_mutex;
    std::size_t blocks_cut = 0;      // under source_mutex, as are the two below
    bool source_finished = false;    // the end was read, or reading failed
    std::exception_ptr source_error; // why reading failed
    std::mutex mutex;
    std::condition_variable changed;
    std::map<std::size_t, Parsed> done;
    std::vector<std::shared_ptr<RowBlock>> spare; // consumed blocks, reused for their buffers
    std::vector<BlockBuffer> spare_buffers;       // parsed blocks' input, reused for reading
    std::size_t blocks_total = 0;                 // every block read, once source_done
    std::size_t in_flight = 0;
    bool source_done = false;
    bool stop = false;

    auto work = [&] {
        JsonCanonicalizer canonicalizer;
        for (;;) {
            Parsed parsed;
            {
                std::unique_lock lock(mutex);
                changed.wait(lock,
                             [&] { return stop || source_done || in_flight < max_in_flight; });
                if (stop || source_done) return;
                ++in_flight; // this worker's block, once read
                parsed.rows = free_rows(spare);
                if (!spare_buffers.empty()) {
                    parsed.block.buffer = std::move(spare_buffers.back());
                    spare_buffers.pop_back();
                }
            }
            bool got = false;
            std::size_t blocks_read = 0;
            {
                std::lock_guard reading(source_mutex);
                if (!source_finished) {
                    try {
                        got = source.next(parsed.block);
                    } catch (...) {
                        source_error = std::current_exception();
                    }
                    source_finished = !got;
                }
                if (got) parsed.block.seq = blocks_cut++;
                blocks_read = blocks_cut;
            }
            if (!got) {
                std::lock_guard lock(mutex);
                --in_flight;
                source_done = true;
                blocks_total = blocks_read; // final: nothing is read once source_finished
                changed.notify_all();
                return;
            }
            try {
                parse_block(parsed, canonicalizer, name, options);
            } catch (const Error& e) {
                parsed.error = e;
            } catch (...) {
                parsed.failure = std::current_exception();
            }
            {
                std::lock_guard lock(mutex);
                spare_buffers.push_back(std::move(parsed.block.buffer));
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
                changed.wait(lock, [&] {
                    return done.count(next) || (source_done && next >= blocks_total);
                });
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
            summary.rows += static_cast<std::int64_t>(parsed.rows->rows());
            lines_before += parsed.lines;
            std::lock_guard lock(mutex);
            spare.push_back(std::move(parsed.rows)); // emptied when reused (it may still be read)
        }
        {
            std::lock_guard reading(source_mutex);
            if (source_error) std::rethrow_exception(source_error);
        }
        summary.hash = source.hash();
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
    return read_jsonl_in_parallel(path, options, workers,
                                  [&consume](std::shared_ptr<const RowBlock> block) {
                                      for (std::size_t i = 0; i < block->rows(); ++i)
                                          consume(block->row(i));
                                  });
}

} // namespace llmops::data
