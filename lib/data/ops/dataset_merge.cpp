#include "data/ops/dataset_merge.hpp"

#include "core/error.hpp"
#include "core/hash.hpp"
#include "data/dataset_catalog.hpp"
#include "data/dataset_ref.hpp"
#include "data/dataset_rows.hpp"

#include <fmt/format.h>
#include <unordered_set>

namespace llmops::data {

MergeReport merge_datasets(store::Project& project, const MergeRequest& request) {
    if (request.sources.empty()) throw_usage("merge needs at least one dataset");
    if (request.output.empty()) throw_usage("merge needs -o NAME, the dataset to write");
    validate_dataset_name(request.output, "output dataset name");
    MergeReport report;
    // Resolve every reference before reading any rows: a typo fails fast.
    for (const auto& ref : request.sources)
        report.sources.push_back({resolve_version(project.db(), ref), 0, 0});

    DatasetWriter writer(project);
    std::unordered_set<Hash128, Hash128Key> seen;
    std::vector<std::string> refs;
    for (auto& source : report.sources) {
        refs.push_back(source.version.ref());
        for_each_row(project, source.version, [&](std::string_view row, std::int64_t) {
            ++report.rows_in;
            if (request.dedup && !seen.insert(hash128(row)).second) {
                ++source.duplicates;
                return true;
            }
            ++source.rows_kept;
            ++report.rows_out;
            writer.add_row(row);
            return true;
        });
    }
    VersionDraft draft;
    draft.name = request.output;
    draft.message = request.message.empty() ? fmt::format("merge of {}", fmt::join(refs, ", "))
                                            : request.message;
    draft.provenance = {{"command", "merge"}, {"sources", refs}, {"dedup", request.dedup}};
    draft.allow_empty = report.rows_in == 0;
    report.commit = writer.commit(draft);
    return report;
}

} // namespace llmops::data
