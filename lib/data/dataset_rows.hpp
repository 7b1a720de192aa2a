#pragma once
// Reading the rows of a stored dataset version, chunk by chunk, in order.
#include "data/dataset_version.hpp"
#include "store/project.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace llmops::data {

// fn(row, index) gets each row's canonical JSON text (no newline) and its 0-based position;
// it returns false to stop early.
using RowVisitor = std::function<bool(std::string_view row, std::int64_t index)>;

void for_each_row(store::Project& project, const DatasetVersion& version, const RowVisitor& fn);
void for_each_row(store::Project& project, const std::string& ref, const RowVisitor& fn);

// Calls fn for each row of one chunk's content.
bool for_each_line(std::string_view chunk, std::int64_t& index, const RowVisitor& fn);

} // namespace llmops::data
