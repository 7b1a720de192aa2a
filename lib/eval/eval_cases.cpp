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

constexpr std::size_t kCaseBatch = 512;

// Collects cases and records them a batch at a time; without an eval run (eval_id 0) it only
// counts them.
class CaseRecorder {
  public:
    CaseRecorder(store::Database& db, const EvalSpec& spec, std::optional<long> limit,
                 std::int64_t eval_id, const std::atomic<bool>* cancel)
        : db_(db), spec_(spec), limit_(limit), eval_id_(eval_id), cancel_(cancel) {}

    bool full() const { return limit_ && count_ >= *limit_; }
    std::int64_t count() const { return count_; }

    void add(const json& fields, std::string explicit_id = {}) {
        if (cancel_ != nullptr && cancel_->load(std::memory_order_relaxed))
            throw Error(ErrorKind::Interrupted, "interrupted");
        if (eval_id_ == 0) {
            ++count_;
            return;
        }
        StoredCase c;
        c.index = count_++;
        c.id = explicit_id.empty() ? case_id_of(fields, spec_.id_field, c.index)
                                   : std::move(explicit_id);
        c.fields_json = fields.dump();
        c.input_hash = hash128(c.fields_json).hex();
        batch_.push_back(std::move(c));
        if (batch_.size() >= kCaseBatch) flush();
    }

    void flush() {
        if (batch_.empty()) return;
        record_cases(db_, eval_id_, batch_);
        batch_.clear();
    }

  private:
    store::Database& db_;
    const EvalSpec& spec_;
    std::optional<long> limit_;
    std::int64_t eval_id_;
    const std::atomic<bool>* cancel_;
    std::int64_t count_ = 0;
    std::vector<StoredCase> batch_;
};

} // namespace

CaseOrigin resolve_case_origin(store::Project& project, const EvalSpec& spec) {
    CaseOrigin origin;
    if (spec.dataset_file) {
        origin.data_source = spec.dataset;
    } else if (!spec.dataset.empty()) {
        data::DatasetVersion version;
        try {
            version = data::resolve_version(project.db(), spec.dataset);
        } catch (const Error& e) {
            throw Error(e.kind(), e.message(), spec.yaml.location_of("/dataset"), e.hint());
        }
        origin.dataset_version_id = version.id;
        origin.dataset_ref = version.ref();
        origin.data_source = version.ref();
    }
    if (origin.data_source.empty())
        origin.data_source = "inline";
    else if (!spec.cases.empty())
        origin.data_source += " + inline";
    return origin;
}

namespace {

// Dataset rows, then inline cases, into `recorder` until it is full.
ImportedCases read_cases(store::Project& project, const EvalSpec& spec, const CaseOrigin& origin,
                         CaseRecorder& recorder) {
    if (spec.dataset_file) {
        data::ReaderOptions options;
        options.allow_empty = true;
        for (const auto& file : data::expand_inputs({*spec.dataset_file})) {
            auto reader = data::open_row_reader(file, data::detect_format(file), options);
            data::Row row;
            while (!recorder.full() && reader->next(row))
                recorder.add(json::parse(row.json));
        }
    } else if (origin.dataset_version_id) {
        // The version resolved before, even if the name has moved on since.
        data::DatasetVersion version = data::resolve_version(project.db(), origin.dataset_ref);
        data::DatasetRowCursor cursor(project, version);
        std::string_view text;
        std::int64_t index = 0;
        while (!recorder.full() && cursor.next(text, index))
            recorder.add(json::parse(text));
    }
    ImportedCases imported;
    imported.dataset_rows = recorder.count();
    for (const auto& inline_case : spec.cases) {
        if (recorder.full()) break;
        recorder.add(inline_case.vars, inline_case.id);
    }
    recorder.flush();
    imported.count = recorder.count();
    return imported;
}

} // namespace

ImportedCases import_cases(store::Project& project, const EvalSpec& spec, const CaseOrigin& origin,
                           std::optional<long> limit, std::int64_t eval_id,
                           const std::atomic<bool>* cancel) {
    CaseRecorder recorder(project.db(), spec, limit, eval_id, cancel);
    return read_cases(project, spec, origin, recorder);
}

std::int64_t count_cases(store::Project& project, const EvalSpec& spec, const CaseOrigin& origin,
                         std::optional<long> limit) {
    CaseRecorder counter(project.db(), spec, limit, 0, nullptr);
    return read_cases(project, spec, origin, counter).count;
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
