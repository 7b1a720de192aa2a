#include "safety/dataset_scan.hpp"

#include "core/error.hpp"
#include "data/dataset_catalog.hpp"
#include "data/dataset_rows.hpp"
#include "json/canonical_json.hpp"

#include <algorithm>
#include <memory>
#include <set>

namespace llmops::safety {

using nlohmann::json;

namespace {

bool selected(const std::vector<std::string>& fields, const std::string& key) {
    return fields.empty() || std::find(fields.begin(), fields.end(), key) != fields.end();
}

// Calls fn for every string inside `value`.
template <typename Fn> void for_each_string(json& value, const Fn& fn) {
    if (value.is_string()) {
        fn(value);
    } else if (value.is_array() || value.is_object()) {
        for (auto& item : value)
            for_each_string(item, fn);
    }
}

json parse_row(std::string_view row, std::int64_t index) {
    json value = json::parse(row, nullptr, false);
    if (value.is_discarded() || !value.is_object())
        throw Error(ErrorKind::Store, "a stored row is not a JSON object",
                    ErrorLocation{.row = index});
    return value;
}

void check_fields_seen(const std::vector<std::string>& fields, const std::set<std::string>& seen,
                       const std::string& ref) {
    for (const auto& f : fields)
        if (!seen.contains(f))
            throw Error(ErrorKind::BadInput, "no row has the field '" + f + "'", {},
                        "check the field names with 'llmops data show " + ref + "'");
}

} // namespace

DatasetScan scan_dataset(store::Project& project, const PiiEngine& engine,
                         const DatasetScanRequest& request) {
    DatasetScan scan;
    scan.version = data::resolve_version(project.db(), request.ref);
    std::set<std::string> seen;
    data::for_each_row(project, scan.version, [&](std::string_view row, std::int64_t index) {
        ++scan.rows;
        json value = parse_row(row, index);
        bool any = false;
        for (auto& item : value.items()) {
            // A named copy: clang 14 cannot capture a structured binding in the lambda below.
            const std::string key = item.key();
            json& field = item.value();
            if (!selected(request.fields, key)) continue;
            seen.insert(key);
            std::set<std::string> types_in_row;
            for_each_string(field, [&](json& s) {
                const std::string& text = s.get_ref<const std::string&>();
                std::vector<Finding> findings;
                try {
                    findings = engine.scan(text);
                } catch (const Error& e) {
                    throw Error(e.kind(), e.message(), ErrorLocation{.row = index, .field = key});
                }
                for (const auto& f : findings) {
                    auto& c = scan.counts[{key, f.type}];
                    ++c.findings;
                    ++scan.findings;
                    any = true;
                    if (types_in_row.insert(f.type).second) ++c.rows;
                    if (c.examples.size() < request.examples)
                        c.examples.push_back(
                            {index,
                             text.substr(f.span.byte_begin, f.span.byte_end - f.span.byte_begin),
                             f.score});
                }
            });
        }
        if (any) ++scan.rows_with_findings;
        return true;
    });
    if (scan.rows > 0) check_fields_seen(request.fields, seen, scan.version.ref());
    return scan;
}

json DatasetScan::to_json() const {
    json list = json::array();
    for (const auto& [key, c] : counts) {
        json examples = json::array();
        for (const auto& e : c.examples)
            examples.push_back({{"row", e.row}, {"text", e.text}, {"score", e.score}});
        list.push_back({{"field", key.first},
                        {"type", key.second},
                        {"findings", c.findings},
                        {"rows", c.rows},
                        {"examples", std::move(examples)}});
    }
    return json{{"dataset", version.ref()},
                {"rows", rows},
                {"rows_with_findings", rows_with_findings},
                {"findings", findings},
                {"counts", std::move(list)}};
}

data::RowRewrite redaction_rewrite(const PiiEngine& engine, RedactionOperator op,
                                   std::vector<std::string> fields) {
    struct State {
        const PiiEngine* engine;
        RedactionOperator op;
        std::vector<std::string> fields;
        std::map<std::string, std::size_t> counts;
        std::set<std::string> seen;
        std::int64_t rows = 0;
    };
    auto state = std::make_shared<State>(State{&engine, std::move(op), std::move(fields), {}});
    data::RowRewrite rewrite;
    rewrite.apply = [state](std::string_view row, std::int64_t index) {
        json value = parse_row(row, index);
        bool changed = false;
        ++state->rows;
        for (auto& item : value.items()) {
            const std::string key = item.key(); // named: clang 14 captures no binding
            json& field = item.value();
            if (!selected(state->fields, key)) continue;
            state->seen.insert(key);
            for_each_string(field, [&](json& s) {
                const std::string& text = s.get_ref<const std::string&>();
                std::vector<Finding> findings;
                try {
                    findings = state->engine->scan(text);
                } catch (const Error& e) {
                    throw Error(e.kind(), e.message(), ErrorLocation{.row = index, .field = key});
                }
                if (findings.empty()) return;
                for (const auto& f : findings)
                    ++state->counts[f.type];
                s = redact_text(text, findings, state->op);
                changed = true;
            });
        }
        return changed ? canonical_json(value) : std::string(row);
    };
    rewrite.describe = [state] {
        if (state->rows > 0) check_fields_seen(state->fields, state->seen, "the source");
        static constexpr const char* names[] = {"redact", "mask", "hash", "replace"};
        json d{{"operator", names[static_cast<int>(state->op.kind)]},
               {"fields", state->fields},
               {"findings", state->counts}};
        if (state->op.kind == OperatorKind::mask) d["keep_last"] = state->op.keep_last;
        if (state->op.kind == OperatorKind::hash) d["key_env"] = state->op.hash_key_env;
        return d;
    };
    return rewrite;
}

} // namespace llmops::safety
