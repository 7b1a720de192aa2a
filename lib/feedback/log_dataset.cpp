#include "feedback/log_dataset.hpp"

#include "core/error.hpp"
#include "core/time.hpp"
#include "data/canonical_row.hpp"
#include "data/dataset_catalog.hpp"
#include "data/dataset_json.hpp"
#include "data/dataset_ref.hpp"
#include "data/dataset_rows.hpp"
#include "data/ops/row_filter.hpp"
#include "json/canonical_json.hpp"
#include "json/json_string.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <set>

namespace llmops::feedback {

using nlohmann::json;

namespace {

json null_if_empty(const std::string& s) {
    return s.empty() ? json(nullptr) : json(s);
}

// The answer a logged response body holds: a stream's text as logged, or the first choice's
// message content of a completion body.
std::optional<std::string> logged_answer(const serve::RequestRecord& r) {
    if (!r.response_body) return std::nullopt;
    if (r.streamed) return *r.response_body;
    json doc = json::parse(*r.response_body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
    auto choices = doc.find("choices");
    if (choices == doc.end() || !choices->is_array() || choices->empty()) return std::nullopt;
    const json& first = choices->front();
    if (!first.is_object() || !first.contains("message")) return std::nullopt;
    const json& message = first["message"];
    if (!message.is_object() || !message.contains("content") || !message["content"].is_string())
        return std::nullopt;
    return message["content"].get<std::string>();
}

// Columns that come from the bodies, not from the log's own fields.
bool is_body_column(const std::string& field) {
    static const std::set<std::string> log_columns = {
        "request_id",    "time",       "env",      "route",         "release",
        "canary",        "prompt",     "provider", "model",         "status",
        "error_kind",    "latency_ms", "ttft_ms",  "prompt_tokens", "completion_tokens",
        "cost_usd",      "cached",     "streamed", "body_policy",   "feedback",
        "feedback_count"};
    return log_columns.count(field) == 0 && field.rfind("feedback.", 0) != 0;
}

} // namespace

json request_columns(const serve::StoredRequest& request,
                     const std::vector<serve::StoredFeedback>& feedback) {
    const serve::RequestRecord& r = request.record;
    json c = {{"request_id", r.id},
              {"time", r.created_at},
              {"env", r.env},
              {"route", null_if_empty(r.route)},
              {"release", r.release_number ? json(*r.release_number) : json(nullptr)},
              {"canary", r.canary},
              {"prompt", null_if_empty(r.prompt_version)},
              {"provider", null_if_empty(r.provider)},
              {"model", null_if_empty(r.model)},
              {"status", r.status},
              {"error_kind", null_if_empty(r.error_kind)},
              {"latency_ms", r.total_ms},
              {"ttft_ms", r.ttft_ms ? json(*r.ttft_ms) : json(nullptr)},
              {"prompt_tokens", r.prompt_tokens},
              {"completion_tokens", r.completion_tokens},
              {"cost_usd", r.cost_usd},
              {"cached", r.cached},
              {"streamed", r.streamed},
              {"body_policy", r.body_policy}};
    json scores = json::object();
    for (const auto& f : feedback) // oldest first: the latest value under a name wins
        scores[f.record.name] = f.record.value;
    for (const auto& [name, value] : scores.items())
        c["feedback." + name] = value;
    c["feedback"] = std::move(scores);
    c["feedback_count"] = feedback.size();
    if (r.body_policy != "full") return c;
    if (r.request_body) {
        json body = json::parse(*r.request_body, nullptr, false);
        if (!body.is_discarded() && body.is_object()) {
            auto variables = body.find("variables");
            if (variables != body.end() && variables->is_object()) {
                c["variables"] = *variables;
                // A variable named like a log column stays reachable under `variables`.
                for (const auto& [name, value] : variables->items())
                    if (!c.contains(name)) c[name] = value;
            }
            auto messages = body.find("messages");
            if (messages != body.end() && messages->is_array() && !messages->empty())
                c["messages"] = *messages;
        }
    }
    if (auto answer = logged_answer(r)) c["answer"] = *answer;
    return c;
}

std::vector<json> select_logged_requests(serve::RequestLogBackend& log,
                                         const LogSelection& selection) {
    data::RowFilter filter(selection.where);
    serve::LogFilter query;
    query.route = selection.route;
    if (selection.since_ms) query.since = iso8601_from_ms(*selection.since_ms);
    query.limit = 0;
    std::vector<serve::StoredRequest> requests = log.list(query);
    std::reverse(requests.begin(), requests.end()); // oldest first
    std::vector<json> out;
    for (const auto& request : requests) {
        if (!selection.env.empty() && request.record.env != selection.env) continue;
        json columns = request_columns(request, log.feedback_for(request.record.id));
        if (!filter.empty() && !filter.matches(canonical_json(columns))) continue;
        out.push_back(std::move(columns));
    }
    return out;
}

std::vector<std::string> default_row_fields(const json& columns) {
    std::vector<std::string> fields;
    auto variables = columns.find("variables");
    if (variables != columns.end() && !variables->empty()) {
        for (const auto& [name, value] : variables->items())
            fields.push_back(name);
    } else {
        fields.push_back("messages");
    }
    fields.push_back("answer");
    fields.push_back("feedback");
    return fields;
}

json dataset_row(const json& columns, const std::vector<std::string>& fields) {
    const std::string id = columns.at("request_id").get<std::string>();
    json row = {{"request_id", id}};
    for (const auto& field : fields.empty() ? default_row_fields(columns) : fields) {
        auto it = columns.find(field);
        if (it != columns.end()) {
            row[field] = *it;
            continue;
        }
        std::string policy = columns.value("body_policy", "");
        std::string hint =
            is_body_column(field) && policy != "full"
                ? fmt::format("the gateway logged this request's bodies with policy '{}': "
                              "variables, messages and answers need 'serve --log-bodies full'",
                              policy)
                : "the columns are listed in docs/feedback.md#columns";
        throw Error(ErrorKind::BadInput, fmt::format("request {} has no column '{}'", id, field),
                    ErrorLocation{.field = field}, hint);
    }
    return row;
}

FromLogsReport add_from_logs(store::Project& project, const FromLogsRequest& request) {
    data::validate_dataset_name(request.name);
    if (request.selection.route.empty()) throw_usage("--from-logs: a route name is required");
    FromLogsReport report;
    std::vector<json> selected;
    {
        auto log = serve::open_store_request_log(project.paths().database());
        selected = select_logged_requests(*log, request.selection);
    }
    report.matched = static_cast<std::int64_t>(selected.size());

    std::optional<data::DatasetVersion> latest = data::latest_version(project.db(), request.name);
    if (!latest && selected.empty() && !request.allow_empty)
        throw Error(
            ErrorKind::BadInput,
            fmt::format("no request of route '{}' matches the selection", request.selection.route),
            {},
            "check 'llmops logs list --route " + request.selection.route +
                "' and the --where expressions; --allow-empty stores an empty version");

    data::DatasetWriter writer(project);
    std::set<std::string> present;
    const std::string key = data::canonical_key("request_id");
    if (latest) {
        report.base = latest->ref();
        data::for_each_row(project, *latest, [&](std::string_view row, std::int64_t) {
            if (auto id = data::find_field(row, key)) present.insert(data::value_text(*id));
            writer.add_row(row);
            return true;
        });
    }
    for (const auto& columns : selected) {
        json row = dataset_row(columns, request.fields);
        const std::string id = row["request_id"].get<std::string>();
        if (!present.insert(id).second) {
            ++report.already_present;
            continue;
        }
        writer.add_row(canonical_json(row));
        report.added.push_back(id);
    }

    json since = request.selection.since_ms ? json(iso8601_from_ms(*request.selection.since_ms))
                                            : json(nullptr);
    data::VersionDraft draft;
    draft.name = request.name;
    draft.tags = request.tags;
    draft.message = request.message.empty()
                        ? fmt::format("{} request(s) of route {} from the request log",
                                      report.added.size(), request.selection.route)
                        : request.message;
    draft.sources = json::array(
        {{{"path", "request_log"}, {"format", "request-log"}, {"rows", report.added.size()}}});
    draft.provenance = {{"command", "add --from-logs"},
                        {"route", request.selection.route},
                        {"env", null_if_empty(request.selection.env)},
                        {"since", since},
                        {"where", request.selection.where},
                        {"fields", request.fields},
                        {"base", report.base ? json(*report.base) : json(nullptr)},
                        {"request_ids", report.added}};
    draft.allow_empty = true;
    report.commit = writer.commit(draft);
    return report;
}

json to_json(const FromLogsReport& report) {
    json out = data::to_json(report.commit);
    out["matched"] = report.matched;
    out["already_present"] = report.already_present;
    out["added"] = report.added;
    out["base"] = report.base ? json(*report.base) : json(nullptr);
    return out;
}

} // namespace llmops::feedback
