#pragma once
// Reading the rows of a stored dataset version, chunk by chunk, in order.
#include "data/dataset_version.hpp"
#include "store/project.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmops::data {

// fn(row, index) gets each row's canonical JSON text (no newline) and its 0-based position;
// it returns false to stop early.
using RowVisitor = std::function<bool(std::string_view row, std::int64_t index)>;

void for_each_row(store::Project& project, const DatasetVersion& version, const RowVisitor& fn);
void for_each_row(store::Project& project, const std::string& ref, const RowVisitor& fn);

// Pull-style reading, one row at a time, one chunk in memory (for consumers that ask for rows
// as they can use them, such as a run feeding a provider engine).
class DatasetRowCursor {
  public:
    DatasetRowCursor(store::Project& project, const DatasetVersion& version);
    // The next row's canonical JSON (valid until the next call) and its 0-based index;
    // false at the end.
    bool next(std::string_view& row, std::int64_t& index);

  private:
    store::Project& project_;
    std::vector<std::string> chunk_hashes_;
    std::size_t next_chunk_ = 0;
    std::string content_;
    std::size_t at_ = 0;
    std::int64_t index_ = 0;
};

// The `id` field of a canonical row as text: a string's characters, a number as written;
// nullopt when the row has none, or one that is neither a string nor a number.
std::optional<std::string> row_id(std::string_view row);

// Calls fn for each row of one chunk's content.
bool for_each_line(std::string_view chunk, std::int64_t& index, const RowVisitor& fn);

} // namespace llmops::data
