// The request log as a drift side: one canonical JSON row per request of the selection, built
// from the stored row, its bodies (when logged in full) and its feedback.
#include "monitor/log_column_source.hpp"

#include "monitor/metric_cells.hpp"
#include "serve/request_log.hpp"
#include "json/canonical_json.hpp"

#include <algorithm>
#include <set>

namespace llmops::monitor {

using nlohmann::json;

namespace {

// The text of the last user message of a chat request, or nullopt.
std::optional<std::string> last_user_text(const json& request) {
    if (!request.contains("messages") || !request["messages"].is_array()) return std::nullopt;
    const json& messages = request["messages"];
    for (auto it = messages.rbegin(); it != messages.rend(); ++it)
        if (it->is_object() && it->value("role", "") == "user" && it->contains("content") &&
            (*it)["content"].is_string())
            return (*it)["content"].get<std::string>();
    return std::nullopt;
}

// The answer's text: a streamed answer is logged as its text, another as the response body.
std::optional<std::string> output_text(const std::string& body, bool streamed) {
    if (streamed) return body;
    json response = json::parse(body, nullptr, false);
    if (!response.is_object() || !response.contains("choices") || !response["choices"].is_array() ||
        response["choices"].empty())
        return std::nullopt;
    const json& choice = response["choices"][0];
    if (!choice.is_object() || !choice.contains("message")) return std::nullopt;
    const json& message = choice["message"];
    if (!message.is_object() || !message.contains("content") || !message["content"].is_string())
        return std::nullopt;
    return message["content"].get<std::string>();
}

json feedback_value(const store::Statement& st) {
    const std::string type = st.column_text(1);
    if (type == "category") return st.column_text(3);
    if (type == "boolean") return st.column_double(2) != 0;
    return st.column_double(2);
}

} // namespace

const std::vector<std::string>& log_row_fields() {
    static const std::vector<std::string> fields = {
        "input",    "output",  "status",        "latency_ms",        "upstream_ms",
        "queue_ms", "ttft_ms", "prompt_tokens", "completion_tokens", "cost_usd"};
    return fields;
}

LogColumnSource::LogColumnSource(store::Database& db, LogSelection selection, std::string label)
    : db_(db), selection_(std::move(selection)), label_(std::move(label)) {
    StringTable strings(db_);
    auto resolve = [&](const std::string& value, std::optional<std::int64_t>& into) {
        if (value.empty()) return;
        into = strings.id_of(value);
        if (!into) matches_nothing_ = true;
    };
    resolve(selection_.selector.env, env_id_);
    resolve(selection_.selector.route, route_id_);
    std::set<std::string> variables, feedback;
    read([&](const json& row) {
        ++rows_;
        if (row.contains("variables"))
            for (const auto& [name, value] : row["variables"].items())
                if (variables.insert(name).second) variables_.push_back(name);
        if (row.contains("feedback"))
            for (const auto& [name, value] : row["feedback"].items())
                feedback.insert(name);
        return true;
    });
    std::sort(variables_.begin(), variables_.end());
    feedback_names_.assign(feedback.begin(), feedback.end());
}

std::vector<std::string> LogColumnSource::fields() const {
    std::vector<std::string> out = variables_;
    for (const auto& f : log_row_fields())
        if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
    for (const auto& name : feedback_names_)
        out.push_back("feedback." + name);
    return out;
}

std::vector<std::string> LogColumnSource::default_fields() const {
    if (!variables_.empty()) return variables_;
    return {"input"};
}

void LogColumnSource::for_each_row(const std::function<bool(std::string_view, std::int64_t)>& fn) {
    std::int64_t index = 0;
    std::string text;
    read([&](const json& parts) {
        // Variables under their own names; the log's fields do not replace a variable.
        json row = parts.contains("variables") ? parts["variables"] : json::object();
        for (const auto& [name, value] : parts["fields"].items())
            if (!row.contains(name)) row[name] = value;
        if (parts.contains("feedback"))
            for (const auto& [name, value] : parts["feedback"].items())
                row["feedback." + name] = value;
        text = canonical_json(row);
        return fn(text, index++);
    });
}

void LogColumnSource::read(const std::function<bool(const json&)>& fn) {
    if (matches_nothing_) return;
    std::string where = " WHERE r.id >= ?1 AND r.id < ?2";
    if (env_id_) where += " AND r.env = ?3";
    if (route_id_) where += " AND r.route = ?4";
    const std::int64_t from = serve::first_request_id_at(selection_.since_ms);
    const std::int64_t to = serve::first_request_id_at(selection_.until_ms);
    auto bind = [&](store::Statement& st) {
        st.bind(1, from).bind(2, to);
        if (env_id_) st.bind(3, *env_id_);
        if (route_id_) st.bind(4, *route_id_);
    };
    // Feedback first (few rows): the last value of each name per request.
    std::map<std::int64_t, json> feedback;
    auto fb = db_.prepare("SELECT f.request_id, f.value_type, f.value_number, f.value_text, "
                          "f.name FROM request_feedback f JOIN request_rows r ON r.id = "
                          "f.request_id" +
                          where + " ORDER BY f.id");
    bind(fb);
    while (fb.step())
        feedback[fb.column_int(0)][fb.column_text(4)] = feedback_value(fb);

    auto rows = db_.prepare(
        "SELECT r.id, r.status, r.total_us, r.upstream_us, r.queue_us, r.ttft_us, "
        "r.prompt_tokens, r.completion_tokens, r.cost_nusd, r.streamed, r.request_body, "
        "r.response_body, (SELECT value FROM log_strings WHERE id = r.body_policy) "
        "FROM request_rows r" +
        where + " ORDER BY r.id");
    bind(rows);
    while (rows.step()) {
        json parts = json::object();
        json& f = parts["fields"];
        f = json::object();
        const std::int64_t status = rows.column_int(1);
        f["status"] = status;
        f["latency_ms"] = static_cast<double>(rows.column_int(2)) / 1000.0;
        f["upstream_ms"] = static_cast<double>(rows.column_int(3)) / 1000.0;
        f["queue_ms"] = static_cast<double>(rows.column_int(4)) / 1000.0;
        if (!rows.is_null(5)) f["ttft_ms"] = static_cast<double>(rows.column_int(5)) / 1000.0;
        f["prompt_tokens"] = rows.column_int(6);
        f["completion_tokens"] = rows.column_int(7);
        f["cost_usd"] = static_cast<double>(rows.column_int(8)) / 1e9;
        const bool full = !rows.is_null(12) && rows.column_text(12) == "full";
        if (full && !rows.is_null(10)) {
            json request = json::parse(rows.column_text(10), nullptr, false);
            if (request.is_object()) {
                if (request.contains("variables") && request["variables"].is_object() &&
                    !request["variables"].empty())
                    parts["variables"] = request["variables"];
                if (auto input = last_user_text(request)) f["input"] = *input;
            }
        }
        if (full && status < 400 && !rows.is_null(11))
            if (auto output = output_text(rows.column_text(11), rows.column_int(9) != 0))
                f["output"] = *output;
        if (auto it = feedback.find(rows.column_int(0)); it != feedback.end())
            parts["feedback"] = it->second;
        if (!fn(parts)) return;
    }
}

} // namespace llmops::monitor
