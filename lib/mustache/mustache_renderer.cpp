// Mustache renderer: walks the compiled tree against a JSON context, appending to one string.
//
// The context stack and the stack of block overrides live on the C++ call stack as linked
// frames, so a render allocates nothing beyond the output (and, rarely, a long indentation).
#include "mustache/mustache.hpp"
#include "mustache/mustache_ast.hpp"

#include "core/error.hpp"

#include <charconv>
#include <cstring>

namespace llmops::mustache {

namespace {

using detail::Name;
using detail::Node;
using detail::NodeKind;
using detail::TemplateData;
using json = nlohmann::json;

// One level of the context stack.
struct ContextFrame {
    const json* value;
    const ContextFrame* up;
};

// The block arguments of one parent tag being rendered; `outer` is the parent tag that
// included the template holding this one. Outer arguments win (spec: top-level substitutions
// take precedence).
struct OverrideScope {
    const Node* parent;
    const OverrideScope* outer;
};

bool truthy(const json& v) {
    switch (v.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
        return false;
    case json::value_t::boolean:
        return v.get<bool>();
    case json::value_t::array:
        return !v.empty();
    case json::value_t::string:
        return !v.get_ref<const std::string&>().empty();
    default:
        return true;
    }
}

class Renderer {
  public:
    Renderer(std::string& out, const PartialCache* partials, const RenderOptions& options,
             const TemplateData& tmpl)
        : out_(out), partials_(partials), options_(options), template_(&tmpl) {}

    void run(const json& context) {
        ContextFrame root{&context, nullptr};
        render(template_->root, &root, nullptr);
        check_output(nullptr);
    }

  private:
    std::string& out_;
    const PartialCache* partials_;
    const RenderOptions& options_;
    const TemplateData* template_; // the template being rendered, for error locations
    std::string indent_;           // added before each template line while non-empty
    bool at_line_start_ = true;
    int depth_ = 0;
    int partial_depth_ = 0;
    std::uint64_t steps_ = 0;
    const std::size_t start_size_ = out_.size(); // `out` may hold earlier renders

    static constexpr std::uint64_t kCancelPollSteps = 4096;

    ErrorLocation location(const Node* node) const {
        ErrorLocation where;
        where.file = template_->name;
        if (node != nullptr) {
            where.line = node->line;
            where.column = node->column;
        }
        return where;
    }

    [[noreturn]] void fail(const std::string& message, const Node& node) const {
        throw Error(ErrorKind::BadInput, message, location(&node));
    }

    // The location names the template (or partial) and the tag being rendered.
    [[noreturn]] void over_limit(const std::string& message, const Node* node) const {
        throw Error(ErrorKind::Limit, message, location(node), template_limits_hint());
    }

    // Before each node: the step budget, the output budget and the cancel flag.
    void step(const Node& node) {
        ++steps_;
        if (options_.max_steps != 0 && steps_ > options_.max_steps)
            over_limit("over the template step limit: more than " +
                           std::to_string(options_.max_steps) +
                           " steps (tags and text runs) in one render",
                       &node);
        check_output(&node);
        if (options_.cancel != nullptr && steps_ % kCancelPollSteps == 0 &&
            options_.cancel->load(std::memory_order_relaxed))
            throw Error(ErrorKind::Interrupted, "interrupted");
    }

    void check_output(const Node* node) const {
        if (options_.max_output_bytes != 0 && out_.size() - start_size_ > options_.max_output_bytes)
            over_limit("over the template output limit: more than " +
                           std::to_string(options_.max_output_bytes) + " bytes from one render",
                       node);
    }

    void enter(const Node& node) {
        if (++depth_ > options_.max_render_depth)
            fail("template nesting deeper than " + std::to_string(options_.max_render_depth) +
                     " levels while rendering",
                 node);
    }
    void leave() { --depth_; }

    static const json* lookup(const Name& name, const ContextFrame* ctx) {
        if (name.parts.empty()) return ctx->value; // "."
        const std::string& first = name.parts.front();
        const json* found = nullptr;
        for (const ContextFrame* f = ctx; f != nullptr; f = f->up) {
            if (!f->value->is_object()) continue;
            auto it = f->value->find(first);
            if (it != f->value->end()) {
                found = &*it;
                break;
            }
        }
        // Later parts resolve only inside what the first part found (spec: no masking).
        for (std::size_t i = 1; found != nullptr && i < name.parts.size(); ++i) {
            if (!found->is_object()) return nullptr;
            auto it = found->find(name.parts[i]);
            found = it == found->end() ? nullptr : &*it;
        }
        return found;
    }

    void missing(const Node& node, VariableUse use) {
        if (options_.on_missing) {
            MissingVariable m{node.name.text, use, template_->name, node.line, node.column};
            options_.on_missing(m);
        }
        if (options_.strict_variables && use == VariableUse::Interpolation)
            fail("missing variable '" + node.name.text + "'", node);
    }

    void begin_line() {
        if (at_line_start_ && !indent_.empty()) out_ += indent_;
        at_line_start_ = false;
    }

    void emit_text(const std::string& text) {
        if (indent_.empty()) {
            out_ += text;
            at_line_start_ = text.back() == '\n';
            return;
        }
        // Indent each line that has content; blank lines stay blank.
        std::size_t i = 0;
        const std::size_t n = text.size();
        while (i < n) {
            bool blank_line =
                text[i] == '\n' || (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n');
            if (at_line_start_ && !blank_line) out_ += indent_;
            std::size_t nl = text.find('\n', i);
            if (nl == std::string::npos) {
                out_.append(text, i, std::string::npos);
                at_line_start_ = false;
                return;
            }
            out_.append(text, i, nl + 1 - i);
            at_line_start_ = true;
            i = nl + 1;
        }
    }

    void emit_raw(std::string_view s, bool escape) {
        if (s.empty()) return;
        begin_line();
        if (!escape || options_.escape == Escape::None) {
            out_ += s;
            return;
        }
        std::size_t run = 0;
        for (std::size_t i = 0; i < s.size(); ++i) {
            const char* replacement = nullptr;
            switch (s[i]) {
            case '&':
                replacement = "&amp;";
                break;
            case '<':
                replacement = "&lt;";
                break;
            case '>':
                replacement = "&gt;";
                break;
            case '"':
                replacement = "&quot;";
                break;
            default:
                continue;
            }
            out_.append(s.data() + run, i - run);
            out_ += replacement;
            run = i + 1;
        }
        out_.append(s.data() + run, s.size() - run);
    }

    void emit_value(const json& v, bool escape) {
        char buf[64];
        switch (v.type()) {
        case json::value_t::string:
            emit_raw(v.get_ref<const std::string&>(), escape);
            break;
        case json::value_t::boolean:
            emit_raw(v.get<bool>() ? "true" : "false", false);
            break;
        case json::value_t::number_integer: {
            auto r = std::to_chars(buf, buf + sizeof buf, v.get<std::int64_t>());
            emit_raw(std::string_view(buf, r.ptr - buf), false);
            break;
        }
        case json::value_t::number_unsigned: {
            auto r = std::to_chars(buf, buf + sizeof buf, v.get<std::uint64_t>());
            emit_raw(std::string_view(buf, r.ptr - buf), false);
            break;
        }
        case json::value_t::number_float: {
            // Shortest text that reads back as the same double: 1.210 -> "1.21".
            auto r = std::to_chars(buf, buf + sizeof buf, v.get<double>());
            emit_raw(std::string_view(buf, r.ptr - buf), false);
            break;
        }
        case json::value_t::null:
        case json::value_t::discarded:
            break;
        default:
            emit_raw(v.dump(), escape);
            break; // objects and arrays as compact JSON
        }
    }

    void render(const std::vector<Node>& nodes, const ContextFrame* ctx,
                const OverrideScope* scope) {
        for (const Node& node : nodes) {
            step(node);
            switch (node.kind) {
            case NodeKind::Text:
                emit_text(node.text);
                break;
            case NodeKind::Variable: {
                const json* v = lookup(node.name, ctx);
                if (v == nullptr)
                    missing(node, VariableUse::Interpolation);
                else
                    emit_value(*v, node.escape);
                break;
            }
            case NodeKind::Section: {
                const json* v = lookup(node.name, ctx);
                if (v == nullptr) {
                    missing(node, VariableUse::Section);
                    break;
                }
                if (!truthy(*v)) break;
                enter(node);
                if (v->is_array()) {
                    for (const json& item : *v) {
                        ContextFrame frame{&item, ctx};
                        render(node.children, &frame, scope);
                    }
                } else {
                    ContextFrame frame{v, ctx};
                    render(node.children, &frame, scope);
                }
                leave();
                break;
            }
            case NodeKind::Inverted: {
                const json* v = lookup(node.name, ctx);
                if (v == nullptr) missing(node, VariableUse::InvertedSection);
                if (v != nullptr && truthy(*v)) break;
                enter(node);
                render(node.children, ctx, scope);
                leave();
                break;
            }
            case NodeKind::Partial:
                include(node, ctx, scope);
                break;
            case NodeKind::Parent:
                include(node, ctx, scope);
                break;
            case NodeKind::Block:
                block(node, ctx, scope);
                break;
            }
        }
    }

    // Partials and parents: a parent is a partial that also passes its block arguments.
    void include(const Node& node, const ContextFrame* ctx, const OverrideScope* scope) {
        std::string_view name = node.text;
        if (node.dynamic) {
            const json* v = lookup(node.name, ctx);
            if (v == nullptr) {
                missing(node, VariableUse::PartialName);
                return;
            }
            if (!v->is_string()) return;
            name = v->get_ref<const std::string&>();
        }
        const Template* partial = partials_ != nullptr ? partials_->find(name) : nullptr;
        if (partial == nullptr) {
            if (options_.strict_partials) fail("unknown partial '" + std::string(name) + "'", node);
            return;
        }
        if (partial_depth_ >= options_.max_partial_depth)
            fail("partials nested deeper than " + std::to_string(options_.max_partial_depth) +
                     " levels (recursive partial '" + std::string(name) + "'?)",
                 node);
        ++partial_depth_;
        enter(node);
        OverrideScope own{&node, scope};
        const OverrideScope* inner = node.kind == NodeKind::Parent ? &own : scope;
        const std::size_t saved_indent = indent_.size();
        if (node.standalone) indent_ += node.indent;
        const TemplateData* saved_template = template_;
        template_ = &partial->data();
        render(template_->root, ctx, inner);
        template_ = saved_template;
        indent_.resize(saved_indent);
        leave();
        --partial_depth_;
    }

    void block(const Node& node, const ContextFrame* ctx, const OverrideScope* scope) {
        const Node* argument = nullptr;
        const OverrideScope* found = nullptr;
        for (const OverrideScope* s = scope; s != nullptr; s = s->outer) {
            for (const Node& arg : s->parent->children) {
                if (arg.text == node.text) {
                    argument = &arg;
                    found = s;
                    break;
                }
            }
        }
        enter(node);
        const std::size_t saved_indent = indent_.size();
        if (argument != nullptr) {
            // The argument's own indentation was removed at compile time; add this site's.
            // Inside it only arguments from further out apply, so a block cannot recurse.
            indent_ += node.indent;
            render(argument->children, ctx, found->outer);
        } else {
            indent_ += node.default_indent;
            render(node.children, ctx, scope);
        }
        indent_.resize(saved_indent);
        leave();
    }
};

} // namespace

void render_to(std::string& out, const Template& tmpl, const nlohmann::json& context,
               const RenderOptions& options) {
    Renderer(out, nullptr, options, tmpl.data()).run(context);
}

void render_to(std::string& out, const Template& tmpl, const nlohmann::json& context,
               const PartialCache& partials, const RenderOptions& options) {
    Renderer(out, &partials, options, tmpl.data()).run(context);
}

std::string render(const Template& tmpl, const nlohmann::json& context,
                   const RenderOptions& options) {
    std::string out;
    render_to(out, tmpl, context, options);
    return out;
}

std::string render(const Template& tmpl, const nlohmann::json& context,
                   const PartialCache& partials, const RenderOptions& options) {
    std::string out;
    render_to(out, tmpl, context, partials, options);
    return out;
}

} // namespace llmops::mustache
