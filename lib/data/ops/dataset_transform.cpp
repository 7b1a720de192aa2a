#include "data/ops/dataset_transform.hpp"

#include "core/error.hpp"
#include "data/canonical_row.hpp"
#include "data/dataset_catalog.hpp"
#include "data/dataset_ref.hpp"
#include "data/dataset_rows.hpp"
#include "data/schema_summary.hpp"
#include "json/canonical_json.hpp"
#include "json/json_string.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace llmops::data {

namespace {

struct Member {
    std::string key;        // decoded UTF-8
    std::string_view value; // canonical text
};

} // namespace

std::pair<std::string, std::string> split_assignment(std::string_view text,
                                                     std::string_view option) {
    std::size_t eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0)
        throw Error(ErrorKind::Usage,
                    fmt::format("bad {} '{}': expected NAME=VALUE", option, text));
    return {std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

RowTransform::RowTransform(const TransformSpec& spec)
    : filter_(spec.where), select_(spec.select), drop_(spec.drop),
      allow_missing_(spec.allow_missing) {
    for (const auto& text : spec.set) {
        auto [field, source] = split_assignment(text, "--set");
        mustache::CompileOptions options;
        options.name = "--set " + field;
        mustache::Template tmpl = mustache::compile(source, options);
        set_.push_back({field, source, std::move(tmpl)});
    }
    for (const auto& text : spec.rename) {
        auto [from, to] = split_assignment(text, "--rename");
        if (to.empty())
            throw Error(ErrorKind::Usage, fmt::format("bad --rename '{}': empty new name", text));
        rename_.emplace_back(from, to);
        seen_.emplace(from, false);
    }
    for (const auto& f : select_)
        seen_.emplace(f, false);
    for (const auto& f : drop_)
        seen_.emplace(f, false);
}

std::optional<std::string> RowTransform::apply(std::string_view row, std::int64_t index) {
    if (!filter_.matches(row)) return std::nullopt;
    std::string computed;
    if (!set_.empty()) {
        nlohmann::json value = nlohmann::json::parse(row);
        mustache::RenderOptions options;
        options.escape = mustache::Escape::None;
        options.strict_variables = !allow_missing_;
        options.strict_partials = true;
        std::string rendered;
        for (const auto& a : set_) {
            rendered.clear();
            try {
                mustache::render_to(rendered, a.tmpl, value, options);
            } catch (const Error& e) {
                // The kind stays: a template over its budget or Ctrl-C is not a missing field.
                throw Error(e.kind(), "--set " + a.field + ": " + e.message(),
                            ErrorLocation{.row = index, .field = a.field}, e.hint());
            }
            value[a.field] = rendered;
        }
        computed = canonical_json(value);
        row = computed;
    }
    if (rename_.empty() && select_.empty() && drop_.empty()) return std::string(row);

    std::vector<Member> members;
    for_each_member(row, [&](std::string_view key, std::string_view value) {
        members.push_back({decode_json_string(key), value});
    });
    auto find = [&](const std::string& key) {
        return std::find_if(members.begin(), members.end(),
                            [&](const Member& m) { return m.key == key; });
    };
    for (const auto& [from, to] : rename_) {
        auto it = find(from);
        if (it == members.end()) continue;
        seen_[from] = true;
        if (from == to) continue;
        std::string_view value = it->value;
        members.erase(it);
        if (auto old = find(to); old != members.end()) members.erase(old);
        members.push_back({to, value});
    }
    if (!select_.empty()) {
        std::erase_if(members, [&](const Member& m) {
            bool keep = std::find(select_.begin(), select_.end(), m.key) != select_.end();
            if (keep) seen_[m.key] = true;
            return !keep;
        });
    }
    for (const auto& f : drop_) {
        if (auto it = find(f); it != members.end()) {
            seen_[f] = true;
            members.erase(it);
        }
    }
    // Canonical key order: by UTF-8 bytes (std::string compares as unsigned char).
    std::sort(members.begin(), members.end(),
              [](const Member& a, const Member& b) { return a.key < b.key; });
    std::string out = "{";
    for (const auto& m : members) {
        if (out.size() > 1) out.push_back(',');
        append_json_string(m.key, out);
        out.push_back(':');
        out.append(m.value);
    }
    out.push_back('}');
    return out;
}

nlohmann::json RowTransform::to_json() const {
    nlohmann::json set = nlohmann::json::array();
    for (const auto& a : set_)
        set.push_back({{"field", a.field}, {"template", a.source}});
    nlohmann::json rename = nlohmann::json::array();
    for (const auto& [from, to] : rename_)
        rename.push_back({{"from", from}, {"to", to}});
    nlohmann::json where = nlohmann::json::array();
    for (const auto& e : filter_.expressions())
        where.push_back(e.text);
    return {{"where", where},    {"set", set},    {"rename", rename},
            {"select", select_}, {"drop", drop_}, {"allow_missing", allow_missing_}};
}

std::vector<std::string> RowTransform::unseen_fields() const {
    std::vector<std::string> unseen;
    for (const auto& [field, seen] : seen_)
        if (!seen) unseen.push_back(field);
    return unseen;
}

TransformReport transform_dataset(store::Project& project, const TransformRequest& request) {
    RowTransform transform(request.spec);
    TransformReport report;
    report.source = resolve_version(project.db(), request.source);
    std::string output = request.output.empty() ? report.source.name : request.output;
    validate_dataset_name(output, "output dataset name");

    DatasetWriter writer(project);
    for_each_row(project, report.source, [&](std::string_view row, std::int64_t index) {
        ++report.rows_in;
        if (auto out = transform.apply(row, index)) {
            ++report.rows_out;
            if (request.rewrite.apply) out = request.rewrite.apply(*out, index);
            writer.add_row(*out);
        }
        return true;
    });
    // Only rows that passed --where are looked at, so an empty result says nothing about typos.
    if (auto unseen = transform.unseen_fields(); !unseen.empty() && report.rows_out > 0)
        throw Error(ErrorKind::BadInput,
                    fmt::format("no row has the field '{}' (named by --rename, --select or --drop)",
                                unseen.front()),
                    {},
                    "check the field names with 'llmops data show " + report.source.ref() + "'");
    if (report.rows_out == 0 && !request.allow_empty && report.rows_in > 0)
        throw Error(ErrorKind::BadInput, "no row matches the --where expressions", {},
                    "pass --allow-empty to store an empty version");

    nlohmann::json provenance = transform.to_json();
    provenance["command"] = "transform";
    provenance["source"] = report.source.ref();
    if (request.rewrite.describe) provenance["redact"] = request.rewrite.describe();
    VersionDraft draft;
    draft.name = output;
    draft.message = request.message.empty() ? fmt::format("transform of {}", report.source.ref())
                                            : request.message;
    draft.provenance = std::move(provenance);
    draft.allow_empty = true;
    report.commit = writer.commit(draft);
    return report;
}

} // namespace llmops::data
