#include "feedback/finetune_jobs.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/time.hpp"
#include "data/dataset_catalog.hpp"
#include "data/ops/dataset_transform.hpp"
#include "feedback/exec_trainer.hpp"
#include "feedback/finetune_api.hpp"

#include <charconv>
#include <fmt/format.h>

namespace llmops::feedback {

using nlohmann::json;

namespace {

json text_or_null(const std::string& s) {
    return s.empty() ? json(nullptr) : json(s);
}

FineTuneJob read_job(const store::Statement& st) {
    FineTuneJob j;
    int c = 0;
    j.id = st.column_int(c++);
    j.provider = st.column_text(c++);
    j.trainer = st.column_text(c++);
    j.external_id = st.column_optional_text(c++).value_or("");
    j.base_model = st.column_text(c++);
    j.training = st.column_text(c++);
    j.training_manifest = st.column_text(c++);
    j.training_file = st.column_optional_text(c++).value_or("");
    j.validation = st.column_optional_text(c++).value_or("");
    j.validation_file = st.column_optional_text(c++).value_or("");
    j.params = json::parse(st.column_text(c++));
    j.status = st.column_text(c++);
    j.fine_tuned_model = st.column_optional_text(c++).value_or("");
    j.error = st.column_optional_text(c++).value_or("");
    j.created_at = st.column_text(c++);
    j.updated_at = st.column_text(c++);
    return j;
}

constexpr const char* kJobColumns =
    "id, provider, trainer, external_id, base_model, training, training_manifest, "
    "training_file, validation, validation_file, params, status, fine_tuned_model, error, "
    "created_at, updated_at";

void bind_optional(store::Statement& st, int index, const std::string& text) {
    if (text.empty())
        st.bind_null(index);
    else
        st.bind(index, text);
}

FineTuneJob insert_job(store::Database& db, FineTuneJob job) {
    job.created_at = job.updated_at = now_iso8601();
    store::Transaction tx(db);
    auto st = db.prepare(
        "INSERT INTO finetune_jobs (provider, trainer, external_id, base_model, training, "
        "training_manifest, training_file, validation, validation_file, params, status, "
        "fine_tuned_model, error, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
        "?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
    st.bind(1, job.provider).bind(2, job.trainer);
    bind_optional(st, 3, job.external_id);
    st.bind(4, job.base_model).bind(5, job.training).bind(6, job.training_manifest);
    bind_optional(st, 7, job.training_file);
    bind_optional(st, 8, job.validation);
    bind_optional(st, 9, job.validation_file);
    st.bind(10, job.params.dump()).bind(11, job.status);
    bind_optional(st, 12, job.fine_tuned_model);
    bind_optional(st, 13, job.error);
    st.bind(14, job.created_at).bind(15, job.updated_at);
    st.run();
    job.id = db.last_insert_rowid();
    tx.commit();
    return job;
}

// The job's state as the API reports it, recorded.
FineTuneJob record_api_state(store::Database& db, FineTuneJob job, const json& api) {
    job.status = api.value("status", job.status);
    if (api.contains("fine_tuned_model") && api["fine_tuned_model"].is_string())
        job.fine_tuned_model = api["fine_tuned_model"].get<std::string>();
    if (api.contains("error") && api["error"].is_object() && api["error"].contains("message") &&
        api["error"]["message"].is_string())
        job.error = api["error"]["message"].get<std::string>();
    job.updated_at = now_iso8601();
    store::Transaction tx(db);
    auto st = db.prepare("UPDATE finetune_jobs SET status = ?2, fine_tuned_model = ?3, error = ?4, "
                         "updated_at = ?5 WHERE id = ?1");
    st.bind(1, job.id).bind(2, job.status);
    bind_optional(st, 3, job.fine_tuned_model);
    bind_optional(st, 4, job.error);
    st.bind(5, job.updated_at);
    st.run();
    tx.commit();
    return job;
}

json typed_param(const std::string& text) {
    if (text == "true") return true;
    if (text == "false") return false;
    json number = json::parse(text, nullptr, false);
    if (!number.is_discarded() && number.is_number()) return number;
    return text;
}

struct BuiltExamples {
    data::DatasetVersion version;
    TuneExport examples;
};

BuiltExamples build_examples(store::Project& project, const std::string& ref, TuneOptions options) {
    options.format = TuneFormat::OpenAIChat;
    BuiltExamples b{data::resolve_version(project.db(), ref), {}};
    b.examples = build_tune_export(project, b.version, options);
    return b;
}

} // namespace

bool FineTuneJob::finished() const {
    return status == "succeeded" || status == "failed" || status == "cancelled";
}

json to_json(const FineTuneJob& j) {
    return {{"id", j.local_id()},
            {"provider", j.provider},
            {"trainer", j.trainer},
            {"job_id", text_or_null(j.external_id)},
            {"base_model", j.base_model},
            {"training", j.training},
            {"training_file", text_or_null(j.training_file)},
            {"validation", text_or_null(j.validation)},
            {"validation_file", text_or_null(j.validation_file)},
            {"params", j.params},
            {"status", j.status},
            {"fine_tuned_model", text_or_null(j.fine_tuned_model)},
            {"error", text_or_null(j.error)},
            {"created_at", j.created_at},
            {"updated_at", j.updated_at}};
}

json job_parameters(const std::vector<std::string>& params) {
    json out = json::object();
    for (const auto& p : params) {
        auto [key, value] = data::split_assignment(p, "--param");
        if (key == "suffix" || key == "seed" || key == "method")
            out[key] = key == "suffix" ? json(value) : typed_param(value);
        else
            out["hyperparameters"][key] = typed_param(value);
    }
    return out;
}

FineTuneJob create_finetune(store::Project& project, const provider::ProviderCatalog& catalog,
                            const FineTuneRequest& request) {
    provider::ProviderConfig config = provider::resolve_provider(catalog, request.provider);
    json params = job_parameters(request.params);
    // Every example is checked before anything is uploaded or run.
    BuiltExamples training = build_examples(project, request.data, request.examples);
    std::optional<BuiltExamples> validation;
    if (!request.validation.empty())
        validation = build_examples(project, request.validation, request.examples);

    FineTuneJob job;
    job.provider = config.id;
    job.base_model = request.model.empty() ? config.model : request.model;
    job.training = training.version.ref();
    job.training_manifest = training.version.manifest;
    if (validation) job.validation = validation->version.ref();
    job.params = params;

    if (config.type == provider::ProviderType::Exec) {
        job.trainer = "exec";
        std::filesystem::path dir = project.paths().tmp_dir;
        std::filesystem::path train_path =
            dir / ("finetune-" + training.version.manifest + ".jsonl");
        write_file_atomic(train_path, training.examples.jsonl, dir);
        std::vector<std::string> args = {train_path.string()};
        std::filesystem::path valid_path;
        if (validation) {
            valid_path = dir / ("finetune-" + validation->version.manifest + "-val.jsonl");
            write_file_atomic(valid_path, validation->examples.jsonl, dir);
            args.push_back(valid_path.string());
        }
        ExecTrainResult r;
        try {
            r = run_exec_trainer(config.command, args,
                                 {{"LLMOPS_FINETUNE_MODEL", job.base_model},
                                  {"LLMOPS_FINETUNE_PARAMS", params.dump()}},
                                 config.working_dir.string());
        } catch (...) {
            std::filesystem::remove(train_path);
            if (!valid_path.empty()) std::filesystem::remove(valid_path);
            throw;
        }
        std::filesystem::remove(train_path);
        if (!valid_path.empty()) std::filesystem::remove(valid_path);
        if (r.exit_code == 0 && !r.model_id.empty()) {
            job.status = "succeeded";
            job.fine_tuned_model = r.model_id;
            return insert_job(project.db(), job);
        }
        job.status = "failed";
        job.error = r.exit_code != 0
                        ? fmt::format("the trainer exited with status {}{}", r.exit_code,
                                      r.stderr_tail.empty() ? "" : ": " + r.stderr_tail)
                        : "the trainer printed no model id";
        FineTuneJob recorded = insert_job(project.db(), job);
        throw Error(ErrorKind::Provider,
                    fmt::format("fine-tuning job {} failed: {}", recorded.local_id(), job.error));
    }

    FineTuneApi api(config);
    job.trainer = "openai";
    job.training_file =
        api.upload(job.training + ".jsonl", training.examples.jsonl).value("id", "");
    if (validation)
        job.validation_file =
            api.upload(job.validation + ".jsonl", validation->examples.jsonl).value("id", "");
    json body = params;
    body["model"] = job.base_model;
    body["training_file"] = job.training_file;
    if (validation) body["validation_file"] = job.validation_file;
    json created = api.create_job(body);
    job.external_id = created.value("id", "");
    if (job.external_id.empty())
        throw Error(ErrorKind::Provider, "the fine-tuning API answered without a job id");
    job.status = created.value("status", "validating_files");
    if (created.contains("fine_tuned_model") && created["fine_tuned_model"].is_string())
        job.fine_tuned_model = created["fine_tuned_model"].get<std::string>();
    return insert_job(project.db(), job);
}

FineTuneJob find_finetune(store::Database& db, const std::string& ref) {
    std::optional<std::int64_t> number;
    std::string_view digits = ref;
    if (digits.rfind("ft-", 0) == 0) digits.remove_prefix(3);
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec == std::errc() && end == digits.data() + digits.size() && !digits.empty()) number = n;
    auto st = db.prepare(std::string("SELECT ") + kJobColumns +
                         " FROM finetune_jobs WHERE id = ?1 OR external_id = ?2 ORDER BY id");
    if (number)
        st.bind(1, *number);
    else
        st.bind_null(1);
    st.bind(2, ref);
    if (!st.step())
        throw Error(ErrorKind::BadInput, "no fine-tuning job '" + ref + "'", {},
                    "'llmops finetune list' shows the recorded jobs");
    return read_job(st);
}

std::vector<FineTuneJob> list_finetunes(store::Database& db) {
    auto st =
        db.prepare(std::string("SELECT ") + kJobColumns + " FROM finetune_jobs ORDER BY id DESC");
    std::vector<FineTuneJob> out;
    while (st.step())
        out.push_back(read_job(st));
    return out;
}

FineTuneJob refresh_finetune(store::Project& project, const provider::ProviderCatalog& catalog,
                             const FineTuneJob& job) {
    if (job.trainer == "exec" || job.finished()) return job;
    FineTuneApi api(provider::resolve_provider(catalog, job.provider));
    return record_api_state(project.db(), job, api.retrieve_job(job.external_id));
}

json finetune_events(const provider::ProviderCatalog& catalog, const FineTuneJob& job, int limit) {
    if (job.trainer == "exec") return json::array();
    FineTuneApi api(provider::resolve_provider(catalog, job.provider));
    json list = api.job_events(job.external_id, limit);
    return list.contains("data") && list["data"].is_array() ? list["data"] : json::array();
}

FineTuneJob cancel_finetune(store::Project& project, const provider::ProviderCatalog& catalog,
                            const FineTuneJob& job) {
    if (job.finished() || job.trainer == "exec")
        throw Error(ErrorKind::BadInput,
                    fmt::format("fine-tuning job {} has finished ({}): nothing to cancel",
                                job.local_id(), job.status));
    FineTuneApi api(provider::resolve_provider(catalog, job.provider));
    return record_api_state(project.db(), job, api.cancel_job(job.external_id));
}

std::string provider_snippet(const provider::ProviderCatalog& catalog, const FineTuneJob& job) {
    if (job.fine_tuned_model.empty()) return "";
    std::string name = job.provider + "-" + job.local_id();
    if (job.trainer == "exec")
        return fmt::format(
            "{}: {{type: openai, model: \"{}\", base_url: \"http://127.0.0.1:8000/v1\"}}"
            "  # where your local server serves it",
            name, job.fine_tuned_model);
    provider::ProviderConfig config = provider::resolve_provider(catalog, job.provider);
    std::string key = config.api_key_env.empty() ? "\"\"" : fmt::format("{}", config.api_key_env);
    return fmt::format("{}: {{type: openai, model: \"{}\", base_url: \"{}\", api_key_env: {}}}",
                       name, job.fine_tuned_model, config.base_url, key);
}

} // namespace llmops::feedback
