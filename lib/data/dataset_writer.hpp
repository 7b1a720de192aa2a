#pragma once
// Builds a dataset version from a stream of canonical rows: content-defined chunks stored as
// zstd objects (compressed on a worker thread while rows are read), a manifest object, and one
// transaction that records the version. Nothing is visible until commit(); an abandoned writer
// leaves only unreferenced temp files.
#include "data/chunking.hpp"
#include "data/dataset_version.hpp"
#include "data/row_block.hpp"
#include "data/schema_summary.hpp"
#include "store/project.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::data {

struct VersionDraft {
    std::string name;
    std::string message;
    std::vector<std::string> tags;
    nlohmann::json sources = nlohmann::json::array();
    nlohmann::json provenance = nlohmann::json::object();
    bool allow_empty = false;
};

struct CommitResult {
    DatasetVersion version;
    bool created = false; // false: identical to the latest version, nothing stored
    std::uint64_t new_object_bytes = 0;
};

class DatasetWriter {
  public:
    // Chunks are stored zstd-compressed unless `chunks` says otherwise; a version's identity
    // does not depend on it (objects are named by their uncompressed content).
    explicit DatasetWriter(store::Project& project, ChunkingParams params = {},
                           store::Compression chunks = store::Compression::Zstd);
    ~DatasetWriter();
    DatasetWriter(const DatasetWriter&) = delete;
    DatasetWriter& operator=(const DatasetWriter&) = delete;

    // `row` is the canonical JSON text of one object, without a newline.
    void add_row(std::string_view row);
    // The same for many rows at once, prepared on another thread; the same version results.
    // The writer holds the block until the chunks it stores straight from it are stored.
    void add_block(std::shared_ptr<const RowBlock> block);
    std::int64_t rows() const { return rows_; }
    CommitResult commit(const VersionDraft& draft);

  private:
    void end_chunk();
    std::size_t chunk_capacity() const;
    class ChunkPipeline;

    store::Project& project_;
    ChunkingParams params_;
    ChunkBoundary boundary_;
    SchemaSummary schema_;
    std::string chunk_;
    std::int64_t chunk_rows_ = 0;
    std::int64_t rows_ = 0;
    std::int64_t bytes_ = 0;
    std::unique_ptr<ChunkPipeline> pipeline_;
};

} // namespace llmops::data
