#include "data/ops/dataset_split.hpp"

#include "core/error.hpp"
#include "core/hash.hpp"
#include "data/canonical_row.hpp"
#include "data/dataset_catalog.hpp"
#include "data/dataset_ref.hpp"
#include "data/dataset_rows.hpp"

#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <memory>

namespace llmops::data {

std::vector<SplitRatio> parse_ratios(std::string_view text) {
    const std::string hint = "write NAME=RATIO pairs separated by commas, e.g. "
                             "--ratios train=0.8,val=0.1,test=0.1";
    std::vector<SplitRatio> ratios;
    std::size_t at = 0;
    while (at <= text.size()) {
        std::size_t comma = text.find(',', at);
        if (comma == std::string_view::npos) comma = text.size();
        std::string_view part = text.substr(at, comma - at);
        std::size_t eq = part.find('=');
        if (eq == std::string_view::npos || eq == 0 || eq + 1 == part.size())
            throw Error(ErrorKind::Usage, fmt::format("bad --ratios entry '{}'", part), {}, hint);
        SplitRatio r{std::string(part.substr(0, eq)), 0};
        std::string_view number = part.substr(eq + 1);
        auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), r.ratio);
        if (ec != std::errc() || end != number.data() + number.size() || !std::isfinite(r.ratio))
            throw Error(ErrorKind::Usage,
                        fmt::format("bad --ratios entry '{}': '{}' is not a number", part, number),
                        {}, hint);
        ratios.push_back(std::move(r));
        at = comma + 1;
    }
    double sum = 0;
    for (std::size_t i = 0; i < ratios.size(); ++i) {
        const SplitRatio& r = ratios[i];
        validate_dataset_name(r.name, "split name");
        for (std::size_t j = 0; j < i; ++j)
            if (ratios[j].name == r.name)
                throw Error(ErrorKind::BadInput,
                            fmt::format("split '{}' is named twice in --ratios", r.name));
        if (!(r.ratio > 0))
            throw Error(
                ErrorKind::BadInput,
                fmt::format("split '{}' has ratio {}: ratios must be positive", r.name, r.ratio));
        sum += r.ratio;
    }
    if (std::fabs(sum - 1.0) > 1e-9)
        throw Error(ErrorKind::BadInput, fmt::format("the ratios add up to {}, not 1", sum));
    return ratios;
}

double unit_interval(std::uint64_t hash) {
    return static_cast<double>(hash >> 11) * 0x1.0p-53;
}

std::size_t split_index(const std::vector<SplitRatio>& ratios, double u) {
    double upper = 0;
    for (std::size_t i = 0; i + 1 < ratios.size(); ++i) {
        upper += ratios[i].ratio;
        if (u < upper) return i;
    }
    return ratios.size() - 1; // the last split takes rounding slack
}

SplitReport split_dataset(store::Project& project, const SplitRequest& request) {
    if (request.ratios.empty()) throw_usage("--ratios names no splits");
    SplitReport report;
    report.source = resolve_version(project.db(), request.source);
    std::string prefix = request.prefix.empty() ? report.source.name : request.prefix;
    std::vector<std::string> names;
    for (const auto& r : request.ratios) {
        names.push_back(prefix + "-" + r.name);
        validate_dataset_name(names.back(), "output dataset name");
    }

    std::vector<std::unique_ptr<DatasetWriter>> writers;
    for (std::size_t i = 0; i < request.ratios.size(); ++i)
        writers.push_back(std::make_unique<DatasetWriter>(project));
    std::vector<std::int64_t> counts(request.ratios.size(), 0);
    std::string by_key = request.by ? canonical_key(*request.by) : std::string();
    for_each_row(project, report.source, [&](std::string_view row, std::int64_t index) {
        ++report.rows_in;
        std::string_view hashed = row;
        if (request.by) {
            std::optional<std::string_view> value = find_field(row, by_key);
            if (!value)
                throw Error(ErrorKind::BadInput,
                            fmt::format("no field '{}' to split by", *request.by),
                            ErrorLocation{.row = index, .field = *request.by});
            hashed = *value; // canonical value text: 1 and 1.0 are one group
        }
        std::size_t i = split_index(request.ratios, unit_interval(hash64(hashed, request.seed)));
        ++counts[i];
        writers[i]->add_row(row);
        return true;
    });

    nlohmann::json ratios = nlohmann::json::array();
    for (const auto& r : request.ratios)
        ratios.push_back({{"name", r.name}, {"ratio", r.ratio}});
    for (std::size_t i = 0; i < request.ratios.size(); ++i) {
        VersionDraft draft;
        draft.name = names[i];
        draft.message =
            request.message.empty()
                ? fmt::format("{} split of {}", request.ratios[i].name, report.source.ref())
                : request.message;
        draft.provenance = {{"command", "split"},
                            {"source", report.source.ref()},
                            {"split", request.ratios[i].name},
                            {"ratios", ratios},
                            {"seed", request.seed},
                            {"by", request.by ? nlohmann::json(*request.by) : nlohmann::json()}};
        // A small dataset may leave a split empty; it is still written, so that every split
        // exists for the steps that read it.
        draft.allow_empty = true;
        report.outputs.push_back({request.ratios[i].name, request.ratios[i].ratio, counts[i],
                                  writers[i]->commit(draft)});
    }
    return report;
}

} // namespace llmops::data
