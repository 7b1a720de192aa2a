#include "data/ops/ops_json.hpp"

namespace llmops::data {

using nlohmann::json;

namespace {

void add_commit(json& out, const CommitResult& r) {
    out["version"] = r.version.to_json();
    out["created"] = r.created;
}

json parsed_rows(const std::vector<std::string>& rows) {
    json out = json::array();
    for (const auto& r : rows)
        out.push_back(json::parse(r));
    return out;
}

json optional_row(const std::optional<std::string>& text) {
    return text ? json::parse(*text) : json();
}

} // namespace

json to_json(const DatasetDiff& d, const DatasetVersion& a, const DatasetVersion& b,
             const std::optional<std::string>& key) {
    json changed = json::array();
    for (const auto& c : d.changed_rows) {
        json fields = json::array();
        for (const auto& f : c.fields)
            fields.push_back({{"field", f.field},
                              {"before", optional_row(f.before)},
                              {"after", optional_row(f.after)}});
        changed.push_back({{"key", json::parse(c.key)}, {"fields", fields}});
    }
    return {{"a", a.ref()},
            {"b", b.ref()},
            {"key", key ? json(*key) : json()},
            {"rows_a", d.rows_a},
            {"rows_b", d.rows_b},
            {"added", d.added},
            {"removed", d.removed},
            {"changed", d.changed},
            {"chunks_read", d.chunks_read},
            {"chunks_total", d.chunks_total},
            {"added_rows", parsed_rows(d.added_rows)},
            {"removed_rows", parsed_rows(d.removed_rows)},
            {"changed_rows", changed}};
}

json to_json(const DedupReport& r, const DedupRequest& request) {
    json dropped = json::array();
    for (const auto& d : r.dropped) {
        json item = {{"row", d.row},
                     {"reason", d.similarity ? "near" : "exact"},
                     {"duplicate_of", d.duplicate_of}};
        if (d.similarity) item["similarity"] = *d.similarity;
        dropped.push_back(std::move(item));
    }
    json near_json = nullptr;
    if (const auto& near = request.options.near)
        near_json = {
            {"field", near->field},
            {"threshold", near->threshold},
            {"shingle", near->shingles.kind == stats::ShingleKind::Chars ? "chars" : "words"},
            {"shingle_size", near->shingles.size},
            {"permutations", near->permutations},
            {"bands", r.bands->bands},
            {"rows_per_band", r.bands->rows},
            {"rows_without_text", r.rows_without_text}};
    json out = {{"source", r.source.ref()},
                {"dry_run", request.dry_run},
                {"normalize", request.options.normalize},
                {"rows_in", r.rows_in},
                {"rows_out", r.rows_out},
                {"dropped_exact", r.exact},
                {"dropped_near", r.near},
                {"near", near_json},
                {"dropped", dropped},
                {"version", nullptr},
                {"created", false}};
    if (r.commit) add_commit(out, *r.commit);
    return out;
}

json to_json(const SplitReport& r, const SplitRequest& request) {
    json splits = json::array();
    for (const auto& s : r.outputs) {
        json item = {{"split", s.split}, {"ratio", s.ratio}, {"rows", s.rows}};
        add_commit(item, s.commit);
        splits.push_back(std::move(item));
    }
    return {{"source", r.source.ref()},
            {"seed", request.seed},
            {"by", request.by ? json(*request.by) : json()},
            {"rows_in", r.rows_in},
            {"splits", splits}};
}

json to_json(const TransformReport& r) {
    json out = {{"source", r.source.ref()}, {"rows_in", r.rows_in}, {"rows_out", r.rows_out}};
    add_commit(out, r.commit);
    return out;
}

json to_json(const MergeReport& r, const MergeRequest& request) {
    json sources = json::array();
    for (const auto& s : r.sources)
        sources.push_back(
            {{"ref", s.version.ref()}, {"rows_kept", s.rows_kept}, {"duplicates", s.duplicates}});
    json out = {{"sources", sources},
                {"dedup", request.dedup},
                {"rows_in", r.rows_in},
                {"rows_out", r.rows_out}};
    add_commit(out, r.commit);
    return out;
}

json to_json(const SampleReport& r, const SampleRequest& request) {
    json out = {{"source", r.source.ref()},
                {"n", request.n},
                {"seed", request.seed},
                {"rows_in", r.rows_in},
                {"rows_out", r.rows_out}};
    add_commit(out, r.commit);
    return out;
}

} // namespace llmops::data
