#include "data/dataset_rows.hpp"

#include "data/dataset_catalog.hpp"
#include "data/schema_summary.hpp"

#include <nlohmann/json.hpp>

namespace llmops::data {

bool for_each_line(std::string_view chunk, std::int64_t& index, const RowVisitor& fn) {
    std::size_t at = 0;
    while (at < chunk.size()) {
        std::size_t end = chunk.find('\n', at);
        if (end == std::string_view::npos) end = chunk.size();
        if (!fn(chunk.substr(at, end - at), index++)) return false;
        at = end + 1;
    }
    return true;
}

void for_each_row(store::Project& project, const DatasetVersion& version, const RowVisitor& fn) {
    std::int64_t index = 0;
    for (const auto& chunk : version_chunks(project.db(), version.id)) {
        std::string content = project.objects().get(Hash128::from_hex(chunk.hash));
        if (!for_each_line(content, index, fn)) return;
    }
}

DatasetRowCursor::DatasetRowCursor(store::Project& project, const DatasetVersion& version)
    : project_(project) {
    for (auto& chunk : version_chunks(project.db(), version.id))
        chunk_hashes_.push_back(chunk.hash);
}

bool DatasetRowCursor::next(std::string_view& row, std::int64_t& index) {
    while (at_ >= content_.size()) {
        if (next_chunk_ == chunk_hashes_.size()) return false;
        content_ = project_.objects().get(Hash128::from_hex(chunk_hashes_[next_chunk_++]));
        at_ = 0;
    }
    std::size_t end = content_.find('\n', at_);
    if (end == std::string::npos) end = content_.size();
    row = std::string_view(content_).substr(at_, end - at_);
    at_ = end + 1;
    index = index_++;
    return true;
}

void for_each_row(store::Project& project, const std::string& ref, const RowVisitor& fn) {
    for_each_row(project, resolve_version(project.db(), ref), fn);
}

std::optional<std::string> row_id(std::string_view row) {
    std::optional<std::string> id;
    for_each_member(row, [&](std::string_view key, std::string_view value) {
        if (id || key != "id" || value.empty()) return;
        const char* type = canonical_value_type(value);
        if (std::string_view(type) == "string")
            id = nlohmann::json::parse(value).get<std::string>(); // unescaped
        else if (std::string_view(type) == "integer" || std::string_view(type) == "number")
            id = std::string(value);
    });
    return id;
}

} // namespace llmops::data
