#include "drift/parallel_read.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <numeric>
#include <thread>

namespace llmops::drift {

namespace {

using Samples = std::map<std::string, ColumnSample>;

// Rows [from, to) of one part of one side; `order` places it among its side's pieces.
struct Piece {
    int side = 0; // 0 reference, 1 current
    std::size_t part = 0;
    std::int64_t first_row = 0, from = 0, to = 0;
    std::size_t order = 0;
};

// One side's pieces, appended in order as they finish (a piece finished early waits here).
struct SideJoin {
    ColumnSource* source = nullptr;
    Samples* samples = nullptr;
    std::size_t expected_rows = 0;
    std::mutex mutex;
    std::condition_variable appended;
    std::size_t next = 0; // the piece to append next
    std::map<std::size_t, PartSamples> waiting;
    // The columns with too many categories to count so far (a copy for the readers of parts).
    std::vector<bool> uncounted;
    std::size_t failed_at = SIZE_MAX; // the first piece whose reading failed
    std::exception_ptr error;
};

std::int64_t total_rows(const std::vector<std::int64_t>& parts) {
    return std::accumulate(parts.begin(), parts.end(), std::int64_t{0});
}

// Each part as a piece, split at `split` (a row index) if it crosses it.
void add_pieces(int side, const std::vector<std::int64_t>& parts, std::int64_t split,
                std::vector<Piece>& before, std::vector<Piece>& after) {
    std::int64_t first = 0;
    std::size_t order = 0;
    for (std::size_t p = 0; p < parts.size(); ++p) {
        const std::int64_t end = first + parts[p];
        if (first < split) before.push_back({side, p, first, first, std::min(end, split), order++});
        if (end > split) after.push_back({side, p, first, std::max(first, split), end, order++});
        first = end;
    }
}

// How far (in pieces) a thread may read ahead of its side's next piece to append: ~2 MB.
constexpr std::size_t kMaxAhead = 64;

unsigned threads_to_use(std::size_t pieces) {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    return static_cast<unsigned>(std::min<std::size_t>(cores, std::max<std::size_t>(pieces, 1)));
}

} // namespace

bool reads_in_parts(const ColumnSource& reference, const ColumnSource& current) {
    for (const ColumnSource* side : {&reference, &current}) {
        const auto parts = side->part_rows();
        const auto rows = side->row_count();
        if (parts.empty() || !rows || total_rows(parts) != *rows) return false;
    }
    return true;
}

void read_in_parts(ColumnSource& reference, ColumnSource& current,
                   const std::vector<std::string>& columns, Vocabulary& vocabulary,
                   Samples& ref_samples, Samples& cur_samples) {
    const auto ref_parts = reference.part_rows(), cur_parts = current.part_rows();
    const std::int64_t ref_rows = total_rows(ref_parts), cur_rows = total_rows(cur_parts);
    vocabulary.reference_rows_used = ref_rows / 2;
    std::vector<Piece> learning, looking_up;
    add_pieces(0, ref_parts, vocabulary.reference_rows_used, learning, looking_up);
    add_pieces(1, cur_parts, 0, learning, looking_up);

    SideJoin sides[2];
    sides[0].source = &reference;
    sides[0].samples = &ref_samples;
    sides[0].expected_rows = static_cast<std::size_t>(ref_rows);
    sides[1].source = &current;
    sides[1].samples = &cur_samples;
    sides[1].expected_rows = static_cast<std::size_t>(cur_rows);
    for (SideJoin& side : sides) {
        for (const auto& c : columns)
            (*side.samples)[c].expected_rows = side.expected_rows;
        side.uncounted.assign(columns.size(), false);
    }
    std::vector<const WordSet*> lookup;
    for (const auto& c : columns)
        lookup.push_back(&vocabulary.words[c]); // created here: the map is not changed later
    std::atomic<bool> stop{false};

    auto finish = [&](const Piece& piece, PartSamples&& part) {
        SideJoin& side = sides[piece.side];
        std::lock_guard lock(side.mutex);
        side.waiting.emplace(piece.order, std::move(part));
        for (auto it = side.waiting.begin();
             it != side.waiting.end() && it->first == side.next && side.next < side.failed_at;
             it = side.waiting.erase(it), ++side.next) {
            append_part(*side.samples, columns, std::move(it->second), side.expected_rows);
            for (std::size_t k = 0; k < columns.size(); ++k)
                side.uncounted[k] = (*side.samples)[columns[k]].too_many_categories;
        }
        side.appended.notify_all();
    };
    // A thread whose piece is far ahead of its side's next one to append waits (a thread held up
    // by the machine's load would otherwise let finished pieces pile up without bound). The
    // next piece itself never waits, so some thread always makes progress.
    auto wait_for_turn = [&](const Piece& piece) {
        SideJoin& side = sides[piece.side];
        std::unique_lock lock(side.mutex);
        side.appended.wait(lock,
                           [&] { return piece.order < side.next + kMaxAhead || stop.load(); });
    };
    // The columns a part of `side` need not count categories of (a copy: parts read it while
    // another part's samples are appended).
    auto uncounted = [&](int side) {
        std::lock_guard lock(sides[side].mutex);
        return sides[side].uncounted;
    };
    auto fail = [&](const Piece& piece) {
        {
            SideJoin& side = sides[piece.side];
            std::lock_guard lock(side.mutex);
            if (piece.order < side.failed_at) {
                side.failed_at = piece.order;
                side.error = std::current_exception();
            }
        }
        stop.store(true);
        for (SideJoin& side : sides) {
            // Under the side's lock, so a thread about to wait sees `stop` or gets the wake-up.
            std::lock_guard lock(side.mutex);
            side.appended.notify_all();
        }
    };
    // Runs `pieces` on one thread per core; `learned`: where each thread collects its words
    // (learning), or null (looking up).
    auto run = [&](const std::vector<Piece>& pieces, std::vector<std::vector<WordSet>>* learned) {
        const unsigned threads = threads_to_use(pieces.size());
        if (learned) learned->assign(threads, std::vector<WordSet>(columns.size()));
        std::atomic<std::size_t> next{0};
        auto work = [&](unsigned t) {
            std::vector<WordSet*> learn;
            if (learned)
                for (WordSet& set : (*learned)[t])
                    learn.push_back(&set);
            for (std::size_t i = next++; i < pieces.size() && !stop.load(); i = next++) {
                const Piece& piece = pieces[i];
                wait_for_turn(piece);
                if (stop.load()) break;
                try {
                    ColumnSource& source = *sides[piece.side].source;
                    finish(piece,
                           read_part(source.read_part(piece.part), piece.first_row, piece.from,
                                     piece.to, columns, lookup, learn, uncounted(piece.side)));
                } catch (...) {
                    fail(piece);
                }
            }
        };
        std::vector<std::thread> helpers;
        for (unsigned t = 1; t < threads; ++t)
            helpers.emplace_back(work, t);
        work(0);
        for (auto& helper : helpers)
            helper.join();
    };

    std::vector<std::vector<WordSet>> learned;
    run(learning, &learned);
    for (std::size_t k = 0; k < columns.size(); ++k)
        for (const auto& sets : learned)
            vocabulary.words[columns[k]].merge(sets[k]);
    learned.clear();
    if (!stop.load()) run(looking_up, nullptr);
    // The reference's error first, as reading the sides one after the other would report it.
    for (SideJoin& side : sides)
        if (side.error) std::rethrow_exception(side.error);
}

} // namespace llmops::drift
