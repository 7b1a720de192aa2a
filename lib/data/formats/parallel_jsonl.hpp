#pragma once
// Parsing a JSONL file on several threads. JSONL rows never span lines, so the file can be cut
// into blocks at newlines, canonicalised in parallel, and handed on in file order. Rows, blank
// lines, a leading byte order mark and errors (file:line:column, the row size limit) are treated
// exactly as JsonlReader treats them.
#include "core/hash.hpp"
#include "data/formats/row_reader.hpp"
#include "data/row_block.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>

namespace llmops::data {

struct JsonlFileSummary {
    Hash128 hash;            // XXH3-128 of the file's bytes, computed on the way
    std::uint64_t bytes = 0; // size of the file
    std::int64_t rows = 0;
};

// Calls consume(block) with the file's rows, block by block in file order, on the calling
// thread. The file is read once, a block at a time. The consumer may keep a block (hold its
// pointer) after it returns, for work on other threads: a block's memory is reused only once
// nobody else holds it. Memory is bounded by a few blocks in flight, plus those the consumer
// holds, whatever the file size. `workers` threads parse (at least one).
JsonlFileSummary
read_jsonl_in_parallel(const std::filesystem::path& path, const ReaderOptions& options,
                       unsigned workers,
                       const std::function<void(std::shared_ptr<const RowBlock>)>& consume);

// The same, one row's canonical text at a time.
JsonlFileSummary read_jsonl_in_parallel(const std::filesystem::path& path,
                                        const ReaderOptions& options, unsigned workers,
                                        const std::function<void(std::string_view)>& consume);

} // namespace llmops::data
