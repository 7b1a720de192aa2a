#include "feedback/finetune_api.hpp"

#include "core/error.hpp"
#include "core/hash.hpp"
#include "http/http_transport.hpp"
#include "provider/credentials.hpp"

#include <fmt/format.h>

namespace llmops::feedback {

using nlohmann::json;

FineTuneApi::FineTuneApi(provider::ProviderConfig config) : config_(std::move(config)) {
    if (config_.type != provider::ProviderType::OpenAI)
        throw Error(ErrorKind::BadInput,
                    fmt::format("provider '{}' is of type {}: fine-tuning needs an "
                                "OpenAI-compatible provider (type openai) or an exec trainer",
                                config_.id, provider::to_string(config_.type)));
    api_key_ = provider::read_api_key(config_);
}

json FineTuneApi::call(const std::string& method, const std::string& path, std::string body,
                       const std::string& content_type) {
    http::HttpCall call;
    call.method = method;
    call.url = config_.base_url + path;
    call.body = std::move(body);
    call.timeout_s = std::max(config_.timeout_s, 120.0); // uploads take longer than answers
    if (!content_type.empty()) call.headers.emplace_back("Content-Type", content_type);
    if (!api_key_.empty()) call.headers.emplace_back("Authorization", "Bearer " + api_key_);
    for (const auto& extra : config_.headers)
        call.headers.push_back(extra);
    http::HttpTransport transport(1);
    transport.start(1, std::move(call));
    std::vector<http::HttpResponse> done;
    while (done.empty())
        transport.poll(done, std::chrono::milliseconds(100));
    const http::HttpResponse& r = done.front();
    provider::SecretScrubber scrub(config_, api_key_);
    const std::string where = method + " " + config_.base_url + path;
    if (!r.transport_ok)
        throw Error(ErrorKind::Provider,
                    fmt::format("{}: {}", where, scrub.scrub(r.timed_out ? "timed out" : r.error)));
    json doc = json::parse(r.body, nullptr, false);
    if (r.status < 200 || r.status >= 300) {
        std::string message = r.body.substr(0, 300);
        if (!doc.is_discarded() && doc.is_object() && doc.contains("error") &&
            doc["error"].is_object() && doc["error"].contains("message") &&
            doc["error"]["message"].is_string())
            message = doc["error"]["message"].get<std::string>();
        throw Error(ErrorKind::Provider, fmt::format("{}: {}", where, scrub.scrub(message)),
                    ErrorLocation{.http_status = r.status});
    }
    if (doc.is_discarded() || !doc.is_object())
        throw Error(ErrorKind::Provider, where + ": the answer is not a JSON object",
                    ErrorLocation{.http_status = r.status});
    return doc;
}

json FineTuneApi::upload(const std::string& filename, const std::string& content) {
    MultipartBody m = multipart_body({{"purpose", "fine-tune"}}, "file", filename, content);
    return call("POST", "/files", std::move(m.body), "multipart/form-data; boundary=" + m.boundary);
}

json FineTuneApi::create_job(const json& body) {
    return call("POST", "/fine_tuning/jobs", body.dump(), "application/json");
}

json FineTuneApi::retrieve_job(const std::string& job_id) {
    return call("GET", "/fine_tuning/jobs/" + job_id, "", "");
}

json FineTuneApi::list_jobs(int limit) {
    return call("GET", fmt::format("/fine_tuning/jobs?limit={}", limit), "", "");
}

json FineTuneApi::cancel_job(const std::string& job_id) {
    return call("POST", "/fine_tuning/jobs/" + job_id + "/cancel", "", "application/json");
}

json FineTuneApi::job_events(const std::string& job_id, int limit) {
    return call("GET", fmt::format("/fine_tuning/jobs/{}/events?limit={}", job_id, limit), "", "");
}

MultipartBody multipart_body(const std::vector<std::pair<std::string, std::string>>& fields,
                             const std::string& file_field, const std::string& filename,
                             const std::string& content) {
    MultipartBody m;
    // Named after the content's hash; lengthened in the (unlikely) case a part contains it.
    std::string seed = hash128(content).hex();
    m.boundary = "llmops-" + seed;
    auto occurs = [&](const std::string& b) {
        if (content.find(b) != std::string::npos) return true;
        for (const auto& [k, v] : fields)
            if (v.find(b) != std::string::npos) return true;
        return false;
    };
    while (occurs(m.boundary))
        m.boundary += seed.substr(0, 8);
    for (const auto& [name, value] : fields)
        m.body += "--" + m.boundary + "\r\nContent-Disposition: form-data; name=\"" + name +
                  "\"\r\n\r\n" + value + "\r\n";
    m.body += "--" + m.boundary + "\r\nContent-Disposition: form-data; name=\"" + file_field +
              "\"; filename=\"" + filename + "\"\r\nContent-Type: application/jsonl\r\n\r\n";
    m.body += content;
    m.body += "\r\n--" + m.boundary + "--\r\n";
    return m;
}

} // namespace llmops::feedback
