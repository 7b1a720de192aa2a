#pragma once
// Fine-tuning jobs (`llmops finetune`): the job record in the store (finetune_jobs, schema 14),
// starting a job through an OpenAI-compatible API or an exec trainer, refreshing its state, and
// cancelling it. Reference: docs/feedback.md#fine-tuning.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "feedback/finetune_format.hpp"
#include "provider/provider_config.hpp"
#include "store/project.hpp"

namespace llmops::feedback {

struct FineTuneJob {
    std::int64_t id = 0;
    std::string provider;
    std::string trainer;     // openai, exec
    std::string external_id; // the API's job id (ftjob-...); "" for exec
    std::string base_model;
    std::string training;          // "qa@3"
    std::string training_manifest; // the version's content identity
    std::string training_file;     // uploaded file id
    std::string validation;
    std::string validation_file;
    nlohmann::json params = nlohmann::json::object();
    std::string status; // validating_files, queued, running, succeeded, failed, cancelled
    std::string fine_tuned_model;
    std::string error;
    std::string created_at;
    std::string updated_at;

    bool finished() const;
    // "ft-3": how commands name a job besides its external id.
    std::string local_id() const { return "ft-" + std::to_string(id); }
};

nlohmann::json to_json(const FineTuneJob& job);

struct FineTuneRequest {
    std::string provider;            // a declared provider id or an inline one (exec:CMD)
    std::string data;                // dataset ref
    std::string validation;          // dataset ref, optional
    std::string model;               // "" = the provider's model
    std::vector<std::string> params; // k=v
    TuneOptions examples;            // prompt, target field, token limit (format is openai-chat)
};

// `--param k=v`: suffix and seed go to the job's top level, anything else to hyperparameters;
// numbers, booleans and "auto" keep their JSON type. Error(Usage) for a malformed pair.
nlohmann::json job_parameters(const std::vector<std::string>& params);

// Builds and checks the examples, uploads them and starts the job (or runs the exec trainer to
// its end), then records the job. Nothing is recorded when the data is bad (Error(BadInput)) or
// the API refuses (Error(Provider)); an exec trainer that fails is recorded as failed and
// reported as Error(Provider).
FineTuneJob create_finetune(store::Project& project, const provider::ProviderCatalog& catalog,
                            const FineTuneRequest& request);

// A job by "ft-N", its number, or its external id; Error(BadInput) when unknown.
FineTuneJob find_finetune(store::Database& db, const std::string& ref);
// Newest first.
std::vector<FineTuneJob> list_finetunes(store::Database& db);

// Asks the API for the job's state and records it (exec jobs are final already).
FineTuneJob refresh_finetune(store::Project& project, const provider::ProviderCatalog& catalog,
                             const FineTuneJob& job);
// The job's newest events from the API, newest first (none for exec jobs).
nlohmann::json finetune_events(const provider::ProviderCatalog& catalog, const FineTuneJob& job,
                               int limit);
// Error(BadInput) for a finished job.
FineTuneJob cancel_finetune(store::Project& project, const provider::ProviderCatalog& catalog,
                            const FineTuneJob& job);

// The llmops.yaml entry that makes the resulting model a provider:
// "NAME: {type: openai, model: ..., base_url: ..., api_key_env: ...}".
std::string provider_snippet(const provider::ProviderCatalog& catalog, const FineTuneJob& job);

} // namespace llmops::feedback
