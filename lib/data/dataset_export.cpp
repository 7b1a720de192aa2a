#include "data/dataset_export.hpp"

#include "core/error.hpp"
#include "core/output_file.hpp"
#include "data/dataset_rows.hpp"
#include "data/formats/csv_writer.hpp"

#include <optional>

namespace llmops::data {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kBlockBytes = 1u << 20;

std::vector<std::string> schema_fields(const DatasetVersion& v) {
    std::vector<std::string> fields;
    for (const auto& [name, types] : v.schema.at("fields").items())
        fields.push_back(name);
    return fields;
}

} // namespace

InputFormat parse_output_format(const std::string& name) {
    auto f = parse_format_name(name);
    if (!f || *f == InputFormat::Json)
        throw Error(ErrorKind::Usage, "unknown output format '" + name + "'", {},
                    "use --format jsonl or --format csv");
    return *f;
}

std::int64_t export_rows(store::Project& project, const DatasetVersion& version,
                         const ExportOptions& options, const ExportSink& sink) {
    std::string buffer;
    std::optional<CsvWriter> csv;
    if (options.format == InputFormat::Csv) {
        csv.emplace(schema_fields(version));
        csv->append_header(buffer);
    }
    std::int64_t written = 0;
    for_each_row(project, version, [&](std::string_view row, std::int64_t) {
        if (options.limit >= 0 && written >= options.limit) return false;
        if (csv) {
            csv->append_row(row, buffer);
        } else {
            buffer.append(row);
            buffer.push_back('\n');
        }
        ++written;
        if (buffer.size() >= kBlockBytes) {
            sink(buffer);
            buffer.clear();
        }
        return true;
    });
    sink(buffer);
    return written;
}

std::int64_t export_rows_to_file(store::Project& project, const DatasetVersion& version,
                                 const ExportOptions& options, const fs::path& path) {
    OutputFile file(path);
    std::int64_t written =
        export_rows(project, version, options, [&](std::string_view block) { file.write(block); });
    file.commit();
    return written;
}

nlohmann::json export_json(const DatasetVersion& version, std::int64_t rows,
                           const std::string& path, const std::string& format) {
    return {{"ref", version.ref()}, {"rows", rows}, {"path", path}, {"format", format}};
}

} // namespace llmops::data
