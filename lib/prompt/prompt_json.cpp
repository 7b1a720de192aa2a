#include "prompt/prompt_json.hpp"

namespace llmops::prompt {

using nlohmann::json;

namespace {

json optional_number(const std::optional<std::int64_t>& n) {
    return n ? json(*n) : json(nullptr);
}

} // namespace

json to_json(const PromptVersionInfo& v) {
    return {{"name", v.name},
            {"version", v.number},
            {"ref", v.ref()},
            {"hash", v.hash},
            {"labels", v.labels},
            {"description", v.description},
            {"message", v.message},
            {"source", v.source},
            {"created_at", v.created_at},
            {"parent", v.parent_ref.empty() ? json(nullptr) : json(v.parent_ref)}};
}

json to_json(const AddResult& result) {
    json warnings = json::array();
    for (const auto& w : result.warnings)
        warnings.push_back({{"message", w.message}, {"where", w.where.to_string()}});
    json out = to_json(result.version);
    out["created"] = result.created;
    out["warnings"] = warnings;
    return out;
}

json to_json(const std::vector<PromptSummary>& prompts) {
    json out = json::array();
    for (const auto& s : prompts) {
        json labels = json::object();
        for (const auto& [label, number] : s.labels)
            labels[label] = number;
        out.push_back({{"name", s.latest.name},
                       {"latest", s.latest.number},
                       {"hash", s.latest.hash},
                       {"versions", s.version_count},
                       {"labels", labels},
                       {"description", s.latest.description},
                       {"updated_at", s.latest.created_at}});
    }
    return out;
}

json version_with_spec_json(const PromptVersionInfo& version, const json& spec) {
    json out = to_json(version);
    out["spec"] = spec;
    return out;
}

json log_json(const std::string& name, const std::vector<PromptVersionInfo>& versions,
              const std::vector<LabelEvent>& events) {
    json vs = json::array();
    for (const auto& v : versions)
        vs.push_back(to_json(v));
    json es = json::array();
    for (const auto& e : events)
        es.push_back({{"label", e.label},
                      {"from", optional_number(e.from_number)},
                      {"to", e.to_number},
                      {"created_at", e.created_at}});
    return {{"name", name}, {"versions", vs}, {"label_events", es}};
}

json to_json(const PromptDiff& diff, const PromptVersionInfo& a, const PromptVersionInfo& b) {
    return {{"a", to_json(a)},
            {"b", to_json(b)},
            {"identical", diff.identical},
            {"added_lines", diff.added_lines},
            {"removed_lines", diff.removed_lines},
            {"diff", diff.unified}};
}

json to_json(const LabelChange& change, const std::string& name) {
    return {{"name", name},
            {"label", change.label},
            {"from", optional_number(change.from_number)},
            {"to", change.to_number},
            {"changed", change.changed}};
}

json template_render_json(const std::string& template_file, const std::string& text) {
    return {{"template", template_file}, {"text", text}};
}

} // namespace llmops::prompt
