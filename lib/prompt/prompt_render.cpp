#include "prompt/prompt_render.hpp"

#include <charconv>
#include <utility>

#include "core/error.hpp"
#include "json/canonical_json.hpp"

namespace llmops::prompt {

using nlohmann::json;

namespace {

ErrorLocation row_location(long row) {
    ErrorLocation where;
    where.row = row;
    return where;
}

// Restores the renderer's context whatever happens during a render.
template <typename F> class ScopeExit {
  public:
    explicit ScopeExit(F fn) : fn_(std::move(fn)) {}
    ~ScopeExit() { fn_(); }
    ScopeExit(const ScopeExit&) = delete;
    ScopeExit& operator=(const ScopeExit&) = delete;

  private:
    F fn_;
};

// OpenAI's response_format name: ^[a-zA-Z0-9_-]{1,64}$.
std::string schema_name(std::string_view prompt_name) {
    std::string out;
    for (char c : prompt_name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        out += ok ? c : '_';
        if (out.size() == 64) break;
    }
    return out;
}

} // namespace

PromptRenderer::PromptRenderer(CompiledPromptPtr prompt) : prompt_(std::move(prompt)) {
    context_ = json::object();
    for (const auto& [name, var] : prompt_->variables) {
        // An optional variable without a default is present as null: it renders as nothing
        // and its sections are falsey, while undeclared names stay strict.
        context_[name] = (var.default_value && !var.required) ? *var.default_value : json(nullptr);
    }
    if (!prompt_->examples.is_null()) context_["examples"] = prompt_->examples;
    options_.escape = mustache::Escape::None;
    options_.strict_variables = true;
    options_.strict_partials = true;
}

void PromptRenderer::check(const json& variables, long row) const {
    if (!variables.is_object())
        throw Error(ErrorKind::BadInput,
                    "variables for prompt " + prompt_->display + " must be a JSON object, got " +
                        json_type_name(variables),
                    row_location(row));
    for (const auto& [name, var] : prompt_->variables) {
        if (!var.required) continue;
        auto it = variables.find(name);
        if (it == variables.end() || it->is_null())
            throw Error(ErrorKind::BadInput,
                        "missing required variable '" + name + "' for prompt " + prompt_->display,
                        row_location(row));
    }
    for (auto it = variables.begin(); it != variables.end(); ++it) {
        auto decl = prompt_->variables.find(it.key());
        if (decl == prompt_->variables.end() || it->is_null()) continue;
        if (!value_has_type(*it, decl->second.type))
            throw Error(ErrorKind::BadInput,
                        "variable '" + it.key() + "' for prompt " + prompt_->display + " must be " +
                            decl->second.type + ", got " + json_type_name(*it),
                        row_location(row));
    }
}

void PromptRenderer::render(json variables, RenderedPrompt& out, long row) {
    check(variables, row);
    // Members, so steady-state rendering reuses their capacity.
    auto& added = added_;
    auto& replaced = replaced_;
    added.clear();
    replaced.clear();
    for (auto it = variables.begin(); it != variables.end(); ++it) {
        auto slot = context_.find(it.key());
        if (slot == context_.end()) {
            context_.emplace(it.key(), std::move(*it));
            added.push_back(it.key());
        } else {
            replaced.emplace_back(it.key(), std::move(*slot));
            *slot = std::move(*it);
        }
    }
    ScopeExit restore([&] {
        for (const auto& key : added)
            context_.erase(key);
        for (auto& [key, value] : replaced)
            context_[key] = std::move(value);
    });
    render_templates(out, row);
}

RenderedPrompt PromptRenderer::render(json variables, long row) {
    RenderedPrompt out;
    render(std::move(variables), out, row);
    return out;
}

void PromptRenderer::render_templates(RenderedPrompt& out, long row) {
    const CompiledPrompt& p = *prompt_;
    out.completion = p.completion;
    try {
        if (p.completion) {
            out.messages.clear();
            out.text.clear();
            render_to(out.text, p.templates[0], context_, *p.partials[0], options_);
            return;
        }
        out.text.clear();
        out.messages.resize(p.messages.size());
        for (std::size_t i = 0; i < p.messages.size(); ++i) {
            RenderedMessage& m = out.messages[i];
            m.role = p.messages[i].role;
            m.name = p.messages[i].name;
            m.content.clear();
            render_to(m.content, p.templates[i], context_, *p.partials[i], options_);
        }
    } catch (const Error& e) {
        ErrorLocation where = e.where();
        where.row = row;
        throw Error(e.kind(), e.message() + " for prompt " + p.display, std::move(where), e.hint());
    }
}

json variable_from_text(const CompiledPrompt& prompt, const std::string& name,
                        const std::string& text) {
    auto decl = prompt.variables.find(name);
    std::string type = decl == prompt.variables.end() ? "string" : decl->second.type;
    auto bad = [&](const std::string& why) -> Error {
        return Error(ErrorKind::BadInput, "variable '" + name + "' for prompt " + prompt.display +
                                              " must be " + type + ", got '" + text + "'" + why);
    };
    if (type == "string" || type == "any") return text;
    if (type == "boolean") {
        if (text == "true") return true;
        if (text == "false") return false;
        throw bad(" (use true or false)");
    }
    if (type == "integer") {
        std::int64_t v = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size() || text.empty()) throw bad("");
        return v;
    }
    json parsed = json::parse(text, nullptr, false);
    if (parsed.is_discarded() || !value_has_type(parsed, type)) throw bad("");
    return parsed;
}

json rendered_to_json(const CompiledPrompt& prompt, const RenderedPrompt& rendered) {
    json out = {{"prompt", prompt.display}};
    if (rendered.completion) {
        out["text"] = rendered.text;
        return out;
    }
    json messages = json::array();
    for (const auto& m : rendered.messages) {
        json message = {{"role", m.role}, {"content", m.content}};
        if (!m.name.empty()) message["name"] = m.name;
        messages.push_back(std::move(message));
    }
    out["messages"] = std::move(messages);
    return out;
}

void append_rendered_json_line(const CompiledPrompt& prompt, const RenderedPrompt& rendered,
                               long row, std::string& out) {
    out += "{\"row\":";
    append_canonical_int(row, out);
    out += ",\"prompt\":";
    append_json_string(prompt.display, out);
    if (rendered.completion) {
        out += ",\"text\":";
        append_json_string(rendered.text, out);
    } else {
        out += ",\"messages\":[";
        bool first = true;
        for (const auto& m : rendered.messages) {
            if (!first) out += ',';
            first = false;
            out += "{\"role\":";
            append_json_string(m.role, out);
            out += ",\"content\":";
            append_json_string(m.content, out);
            if (!m.name.empty()) {
                out += ",\"name\":";
                append_json_string(m.name, out);
            }
            out += '}';
        }
        out += ']';
    }
    out += "}\n";
}

json openai_request_body(const CompiledPrompt& prompt, const RenderedPrompt& rendered) {
    json body = json::object();
    const json& model = prompt.model;
    if (auto it = model.find("name"); it != model.end()) body["model"] = *it;
    if (rendered.completion) {
        body["prompt"] = rendered.text;
    } else {
        json messages = json::array();
        for (const auto& m : rendered.messages) {
            json message = {{"role", m.role}, {"content", m.content}};
            if (!m.name.empty()) message["name"] = m.name;
            messages.push_back(std::move(message));
        }
        body["messages"] = std::move(messages);
    }
    for (const auto& [key, value] : model.items()) {
        if (key == "name" || key == "extra") continue;
        body[key] = value;
    }
    if (prompt.output_schema && !rendered.completion)
        body["response_format"] = response_format_for(prompt);
    if (auto it = model.find("extra"); it != model.end())
        for (const auto& [key, value] : it->items())
            body[key] = value;
    return body;
}

json response_format_for(const CompiledPrompt& prompt) {
    if (!prompt.output_schema) return nullptr;
    return {{"type", "json_schema"},
            {"json_schema",
             {{"name", schema_name(prompt.spec.name)}, {"schema", *prompt.output_schema}}}};
}

std::string_view openai_endpoint(const CompiledPrompt& prompt) {
    return prompt.completion ? "/v1/completions" : "/v1/chat/completions";
}

} // namespace llmops::prompt
