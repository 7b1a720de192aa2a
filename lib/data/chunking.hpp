#pragma once
// Content-defined chunking of a row stream. A chunk ends after a row whose hash has its low
// bits zero (once the chunk holds a minimum of bytes), or at a hard maximum. Boundaries depend
// only on the rows themselves, so inserting, removing or changing a few rows changes only the
// chunks around them, and a new version stores about the size of the edit.
#include <cstddef>
#include <cstdint>

namespace llmops::data {

struct ChunkingParams {
    std::size_t min_bytes = 16 << 10;
    std::size_t max_bytes = 256 << 10;
    std::uint64_t boundary_mask = 127; // one row in 128 ends a chunk: ~32 KiB of 250 B rows
};

class ChunkBoundary {
  public:
    explicit ChunkBoundary(ChunkingParams params = {}) : params_(params) {}
    // Called after a row of `row_bytes` with 64-bit hash `row_hash` joined the current chunk;
    // true when the chunk ends here.
    bool ends_after(std::uint64_t row_hash, std::size_t chunk_bytes) const {
        if (chunk_bytes >= params_.max_bytes) return true;
        return chunk_bytes >= params_.min_bytes && (row_hash & params_.boundary_mask) == 0;
    }

  private:
    ChunkingParams params_;
};

} // namespace llmops::data
