#include "data/ops/dataset_sample.hpp"

#include "core/error.hpp"
#include "core/hash.hpp"
#include "data/dataset_catalog.hpp"
#include "data/dataset_ref.hpp"
#include "data/dataset_rows.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <queue>

namespace llmops::data {

std::vector<std::int64_t> bottom_k(const std::vector<std::uint64_t>& hashes, std::int64_t n) {
    using Entry = std::pair<std::uint64_t, std::int64_t>;
    std::priority_queue<Entry> largest_on_top; // the n smallest seen so far
    for (std::size_t i = 0; i < hashes.size(); ++i) {
        Entry e{hashes[i], static_cast<std::int64_t>(i)};
        if (static_cast<std::int64_t>(largest_on_top.size()) < n) {
            largest_on_top.push(e);
        } else if (n > 0 && e < largest_on_top.top()) {
            largest_on_top.pop();
            largest_on_top.push(e);
        }
    }
    std::vector<std::int64_t> picked;
    picked.reserve(largest_on_top.size());
    for (; !largest_on_top.empty(); largest_on_top.pop())
        picked.push_back(largest_on_top.top().second);
    std::sort(picked.begin(), picked.end());
    return picked;
}

SampleReport sample_dataset(store::Project& project, const SampleRequest& request) {
    if (request.n < 1) throw_usage(fmt::format("--n must be at least 1, got {}", request.n));
    SampleReport report;
    report.source = resolve_version(project.db(), request.source);
    std::string output = request.output.empty() ? report.source.name + "-sample" : request.output;
    validate_dataset_name(output, "output dataset name");

    // Two passes keep memory at 8 bytes a row instead of holding the rows.
    std::vector<std::uint64_t> hashes;
    hashes.reserve(static_cast<std::size_t>(std::max<std::int64_t>(report.source.rows, 0)));
    for_each_row(project, report.source, [&](std::string_view row, std::int64_t) {
        hashes.push_back(hash64(row, request.seed));
        return true;
    });
    report.rows_in = static_cast<std::int64_t>(hashes.size());
    std::vector<std::int64_t> picked = bottom_k(hashes, request.n);
    hashes = {};

    DatasetWriter writer(project);
    std::size_t next = 0;
    for_each_row(project, report.source, [&](std::string_view row, std::int64_t index) {
        if (next == picked.size()) return false;
        if (picked[next] == index) {
            writer.add_row(row);
            ++next;
        }
        return true;
    });
    report.rows_out = static_cast<std::int64_t>(picked.size());
    VersionDraft draft;
    draft.name = output;
    draft.message = request.message.empty()
                        ? fmt::format("sample of {} rows of {} (seed {})", report.rows_out,
                                      report.source.ref(), request.seed)
                        : request.message;
    draft.provenance = {{"command", "sample"},
                        {"source", report.source.ref()},
                        {"n", request.n},
                        {"seed", request.seed}};
    draft.allow_empty = report.rows_in == 0;
    report.commit = writer.commit(draft);
    return report;
}

} // namespace llmops::data
