#include "data/dataset_writer.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"
#include "data/dataset_catalog.hpp"
#include "data/dataset_ref.hpp"
#include "store/object_batch.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace llmops::data {

namespace {
constexpr std::size_t kMaxQueuedChunks = 32;
// A full queue lets its producer go on once it is down to this many: waking the producer for
// every chunk taken made it and the workers hand the lock back and forth thousands of times.
constexpr std::size_t kResumeQueuedChunks = kMaxQueuedChunks / 2;
constexpr const char* kManifestFormat = "llmops.dataset/1";

// The manifest's JSON text, byte for byte what nlohmann::json's dump() gives for
// {"bytes","chunks":[[hash,rows,bytes]…],"format","rows"} (keys sorted, no spaces; hashes are
// hex, so nothing needs escaping), without building a document of thousands of arrays first.
std::string dataset_manifest_text(std::int64_t rows, std::int64_t bytes,
                                  const std::vector<ChunkRef>& chunks) {
    std::string out;
    out.reserve(96 + chunks.size() * 64);
    out += "{\"bytes\":";
    out += std::to_string(bytes);
    out += ",\"chunks\":[";
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        if (i > 0) out += ',';
        out += "[\"";
        out += chunks[i].hash;
        out += "\",";
        out += std::to_string(chunks[i].rows);
        out += ',';
        out += std::to_string(chunks[i].bytes);
        out += ']';
    }
    out += "],\"format\":\"";
    out += kManifestFormat;
    out += "\",\"rows\":";
    out += std::to_string(rows);
    out += '}';
    return out;
}
} // namespace

// Hands finished chunks to worker threads (one per core) that hash, compress and write them, so
// reading and parsing rows overlaps with compression and compression uses every core.
class DatasetWriter::ChunkPipeline {
  public:
    ChunkPipeline(store::ObjectStore& objects, store::Compression compression)
        : batch_(objects), compression_(compression) {
        const unsigned count = std::max(1u, std::thread::hardware_concurrency());
        for (unsigned i = 0; i < count; ++i)
            workers_.emplace_back([this] { run(); });
    }

    ~ChunkPipeline() { stop(); }

    // A chunk in a buffer of its own.
    void push(std::string chunk, std::int64_t rows) {
        const auto bytes = static_cast<std::int64_t>(chunk.size());
        enqueue(Job{0, std::move(chunk), {}, {}}, rows, bytes);
    }

    // A chunk that is a view into bytes `owner` keeps alive and unchanged; the owner is
    // released once the chunk is stored.
    void push_view(std::string_view chunk, std::int64_t rows, std::shared_ptr<const void> owner) {
        enqueue(Job{0, {}, chunk, std::move(owner)}, rows, static_cast<std::int64_t>(chunk.size()));
    }

    // Waits for every chunk; returns them in order.
    std::vector<ChunkRef> finish() {
        stop();
        rethrow_failure();
        return chunks_;
    }

    store::ObjectBatch& batch() { return batch_; }

    // An empty buffer for the next chunk with room for `capacity` bytes: one a worker is done
    // with, so that chunk buffers are not allocated (and their pages faulted in) for every chunk.
    std::string spare_buffer(std::size_t capacity) {
        std::string buffer;
        {
            std::lock_guard lock(mutex_);
            if (!spare_.empty()) {
                buffer = std::move(spare_.back());
                spare_.pop_back();
            }
        }
        if (buffer.capacity() < capacity) {
            buffer.reserve(capacity);
            prefault_for_writing(buffer.data(), buffer.capacity());
        }
        return buffer;
    }

  private:
    struct Job {
        std::size_t seq;
        std::string bytes;                 // the chunk, when owned
        std::string_view view;             // the chunk, when a view (bytes is empty then)
        std::shared_ptr<const void> owner; // what keeps the view's bytes
    };

    void enqueue(Job job, std::int64_t rows, std::int64_t bytes) {
        {
            std::unique_lock lock(mutex_);
            if (queue_.size() >= kMaxQueuedChunks) {
                producer_waits_ = true;
                space_.wait(lock, [this] { return !producer_waits_ || failure_; });
            }
            rethrow_failure();
            job.seq = chunks_.size();
            chunks_.push_back({"", rows, bytes});
            queue_.push_back(std::move(job));
        }
        ready_.notify_one();
    }

    void run() {
        for (;;) {
            Job job;
            bool wake_producer = false;
            {
                std::unique_lock lock(mutex_);
                ready_.wait(lock, [this] { return !queue_.empty() || done_; });
                if (queue_.empty()) return;
                job = std::move(queue_.front());
                queue_.pop_front();
                if (producer_waits_ && queue_.size() <= kResumeQueuedChunks) {
                    producer_waits_ = false;
                    wake_producer = true;
                }
            }
            if (wake_producer) space_.notify_one();
            const bool is_view = !job.view.empty();
            try {
                store::ObjectInfo info =
                    batch_.add(is_view ? job.view : std::string_view(job.bytes), compression_);
                job.owner.reset(); // outside the lock: it may free a block
                std::lock_guard lock(mutex_);
                chunks_[job.seq].hash = info.hash.hex();
                if (!is_view) {
                    // Kept for reuse, all of them: at most the queue and one per worker exist.
                    job.bytes.clear();
                    spare_.push_back(std::move(job.bytes));
                }
            } catch (...) {
                std::lock_guard lock(mutex_);
                failure_ = std::current_exception();
                queue_.clear();
                space_.notify_all();
                return;
            }
        }
    }

    void stop() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        ready_.notify_all();
        for (auto& worker : workers_)
            if (worker.joinable()) worker.join();
    }

    void rethrow_failure() {
        if (failure_) std::rethrow_exception(failure_);
    }

    store::ObjectBatch batch_;
    const store::Compression compression_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::condition_variable space_;
    std::deque<Job> queue_;
    std::vector<std::string> spare_;
    std::vector<ChunkRef> chunks_;
    std::exception_ptr failure_;
    bool done_ = false;
    bool producer_waits_ = false;      // for the queue to be down to kResumeQueuedChunks
    std::vector<std::thread> workers_; // last: started after everything they use exists
};

DatasetWriter::DatasetWriter(store::Project& project, ChunkingParams params,
                             store::Compression chunks)
    : project_(project), params_(params), boundary_(params),
      pipeline_(std::make_unique<ChunkPipeline>(project.objects(), chunks)) {
    chunk_ = pipeline_->spare_buffer(chunk_capacity());
}

std::size_t DatasetWriter::chunk_capacity() const {
    // A chunk ends at the first row that takes it to max_bytes: one size fits nearly every
    // chunk, so buffers are allocated once and reused.
    return params_.max_bytes + (64 << 10);
}

DatasetWriter::~DatasetWriter() = default;

void DatasetWriter::add_row(std::string_view row) {
    schema_.add_row(row);
    chunk_.append(row);
    chunk_.push_back('\n');
    ++chunk_rows_;
    ++rows_;
    bytes_ += static_cast<std::int64_t>(row.size() + 1);
    if (boundary_.ends_after(hash64(row), chunk_.size())) end_chunk();
}

void DatasetWriter::add_block(std::shared_ptr<const RowBlock> block) {
    if (block->hashes.size() != block->rows())
        throw std::logic_error("a row block reached the dataset writer before RowBlock::finish");
    schema_.merge(block->schema);
    const std::string_view text = block->text.view();
    std::size_t run = 0; // start of the rows not yet in a chunk
    for (std::size_t i = 0; i < block->rows(); ++i) {
        const std::size_t end = block->ends[i];
        ++chunk_rows_;
        if (!boundary_.ends_after(block->hashes[i], chunk_.size() + (end - run))) continue;
        if (chunk_.empty()) {
            // A chunk wholly inside the block is stored from the block itself, not copied.
            pipeline_->push_view(text.substr(run, end - run), chunk_rows_, block);
            chunk_rows_ = 0;
        } else {
            chunk_.append(text.substr(run, end - run));
            end_chunk();
        }
        run = end;
    }
    chunk_.append(text.substr(run)); // the start of a chunk the next block ends
    rows_ += static_cast<std::int64_t>(block->rows());
    bytes_ += static_cast<std::int64_t>(text.size());
}

void DatasetWriter::end_chunk() {
    if (chunk_rows_ == 0) return;
    std::string full = std::move(chunk_);
    chunk_ = pipeline_->spare_buffer(chunk_capacity());
    pipeline_->push(std::move(full), chunk_rows_);
    chunk_rows_ = 0;
}

CommitResult DatasetWriter::commit(const VersionDraft& draft) {
    validate_dataset_name(draft.name);
    if (rows_ == 0 && !draft.allow_empty)
        throw Error(ErrorKind::BadInput, "empty input: no rows to store", {},
                    "pass --allow-empty to store an empty version");
    end_chunk();
    // The input is all read: the objects written so far are made durable and moved into place
    // on another thread (thousands of renames, the longest step of the tail) while the workers
    // store the last chunks and the version's rows are written. The transaction commits only
    // once every object is in place, so a version never names an object that is not.
    store::ObjectBatch& batch = pipeline_->batch();
    std::future<void> placed_early =
        std::async(std::launch::async, [&batch] { batch.place_added(); });
    std::vector<ChunkRef> chunks = pipeline_->finish();

    const std::string manifest_text = dataset_manifest_text(rows_, bytes_, chunks);
    Hash128 manifest_hash = hash128(manifest_text);

    store::Database& db = project_.db();
    CommitResult result;
    // Identical to the latest version: nothing to record (a fast path before any write lock).
    if (auto latest = latest_version(db, draft.name);
        latest && latest->manifest == manifest_hash.hex() && draft.tags.empty()) {
        placed_early.get();
        result.version = *latest;
        return result;
    }
    batch.add_hashed(manifest_hash, manifest_text, store::Compression::Zstd);
    result.new_object_bytes = batch.new_bytes();
    std::future<void> placed = std::async(std::launch::async, [&batch, &placed_early] {
        placed_early.get();
        batch.commit();
    });

    store::Transaction tx(db);
    auto latest = latest_version(db, draft.name);
    if (latest && latest->manifest == manifest_hash.hex()) {
        // Same content: no new version, but the requested tags still apply to it.
        for (const auto& tag : draft.tags)
            tag_version(db, *latest, tag);
        placed.get();
        tx.commit();
        result.version = resolve_version(db, latest->ref());
        return result;
    }
    std::string now = now_iso8601();
    db.prepare(
          "INSERT INTO datasets (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")
        .bind(1, draft.name)
        .bind(2, now)
        .run();
    store::Statement ds = db.prepare("SELECT id, next_number FROM datasets WHERE name = ?");
    ds.bind(1, draft.name);
    ds.step();
    std::int64_t dataset_id = ds.column_int(0);
    std::int64_t number = ds.column_int(1);
    db.prepare("UPDATE datasets SET next_number = ? WHERE id = ?")
        .bind(1, number + 1)
        .bind(2, dataset_id)
        .run();
    std::string schema_text = schema_.to_json().dump();
    db.prepare("INSERT INTO dataset_versions (dataset_id, number, manifest, parent_id, row_count, "
               "bytes, stored_bytes, schema, sources, provenance, message, created_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, dataset_id)
        .bind(2, number)
        .bind(3, manifest_hash.hex())
        .bind(4, latest ? std::optional<std::int64_t>(latest->id) : std::nullopt)
        .bind(5, rows_)
        .bind(6, bytes_)
        .bind(7, static_cast<std::int64_t>(result.new_object_bytes))
        .bind(8, schema_text)
        .bind(9, draft.sources.dump())
        .bind(10, draft.provenance.dump())
        .bind(11, draft.message)
        .bind(12, now)
        .run();
    std::int64_t version_id = db.last_insert_rowid();
    store::Statement insert_chunk = db.prepare("INSERT INTO dataset_chunks (version_id, seq, "
                                               "chunk, row_count, bytes) VALUES (?, ?, ?, ?, ?)");
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        insert_chunk.bind(1, version_id)
            .bind(2, static_cast<std::int64_t>(i))
            .bind(3, chunks[i].hash)
            .bind(4, chunks[i].rows)
            .bind(5, chunks[i].bytes);
        insert_chunk.run();
    }
    DatasetVersion created = resolve_version(db, draft.name + "@" + std::to_string(number));
    for (const auto& tag : draft.tags)
        tag_version(db, created, tag);
    placed.get();
    tx.commit();
    result.version = resolve_version(db, created.ref());
    result.created = true;
    return result;
}

} // namespace llmops::data
