#include "drift/column_source.hpp"

#include "core/hash.hpp"
#include "data/dataset_catalog.hpp"
#include "data/dataset_rows.hpp"
#include "data/formats/row_reader.hpp"
#include "data/schema_summary.hpp"
#include "store/project.hpp"
#include "json/json_string.hpp"

#include <set>
#include <stdexcept>

namespace llmops::drift {

std::string ColumnSource::read_part(std::size_t) {
    throw std::logic_error(label() + " is not read in parts"); // a caller's mistake
}

struct DatasetColumnSource::State {
    data::DatasetVersion version;
    std::vector<Hash128> chunks;
    std::vector<std::int64_t> chunk_rows;
};

DatasetColumnSource::DatasetColumnSource(store::Project& project, const std::string& ref)
    : project_(project), state_(std::make_unique<State>()) {
    state_->version = data::resolve_version(project.db(), ref);
    label_ = state_->version.ref();
    for (const auto& chunk : data::version_chunks(project.db(), state_->version.id)) {
        state_->chunks.push_back(Hash128::from_hex(chunk.hash));
        state_->chunk_rows.push_back(chunk.rows);
    }
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
    std::int64_t index = 0;
    for (const Hash128& chunk : state_->chunks)
        if (!data::for_each_line(project_.objects().get(chunk), index, fn)) return;
}

std::vector<std::int64_t> DatasetColumnSource::part_rows() const {
    return state_->chunk_rows;
}

std::string DatasetColumnSource::read_part(std::size_t part) {
    return project_.objects().get(state_->chunks.at(part));
}

namespace {

std::unique_ptr<data::RowReader> open_file(const std::filesystem::path& path) {
    data::ReaderOptions options;
    options.infer_types = true;
    return data::open_row_reader(path, data::detect_format(path), options);
}

} // namespace

FileColumnSource::FileColumnSource(std::filesystem::path path) : path_(std::move(path)) {
    auto reader = open_file(path_);
    data::Row row;
    std::set<std::string, std::less<>> seen;
    while (reader->next(row)) {
        ++rows_;
        data::for_each_member(row.json, [&](std::string_view key, std::string_view) {
            if (seen.find(key) != seen.end()) return;
            seen.emplace(key);
            fields_.push_back(decode_json_string(key));
        });
    }
}

std::string FileColumnSource::label() const {
    return path_.string();
}

std::optional<std::int64_t> FileColumnSource::row_count() const {
    return rows_;
}

std::vector<std::string> FileColumnSource::fields() const {
    return fields_;
}

void FileColumnSource::for_each_row(const std::function<bool(std::string_view, std::int64_t)>& fn) {
    auto reader = open_file(path_);
    data::Row row;
    std::int64_t index = 0;
    while (reader->next(row))
        if (!fn(row.json, index++)) return;
}

} // namespace llmops::drift
