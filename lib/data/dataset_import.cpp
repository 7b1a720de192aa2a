#include "data/dataset_import.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "data/dataset_ref.hpp"
#include "data/formats/input_files.hpp"
#include "data/formats/input_format.hpp"
#include "data/formats/parallel_jsonl.hpp"
#include "data/formats/row_reader.hpp"

#include <algorithm>
#include <thread>

namespace llmops::data {

namespace {
unsigned parse_threads() {
    return std::max(1u, std::thread::hardware_concurrency());
}

std::string file_hash(const std::filesystem::path& path) {
    Hasher128 hasher;
    stream_file(path, [&hasher](std::string_view block) { hasher.update(block); });
    return hasher.digest().hex();
}
} // namespace

CommitResult import_files(store::Project& project, const std::vector<std::filesystem::path>& inputs,
                          const ImportOptions& options) {
    validate_dataset_name(options.name);
    std::vector<std::filesystem::path> files = expand_inputs(inputs);
    DatasetWriter writer(project, {}, options.chunks);
    VersionDraft draft{options.name, options.message, options.tags};
    draft.allow_empty = options.allow_empty;
    ReaderOptions reader_options;
    reader_options.infer_types = options.infer_types;
    // Emptiness is judged over all inputs together, not per file.
    reader_options.allow_empty = true;
    Row row;
    for (const auto& file : files) {
        InputFormat format = detect_format(file, options.format);
        nlohmann::json source = {{"path", file.string()},
                                 {"format", std::string(format_name(format))}};
        if (format == InputFormat::Jsonl) {
            // Parsed on every core, and hashed on the way: the file is read once.
            JsonlFileSummary summary =
                read_jsonl_in_parallel(file, reader_options, parse_threads(),
                                       [&writer](std::shared_ptr<const RowBlock> block) {
                                           writer.add_block(std::move(block));
                                       });
            source["hash"] = summary.hash.hex();
            source["bytes"] = summary.bytes;
            source["rows"] = summary.rows;
        } else {
            auto reader = open_row_reader(file, format, reader_options);
            std::int64_t before = writer.rows();
            while (reader->next(row))
                writer.add_row(row.json);
            source["hash"] = file_hash(file);
            source["bytes"] = std::filesystem::file_size(file);
            source["rows"] = writer.rows() - before;
        }
        draft.sources.push_back(std::move(source));
    }
    if (writer.rows() == 0 && !options.allow_empty) {
        std::string where = files.front().string();
        if (files.size() > 1) where += " and " + std::to_string(files.size() - 1) + " more";
        throw Error(ErrorKind::BadInput, "empty input: no rows", ErrorLocation::in_file(where),
                    "pass --allow-empty to store an empty version");
    }
    draft.provenance = {{"command", "add"}, {"infer_types", options.infer_types}};
    return writer.commit(draft);
}

} // namespace llmops::data
