#include "data/dataset_rows.hpp"

#include "data/dataset_catalog.hpp"

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

void for_each_row(store::Project& project, const std::string& ref, const RowVisitor& fn) {
    for_each_row(project, resolve_version(project.db(), ref), fn);
}

} // namespace llmops::data
