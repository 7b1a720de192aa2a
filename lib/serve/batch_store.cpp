#include "serve/batch_store.hpp"

#include "core/error.hpp"
#include "core/time.hpp"
#include "store/object_batch.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <random>
#include <set>

namespace llmops::serve {

using nlohmann::json;

namespace {

std::string random_id_hex(std::size_t digits) {
    thread_local std::mt19937_64 rng(std::random_device{}());
    std::string out;
    while (out.size() < digits)
        out += fmt::format("{:016x}", rng());
    out.resize(digits);
    return out;
}

json optional_time(const std::optional<std::int64_t>& t) {
    return t ? json(*t) : json(nullptr);
}

std::optional<std::int64_t> read_time(const json& doc, const char* name) {
    auto it = doc.find(name);
    if (it == doc.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<std::int64_t>();
}

json stored_file(const BatchFile& f) {
    return {{"id", f.id},       {"filename", f.filename},     {"purpose", f.purpose},
            {"bytes", f.bytes}, {"created_at", f.created_at}, {"object", f.object},
            {"lines", f.lines}, {"key", f.key_name}};
}

BatchFile file_from_stored(const json& doc) {
    BatchFile f;
    f.id = doc.at("id").get<std::string>();
    f.filename = doc.value("filename", "");
    f.purpose = doc.value("purpose", "");
    f.bytes = doc.value("bytes", std::uint64_t{0});
    f.created_at = doc.value("created_at", std::int64_t{0});
    f.object = doc.at("object").get<std::string>();
    f.lines = doc.value("lines", std::size_t{0});
    f.key_name = doc.value("key", "");
    return f;
}

json stored_batch(const Batch& b) {
    json doc = batch_object(b);
    doc["llmops"] = {{"key", b.key_name}, {"owner", b.owner}, {"chunks", b.chunks}};
    return doc;
}

Batch batch_from_stored(const json& doc) {
    Batch b;
    b.id = doc.at("id").get<std::string>();
    b.endpoint = doc.value("endpoint", "");
    b.input_file_id = doc.value("input_file_id", "");
    b.completion_window = doc.value("completion_window", "");
    b.status = doc.value("status", "");
    if (doc.contains("output_file_id") && doc["output_file_id"].is_string())
        b.output_file_id = doc["output_file_id"].get<std::string>();
    if (doc.contains("error_file_id") && doc["error_file_id"].is_string())
        b.error_file_id = doc["error_file_id"].get<std::string>();
    b.errors = doc.value("errors", json(nullptr));
    b.metadata = doc.value("metadata", json(nullptr));
    b.created_at = doc.value("created_at", std::int64_t{0});
    b.expires_at = doc.value("expires_at", std::int64_t{0});
    b.in_progress_at = read_time(doc, "in_progress_at");
    b.finalizing_at = read_time(doc, "finalizing_at");
    b.completed_at = read_time(doc, "completed_at");
    b.failed_at = read_time(doc, "failed_at");
    b.expired_at = read_time(doc, "expired_at");
    b.cancelling_at = read_time(doc, "cancelling_at");
    b.cancelled_at = read_time(doc, "cancelled_at");
    const json& counts = doc.value("request_counts", json::object());
    b.counts.total = counts.value("total", std::int64_t{0});
    b.counts.completed = counts.value("completed", std::int64_t{0});
    b.counts.failed = counts.value("failed", std::int64_t{0});
    const json& own = doc.value("llmops", json::object());
    b.key_name = own.value("key", "");
    b.owner = own.value("owner", "");
    b.chunks = own.value("chunks", std::vector<std::string>{});
    return b;
}

std::optional<std::string> read_meta(store::Database& db, const std::string& key) {
    auto st = db.prepare("SELECT value FROM meta WHERE key = ?");
    st.bind(1, key);
    if (!st.step()) return std::nullopt;
    return st.column_text(0);
}

void write_meta(store::Database& db, const std::string& key, const std::string& value) {
    db.prepare("INSERT INTO meta(key, value) VALUES (?, ?) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        .bind(1, key)
        .bind(2, value)
        .run();
}

// "line N, column C: message" for the JSON error at byte `byte` of line `line`.
std::string at_line(std::size_t line, std::size_t column, std::string_view message) {
    return fmt::format("line {}, column {}: {}", line, column, message);
}

} // namespace

json file_object(const BatchFile& f) {
    return {{"id", f.id},
            {"object", "file"},
            {"bytes", f.bytes},
            {"created_at", f.created_at},
            {"filename", f.filename},
            {"purpose", f.purpose},
            {"status", "processed"},
            {"status_details", nullptr},
            {"expires_at", nullptr}};
}

namespace {

// The line that starts at `pos`, without its '\n'; `pos` moves past it.
std::string_view next_line(std::string_view content, std::size_t& pos) {
    const std::size_t eol = content.find('\n', pos);
    std::string_view text =
        content.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? content.size() : eol + 1;
    return text;
}

} // namespace

std::variant<std::size_t, std::string>
check_batch_input(std::string_view content, const BatchLimits& limits, std::size_t max_line_bytes) {
    std::set<std::string> custom_ids;
    std::size_t line = 0;
    std::size_t requests = 0;
    std::size_t pos = 0;
    while (pos < content.size()) {
        ++line;
        std::string_view text = next_line(content, pos);
        if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
        if (text.find_first_not_of(" \t") == std::string_view::npos) {
            if (pos >= content.size()) break; // a trailing newline
            return at_line(line, 1, "empty line (one request per line)");
        }
        if (text.size() > max_line_bytes)
            return at_line(line, 1,
                           fmt::format("the line is longer than {} bytes", max_line_bytes));
        if (++requests > limits.max_lines)
            return at_line(line, 1,
                           fmt::format("more than {} requests in one file", limits.max_lines));
        json doc;
        try {
            doc = json::parse(text);
        } catch (const json::parse_error& e) {
            std::string what = e.what();
            if (auto colon = what.find("parse error"); colon != std::string::npos)
                what = what.substr(colon);
            return at_line(line, e.byte == 0 ? 1 : e.byte, "malformed JSON: " + what);
        } catch (const json::exception& e) { // a number out of range (found by fuzzing)
            return at_line(line, 1, std::string("malformed JSON: ") + e.what());
        }
        if (!doc.is_object()) return at_line(line, 1, "each line must be a JSON object");
        auto custom_id = doc.find("custom_id");
        if (custom_id == doc.end() || !custom_id->is_string() ||
            custom_id->get_ref<const std::string&>().empty() ||
            custom_id->get_ref<const std::string&>().size() > 512)
            return at_line(line, 1, "custom_id: a non-empty string of at most 512 bytes");
        if (!custom_ids.insert(custom_id->get<std::string>()).second)
            return at_line(line, 1,
                           "custom_id '" + custom_id->get<std::string>() + "' is used twice");
        auto method = doc.find("method");
        if (method == doc.end() || *method != "POST")
            return at_line(line, 1, "method: must be \"POST\"");
        auto url = doc.find("url");
        if (url == doc.end() || *url != "/v1/chat/completions")
            return at_line(line, 1, "url: must be \"/v1/chat/completions\"");
        auto body = doc.find("body");
        if (body == doc.end() || !body->is_object())
            return at_line(line, 1, "body: must be a JSON object (a chat completions request)");
        auto stream = body->find("stream");
        if (stream != body->end() && *stream == true)
            return at_line(line, 1, "body.stream: a batch request cannot stream");
    }
    if (requests == 0) return std::string("the file holds no request");
    return requests;
}

void for_each_batch_line(std::string_view content,
                         const std::function<bool(BatchInputLine&&)>& visit) {
    std::size_t line = 0;
    std::size_t pos = 0;
    while (pos < content.size()) {
        ++line;
        std::string_view text = next_line(content, pos);
        if (text.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        json doc = json::parse(text);
        BatchInputLine in;
        in.line = line;
        in.custom_id = doc.at("custom_id").get<std::string>();
        in.body = std::move(doc.at("body"));
        if (!visit(std::move(in))) return;
    }
}

json batch_object(const Batch& b) {
    return {{"id", b.id},
            {"object", "batch"},
            {"endpoint", b.endpoint},
            {"errors", b.errors},
            {"input_file_id", b.input_file_id},
            {"completion_window", b.completion_window},
            {"status", b.status},
            {"output_file_id", b.output_file_id ? json(*b.output_file_id) : json(nullptr)},
            {"error_file_id", b.error_file_id ? json(*b.error_file_id) : json(nullptr)},
            {"created_at", b.created_at},
            {"in_progress_at", optional_time(b.in_progress_at)},
            {"expires_at", b.expires_at},
            {"finalizing_at", optional_time(b.finalizing_at)},
            {"completed_at", optional_time(b.completed_at)},
            {"failed_at", optional_time(b.failed_at)},
            {"expired_at", optional_time(b.expired_at)},
            {"cancelling_at", optional_time(b.cancelling_at)},
            {"cancelled_at", optional_time(b.cancelled_at)},
            {"request_counts",
             {{"total", b.counts.total},
              {"completed", b.counts.completed},
              {"failed", b.counts.failed}}},
            {"metadata", b.metadata}};
}

bool batch_is_finished(const Batch& b) {
    return b.status == "completed" || b.status == "failed" || b.status == "expired" ||
           b.status == "cancelled";
}

BatchStore::BatchStore(store::ProjectPaths paths) : paths_(std::move(paths)) {}

BatchFile BatchStore::add_file(std::string filename, std::string purpose, std::string_view content,
                               std::size_t lines, std::string key_name) {
    // The shared lock keeps gc out between writing the object and the row naming it.
    store::Project project = store::Project::open(paths_, store::StoreAccess::Write);
    BatchFile f;
    f.id = "file-" + random_id_hex(24);
    f.filename = std::move(filename);
    f.purpose = std::move(purpose);
    f.bytes = content.size();
    f.created_at = now_unix_s();
    f.lines = lines;
    f.key_name = std::move(key_name);
    store::ObjectBatch objects(project.objects());
    f.object = objects.add(content, store::Compression::Zstd).hash.hex();
    objects.commit();
    store::Transaction tx(project.db());
    write_meta(project.db(), "file:" + f.id, stored_file(f).dump());
    tx.commit();
    return f;
}

BatchFile BatchStore::add_file_from(const std::filesystem::path& path, std::string filename,
                                    std::string purpose, std::size_t lines, std::string key_name) {
    store::Project project = store::Project::open(paths_, store::StoreAccess::Write);
    BatchFile f;
    f.id = "file-" + random_id_hex(24);
    f.filename = std::move(filename);
    f.purpose = std::move(purpose);
    f.created_at = now_unix_s();
    f.lines = lines;
    f.key_name = std::move(key_name);
    store::ObjectInfo info = project.objects().put_file(path, store::Compression::Zstd);
    f.bytes = info.size;
    f.object = info.hash.hex();
    store::Transaction tx(project.db());
    write_meta(project.db(), "file:" + f.id, stored_file(f).dump());
    tx.commit();
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return f;
}

std::filesystem::path BatchStore::temp_path(const std::string& name) const {
    return paths_.tmp_dir / name;
}

std::optional<BatchFile> BatchStore::file(const std::string& id) const {
    store::Project project = store::Project::open(paths_, store::StoreAccess::Read);
    auto text = read_meta(project.db(), "file:" + id);
    if (!text) return std::nullopt;
    return file_from_stored(json::parse(*text));
}

std::string BatchStore::file_content(const BatchFile& f) const {
    store::Project project = store::Project::open(paths_, store::StoreAccess::Read);
    return project.objects().get(Hash128::from_hex(f.object));
}

Batch BatchStore::create_batch(Batch b) {
    store::Project project = store::Project::open(paths_, store::StoreAccess::Write);
    b.id = "batch_" + random_id_hex(24);
    b.created_at = now_unix_s();
    store::Transaction tx(project.db());
    write_meta(project.db(), "batch:" + b.id, stored_batch(b).dump());
    tx.commit();
    return b;
}

std::optional<Batch> BatchStore::batch(const std::string& id) const {
    store::Project project = store::Project::open(paths_, store::StoreAccess::Read);
    auto text = read_meta(project.db(), "batch:" + id);
    if (!text) return std::nullopt;
    return batch_from_stored(json::parse(*text));
}

namespace {

std::vector<Batch> all_batches(store::Database& db) {
    std::vector<Batch> out;
    auto st = db.prepare("SELECT value FROM meta WHERE key LIKE 'batch:%'");
    while (st.step())
        out.push_back(batch_from_stored(json::parse(st.column_text(0))));
    // Oldest first; ids break ties within a second.
    std::sort(out.begin(), out.end(), [](const Batch& a, const Batch& b) {
        return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
    });
    return out;
}

} // namespace

std::vector<Batch> BatchStore::list_batches(const std::string& key_name, bool any_key,
                                            const std::string& after, std::size_t limit) const {
    store::Project project = store::Project::open(paths_, store::StoreAccess::Read);
    std::vector<Batch> all = all_batches(project.db());
    std::reverse(all.begin(), all.end());
    std::vector<Batch> out;
    bool open = after.empty();
    for (auto& b : all) {
        if (!open) {
            open = b.id == after;
            continue;
        }
        if (!any_key && b.key_name != key_name) continue;
        out.push_back(std::move(b));
        if (out.size() > limit) break;
    }
    return out;
}

std::vector<Batch> BatchStore::unfinished_batches() const {
    store::Project project = store::Project::open(paths_, store::StoreAccess::Read);
    std::vector<Batch> out;
    for (auto& b : all_batches(project.db()))
        if (!batch_is_finished(b)) out.push_back(std::move(b));
    return out;
}

std::optional<Batch> BatchStore::update(const std::string& id,
                                        const std::function<bool(Batch&)>& change) {
    store::Project project = store::Project::open(paths_, store::StoreAccess::Write);
    store::Transaction tx(project.db());
    auto text = read_meta(project.db(), "batch:" + id);
    if (!text) return std::nullopt;
    Batch b = batch_from_stored(json::parse(*text));
    if (!change(b)) return b;
    write_meta(project.db(), "batch:" + id, stored_batch(b).dump());
    tx.commit();
    return b;
}

std::optional<Batch> BatchStore::record_chunk(const std::string& id, const std::string& chunk_jsonl,
                                              std::int64_t completed, std::int64_t failed) {
    store::Project project = store::Project::open(paths_, store::StoreAccess::Write);
    store::ObjectBatch objects(project.objects());
    std::string hash = objects.add(chunk_jsonl, store::Compression::Zstd).hash.hex();
    objects.commit(); // durable before the row that names it
    store::Transaction tx(project.db());
    auto text = read_meta(project.db(), "batch:" + id);
    if (!text) return std::nullopt;
    Batch b = batch_from_stored(json::parse(*text));
    b.chunks.push_back(hash);
    b.counts.completed += completed;
    b.counts.failed += failed;
    write_meta(project.db(), "batch:" + id, stored_batch(b).dump());
    tx.commit();
    return b;
}

void BatchStore::for_each_result(const Batch& batch,
                                 const std::function<void(BatchResultLine&&)>& visit) const {
    store::Project project = store::Project::open(paths_, store::StoreAccess::Read);
    for (const auto& hex : batch.chunks) {
        std::string chunk = project.objects().get(Hash128::from_hex(hex));
        std::size_t pos = 0;
        while (pos < chunk.size()) {
            std::size_t eol = chunk.find('\n', pos);
            if (eol == std::string::npos) eol = chunk.size();
            json doc = json::parse(std::string_view(chunk).substr(pos, eol - pos));
            pos = eol + 1;
            BatchResultLine r;
            r.line = doc.at("line").get<std::size_t>();
            r.ok = doc.at("ok").get<bool>();
            r.output = std::move(doc.at("output"));
            visit(std::move(r));
        }
    }
}

} // namespace llmops::serve
