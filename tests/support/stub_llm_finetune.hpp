// The fine-tuning endpoints of the stub model server, as OpenAI defines them: POST /v1/files
// (multipart, purpose fine-tune; every line must be a JSON object with a messages array),
// GET /v1/files/ID, POST /v1/fine_tuning/jobs, GET /v1/fine_tuning/jobs[/ID[/events]],
// POST /v1/fine_tuning/jobs/ID/cancel. A job moves one state further at each retrieve
// (validating_files, queued, running, succeeded), so tests wait for states, never for time;
// a base model whose name contains "fail" ends failed instead.
#pragma once

#include "stub_llm_shapes.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <ctime>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace stub_llm {

class FineTuneEndpoints {
  public:
    // `authorized` checks a request's key as the chat endpoints do (and answers 401 itself).
    using Check = std::function<bool(const httplib::Request&, httplib::Response&)>;

    void install(httplib::Server& svr, Check authorized) {
        authorized_ = std::move(authorized);
        svr.Post("/v1/files", [this](const httplib::Request& req, httplib::Response& res) {
            if (authorized_(req, res)) upload(req, res);
        });
        svr.Get(R"(/v1/files/([^/]+))",
                [this](const httplib::Request& req, httplib::Response& res) {
                    if (!authorized_(req, res)) return;
                    std::lock_guard lock(mutex_);
                    auto it = files_.find(req.matches[1].str());
                    if (it == files_.end())
                        return send_error(res, Api::openai, 404, "no such file");
                    send_json(res, 200, it->second.object);
                });
        svr.Post("/v1/fine_tuning/jobs",
                 [this](const httplib::Request& req, httplib::Response& res) {
                     if (!authorized_(req, res)) return;
                     create(req, res);
                 });
        svr.Get("/v1/fine_tuning/jobs",
                [this](const httplib::Request& req, httplib::Response& res) {
                    if (!authorized_(req, res)) return;
                    std::lock_guard lock(mutex_);
                    json data = json::array();
                    for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it)
                        data.push_back(it->second.object);
                    send_json(res, 200, {{"object", "list"}, {"data", data}, {"has_more", false}});
                });
        svr.Get(R"(/v1/fine_tuning/jobs/([^/]+))",
                [this](const httplib::Request& req, httplib::Response& res) {
                    if (!authorized_(req, res)) return;
                    std::lock_guard lock(mutex_);
                    Job* job = find(req.matches[1].str(), res);
                    if (!job) return;
                    advance(*job);
                    send_json(res, 200, job->object);
                });
        svr.Get(R"(/v1/fine_tuning/jobs/([^/]+)/events)",
                [this](const httplib::Request& req, httplib::Response& res) {
                    if (!authorized_(req, res)) return;
                    std::lock_guard lock(mutex_);
                    Job* job = find(req.matches[1].str(), res);
                    if (!job) return;
                    json data = json::array();
                    for (auto it = job->events.rbegin(); it != job->events.rend(); ++it)
                        data.push_back(*it);
                    send_json(res, 200, {{"object", "list"}, {"data", data}, {"has_more", false}});
                });
        svr.Post(R"(/v1/fine_tuning/jobs/([^/]+)/cancel)", [this](const httplib::Request& req,
                                                                  httplib::Response& res) {
            if (!authorized_(req, res)) return;
            std::lock_guard lock(mutex_);
            Job* job = find(req.matches[1].str(), res);
            if (!job) return;
            std::string status = job->object["status"];
            if (status == "succeeded" || status == "failed" || status == "cancelled")
                return send_error(res, Api::openai, 400, "Job has already completed: " + status);
            set_status(*job, "cancelled");
            send_json(res, 200, job->object);
        });
    }

  private:
    struct File {
        json object;
        std::string content;
    };
    struct Job {
        json object;
        std::vector<json> events;
    };

    static long now() { return static_cast<long>(std::time(nullptr)); }

    void upload(const httplib::Request& req, httplib::Response& res) {
        if (!req.is_multipart_form_data())
            return send_error(res, Api::openai, 400, "expected multipart/form-data");
        if (!req.has_file("purpose") || req.get_file_value("purpose").content != "fine-tune")
            return send_error(res, Api::openai, 400, "purpose: must be 'fine-tune'");
        if (!req.has_file("file")) return send_error(res, Api::openai, 400, "file: is required");
        const auto part = req.get_file_value("file");
        std::istringstream lines(part.content);
        std::string line;
        int n = 0;
        while (std::getline(lines, line)) {
            ++n;
            json example = json::parse(line, nullptr, false);
            if (example.is_discarded() || !example.is_object() || !example.contains("messages") ||
                !example["messages"].is_array())
                return send_error(res, Api::openai, 400,
                                  "Invalid file format: line " + std::to_string(n) +
                                      " is not a chat example with a messages array");
        }
        if (n == 0) return send_error(res, Api::openai, 400, "Invalid file format: empty file");
        std::lock_guard lock(mutex_);
        std::string id = "file-stub" + std::to_string(++file_seq_);
        json object = {{"id", id},
                       {"object", "file"},
                       {"bytes", part.content.size()},
                       {"created_at", now()},
                       {"filename", part.filename},
                       {"purpose", "fine-tune"},
                       {"lines", n}};
        files_[id] = {object, part.content};
        send_json(res, 200, object);
    }

    void create(const httplib::Request& req, httplib::Response& res) {
        json body = json::parse(req.body, nullptr, false);
        if (body.is_discarded() || !body.is_object())
            return send_error(res, Api::openai, 400, "request body is not a JSON object");
        if (!body.contains("model") || !body["model"].is_string())
            return send_error(res, Api::openai, 400, "model: is required");
        if (!body.contains("training_file") || !body["training_file"].is_string())
            return send_error(res, Api::openai, 400, "training_file: is required");
        std::lock_guard lock(mutex_);
        for (const char* field : {"training_file", "validation_file"})
            if (body.contains(field) && !files_.count(body[field].get<std::string>()))
                return send_error(res, Api::openai, 400,
                                  std::string(field) + ": no such file " +
                                      body[field].get<std::string>());
        std::string id = "ftjob-stub" + std::to_string(++job_seq_);
        json hyper = body.value("hyperparameters", json::object());
        Job job;
        job.object = {{"id", id},
                      {"object", "fine_tuning.job"},
                      {"model", body["model"]},
                      {"created_at", now()},
                      {"finished_at", nullptr},
                      {"fine_tuned_model", nullptr},
                      {"organization_id", "org-stub"},
                      {"status", "validating_files"},
                      {"training_file", body["training_file"]},
                      {"validation_file", body.value("validation_file", json(nullptr))},
                      {"hyperparameters", hyper},
                      {"suffix", body.value("suffix", json(nullptr))},
                      {"seed", body.value("seed", json(0))},
                      {"trained_tokens", nullptr},
                      {"error", nullptr}};
        job.events.push_back(event(id, 1, "Validating training file"));
        jobs_[id] = job;
        send_json(res, 200, job.object);
    }

    Job* find(const std::string& id, httplib::Response& res) {
        auto it = jobs_.find(id);
        if (it == jobs_.end()) {
            send_error(res, Api::openai, 404, "No fine-tuning job with id " + id);
            return nullptr;
        }
        return &it->second;
    }

    static json event(const std::string& job, std::size_t n, const std::string& message,
                      const std::string& level = "info") {
        return {{"object", "fine_tuning.job.event"},
                {"id", "ftevent-" + job + "-" + std::to_string(n)},
                {"created_at", now()},
                {"level", level},
                {"message", message},
                {"type", "message"}};
    }

    void set_status(Job& job, const std::string& status) {
        job.object["status"] = status;
        std::string id = job.object["id"];
        if (status == "succeeded" || status == "failed" || status == "cancelled")
            job.object["finished_at"] = now();
        std::string level = status == "failed" ? "error" : "info";
        job.events.push_back(event(id, job.events.size() + 1, "Job " + status, level));
    }

    void advance(Job& job) {
        std::string status = job.object["status"];
        std::string model = job.object["model"];
        if (status == "validating_files") {
            set_status(job, "queued");
        } else if (status == "queued") {
            set_status(job, "running");
        } else if (status == "running") {
            if (model.find("fail") != std::string::npos) {
                job.object["error"] = {{"code", "invalid_training_file"},
                                       {"message", "The job failed: the stub was told to fail"},
                                       {"param", "training_file"}};
                set_status(job, "failed");
                return;
            }
            std::string suffix = job.object["suffix"].is_string()
                                     ? job.object["suffix"].get<std::string>()
                                     : std::string();
            std::string id = job.object["id"];
            job.object["fine_tuned_model"] = "ft:" + model + ":org-stub:" + suffix + ":" + id;
            job.object["trained_tokens"] = 1000;
            set_status(job, "succeeded");
        }
    }

    Check authorized_;
    std::mutex mutex_;
    std::map<std::string, File> files_;
    std::map<std::string, Job> jobs_;
    int file_seq_ = 0;
    int job_seq_ = 0;
};

} // namespace stub_llm
