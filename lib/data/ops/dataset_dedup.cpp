#include "data/ops/dataset_dedup.hpp"

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/text.hpp"
#include "data/canonical_row.hpp"
#include "data/dataset_catalog.hpp"
#include "data/dataset_ref.hpp"
#include "data/dataset_rows.hpp"
#include "json/canonical_json.hpp"

#include <fmt/format.h>
#include <unordered_map>

namespace llmops::data {

namespace {

void normalize_strings(nlohmann::json& value) {
    if (value.is_string()) {
        value = normalize_text(value.get_ref<const std::string&>());
    } else if (value.is_structured()) {
        for (auto& item : value)
            normalize_strings(item);
    }
}

} // namespace

std::string normalize_row(std::string_view canonical_row) {
    nlohmann::json row = nlohmann::json::parse(canonical_row);
    normalize_strings(row);
    return canonical_json(row);
}

struct RowDeduplicator::State {
    DedupOptions options;
    std::unordered_map<Hash128, std::int64_t, Hash128Key> seen; // row hash -> first row

    // Near duplicates: signatures of kept rows; ids index kept_rows.
    std::optional<stats::NearDuplicateIndex> index;
    std::string field_key;
    std::vector<std::int64_t> kept_rows;
    std::int64_t without_text = 0;
    // Scratch, reused across rows.
    std::vector<std::uint32_t> signature;
    std::vector<stats::NearMatch> matches;
};

RowDeduplicator::RowDeduplicator(const DedupOptions& options) : state_(std::make_unique<State>()) {
    State& s = *state_;
    s.options = options;
    if (!options.near) return;
    const NearDupOptions& near = *options.near;
    if (!(near.threshold > 0.0 && near.threshold <= 1.0))
        throw_usage(fmt::format("--near must be in (0, 1], got {}", near.threshold));
    if (near.field.empty()) throw_usage("--near needs --field FIELD (the text to compare)");
    if (near.permutations < 1 || near.permutations > 1024)
        throw_usage("the number of permutations must be between 1 and 1024");
    if (near.shingles.size < 1 || near.shingles.size > 64)
        throw_usage("the shingle size must be between 1 and 64");
    s.index.emplace(near);
    s.field_key = canonical_key(near.field);
}

RowDeduplicator::~RowDeduplicator() = default;

std::optional<stats::LshBands> RowDeduplicator::bands() const {
    if (!state_->index) return std::nullopt;
    return state_->index->bands();
}
std::int64_t RowDeduplicator::rows_without_text() const {
    return state_->without_text;
}

std::optional<DroppedRow> RowDeduplicator::check(std::string_view row, std::int64_t index) {
    State& s = *state_;
    Hash128 h = s.options.normalize ? hash128(normalize_row(row)) : hash128(row);
    auto [it, inserted] = s.seen.try_emplace(h, index);
    if (!inserted) return DroppedRow{.row = index, .duplicate_of = it->second, .similarity = {}};
    if (!s.options.near) return std::nullopt;

    std::optional<std::string_view> value = find_field(row, s.field_key);
    if (!value || *value == "null" || !s.index->signature(value_text(*value), s.signature)) {
        ++s.without_text;
        return std::nullopt;
    }
    s.index->matches(s.signature, s.matches);
    std::optional<DroppedRow> best;
    for (const stats::NearMatch& m : s.matches) {
        // The most similar kept row; matches ascend by id, so ties go to the earliest.
        if (!best || m.similarity > *best->similarity)
            best = DroppedRow{
                .row = index, .duplicate_of = s.kept_rows[m.id], .similarity = m.similarity};
    }
    // A dropped row stays in `seen`: a later copy of it is reported as its exact duplicate.
    if (best) return best;
    s.kept_rows.push_back(index);
    s.index->insert(s.signature);
    return std::nullopt;
}

DedupReport dedup_dataset(store::Project& project, const DedupRequest& request) {
    DedupReport report;
    RowDeduplicator dedup(request.options);
    report.source = resolve_version(project.db(), request.source);
    std::string output = request.output.empty() ? report.source.name : request.output;
    validate_dataset_name(output, "output dataset name");

    std::optional<DatasetWriter> writer;
    if (!request.dry_run) writer.emplace(project);
    for_each_row(project, report.source, [&](std::string_view row, std::int64_t index) {
        ++report.rows_in;
        if (auto drop = dedup.check(row, index)) {
            (drop->similarity ? report.near : report.exact) += 1;
            report.dropped.push_back(*drop);
            return true;
        }
        ++report.rows_out;
        if (writer) writer->add_row(row);
        return true;
    });
    report.bands = dedup.bands();
    report.rows_without_text = dedup.rows_without_text();
    if (!writer) return report;

    nlohmann::json near = nullptr;
    if (const auto& n = request.options.near)
        near = {{"field", n->field},
                {"threshold", n->threshold},
                {"shingle", n->shingles.kind == stats::ShingleKind::Words ? "words" : "chars"},
                {"shingle_size", n->shingles.size},
                {"permutations", n->permutations},
                {"bands", report.bands->bands},
                {"rows_per_band", report.bands->rows},
                {"seed", n->seed}};
    VersionDraft draft;
    draft.name = output;
    draft.message = request.message.empty()
                        ? fmt::format("dedup of {}: dropped {} exact and {} near duplicates",
                                      report.source.ref(), report.exact, report.near)
                        : request.message;
    draft.provenance = {{"command", "dedup"},
                        {"source", report.source.ref()},
                        {"normalize", request.options.normalize},
                        {"near", near},
                        {"dropped", {{"exact", report.exact}, {"near", report.near}}}};
    draft.allow_empty = report.rows_out == 0;
    report.commit = writer->commit(draft);
    return report;
}

} // namespace llmops::data
