#pragma once
// The fine-tuning endpoints of an OpenAI-compatible API, as OpenAI defines them: files
// (POST /files, purpose fine-tune, multipart) and fine-tuning jobs (create, retrieve, list,
// cancel, events), under the provider's base URL (".../v1"), through libcurl
// (http::HttpTransport). Keys come from the provider's api_key_env and never reach an error
// message or the store.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "provider/provider_config.hpp"

namespace llmops::feedback {

class FineTuneApi {
  public:
    // Throws Error(BadInput) for a provider type without these endpoints (anthropic, azure,
    // echo, exec) and Error(Provider) when its key variable is unset.
    explicit FineTuneApi(provider::ProviderConfig config);

    // POST /files: returns the file object ({"id": "file-...", ...}).
    nlohmann::json upload(const std::string& filename, const std::string& content);
    // POST /fine_tuning/jobs with the given body; returns the job object.
    nlohmann::json create_job(const nlohmann::json& body);
    nlohmann::json retrieve_job(const std::string& job_id);
    nlohmann::json list_jobs(int limit);
    nlohmann::json cancel_job(const std::string& job_id);
    // The newest `limit` events of a job, newest first (OpenAI's order).
    nlohmann::json job_events(const std::string& job_id, int limit);

    const provider::ProviderConfig& config() const { return config_; }

  private:
    // Throws Error(Provider) for a transport failure or a non-2xx answer (with the API's error
    // message and the HTTP status), Error(Provider) for a body that is not a JSON object.
    nlohmann::json call(const std::string& method, const std::string& path, std::string body,
                        const std::string& content_type);

    provider::ProviderConfig config_;
    std::string api_key_;
};

// The body of multipart/form-data with the given text fields and one file, and its boundary
// (chosen so that it occurs in no part).
struct MultipartBody {
    std::string boundary;
    std::string body;
};
MultipartBody multipart_body(const std::vector<std::pair<std::string, std::string>>& fields,
                             const std::string& file_field, const std::string& filename,
                             const std::string& content);

} // namespace llmops::feedback
