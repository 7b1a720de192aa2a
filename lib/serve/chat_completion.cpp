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

} // namespace

std::optional<ApiError> Gateway::Impl::apply_guardrails(Exchange& ex, const RouteGuardrails& guard,
                                                        GuardDirection direction,
                                                        const std::vector<std::string*>& texts) {
    const bool input = direction == GuardDirection::input;
    const std::string what = input ? "the request" : "the answer";
    GuardVerdict verdict;
    try {
        verdict = guardrails.check(guard, direction, texts);
    } catch (const Error& e) {
        return make_error(400, "content_filter",
                          what + " could not be checked by the route's guardrails: " + e.message(),
                          "content_filter");
    }
    ex.record.flags |= verdict.flags;
    for (const auto& c : verdict.counts)
        ex.guard_counts.push_back({direction, c.detector, c.action, c.findings});
    if (!verdict.blocked) return std::nullopt;
    return make_error(400, "content_filter",
                      what + " was blocked by the route's " + std::string(to_string(direction)) +
                          " guardrails: " + verdict.reason + " found",
                      "content_filter", input ? "messages" : "");
}

void Gateway::Impl::handle_chat(std::shared_ptr<Exchange> ex, http::ServerRequest&& request,
                                const std::string&) {
    RequestRecord& rec = ex->record;
    ex->request_body = std::move(request.body);
    auto parsed = parse_chat_body(ex->request_body);
    if (auto* error = std::get_if<ApiError>(&parsed)) return respond_error(*ex, *error);
    ChatIntake in = std::move(std::get<ChatIntake>(parsed));
    rec.streamed = in.stream;
    std::string user_key = in.user.empty() ? std::string(request.header("X-User-Id")) : in.user;
    if (!user_key.empty()) rec.user_hash = hash128(user_key).hex().substr(0, 16);

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
    auto flow = std::make_shared<ChatFlow>();
    flow->ex = ex;
    flow->routes = routes_now;
    flow->providers.push_back(provider_config);
    if (release) flow->guard = guardrails.route(in.model);
    // A block is answered after the key check, so a client without a valid key learns nothing
    // from the guardrails (and a blocked request counts against its key's request rate).
    std::optional<ApiError> input_block;
    if (flow->guard && !flow->guard->input.empty()) {
        // The input the client controls: its messages and the prompt's variables (the
        // prompt's own text is reviewed and released, not checked on every request).
        std::vector<std::string*> texts;
        for (auto& m : in.messages)
            texts.push_back(&m.content);
        if (in.variables) collect_strings(*in.variables, texts);
        input_block = apply_guardrails(*ex, *flow->guard, GuardDirection::input, texts);
    }
    if (release) {
        if (auto f = fallbacks.find(in.model); f != fallbacks.end())
            for (const auto* p : f->second)
                flow->providers.push_back(p);
        try {
            prompt::PromptRenderer renderer(release->prompt);
            flow->rendered =
                renderer.render(in.variables ? std::move(*in.variables) : json::object());
        } catch (const Error& e) {
            return respond_error(*ex,
                                 make_error(400, "bad_variables", e.message(), {}, "variables"));
        }
        flow->prompt = release->prompt;
    }
    flow->parameters = std::move(in.parameters);
    flow->client_messages = std::move(in.messages);
    flow->stream = in.stream;
    flow->use_cache = release && options.config.cached_routes.count(in.model) > 0;
    flow->include_usage = in.include_usage;
    flow->client_model = in.model;
    flow->created = static_cast<std::int64_t>(std::time(nullptr));
    provider::ChatRequest chat = flow->request_for(*provider_config);
    if (chat.messages.empty())
        return respond_error(*ex, make_error(400, "bad_field",
                                             "messages: at least one message is required", {},
                                             "messages"));

    flow->estimate = estimated_tokens(chat);
    if (keys.enabled()) {
        const std::string& scope = rec.route.empty() ? rec.provider : rec.route;
        Admission a = ex->batch_line
                          ? keys.admit_named(ex->batch_key, scope, flow->estimate)
                          : keys.admit(request.header("Authorization"), scope, flow->estimate);
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
    if (input_block) {
        if (!rec.key_name.empty()) keys.settle(rec.key_name, flow->estimate, 0, 0);
        return respond_error(*ex, *input_block);
    }
    flow->prep_ms = ms_since(ex->arrived);
    submit_chat(flow, std::move(chat));
}

provider::ChatRequest ChatFlow::request_for(const provider::ProviderConfig& provider) const {
    provider::ChatRequest chat;
    if (prompt) {
        run::RequestOverrides overrides;
        overrides.parameters = parameters;
        chat = run::chat_request_for(*prompt, *rendered, provider, overrides);
    } else {
        chat.parameters = parameters;
    }
    for (const auto& m : client_messages)
        chat.messages.push_back(m);
    return chat;
}

void Gateway::Impl::begin_chat_stream(ChatFlow& flow) {
    if (flow.started) return;
    flow.started = true;
    http::HeaderFields headers = common_headers(*flow.ex, flow.prep_ms);
    headers.emplace_back("Content-Type", "text/event-stream");
    headers.emplace_back("Cache-Control", "no-cache");
    flow.ex->writer->begin_stream(200, std::move(headers));
}

void Gateway::Impl::submit_chat(std::shared_ptr<ChatFlow> flow, provider::ChatRequest chat) {
    const provider::ProviderConfig& provider_config = *flow->providers[flow->attempt];
    flow->ex->record.provider = provider_config.id;
    UpstreamCall call;
    call.request = std::move(chat);
    // An output policy that blocks or redacts must see the whole answer before the client
    // does: the provider is asked without streaming and the answer is sent as one chunk.
    call.stream = flow->stream && !(flow->guard && flow->guard->output.needs_whole_text());
    call.use_cache = flow->use_cache;
    if (flow->stream)
        call.on_chunk = [this, flow](std::string_view data) {
            if (!flow->include_usage && is_usage_only_chunk(data)) return;
            begin_chat_stream(*flow);
            flow->ex->writer->write(sse_event(data));
        };
    call.on_done = [this, flow](UpstreamOutcome&& out) { complete_chat(flow, std::move(out)); };
    ApiError refusal;
    try {
        if (upstream->submit(provider_config, std::move(call)) == UpstreamPool::Submitted::Accepted)
            return;
        refusal = make_error(503, "overloaded",
                             "provider '" + provider_config.id +
                                 "' has too many requests waiting; retry later",
                             "overloaded");
    } catch (const Error& e) {
        refusal = make_error(503, "provider_config", e.message(), "provider_unavailable");
    }
    if (flow->attempt + 1 < flow->providers.size()) {
        flow->failures.push_back(provider_config.id + ": " + refusal.message);
        ++flow->attempt;
        return submit_chat(flow, flow->request_for(*flow->providers[flow->attempt]));
    }
    http::HeaderFields extra;
    if (refusal.kind == "overloaded") extra.emplace_back("Retry-After", "1");
    respond_error(*flow->ex, refusal, std::move(extra));
}

void Gateway::Impl::complete_chat(std::shared_ptr<ChatFlow> flow, UpstreamOutcome&& out) {
    Exchange& ex = *flow->ex;
    RequestRecord& r = ex.record;
    provider::ChatResult& result = out.result;
    r.queue_ms += out.queue_ms;
    r.upstream_ms += out.upstream_ms;
    const std::string provider_id = flow->providers[flow->attempt]->id;
    // A failure before anything reached the client: the route's next fallback provider.
    if (!result.ok() && result.error != provider::ProviderErrorKind::Cancelled &&
        !out.chunks_forwarded && flow->attempt + 1 < flow->providers.size()) {
        flow->failures.push_back(provider_id + ": " + result.error_message);
        ++flow->attempt;
        return submit_chat(flow, flow->request_for(*flow->providers[flow->attempt]));
    }
    if (!flow->failures.empty()) {
        std::string notes;
        for (const auto& f : flow->failures)
            notes += (notes.empty() ? "" : "; ") + f;
        r.error_message = "fallback after " + notes;
    }
    r.ttft_ms = result.ttft_ms;
    r.prompt_tokens = result.prompt_tokens;
    r.completion_tokens = result.completion_tokens;
    r.cost_usd = result.cost_usd;
    r.cached = result.cached;
    r.model = result.model;
    if (!r.key_name.empty())
        keys.settle(r.key_name, flow->estimate,
                    static_cast<double>(result.prompt_tokens + result.completion_tokens),
                    result.cost_usd);
    const std::string model = result.model.empty() ? flow->client_model : result.model;
    const std::string& id = r.id;
    const std::int64_t created = flow->created;
    if (!result.ok()) {
        ApiError e = upstream_error(result, provider_id);
        if (!flow->failures.empty()) e.message += " (after fallbacks: " + r.error_message + ")";
        if (!flow->started) {
            http::HeaderFields extra;
            if (e.status == 429) extra.emplace_back("Retry-After", "1");
            return respond_error(ex, e, std::move(extra));
        }
        // Mid-stream: the status is sent; say what happened in the stream, then end it.
        ex.writer->write(sse_event(stream_error_data(e)));
        ex.writer->end_stream();
        r.status = 200;
        r.error_kind = e.kind;
        r.error_message = e.message;
        return finish(ex, std::nullopt);
    }
    if (flow->guard && !flow->guard->output.empty()) {
        // Streamed chunks already sent cannot be taken back: their policy is flag-only.
        std::vector<std::string*> texts{&result.text};
        if (auto blocked = apply_guardrails(ex, *flow->guard, GuardDirection::output, texts)) {
            if (!out.chunks_forwarded) return respond_error(ex, *blocked);
            r.error_kind = blocked->kind;
            r.error_message = blocked->message;
        }
    }
    if (!flow->stream) return respond(ex, 200, completion_body(id, created, model, result));
    if (!out.chunks_forwarded) {
        // A provider that does not stream here: the answer as one content chunk.
        begin_chat_stream(*flow);
        ex.writer->write(sse_event(chunk_data(id, created, model, "assistant", "", "")));
        ex.writer->write(sse_event(chunk_data(id, created, model, "", result.text, "")));
        ex.writer->write(
            sse_event(chunk_data(id, created, model, "", "",
                                 result.finish_reason.empty() ? "stop" : result.finish_reason)));
        if (flow->include_usage)
            ex.writer->write(sse_event(usage_chunk_data(id, created, model, result.prompt_tokens,
                                                        result.completion_tokens)));
    }
    ex.writer->write("data: [DONE]\n\n");
    r.status = 200;
    // Logged once the end reached the client, or the client was found gone.
    ex.writer->end_stream([this, flow, text = std::move(result.text)](bool delivered) mutable {
        if (!delivered) {
            flow->ex->record.status = 499;
            flow->ex->record.error_kind = "client_disconnected";
            flow->ex->record.error_message = "the client closed the connection during the stream";
        }
        finish(*flow->ex, std::move(text));
    });
}

} // namespace llmops::serve
