#pragma once
// Parsing a JSONL file on several threads. JSONL rows never span lines, so the file can be cut
// into blocks at newlines, canonicalised in parallel, and handed on in file order. Errors carry
// the same file:line:column a sequential reader would give.
#include "data/row_reader.hpp"

#include <filesystem>
#include <functional>
#include <string_view>

namespace llmops::data {

// Calls consume(row) with each row's canonical JSON text, in file order, on the calling
// thread. Memory is bounded by a few blocks in flight, whatever the file size.
void read_jsonl_in_parallel(const std::filesystem::path& path, const ReaderOptions& options,
                            unsigned workers, const std::function<void(std::string_view)>& consume);

} // namespace llmops::data
