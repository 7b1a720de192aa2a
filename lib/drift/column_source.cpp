#include "drift/column_source.hpp"

#include "data/dataset_catalog.hpp"
#include "data/dataset_rows.hpp"
#include "store/project.hpp"

namespace llmops::drift {

struct DatasetColumnSource::State {
    data::DatasetVersion version;
};

DatasetColumnSource::DatasetColumnSource(store::Project& project, const std::string& ref)
    : project_(project), state_(std::make_unique<State>()) {
    state_->version = data::resolve_version(project.db(), ref);
    label_ = state_->version.ref();
}

DatasetColumnSource::~DatasetColumnSource() = default;

std::string DatasetColumnSource::label() const {
    return label_;
}

std::optional<std::int64_t> DatasetColumnSource::row_count() const {
    return state_->version.rows;
}

std::vector<std::string> DatasetColumnSource::fields() const {
    std::vector<std::string> out;
    const auto& schema = state_->version.schema;
    if (schema.contains("fields"))
        for (const auto& [name, types] : schema["fields"].items())
            out.push_back(name);
    return out;
}

void DatasetColumnSource::for_each_row(
    const std::function<bool(std::string_view, std::int64_t)>& fn) {
    data::for_each_row(project_, state_->version, fn);
}

} // namespace llmops::drift
