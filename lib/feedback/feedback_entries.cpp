#include "feedback/feedback_entries.hpp"

#include "core/error.hpp"
#include "core/time.hpp"
#include "data/formats/csv_writer.hpp"
#include "serve/feedback_rules.hpp"
#include "json/canonical_json.hpp"

#include <charconv>
#include <cmath>

namespace llmops::feedback {

using nlohmann::json;

json parse_feedback_value(std::string_view text) {
    if (text == "true") return true;
    if (text == "false") return false;
    json number = json::parse(text, nullptr, false);
    if (!number.is_discarded() && number.is_number()) return number;
    return std::string(text);
}

serve::StoredFeedback add_feedback(store::Database& db, serve::FeedbackRecord record) {
    if (auto problem = serve::check_feedback(record))
        throw Error(ErrorKind::BadInput, "feedback " + problem->field + ": " + problem->message,
                    ErrorLocation{.field = problem->field});
    auto number = serve::parse_request_id(record.request_id);
    if (record.created_at.empty()) record.created_at = now_iso8601();
    store::Transaction tx(db);
    bool known = false;
    if (number) {
        auto exists = db.prepare("SELECT 1 FROM request_rows WHERE id = ?1");
        exists.bind(1, *number);
        known = exists.step();
    }
    if (!known)
        throw Error(ErrorKind::BadInput,
                    "no request with id '" + record.request_id + "' in the request log",
                    ErrorLocation{.field = "request_id"},
                    "request ids are the x-request-id of the gateway's answers: "
                    "'llmops logs list' shows them");
    auto add = db.prepare(
        "INSERT INTO request_feedback (request_id, name, value_type, value_number, value_text, "
        "comment, key_name, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    add.bind(1, *number).bind(2, record.name);
    if (record.value.is_boolean())
        add.bind(3, "boolean").bind(4, record.value.get<bool>() ? 1.0 : 0.0).bind_null(5);
    else if (record.value.is_number())
        add.bind(3, "number").bind(4, record.value.get<double>()).bind_null(5);
    else
        add.bind(3, "category").bind_null(4).bind(5, record.value.get<std::string>());
    add.bind(6, record.comment);
    if (record.key_name.empty())
        add.bind_null(7);
    else
        add.bind(7, record.key_name);
    add.bind(8, record.created_at);
    add.run();
    serve::StoredFeedback stored{db.last_insert_rowid(), std::move(record)};
    tx.commit();
    return stored;
}

namespace {

json stored_value(const std::string& type, const store::Statement& st, int number, int text) {
    if (type == "boolean") return st.column_double(number) != 0;
    if (type == "number") {
        double v = st.column_double(number);
        // Integral scores read back as integers: 1, not 1.0.
        if (std::floor(v) == v && std::fabs(v) < 9e15) return static_cast<std::int64_t>(v);
        return v;
    }
    return st.column_text(text);
}

} // namespace

std::vector<FeedbackEntry> list_feedback(store::Database& db, const FeedbackFilter& filter) {
    // Times are ISO 8601 UTC with milliseconds, so they compare as text.
    auto st =
        db.prepare("SELECT f.id, f.request_id, f.name, f.value_type, f.value_number, f.value_text, "
                   "f.comment, f.key_name, f.created_at, "
                   "(SELECT value FROM log_strings WHERE id = r.route), "
                   "(SELECT value FROM log_strings WHERE id = r.env) "
                   "FROM request_feedback f JOIN request_rows r ON r.id = f.request_id "
                   "WHERE (?1 = '' OR f.created_at >= ?1) "
                   "AND (?2 = '' OR r.route = (SELECT id FROM log_strings WHERE value = ?2)) "
                   "AND (?3 = '' OR r.env = (SELECT id FROM log_strings WHERE value = ?3)) "
                   "AND (?4 = '' OR f.name = ?4) ORDER BY f.id LIMIT ?5");
    st.bind(1, filter.since_ms ? iso8601_from_ms(*filter.since_ms) : std::string());
    st.bind(2, filter.route).bind(3, filter.env).bind(4, filter.name);
    st.bind(5, filter.limit == 0 ? store::kNoLimit : static_cast<std::int64_t>(filter.limit));
    std::vector<FeedbackEntry> out;
    while (st.step()) {
        FeedbackEntry e;
        e.feedback.id = st.column_int(0);
        e.feedback.record.request_id = serve::make_request_id(
            serve::request_id_ms(st.column_int(1)),
            static_cast<std::uint32_t>(st.column_int(1) &
                                       ((1 << serve::kRequestIdSequenceBits) - 1)));
        e.feedback.record.name = st.column_text(2);
        e.feedback.record.value = stored_value(st.column_text(3), st, 4, 5);
        e.feedback.record.comment = st.column_text(6);
        e.feedback.record.key_name = st.column_optional_text(7).value_or("");
        e.feedback.record.created_at = st.column_text(8);
        e.route = st.column_optional_text(9).value_or("");
        e.env = st.column_optional_text(10).value_or("");
        out.push_back(std::move(e));
    }
    return out;
}

json to_json(const FeedbackEntry& entry) {
    json out = serve::feedback_to_json(entry.feedback);
    out["route"] = entry.route.empty() ? json(nullptr) : json(entry.route);
    out["env"] = entry.env;
    return out;
}

FeedbackFormat parse_feedback_format(std::string_view text) {
    if (text == "jsonl") return FeedbackFormat::Jsonl;
    if (text == "csv") return FeedbackFormat::Csv;
    throw_usage("--format: expected jsonl or csv, got '" + std::string(text) + "'");
}

std::string format_feedback(const std::vector<FeedbackEntry>& entries, FeedbackFormat format) {
    std::string out;
    if (format == FeedbackFormat::Jsonl) {
        for (const auto& e : entries)
            out += to_json(e).dump() + "\n";
        return out;
    }
    data::CsvWriter writer(
        {"id", "time", "request_id", "route", "env", "name", "value", "comment", "key"});
    writer.append_header(out);
    for (const auto& e : entries)
        writer.append_row(canonical_json(to_json(e)), out);
    return out;
}

} // namespace llmops::feedback
