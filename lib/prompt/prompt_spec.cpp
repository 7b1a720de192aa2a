#include "prompt/prompt_spec.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "core/file_io.hpp"
#include "prompt/prompt_schema.hpp"
#include "json/json_schema.hpp"

namespace llmops::prompt {

using nlohmann::json;

namespace {

// Turns positions inside a spec into error locations: a file's line:column when the spec came
// from YAML, else the prompt's name and a JSON pointer.
class SpecLocator {
  public:
    virtual ~SpecLocator() = default;
    virtual ErrorLocation at(const std::string& pointer) const = 0;
    // `line` and `column` are 1-based within the template string at `pointer`.
    virtual ErrorLocation in_template(const std::string& pointer, long line, long column) const = 0;
    virtual std::string template_name(const std::string& pointer) const = 0;
};

class StoredLocator final : public SpecLocator {
  public:
    explicit StoredLocator(std::string display) : display_(std::move(display)) {}
    ErrorLocation at(const std::string& pointer) const override {
        return ErrorLocation{.file = display_, .field = pointer};
    }
    ErrorLocation in_template(const std::string& pointer, long line, long column) const override {
        return ErrorLocation{.file = template_name(pointer), .line = line, .column = column};
    }
    std::string template_name(const std::string& pointer) const override {
        return display_ + " " + pointer;
    }

  private:
    std::string display_;
};

std::string_view nth_line(std::string_view text, long line) {
    std::size_t start = 0;
    for (long l = 1; l < line; ++l) {
        std::size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos) return {};
        start = nl + 1;
    }
    std::size_t end = text.find('\n', start);
    return text.substr(start, end == std::string_view::npos ? text.size() - start : end - start);
}

class YamlLocator final : public SpecLocator {
  public:
    YamlLocator(const YamlDocument& doc, std::string_view text) : doc_(doc), text_(text) {}
    ErrorLocation at(const std::string& pointer) const override {
        return doc_.location_of(pointer);
    }

    // Maps a template position to the file: literal block scalars (the usual way to write a
    // message) map line for line; quoted and plain scalars shift the first line's column.
    ErrorLocation in_template(const std::string& pointer, long line, long column) const override {
        ErrorLocation loc = doc_.location_of(pointer);
        if (line <= 0 || loc.line <= 0) return loc;
        std::string_view header = nth_line(text_, loc.line);
        std::size_t idx = loc.column > 0 ? static_cast<std::size_t>(loc.column - 1) : 0;
        char first = idx < header.size() ? header[idx] : '\0';
        if (first == '|' || first == '>') {
            long indent = 0;
            for (long l = loc.line + 1;; ++l) {
                std::string_view body = nth_line(text_, l);
                if (body.data() == nullptr) break;
                std::size_t non_space = body.find_first_not_of(' ');
                if (non_space != std::string_view::npos) {
                    indent = static_cast<long>(non_space);
                    break;
                }
            }
            loc.line += line;
            loc.column = indent + column;
        } else if (line == 1) {
            loc.column += column - ((first == '"' || first == '\'') ? 0 : 1);
        } else {
            loc.line += line - 1;
            loc.column = column;
        }
        return loc;
    }
    std::string template_name(const std::string& pointer) const override {
        return doc_.source_name + " " + pointer;
    }

  private:
    const YamlDocument& doc_;
    std::string_view text_;
};

[[noreturn]] void fail(std::string message, ErrorLocation where) {
    throw Error(ErrorKind::BadInput, std::move(message), std::move(where));
}

std::string first_segment(const std::string& name) {
    return name.substr(0, name.find('.'));
}

std::string position_pointer(const CompiledPrompt& p, std::size_t i) {
    return p.completion ? std::string("/template") : "/messages/" + std::to_string(i) + "/content";
}

std::string parent_name_of(std::string_view ref) {
    return std::string(ref.substr(0, ref.find('@')));
}

void check_semantics(const PromptSpec& spec, bool has_parent, const SpecLocator& loc) {
    if (!spec.messages.empty() && spec.template_text)
        fail("a prompt has either 'messages' or 'template', not both", loc.at("/template"));
    if (spec.messages.empty() && !spec.template_text && !has_parent)
        fail("a prompt needs 'messages' or 'template' (or 'extends' to inherit them)", loc.at(""));
    for (const auto& [name, var] : spec.variables) {
        if (var.default_value && !value_has_type(*var.default_value, var.type))
            fail("default of variable '" + name + "' must be " + var.type + ", got " +
                     json_type_name(*var.default_value),
                 loc.at("/variables/" + json_pointer_token(name) + "/default"));
    }
    if (spec.output_schema) {
        try {
            (void)JsonSchema::compile(*spec.output_schema);
        } catch (const Error& e) {
            fail("invalid output JSON schema: " + e.message(), loc.at("/output/json_schema"));
        }
    }
}

// Compiles this level's own templates, with the parent chain available as partials.
void compile_own_templates(CompiledPrompt& p, const SpecLocator& loc) {
    std::size_t count = p.sources.size();
    for (std::size_t i = 0; i < count; ++i) {
        std::map<std::string, std::string> ancestors;
        const CompiledPrompt* parent = p.parent.get();
        if (parent && parent->completion == p.completion && i < parent->sources.size()) {
            ancestors = parent->ancestor_sources[i];
            ancestors[parent->spec.name] = parent->sources[i];
        }
        std::string pointer = position_pointer(p, i);
        mustache::CompileOptions options{.name = loc.template_name(pointer)};
        mustache::Template tmpl;
        try {
            tmpl = mustache::compile(p.sources[i], options);
        } catch (const Error& e) {
            fail(e.message(), loc.in_template(pointer, e.where().line, e.where().column));
        }
        for (const auto& name : mustache::referenced_partials(tmpl)) {
            if (ancestors.count(name)) continue;
            if (parent && name == parent->spec.name)
                fail("'" + name + "' has no " +
                         (p.completion ? std::string("template")
                                       : "message " + std::to_string(i + 1)) +
                         " to extend here",
                     loc.at(pointer));
            std::string known;
            for (const CompiledPrompt* a = parent; a; a = a->parent.get())
                known += (known.empty() ? "" : ", ") + a->spec.name;
            fail("unknown partial '" + name +
                     "': a prompt can include only the prompts it extends (" +
                     (known.empty() ? std::string("none") : known) + ")",
                 loc.at(pointer));
        }
        p.templates.push_back(tmpl);
        p.ancestor_sources.push_back(ancestors);
        p.partials.push_back(std::make_shared<const mustache::PartialCache>(
            std::move(ancestors), mustache::CompileOptions{.name = loc.template_name(pointer)}));
    }
}

void collect_used_names(CompiledPrompt& p, bool own_templates) {
    if (p.parent) {
        // Over-approximates (an overridden block still counts): fine for warnings.
        p.used_top_level = p.parent->used_top_level;
        p.used_anywhere = p.parent->used_anywhere;
    }
    if (!own_templates) return;
    for (const auto& tmpl : p.templates) {
        for (const auto& ref : mustache::list_variables(tmpl)) {
            if (ref.name == "." || ref.use == mustache::VariableUse::PartialName) continue;
            std::string first = first_segment(ref.name);
            p.used_anywhere.insert(first);
            if (ref.section_depth == 0) p.used_top_level.insert(first);
        }
    }
}

CompiledPromptPtr build(PromptSpec spec, CompiledPromptPtr parent, std::string display,
                        PromptOrigin origin, const SpecLocator& loc) {
    check_semantics(spec, parent != nullptr, loc);
    auto p = std::make_shared<CompiledPrompt>();
    p->display = std::move(display);
    p->origin = std::move(origin);
    p->parent = parent;

    // Inherited values first; this level's win.
    if (parent) {
        p->description = parent->description;
        p->variables = parent->variables;
        p->examples = parent->examples;
        p->model = parent->model;
        p->output_schema = parent->output_schema;
    }
    if (!spec.description.empty()) p->description = spec.description;
    for (const auto& [name, var] : spec.variables)
        p->variables[name] = var;
    if (spec.examples) p->examples = *spec.examples;
    for (const auto& [key, value] : spec.model.items())
        p->model[key] = value;
    if (spec.output_schema) p->output_schema = spec.output_schema;

    bool own_templates = !spec.messages.empty() || spec.template_text.has_value();
    if (!spec.messages.empty()) {
        p->messages = spec.messages;
        for (const auto& m : spec.messages)
            p->sources.push_back(m.content);
    } else if (spec.template_text) {
        p->completion = true;
        p->sources.push_back(*spec.template_text);
    }
    p->spec = std::move(spec);
    if (own_templates) {
        compile_own_templates(*p, loc);
    } else {
        p->completion = parent->completion;
        p->messages = parent->messages;
        p->sources = parent->sources;
        p->templates = parent->templates;
        p->ancestor_sources = parent->ancestor_sources;
        p->partials = parent->partials;
    }
    collect_used_names(*p, own_templates);
    return p;
}

// The first use of `name` at the top level of this level's own templates, if any.
std::optional<ErrorLocation> first_use(const CompiledPrompt& p, const std::string& name,
                                       const SpecLocator& loc) {
    if (p.spec.messages.empty() && !p.spec.template_text) return std::nullopt;
    for (std::size_t i = 0; i < p.templates.size(); ++i) {
        for (const auto& ref : mustache::list_variables(p.templates[i])) {
            if (ref.section_depth == 0 && ref.use != mustache::VariableUse::PartialName &&
                first_segment(ref.name) == name)
                return loc.in_template(position_pointer(p, i), ref.line, ref.column);
        }
    }
    return std::nullopt;
}

bool is_declared(const CompiledPrompt& p, const std::string& name) {
    return p.variables.count(name) || (name == "examples" && !p.examples.is_null());
}

// Names this spec's own templates use at the top level without declaring them, each at its
// first use.
std::vector<SpecWarning> undeclared_variables(const CompiledPrompt& p, const SpecLocator& loc) {
    std::vector<SpecWarning> out;
    if (p.spec.messages.empty() && !p.spec.template_text) return out;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < p.templates.size(); ++i) {
        for (const auto& ref : mustache::list_variables(p.templates[i])) {
            if (ref.section_depth != 0 || ref.name == "." ||
                ref.use == mustache::VariableUse::PartialName)
                continue;
            std::string name = first_segment(ref.name);
            if (is_declared(p, name) || !seen.insert(name).second) continue;
            out.push_back({"variable '" + name + "' is used but not declared",
                           loc.in_template(position_pointer(p, i), ref.line, ref.column)});
        }
    }
    return out;
}

std::vector<SpecWarning> spec_warnings(const CompiledPrompt& p, const SpecLocator& loc) {
    std::vector<SpecWarning> out;
    // Names this level's templates use are in `undeclared`; a parent's were its own to check.
    for (const auto& name : p.used_top_level) {
        if (is_declared(p, name) || first_use(p, name, loc)) continue;
        out.push_back(
            {"variable '" + name + "' is used but not declared (in a parent prompt)", loc.at("")});
    }
    for (const auto& [name, var] : p.spec.variables) {
        std::string pointer = "/variables/" + json_pointer_token(name);
        if (!p.used_anywhere.count(name))
            out.push_back({"variable '" + name + "' is declared but not used", loc.at(pointer)});
        if (var.required && var.default_value)
            out.push_back({"variable '" + name + "' is required, so its default is never used",
                           loc.at(pointer + "/default")});
    }
    return out;
}

} // namespace

std::string json_type_name(const json& value) {
    switch (value.type()) {
    case json::value_t::null:
        return "null";
    case json::value_t::boolean:
        return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
        return "integer";
    case json::value_t::number_float:
        return "number";
    case json::value_t::string:
        return "string";
    case json::value_t::array:
        return "array";
    case json::value_t::object:
        return "object";
    default:
        return "value";
    }
}

bool value_has_type(const json& value, std::string_view type) {
    if (type == "any") return true;
    if (type == "string") return value.is_string();
    if (type == "boolean") return value.is_boolean();
    if (type == "number") return value.is_number();
    if (type == "integer")
        return value.is_number_integer() ||
               (value.is_number_float() && std::trunc(value.get<double>()) == value.get<double>());
    if (type == "array") return value.is_array();
    if (type == "object") return value.is_object();
    return false;
}

PromptSpec spec_from_json(const json& value) {
    PromptSpec spec;
    spec.document = value;
    spec.name = value.at("name").get<std::string>();
    spec.description = value.value("description", std::string());
    if (auto it = value.find("messages"); it != value.end()) {
        for (const auto& m : *it)
            spec.messages.push_back({m.at("role").get<std::string>(),
                                     m.at("content").get<std::string>(),
                                     m.value("name", std::string())});
    }
    if (auto it = value.find("template"); it != value.end())
        spec.template_text = it->get<std::string>();
    if (auto it = value.find("variables"); it != value.end()) {
        for (const auto& [name, v] : it->items()) {
            VariableSpec var;
            var.type = v.value("type", std::string("any"));
            var.required = v.value("required", false);
            if (auto d = v.find("default"); d != v.end()) var.default_value = *d;
            var.description = v.value("description", std::string());
            spec.variables.emplace(name, std::move(var));
        }
    }
    if (auto it = value.find("examples"); it != value.end()) spec.examples = *it;
    if (auto it = value.find("model"); it != value.end()) spec.model = *it;
    if (auto it = value.find("output"); it != value.end()) {
        if (auto s = it->find("json_schema"); s != it->end()) spec.output_schema = *s;
    }
    if (auto it = value.find("extends"); it != value.end()) spec.extends = it->get<std::string>();
    return spec;
}

LoadedSpec parse_prompt_spec(std::string_view yaml_text, std::string source_name,
                             const ParentLoader& load_parent) {
    LoadedSpec out;
    out.document = parse_yaml(yaml_text, source_name);
    validate_or_throw(prompt_spec_schema(), out.document);
    YamlLocator loc(out.document, yaml_text);
    PromptSpec spec = spec_from_json(out.document.value);

    CompiledPromptPtr parent;
    if (spec.extends) {
        if (parent_name_of(*spec.extends) == spec.name)
            fail("prompt '" + spec.name + "' cannot extend itself", loc.at("/extends"));
        if (!load_parent)
            fail("'extends' needs the prompt registry: add this prompt with 'llmops prompt add'",
                 loc.at("/extends"));
        try {
            parent = load_parent(*spec.extends);
        } catch (const Error& e) {
            throw Error(e.kind(), e.message(), loc.at("/extends"), e.hint());
        }
    }
    out.prompt = build(std::move(spec), std::move(parent), source_name, {}, loc);
    out.undeclared = undeclared_variables(*out.prompt, loc);
    out.warnings = spec_warnings(*out.prompt, loc);
    return out;
}

LoadedSpec load_prompt_spec_file(const std::filesystem::path& path,
                                 const ParentLoader& load_parent) {
    std::string text = read_file(path);
    return parse_prompt_spec(text, path.string(), load_parent);
}

CompiledPromptPtr compile_stored_prompt(const json& document, CompiledPromptPtr parent,
                                        std::string display, PromptOrigin origin) {
    StoredLocator loc(display);
    return build(spec_from_json(document), std::move(parent), display, std::move(origin), loc);
}

} // namespace llmops::prompt
