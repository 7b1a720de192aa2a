#include "serve/chat_intake.hpp"

#include <array>
#include <cmath>

namespace llmops::serve {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxMessages = 4096;

ApiError field_error(std::string param, std::string message) {
    ApiError e;
    e.kind = "bad_field";
    e.param = param;
    e.message = param + ": " + std::move(message);
    return e;
}

bool is_role(std::string_view role) {
    static constexpr std::array<std::string_view, 6> roles = {"system", "user",      "assistant",
                                                              "tool",   "developer", "function"};
    for (auto r : roles)
        if (r == role) return true;
    return false;
}

std::optional<ApiError> number_in(const json& body, json& out, const char* name, double lo,
                                  double hi) {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_number() || !std::isfinite(it->get<double>()))
        return field_error(name, "must be a number");
    double v = it->get<double>();
    if (v < lo || v > hi)
        return field_error(name, "must be between " + json(lo).dump() + " and " + json(hi).dump());
    out[name] = *it;
    return std::nullopt;
}

std::optional<ApiError> positive_integer(const json& body, json& out, const char* name,
                                         const char* as) {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer() || it->get<std::int64_t>() < 1)
        return field_error(name, "must be a positive integer");
    out[as] = *it;
    return std::nullopt;
}

std::optional<ApiError> parse_parameters(const json& body, json& out) {
    if (auto e = number_in(body, out, "temperature", 0, 2)) return e;
    if (auto e = number_in(body, out, "top_p", 0, 1)) return e;
    if (auto e = number_in(body, out, "presence_penalty", -2, 2)) return e;
    if (auto e = number_in(body, out, "frequency_penalty", -2, 2)) return e;
    if (auto e = positive_integer(body, out, "max_tokens", "max_tokens")) return e;
    if (auto e = positive_integer(body, out, "max_completion_tokens", "max_tokens")) return e;
    if (auto it = body.find("seed"); it != body.end() && !it->is_null()) {
        if (!it->is_number_integer()) return field_error("seed", "must be an integer");
        out["seed"] = *it;
    }
    if (auto it = body.find("stop"); it != body.end() && !it->is_null()) {
        bool ok = it->is_string();
        if (it->is_array()) {
            ok = it->size() <= 4;
            for (const auto& s : *it)
                ok = ok && s.is_string();
        }
        if (!ok) return field_error("stop", "must be a string or a list of up to 4 strings");
        out["stop"] = *it;
    }
    if (auto it = body.find("response_format"); it != body.end() && !it->is_null()) {
        if (!it->is_object() || !it->contains("type") || !(*it)["type"].is_string())
            return field_error("response_format", "must be an object with a string 'type'");
        out["response_format"] = *it;
    }
    if (auto it = body.find("n"); it != body.end() && !it->is_null()) {
        if (!it->is_number_integer() || it->get<std::int64_t>() != 1)
            return field_error("n", "only n = 1 is supported");
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> content_text(const json& content) {
    if (content.is_string()) return content.get<std::string>();
    if (content.is_null()) return std::string();
    if (!content.is_array()) return std::nullopt;
    std::string text;
    bool first = true;
    for (const auto& part : content) {
        if (!part.is_object()) return std::nullopt;
        auto type = part.find("type");
        if (type == part.end() || !type->is_string()) return std::nullopt;
        if (*type != "text") continue;
        auto t = part.find("text");
        if (t == part.end() || !t->is_string()) return std::nullopt;
        if (!first) text += '\n';
        text += t->get<std::string>();
        first = false;
    }
    return text;
}

std::variant<ChatIntake, ApiError> parse_chat_body(std::string_view body) {
    json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
        ApiError e;
        e.kind = "bad_json";
        e.message = "the request body is not valid JSON";
        return e;
    }
    if (!doc.is_object()) {
        ApiError e;
        e.kind = "bad_json";
        e.message = "the request body must be a JSON object";
        return e;
    }
    ChatIntake in;
    auto model = doc.find("model");
    if (model == doc.end() || !model->is_string() || model->get_ref<const std::string&>().empty())
        return field_error("model", "a non-empty string is required (a route name)");
    in.model = model->get<std::string>();

    if (auto m = doc.find("messages"); m != doc.end() && !m->is_null()) {
        if (!m->is_array()) return field_error("messages", "must be an array");
        if (m->size() > kMaxMessages)
            return field_error("messages", "at most " + std::to_string(kMaxMessages) + " messages");
        in.messages.reserve(m->size());
        for (std::size_t i = 0; i < m->size(); ++i) {
            const json& item = (*m)[i];
            std::string where = "messages[" + std::to_string(i) + "]";
            if (!item.is_object()) return field_error(where, "must be an object");
            auto role = item.find("role");
            if (role == item.end() || !role->is_string() ||
                !is_role(role->get_ref<const std::string&>()))
                return field_error(where + ".role",
                                   "must be one of system, user, assistant, tool, developer");
            auto content = item.find("content");
            std::optional<std::string> text =
                content == item.end() ? std::optional<std::string>("") : content_text(*content);
            if (!text)
                return field_error(where + ".content",
                                   "must be a string or an array of content parts");
            provider::ChatMessage message;
            message.role = role->get<std::string>();
            if (message.role == "developer") message.role = "system";
            message.content = std::move(*text);
            if (auto name = item.find("name"); name != item.end() && !name->is_null()) {
                if (!name->is_string()) return field_error(where + ".name", "must be a string");
                message.name = name->get<std::string>();
            }
            in.messages.push_back(std::move(message));
        }
    }
    if (auto v = doc.find("variables"); v != doc.end() && !v->is_null()) {
        if (!v->is_object()) return field_error("variables", "must be an object");
        in.variables = std::move(*v);
    }
    if (auto s = doc.find("stream"); s != doc.end() && !s->is_null()) {
        if (!s->is_boolean()) return field_error("stream", "must be a boolean");
        in.stream = s->get<bool>();
    }
    if (auto so = doc.find("stream_options"); so != doc.end() && !so->is_null()) {
        if (!so->is_object()) return field_error("stream_options", "must be an object");
        if (auto iu = so->find("include_usage"); iu != so->end() && !iu->is_null()) {
            if (!iu->is_boolean())
                return field_error("stream_options.include_usage", "must be a boolean");
            in.include_usage = iu->get<bool>();
        }
    }
    if (auto u = doc.find("user"); u != doc.end() && !u->is_null()) {
        if (!u->is_string()) return field_error("user", "must be a string");
        in.user = u->get<std::string>();
    }
    if (auto e = parse_parameters(doc, in.parameters)) return *e;
    if (in.messages.empty() && !in.variables)
        return field_error("messages", "required (or `variables` for a prompt route)");
    return in;
}

} // namespace llmops::serve
