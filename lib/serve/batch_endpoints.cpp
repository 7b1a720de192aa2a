// The Batch API, as OpenAI's: POST /v1/files (multipart, purpose "batch"), GET /v1/files/ID
// and /v1/files/ID/content, POST /v1/batches, GET /v1/batches[/ID], POST
// /v1/batches/ID/cancel. Store work runs on the gateway's task thread, never on an I/O thread.
// With API keys, a key sees only the files and batches it created. Reference: docs/serve.md.
#include "core/error.hpp"
#include "core/time.hpp"
#include "serve/gateway_impl.hpp"
#include "serve/multipart_form.hpp"
#include "serve/openai_shapes.hpp"

#include <charconv>
#include <fmt/format.h>

namespace llmops::serve {

using nlohmann::json;

namespace {

ApiError batch_error(int status, std::string kind, std::string message, std::string param = {},
                     std::string code = {}) {
    ApiError e;
    e.status = status;
    e.kind = std::move(kind);
    e.message = std::move(message);
    e.type = error_type_for_status(status);
    e.param = std::move(param);
    e.code = std::move(code);
    return e;
}

// The value of `name` in a query string ("" when absent).
std::string query_value(std::string_view target, std::string_view name) {
    std::size_t q = target.find('?');
    if (q == std::string_view::npos) return {};
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
        std::size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        std::size_t eq = pair.find('=');
        if (pair.substr(0, eq) == name)
            return eq == std::string_view::npos ? std::string{} : std::string(pair.substr(eq + 1));
    }
    return {};
}

// Answers a batch line to the batch worker instead of an HTTP client.
class BatchLineWriter final : public http::ResponseWriter {
  public:
    BatchLineWriter(const Exchange* ex, std::function<void(BatchLineOutcome&&)> done)
        : ex_(ex), done_(std::move(done)) {}
    void respond(int status, http::HeaderFields headers, std::string body) override {
        if (!done_) return;
        BatchLineOutcome out;
        out.status = status;
        out.request_id = ex_->record.id;
        out.body = std::move(body);
        out.error_kind = ex_->record.error_kind;
        // The gateway's own refusals are for now, not for good: the worker tries again.
        if ((status == 503 && out.error_kind == "overloaded") ||
            out.error_kind == "key_rate_limited") {
            out.retry_after_s = 1;
            for (const auto& [name, value] : headers)
                if (name == "Retry-After")
                    out.retry_after_s = std::max(1.0, std::atof(value.c_str()));
        }
        auto done = std::move(done_);
        done_ = nullptr;
        done(std::move(out));
    }
    // check_batch_input refuses `stream: true`, so a batch line never streams.
    void begin_stream(int, http::HeaderFields) override {}
    void write(std::string) override {}
    void end_stream(std::function<void(bool)> delivered) override {
        if (delivered) delivered(false);
    }
    bool client_gone() const override { return false; }

  private:
    const Exchange* ex_;
    std::function<void(BatchLineOutcome&&)> done_;
};

} // namespace

void Gateway::Impl::run_batch_line(json body, const std::string& key_name,
                                   std::function<void(BatchLineOutcome&&)> done) {
    requests.fetch_add(1, std::memory_order_relaxed);
    auto ex = std::make_shared<Exchange>();
    ex->arrived = Clock::now();
    ex->release_header = "none";
    ex->batch_line = true;
    ex->batch_key = key_name;
    ex->writer = std::make_shared<BatchLineWriter>(ex.get(), std::move(done));
    RequestRecord& r = ex->record;
    std::int64_t created_ms = now_unix_ms();
    r.id = new_request_id(created_ms);
    r.created_at = iso8601_from_ms(created_ms);
    r.env = options.env;
    r.method = "POST";
    r.path = "/v1/chat/completions";
    r.key_name = key_name;
    http::ServerRequest request;
    request.method = "POST";
    request.target = r.path;
    request.body = body.dump();
    handle_chat(ex, std::move(request), key_name);
}

void Gateway::Impl::handle_batch_api(std::shared_ptr<Exchange> ex, http::ServerRequest&& request,
                                     const std::string& key_name) {
    auto shared = std::make_shared<http::ServerRequest>(std::move(request));
    bool queued = store_tasks->post([this, ex, shared, key_name] {
        const http::ServerRequest& req = *shared;
        const std::string path(req.path());
        const bool get = req.method == "GET";
        const bool post = req.method == "POST";
        bool any_key = !keys.enabled();
        auto mine = [&](const std::string& owner) { return any_key || owner == key_name; };
        try {
            if (path == "/v1/files") {
                if (!post) return respond_error(*ex, batch_error(405, "bad_method", "use POST"));
                return upload_file(*ex, req, key_name);
            }
            if (path.rfind("/v1/files/", 0) == 0) {
                std::string rest = path.substr(10);
                bool content = rest.size() > 8 && rest.substr(rest.size() - 8) == "/content";
                if (content) rest.resize(rest.size() - 8);
                if (!get) return respond_error(*ex, batch_error(405, "bad_method", "use GET"));
                auto file =
                    rest.find('/') == std::string::npos ? batches->file(rest) : std::nullopt;
                if (!file || !mine(file->key_name))
                    return respond_error(*ex,
                                         batch_error(404, "unknown_file",
                                                     "no file with id '" + rest + "'", "file_id"));
                if (!content) return respond(*ex, 200, file_object(*file).dump());
                return respond(*ex, 200, batches->file_content(*file), "application/jsonl");
            }
            if (path == "/v1/batches") {
                if (post) return create_batch(*ex, req, key_name);
                if (!get)
                    return respond_error(*ex, batch_error(405, "bad_method", "use GET or POST"));
                std::size_t limit = 20;
                std::string limit_text = query_value(req.target, "limit");
                if (!limit_text.empty()) {
                    auto [end, ec] = std::from_chars(limit_text.data(),
                                                     limit_text.data() + limit_text.size(), limit);
                    if (ec != std::errc() || end != limit_text.data() + limit_text.size() ||
                        limit < 1 || limit > 100)
                        return respond_error(*ex, batch_error(400, "bad_field",
                                                              "limit: an integer from 1 to 100",
                                                              "limit"));
                }
                auto list = batches->list_batches(key_name, any_key,
                                                  query_value(req.target, "after"), limit);
                bool more = list.size() > limit;
                if (more) list.resize(limit);
                json data = json::array();
                for (const auto& b : list)
                    data.push_back(batch_object(b));
                json body = {{"object", "list"},
                             {"data", data},
                             {"first_id", list.empty() ? json(nullptr) : json(list.front().id)},
                             {"last_id", list.empty() ? json(nullptr) : json(list.back().id)},
                             {"has_more", more}};
                return respond(*ex, 200, body.dump());
            }
            if (path.rfind("/v1/batches/", 0) == 0) {
                std::string rest = path.substr(12);
                bool cancel = rest.size() > 7 && rest.substr(rest.size() - 7) == "/cancel";
                if (cancel) rest.resize(rest.size() - 7);
                auto batch =
                    rest.find('/') == std::string::npos ? batches->batch(rest) : std::nullopt;
                if (!batch || !mine(batch->key_name))
                    return respond_error(*ex, batch_error(404, "unknown_batch",
                                                          "no batch with id '" + rest + "'",
                                                          "batch_id"));
                if (!cancel) {
                    if (!get) return respond_error(*ex, batch_error(405, "bad_method", "use GET"));
                    return respond(*ex, 200, batch_object(*batch).dump());
                }
                if (!post) return respond_error(*ex, batch_error(405, "bad_method", "use POST"));
                auto after = batches->update(rest, [](Batch& b) {
                    if (batch_is_finished(b) || b.status == "cancelling") return false;
                    b.status = "cancelling";
                    b.cancelling_at = now_unix_ms() / 1000;
                    return true;
                });
                if (after && batch_is_finished(*after))
                    return respond_error(
                        *ex, batch_error(409, "batch_finished",
                                         "batch " + rest + " is already " + after->status));
                batch_worker->wake();
                return respond(*ex, 200, batch_object(*after).dump());
            }
            return respond_error(*ex, batch_error(404, "not_found", "unknown path " + path));
        } catch (const std::exception& e) {
            respond_error(*ex,
                          batch_error(500, "store", std::string("the store failed: ") + e.what()));
        }
    });
    if (!queued)
        respond_error(*ex,
                      batch_error(503, "overloaded", "too many file and batch requests waiting", {},
                                  "overloaded"),
                      {{"Retry-After", "1"}});
}

void Gateway::Impl::upload_file(Exchange& ex, const http::ServerRequest& request,
                                const std::string& key_name) {
    auto parsed = parse_multipart_form(request.header("Content-Type"), request.body);
    if (auto* message = std::get_if<std::string>(&parsed))
        return respond_error(ex, batch_error(400, "bad_multipart", *message));
    const FormPart* purpose = nullptr;
    const FormPart* file = nullptr;
    for (const auto& part : std::get<std::vector<FormPart>>(parsed)) {
        if (part.name == "purpose" && !purpose) purpose = &part;
        if (part.name == "file" && !file) file = &part;
    }
    if (!purpose || purpose->data != "batch")
        return respond_error(
            ex,
            batch_error(400, "bad_field",
                        "purpose: only \"batch\" files are accepted by this gateway", "purpose"));
    if (!file || !file->filename)
        return respond_error(ex, batch_error(400, "bad_field",
                                             "file: a file part (with a filename) is required",
                                             "file"));
    if (file->data.size() > options.config.batch.max_file_bytes)
        return respond_error(ex, batch_error(413, "too_large",
                                             fmt::format("file: larger than the limit of {} bytes",
                                                         options.config.batch.max_file_bytes),
                                             "file"));
    auto checked =
        check_batch_input(file->data, options.config.batch, options.config.limits.max_body_bytes);
    if (auto* message = std::get_if<std::string>(&checked))
        return respond_error(
            ex, batch_error(400, "bad_batch_file", *file->filename + ": " + *message, "file"));
    std::string filename = file->filename->substr(0, 256);
    BatchFile stored =
        batches->add_file(filename, "batch", file->data, std::get<std::size_t>(checked), key_name);
    respond(ex, 200, file_object(stored).dump());
}

void Gateway::Impl::create_batch(Exchange& ex, const http::ServerRequest& request,
                                 const std::string& key_name) {
    json doc = json::parse(request.body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        return respond_error(ex, batch_error(400, "bad_json", "the body must be a JSON object"));
    auto text = [&](const char* name) -> std::string {
        auto it = doc.find(name);
        return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    std::string input_file_id = text("input_file_id");
    if (input_file_id.empty())
        return respond_error(
            ex,
            batch_error(400, "bad_field", "input_file_id: a file id is required", "input_file_id"));
    if (text("endpoint") != "/v1/chat/completions")
        return respond_error(ex, batch_error(400, "bad_field",
                                             "endpoint: only \"/v1/chat/completions\" is served",
                                             "endpoint"));
    if (text("completion_window") != "24h")
        return respond_error(ex, batch_error(400, "bad_field", "completion_window: must be \"24h\"",
                                             "completion_window"));
    json metadata = doc.value("metadata", json(nullptr));
    if (!metadata.is_null()) {
        bool ok = metadata.is_object() && metadata.size() <= 16;
        for (const auto& [k, v] : ok ? metadata.items() : json::object().items())
            ok = ok && k.size() <= 64 && v.is_string() &&
                 v.get_ref<const std::string&>().size() <= 512;
        if (!ok)
            return respond_error(
                ex,
                batch_error(400, "bad_field",
                            "metadata: at most 16 string values (keys ≤ 64, values ≤ 512 bytes)",
                            "metadata"));
    }
    auto file = batches->file(input_file_id);
    if (!file || (keys.enabled() && file->key_name != key_name))
        return respond_error(ex, batch_error(404, "unknown_file",
                                             "no file with id '" + input_file_id + "'",
                                             "input_file_id"));
    if (file->purpose != "batch")
        return respond_error(ex,
                             batch_error(400, "bad_field",
                                         "input_file_id: file " + input_file_id + " has purpose '" +
                                             file->purpose + "', not 'batch'",
                                         "input_file_id"));
    Batch b;
    b.endpoint = "/v1/chat/completions";
    b.input_file_id = input_file_id;
    b.completion_window = "24h";
    b.status = "validating";
    b.metadata = metadata;
    b.counts.total = static_cast<std::int64_t>(file->lines);
    b.key_name = key_name;
    b.expires_at = now_unix_ms() / 1000 + 24 * 3600;
    Batch created = batches->create_batch(std::move(b));
    batch_worker->wake();
    respond(ex, 200, batch_object(created).dump());
}

} // namespace llmops::serve
