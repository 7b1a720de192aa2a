#include "data/parallel_jsonl.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace llmops::data {

namespace fs = std::filesystem;

namespace {
constexpr std::size_t kBlockBytes = 4 << 20;
constexpr std::size_t kMaxBlocksInFlight = 6;

struct Block {
    std::size_t seq = 0;
    long first_line = 1;
    std::string text;
};

struct Parsed {
    std::string rows; // canonical rows, each followed by '\n'
    std::exception_ptr error;
};

long count_newlines(std::string_view text) {
    long n = 0;
    const char* p = text.data();
    const char* end = p + text.size();
    while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p))))) {
        ++n;
        ++p;
    }
    return n;
}

Parsed parse_block(const Block& block, const std::string& name, const ReaderOptions& options) {
    Parsed out;
    try {
        ReaderOptions block_options = options;
        block_options.allow_empty = true; // emptiness is judged over the whole input
        auto reader = open_row_reader(block.text, name, InputFormat::Jsonl, block_options);
        Row row;
        while (reader->next(row)) {
            out.rows.append(row.json);
            out.rows.push_back('\n');
        }
    } catch (const Error& e) {
        // Lines inside the block count from 1: shift them to the file's numbering.
        ErrorLocation where = e.where();
        if (where.line > 0) where.line += block.first_line - 1;
        out.error = std::make_exception_ptr(Error(e.kind(), e.message(), where, e.hint()));
    } catch (...) {
        out.error = std::current_exception();
    }
    return out;
}
} // namespace

void read_jsonl_in_parallel(const fs::path& path, const ReaderOptions& options, unsigned workers,
                            const std::function<void(std::string_view)>& consume) {
    const std::string name = path.string();
    FileDescriptor fd = open_for_reading(path);

    std::mutex mutex;
    std::condition_variable changed;
    std::deque<Block> todo;
    std::map<std::size_t, Parsed> done;
    std::size_t blocks_cut = 0;
    bool input_finished = false;
    bool stop = false;
    std::exception_ptr read_error;

    // Cuts the file into blocks ending at a newline; the tail carries into the next block.
    std::thread cutter([&] {
        try {
            std::string carry;
            long line = 1;
            for (;;) {
                std::string text = std::move(carry);
                carry.clear();
                std::size_t have = text.size();
                text.resize(std::max(kBlockBytes, have + (1 << 20)));
                bool eof = false;
                while (have < text.size()) {
                    std::size_t n = read_some(fd.get(), text.data() + have, text.size() - have, path);
                    if (n == 0) {
                        eof = true;
                        break;
                    }
                    have += n;
                }
                text.resize(have);
                if (!eof) {
                    std::size_t cut = text.rfind('\n');
                    if (cut == std::string::npos) {
                        carry = std::move(text); // one row longer than a block: read on
                        continue;
                    }
                    carry.assign(text, cut + 1, std::string::npos);
                    text.resize(cut + 1);
                }
                long lines = count_newlines(text);
                {
                    std::unique_lock lock(mutex);
                    changed.wait(lock, [&] { return stop || todo.size() + done.size() < kMaxBlocksInFlight; });
                    if (stop) return;
                    if (!text.empty()) todo.push_back({blocks_cut++, line, std::move(text)});
                    if (eof) input_finished = true;
                }
                changed.notify_all();
                line += lines;
                if (eof) return;
            }
        } catch (...) {
            std::lock_guard lock(mutex);
            read_error = std::current_exception();
            input_finished = true;
            changed.notify_all();
        }
    });

    std::vector<std::thread> pool;
    for (unsigned i = 0; i < std::max(1u, workers); ++i) {
        pool.emplace_back([&] {
            for (;;) {
                Block block;
                {
                    std::unique_lock lock(mutex);
                    changed.wait(lock, [&] { return stop || !todo.empty() || input_finished; });
                    if (stop || todo.empty()) return;
                    block = std::move(todo.front());
                    todo.pop_front();
                }
                Parsed parsed = parse_block(block, name, options);
                {
                    std::lock_guard lock(mutex);
                    done.emplace(block.seq, std::move(parsed));
                }
                changed.notify_all();
            }
        });
    }

    auto shutdown = [&] {
        {
            std::lock_guard lock(mutex);
            stop = true;
        }
        changed.notify_all();
        cutter.join();
        for (auto& t : pool) t.join();
    };

    try {
        for (std::size_t next = 0;; ++next) {
            Parsed parsed;
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] {
                    return done.count(next) || (input_finished && next >= blocks_cut && todo.empty());
                });
                auto it = done.find(next);
                if (it == done.end()) break; // every block consumed
                parsed = std::move(it->second);
                done.erase(it);
            }
            changed.notify_all();
            if (parsed.error) std::rethrow_exception(parsed.error);
            std::string_view rows = parsed.rows;
            std::size_t at = 0;
            while (at < rows.size()) {
                std::size_t end = rows.find('\n', at);
                consume(rows.substr(at, end - at));
                at = end + 1;
            }
        }
    } catch (...) {
        shutdown();
        throw;
    }
    shutdown();
    if (read_error) std::rethrow_exception(read_error);
}

} // namespace llmops::data
