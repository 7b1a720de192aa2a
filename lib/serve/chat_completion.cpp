// POST /v1/chat/completions: parse, resolve the route (sticky canary), check the key, render
// the release's prompt, call the provider, answer (plain or SSE), log.
#include "core/error.hpp"
#include "core/hash.hpp"
#include "prompt/prompt_render.hpp"
#include "run/chat_request.hpp"
#include "serve/gateway_impl.hpp"
#include "serve/openai_shapes.hpp"

#include <cmath>
#include <ctime>
#include <fmt/format.h>

namespace llmops::serve {

using nlohmann::json;

namespace {

ApiError make_error(int status, std::string kind, std::string message, std::string code = {},
                    std::string param = {}) {
    ApiError e;
    e.status = status;
    e.kind = std::move(kind);
    e.message = std::move(message);
    e.type = error_type_for_status(status);
    e.code = std::move(code);
    e.param = std::move(param);
    return e;
}

double estimated_tokens(const provider::ChatRequest& request) {
    double tokens = 0;
    for (const auto& m : request.messages)
        tokens += static_cast<double>(provider::estimate_tokens(m.content));
    if (auto it = request.parameters.find("max_tokens");
        it != request.parameters.end() && it->is_number())
        tokens += it->get<double>();
    return tokens;
}

// A usage-only chunk ({"choices": [], "usage": ...}) the client did not ask for.
bool is_usage_only_chunk(std::string_view data) {
    if (data.find("\"usage\"") == std::string_view::npos) return false;
    json chunk = json::parse(data, nullptr, false);
    if (!chunk.is_object()) return false;
    auto choices = chunk.find("choices");
    return choices != chunk.end() && choices->is_array() && choices->empty();
}

struct StreamState {
    bool started = false;
    double prep_ms = 0; // arrival to upstream submit: the gateway's part before the answer
};

} // namespace

void Gateway::Impl::handle_chat(std::shared_ptr<Exchange> ex, http::ServerRequest&& request,
                                const std::string&) {
    RequestRecord& rec = ex->record;
    ex->request_body = std::move(request.body);
    auto parsed = parse_chat_body(ex->request_body);
    if (auto* error = std::get_if<ApiError>(&parsed)) return respond_error(*ex, *error);
    ChatIntake in = std::move(std::get<ChatIntake>(parsed));
    rec.streamed = in.stream;
    std::string user_key = in.user.empty() ? std::string(request.header("X-User-Id")) : in.user;
    if (!user_key.empty()) rec.user_hash = hash128(user_key).hex();

    // The route, or a provider id the config lets clients name.
    auto routes_now = current_routes();
    const ServedRelease* release = nullptr;
    const provider::ProviderConfig* provider_config = nullptr;
    std::optional<RouteChoice> choice;
    if (routes_now) choice = routes_now->resolve(in.model, user_key);
    if (choice) {
        release = choice->release;
        rec.route = in.model;
        rec.release_id = release->release.id;
        rec.release_number = release->release.number;
        rec.canary = choice->canary;
        rec.prompt_version = release->release.prompt_ref;
        rec.provider = release->release.provider_id;
        ex->release_header = in.model + "@" + std::to_string(release->release.number);
        if (!release->provider)
            return respond_error(*ex, make_error(503, "release_unservable",
                                                 "route '" + in.model + "' release " +
                                                     std::to_string(release->release.number) +
                                                     " cannot be served: " + release->problem));
        provider_config = &*release->provider;
    } else if (auto it = passthrough.find(in.model); it != passthrough.end()) {
        provider_config = &it->second;
        rec.provider = it->first;
        ex->release_header = "passthrough:" + it->first;
    } else {
        std::string known;
        if (routes_now)
            for (const auto& name : routes_now->route_names())
                known += (known.empty() ? "" : ", ") + name;
        return respond_error(*ex, make_error(404, "unknown_route",
                                             "unknown model '" + in.model +
                                                 "': not a route live in " + options.env +
                                                 (known.empty() ? "" : " (routes: " + known + ")"),
                                             "model_not_found", "model"));
    }

    // The request: the prompt's messages from the variables, then the client's.
    provider::ChatRequest chat;
    if (release) {
        try {
            prompt::PromptRenderer renderer(release->prompt);
            prompt::RenderedPrompt rendered =
                renderer.render(in.variables ? std::move(*in.variables) : json::object());
            run::RequestOverrides overrides;
            overrides.parameters = in.parameters;
            chat = run::chat_request_for(*release->prompt, rendered, *provider_config, overrides);
        } catch (const Error& e) {
            return respond_error(*ex,
                                 make_error(400, "bad_variables", e.message(), {}, "variables"));
        }
    } else {
        chat.parameters = in.parameters;
    }
    for (auto& m : in.messages)
        chat.messages.push_back(std::move(m));
    if (chat.messages.empty())
        return respond_error(*ex, make_error(400, "bad_field",
                                             "messages: at least one message is required", {},
                                             "messages"));

    double estimate = estimated_tokens(chat);
    if (keys.enabled()) {
        Admission a = keys.admit(request.header("Authorization"),
                                 rec.route.empty() ? rec.provider : rec.route, estimate);
        rec.key_name = a.key_name;
        if (a.status) {
            http::HeaderFields extra;
            if (a.retry_after_s > 0)
                extra.emplace_back("Retry-After",
                                   std::to_string(static_cast<long>(std::ceil(a.retry_after_s))));
            return respond_error(*ex, make_error(a.status, a.kind, a.message, a.code),
                                 std::move(extra));
        }
    }

    auto state = std::make_shared<StreamState>();
    const std::int64_t created = static_cast<std::int64_t>(std::time(nullptr));
    const std::string client_model = in.model;
    const bool include_usage = in.include_usage;
    const std::string provider_id = provider_config->id;
    auto begin_stream = [this, ex, state] {
        if (state->started) return;
        state->started = true;
        http::HeaderFields headers = common_headers(*ex, state->prep_ms);
        headers.emplace_back("Content-Type", "text/event-stream");
        headers.emplace_back("Cache-Control", "no-cache");
        ex->writer->begin_stream(200, std::move(headers));
    };

    UpstreamCall call;
    call.request = std::move(chat);
    call.stream = in.stream;
    if (in.stream)
        call.on_chunk = [ex, begin_stream, include_usage](std::string_view data) {
            if (!include_usage && is_usage_only_chunk(data)) return;
            begin_stream();
            ex->writer->write(sse_event(data));
        };
    call.on_done = [this, ex, state, begin_stream, created, client_model, include_usage,
                    provider_id, estimate](UpstreamOutcome&& out) {
        RequestRecord& r = ex->record;
        provider::ChatResult& result = out.result;
        r.queue_ms = out.queue_ms;
        r.upstream_ms = out.upstream_ms;
        r.ttft_ms = result.ttft_ms;
        r.prompt_tokens = result.prompt_tokens;
        r.completion_tokens = result.completion_tokens;
        r.cost_usd = result.cost_usd;
        r.cached = result.cached;
        r.model = result.model;
        if (!r.key_name.empty())
            keys.settle(r.key_name, estimate,
                        static_cast<double>(result.prompt_tokens + result.completion_tokens),
                        result.cost_usd);
        const std::string model = result.model.empty() ? client_model : result.model;
        if (!result.ok()) {
            ApiError e = upstream_error(result, provider_id);
            if (!state->started) {
                http::HeaderFields extra;
                if (e.status == 429) extra.emplace_back("Retry-After", "1");
                return respond_error(*ex, e, std::move(extra));
            }
            // Mid-stream: the status is sent; say what happened in the stream, then end it.
            ex->writer->write(sse_event(stream_error_data(e)));
            ex->writer->end_stream();
            r.status = 200;
            r.error_kind = e.kind;
            r.error_message = e.message;
            return finish(*ex, std::nullopt);
        }
        if (!ex->record.streamed) {
            return respond(*ex, 200, completion_body(r.id, created, model, result));
        }
        if (!out.chunks_forwarded) {
            // A provider that does not stream here: the answer as one content chunk.
            begin_stream();
            ex->writer->write(sse_event(chunk_data(r.id, created, model, "assistant", "", "")));
            ex->writer->write(sse_event(chunk_data(r.id, created, model, "", result.text, "")));
            ex->writer->write(sse_event(
                chunk_data(r.id, created, model, "", "",
                           result.finish_reason.empty() ? "stop" : result.finish_reason)));
            if (include_usage)
                ex->writer->write(sse_event(usage_chunk_data(
                    r.id, created, model, result.prompt_tokens, result.completion_tokens)));
        }
        ex->writer->write("data: [DONE]\n\n");
        r.status = 200;
        // Logged once the end reached the client, or the client was found gone.
        ex->writer->end_stream([this, ex, text = std::move(result.text)](bool delivered) mutable {
            if (!delivered) {
                ex->record.status = 499;
                ex->record.error_kind = "client_disconnected";
                ex->record.error_message = "the client closed the connection during the stream";
            }
            finish(*ex, std::move(text));
        });
    };

    state->prep_ms = ms_since(ex->arrived);
    try {
        if (upstream->submit(*provider_config, std::move(call)) ==
            UpstreamPool::Submitted::QueueFull)
            return respond_error(*ex,
                                 make_error(503, "overloaded",
                                            "provider '" + provider_id +
                                                "' has too many requests waiting; retry later",
                                            "overloaded"),
                                 {{"Retry-After", "1"}});
    } catch (const Error& e) {
        return respond_error(
            *ex, make_error(503, "provider_config", e.message(), "provider_unavailable"));
    }
}

} // namespace llmops::serve
