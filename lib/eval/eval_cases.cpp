#include "eval/eval_cases.hpp"

#include "core/error.hpp"
#include "core/hash.hpp"
#include "data/dataset_catalog.hpp"
#include "data/dataset_rows.hpp"
#include "data/formats/input_files.hpp"
#include "data/formats/input_format.hpp"
#include "data/formats/row_reader.hpp"

namespace llmops::eval {

using nlohmann::json;

std::string case_id_of(const json& fields, const std::string& id_field, std::int64_t index) {
    if (auto it = fields.find(id_field); it != fields.end()) {
        if (it->is_string()) return it->get<std::string>();
        if (it->is_number_integer() || it->is_number_unsigned()) return it->dump();
    }
    return "case-" + std::to_string(index + 1);
}

namespace {

bool full(const CaseSet& set, std::optional<long> limit) {
    return limit && static_cast<long>(set.cases.size()) >= *limit;
}

void add_case(CaseSet& set, const EvalSpec& spec, json fields, std::vector<MetricSpec> metrics,
              std::string explicit_id = {}) {
    StoredCase c;
    c.index = static_cast<std::int64_t>(set.cases.size());
    c.id =
        explicit_id.empty() ? case_id_of(fields, spec.id_field, c.index) : std::move(explicit_id);
    c.fields_json = fields.dump();
    c.input_hash = hash128(c.fields_json).hex();
    set.cases.push_back(std::move(c));
    set.own_metrics.push_back(std::move(metrics));
}

} // namespace

CaseSet load_case_set(store::Project& project, const EvalSpec& spec, std::optional<long> limit) {
    CaseSet set;
    if (spec.dataset_file) {
        set.data_source = spec.dataset;
        data::ReaderOptions options;
        options.allow_empty = true;
        for (const auto& file : data::expand_inputs({*spec.dataset_file})) {
            auto reader = data::open_row_reader(file, data::detect_format(file), options);
            data::Row row;
            while (!full(set, limit) && reader->next(row))
                add_case(set, spec, json::parse(row.json), {});
        }
    } else if (!spec.dataset.empty()) {
        data::DatasetVersion version;
        try {
            version = data::resolve_version(project.db(), spec.dataset);
        } catch (const Error& e) {
            throw Error(e.kind(), e.message(), spec.yaml.location_of("/dataset"), e.hint());
        }
        set.dataset_version_id = version.id;
        set.data_source = version.ref();
        data::DatasetRowCursor cursor(project, version);
        std::string_view text;
        std::int64_t index = 0;
        while (!full(set, limit) && cursor.next(text, index))
            add_case(set, spec, json::parse(text), {});
    }
    for (const auto& inline_case : spec.cases) {
        if (full(set, limit)) break;
        add_case(set, spec, inline_case.vars, inline_case.metrics, inline_case.id);
    }
    if (set.data_source.empty())
        set.data_source = "inline";
    else if (!spec.cases.empty())
        set.data_source += " + inline";
    return set;
}

VariableMapper::VariableMapper(const EvalSpec& spec, Retriever retriever)
    : retriever_(std::move(retriever)) {
    for (const auto& [name, value] : spec.vars.items()) {
        MappedVariable variable{name, std::nullopt, nullptr};
        if (value.is_string())
            variable.text = mustache::compile(value.get<std::string>(), {.name = "vars." + name});
        else
            variable.literal = value;
        mapped_.push_back(std::move(variable));
    }
    for (const auto& r : spec.retrieve)
        retrievals_.push_back(
            {r, mustache::compile(r.query, {.name = "vars." + r.variable + ".retrieve.query"})});
}

json VariableMapper::variables(const json& fields) const {
    mustache::RenderOptions options;
    options.escape = mustache::Escape::None;
    options.strict_variables = true;
    json out = mapped_.empty() ? fields : json::object();
    for (const auto& variable : mapped_)
        out[variable.name] = variable.text ? json(mustache::render(*variable.text, fields, options))
                                           : variable.literal;
    for (const auto& r : retrievals_) {
        if (!retriever_)
            throw Error(ErrorKind::BadInput,
                        "variable '" + r.spec.variable + "' needs index '" + r.spec.index +
                            "', but retrieval is not available",
                        r.spec.where);
        out[r.spec.variable] = retriever_(r.spec, mustache::render(r.query, fields, options));
    }
    return out;
}

} // namespace llmops::eval
