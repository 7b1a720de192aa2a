// Mustache compiler: source text -> immutable node tree (mustache_ast.hpp).
//
// Three passes over a flat token list: tokenize (applying set-delimiter tags as they come),
// match opening and closing tags, then decide which tags are standalone (their line's
// whitespace and newline belong to the tag, not to the output) and build the tree.
#include "mustache/mustache.hpp"
#include "mustache/mustache_ast.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace llmops::mustache {

namespace {

using detail::Name;
using detail::Node;
using detail::NodeKind;

enum class TagKind : std::uint8_t {
    Variable,
    Unescaped,
    Section,
    Inverted,
    Close,
    Comment,
    Partial,
    Parent,
    Block,
    SetDelimiters,
};

struct Token {
    bool is_tag = false;
    TagKind tag = TagKind::Variable;
    bool dynamic = false; // {{>*name}}, {{<*name}}
    bool removed = false; // Text: whitespace that belongs to a standalone tag
    bool standalone = false;
    std::string_view text;    // Text: the raw text; Tag: the trimmed name
    std::string_view written; // Tag: the trimmed content, '*' included
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    int partner = -1;   // opening <-> closing tag
    int enclosing = -1; // innermost open section/block/parent around the tag
};

bool is_space(char c) {
    return c == ' ' || c == '\t';
}
bool is_any_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_any_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_any_space(s.back()))
        s.remove_suffix(1);
    return s;
}

bool is_blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return is_space(c); });
}

bool ends_line(const Token& t) {
    return !t.is_tag && !t.text.empty() && t.text.back() == '\n';
}

// The text of a line-ending token without its "\n" or "\r\n".
std::string_view without_newline(std::string_view s) {
    if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    return s;
}

std::size_t leading_space(std::string_view s) {
    std::size_t n = 0;
    while (n < s.size() && is_space(s[n]))
        ++n;
    return n;
}

const char* kind_word(TagKind kind) {
    switch (kind) {
    case TagKind::Block:
        return "block";
    case TagKind::Parent:
        return "parent";
    default:
        return "section";
    }
}

std::string position(const Token& t) {
    return std::to_string(t.line) + ":" + std::to_string(t.column);
}

class Compiler {
  public:
    Compiler(std::string_view source, const CompileOptions& options)
        : source_(source), options_(options) {}

    std::vector<Node> run() {
        tokenize();
        match();
        mark_standalone();
        return build();
    }

  private:
    std::string_view source_;
    const CompileOptions& options_;
    std::vector<Token> tokens_;

    [[noreturn]] void fail(const std::string& message, std::uint32_t line, std::uint32_t column) {
        ErrorLocation where;
        where.file = options_.name;
        where.line = line;
        where.column = column;
        throw Error(ErrorKind::BadInput, message, std::move(where));
    }
    [[noreturn]] void fail(const std::string& message, const Token& t) {
        fail(message, t.line, t.column);
    }

    // --- pass 1: tokens ---------------------------------------------------------------------

    void tokenize() {
        std::string open = "{{";
        std::string close = "}}";
        const std::size_t n = source_.size();
        std::size_t pos = 0;
        std::uint32_t line = 1;
        std::size_t line_start = 0;

        auto push_text = [&](std::size_t from, std::size_t to) {
            // One token per line piece, so standalone checks look at whole tokens.
            while (from < to) {
                std::size_t nl = source_.find('\n', from);
                std::size_t end = (nl == std::string_view::npos || nl >= to) ? to : nl + 1;
                Token t;
                t.text = source_.substr(from, end - from);
                t.line = line;
                t.column = static_cast<std::uint32_t>(from - line_start + 1);
                tokens_.push_back(t);
                if (end == nl + 1) {
                    ++line;
                    line_start = end;
                }
                from = end;
            }
        };

        while (pos < n) {
            std::size_t start = source_.find(open, pos);
            push_text(pos, start == std::string_view::npos ? n : start);
            if (start == std::string_view::npos) break;

            Token t;
            t.is_tag = true;
            t.line = line;
            t.column = static_cast<std::uint32_t>(start - line_start + 1);
            std::size_t p = start + open.size();
            char sigil = p < n ? source_[p] : '\0';
            std::string terminator = close;
            switch (sigil) {
            case '{':
                t.tag = TagKind::Unescaped, terminator = "}" + close, ++p;
                break;
            case '&':
                t.tag = TagKind::Unescaped, ++p;
                break;
            case '#':
                t.tag = TagKind::Section, ++p;
                break;
            case '^':
                t.tag = TagKind::Inverted, ++p;
                break;
            case '/':
                t.tag = TagKind::Close, ++p;
                break;
            case '!':
                t.tag = TagKind::Comment, ++p;
                break;
            case '>':
                t.tag = TagKind::Partial, ++p;
                break;
            case '<':
                t.tag = TagKind::Parent, ++p;
                break;
            case '$':
                t.tag = TagKind::Block, ++p;
                break;
            case '=':
                t.tag = TagKind::SetDelimiters, terminator = "=" + close, ++p;
                break;
            default:
                t.tag = TagKind::Variable;
                break;
            }
            std::size_t end = source_.find(terminator, p);
            if (end == std::string_view::npos)
                fail("unclosed tag: no '" + terminator + "' after '" + open + "'", t);
            std::string_view content = source_.substr(p, end - p);
            std::size_t after = end + terminator.size();

            // Tags may span lines (comments); keep line numbers right.
            for (std::size_t i = start; i < after; ++i) {
                if (source_[i] == '\n') {
                    ++line;
                    line_start = i + 1;
                }
            }
            pos = after;

            if (t.tag == TagKind::Comment) {
                t.text = content;
            } else if (t.tag == TagKind::SetDelimiters) {
                set_delimiters(content, t, open, close);
            } else {
                t.text = check_name(content, t);
            }
            tokens_.push_back(t);
        }
    }

    void set_delimiters(std::string_view content, const Token& t, std::string& open,
                        std::string& close) {
        std::string_view body = trim(content);
        std::size_t split = 0;
        while (split < body.size() && !is_any_space(body[split]))
            ++split;
        std::string_view first = body.substr(0, split);
        std::string_view second = trim(body.substr(split));
        auto bad = [](std::string_view d) {
            return d.empty() || d.find('=') != std::string_view::npos ||
                   std::any_of(d.begin(), d.end(), [](char c) { return is_any_space(c); });
        };
        if (bad(first) || bad(second))
            fail("bad set-delimiter tag '" + std::string(content) +
                     "': expected two delimiters without spaces or '=', e.g. {{=<% %>=}}",
                 t);
        open = std::string(first);
        close = std::string(second);
    }

    // Trims and validates a tag's name; sets `dynamic` for {{>*name}}.
    std::string_view check_name(std::string_view content, Token& t) {
        std::string_view name = trim(content);
        t.written = name;
        bool names_partial =
            t.tag == TagKind::Partial || t.tag == TagKind::Parent || t.tag == TagKind::Close;
        if (names_partial && !name.empty() && name.front() == '*') {
            t.dynamic = true;
            name = trim(name.substr(1));
        }
        if (name.empty()) fail("empty tag: a name is required", t);
        if (std::any_of(name.begin(), name.end(), [](char c) { return is_any_space(c); }))
            fail("invalid name '" + std::string(name) + "': names cannot contain spaces", t);
        bool dotted = t.tag == TagKind::Variable || t.tag == TagKind::Unescaped ||
                      t.tag == TagKind::Section || t.tag == TagKind::Inverted || t.dynamic;
        if (dotted && name != "." &&
            (name.front() == '.' || name.back() == '.' ||
             name.find("..") != std::string_view::npos))
            fail("invalid name '" + std::string(name) + "': empty part in a dotted name", t);
        return name;
    }

    // --- pass 2: pairs ----------------------------------------------------------------------

    static bool opens(const Token& t) {
        return t.is_tag && (t.tag == TagKind::Section || t.tag == TagKind::Inverted ||
                            t.tag == TagKind::Parent || t.tag == TagKind::Block);
    }

    void match() {
        std::vector<int> open;
        for (int i = 0; i < static_cast<int>(tokens_.size()); ++i) {
            Token& t = tokens_[i];
            if (!t.is_tag) continue;
            t.enclosing = open.empty() ? -1 : open.back();
            if (opens(t)) {
                if (static_cast<int>(open.size()) >= options_.max_depth)
                    throw Error(ErrorKind::BadInput,
                                "sections nested deeper than " +
                                    std::to_string(options_.max_depth) +
                                    " levels (the template depth limit)",
                                ErrorLocation::in_file(options_.name, t.line, t.column),
                                template_limits_hint());
                open.push_back(i);
            } else if (t.tag == TagKind::Close) {
                if (open.empty())
                    fail("closing tag '" + std::string(t.written) + "' has no open section", t);
                Token& o = tokens_[open.back()];
                // {{/*x}} closes {{<*x}}; for other tags a '*' is part of the name.
                bool same = o.dynamic ? (t.dynamic && o.text == t.text) : o.text == t.written;
                if (!same)
                    fail("mismatched closing tag '" + std::string(t.written) +
                             "': " + kind_word(o.tag) + " '" + std::string(o.text) +
                             "' opened at " + position(o) + " is still open",
                         t);
                o.partner = i;
                t.partner = open.back();
                open.pop_back();
                t.enclosing = open.empty() ? -1 : open.back();
            }
        }
        if (!open.empty()) {
            const Token& o = tokens_[open.back()];
            fail("unclosed " + std::string(kind_word(o.tag)) + " '" + std::string(o.text) +
                     "' opened at " + position(o),
                 o);
        }
    }

    // --- pass 3: standalone lines -----------------------------------------------------------

    int count() const { return static_cast<int>(tokens_.size()); }

    // Only whitespace between the start of the line and token i.
    bool left_clear(int i) const {
        int j = i - 1;
        if (j < 0) return true;
        if (tokens_[j].is_tag) return false;
        if (ends_line(tokens_[j])) return true;
        if (!is_blank(tokens_[j].text)) return false;
        return j == 0 || !tokens_[j - 1].is_tag;
    }

    // Only whitespace between token i and the end of its line (or of the template).
    bool right_clear(int i) const {
        int j = i + 1;
        if (j >= count()) return true;
        if (tokens_[j].is_tag) return false;
        if (ends_line(tokens_[j])) return is_blank(without_newline(tokens_[j].text));
        return is_blank(tokens_[j].text) && j + 1 >= count();
    }

    // The whitespace before token i on its line, if only whitespace is there.
    std::string_view indentation(int i) const {
        if (!left_clear(i) || i == 0 || tokens_[i - 1].is_tag || ends_line(tokens_[i - 1]))
            return {};
        return tokens_[i - 1].text;
    }

    void trim_left(int i) {
        if (i > 0 && !tokens_[i - 1].is_tag && !ends_line(tokens_[i - 1]))
            tokens_[i - 1].removed = true;
    }
    void trim_right(int i) {
        if (i + 1 < count() && !tokens_[i + 1].is_tag) tokens_[i + 1].removed = true;
    }

    bool directly_in_parent(int i) const {
        int e = tokens_[i].enclosing;
        return e >= 0 && tokens_[e].tag == TagKind::Parent;
    }

    void mark_standalone() {
        for (int i = 0; i < count(); ++i) {
            Token& t = tokens_[i];
            if (!t.is_tag) continue;
            switch (t.tag) {
            case TagKind::Variable:
            case TagKind::Unescaped:
                break;
            case TagKind::Parent: {
                // A parent pair is standalone when the opening tag starts its line and the
                // closing tag ends its line; what lies between is ignored anyway.
                if (left_clear(i) && right_clear(t.partner)) {
                    t.standalone = true;
                    trim_left(i);
                    trim_right(t.partner);
                }
                break;
            }
            case TagKind::Block:
                if (directly_in_parent(i)) {
                    // An argument: text before it inside the parent is ignored, so only the
                    // rest of its line matters.
                    if (right_clear(i)) {
                        t.standalone = true;
                        trim_right(i);
                    }
                } else if (left_clear(i) && right_clear(i)) {
                    t.standalone = true;
                    trim_left(i);
                    trim_right(i);
                }
                break;
            case TagKind::Close: {
                const Token& o = tokens_[t.partner];
                if (o.tag == TagKind::Parent) break; // handled with its opening tag
                if (o.tag == TagKind::Block && directly_in_parent(t.partner)) {
                    // End of an argument: what follows is ignored; drop the indentation.
                    if (left_clear(i)) trim_left(i);
                    break;
                }
                if (left_clear(i) && right_clear(i)) {
                    t.standalone = true;
                    trim_left(i);
                    trim_right(i);
                }
                break;
            }
            default:
                if (left_clear(i) && right_clear(i)) {
                    t.standalone = true;
                    trim_left(i);
                    trim_right(i);
                }
                break;
            }
        }
    }

    // The intrinsic indentation of a standalone block: the smallest indentation of the
    // non-blank lines of its content, else the indentation of its closing tag's line. It is
    // removed from every content line here and added where the content is rendered.
    std::string_view block_indentation(int open) const {
        const int close = tokens_[open].partner;
        std::size_t best = std::numeric_limits<std::size_t>::max();
        std::string_view best_text;
        bool found = false;
        int j = open + 2; // skip the removed end of the opening tag's line
        while (j < close) {
            // One line: tokens from j up to a line end or the closing tag.
            int k = j;
            bool blank = true;
            while (k < close && !ends_line(tokens_[k])) {
                if (tokens_[k].is_tag || !is_blank(tokens_[k].text)) blank = false;
                ++k;
            }
            std::string_view first = tokens_[j].is_tag ? std::string_view() : tokens_[j].text;
            if (k < close) {
                if (!is_blank(without_newline(tokens_[k].text))) blank = false;
            } else if (left_clear(close)) {
                // The closing tag's own line: only a fallback.
                if (!found) return first.substr(0, leading_space(first));
                break;
            } else {
                blank = false;
            }
            if (!blank && leading_space(first) < best) {
                found = true;
                best = leading_space(first);
                best_text = first.substr(0, best);
            }
            j = k + 1;
        }
        return best_text;
    }

    // --- tree -------------------------------------------------------------------------------

    struct Frame {
        Node node;
        std::size_t strip = 0; // indentation removed from each content line
    };

    static Name make_name(std::string_view text) {
        Name name;
        name.text = std::string(text);
        if (text == ".") return name;
        std::size_t from = 0;
        while (true) {
            std::size_t dot = text.find('.', from);
            name.parts.emplace_back(text.substr(from, dot - from));
            if (dot == std::string_view::npos) break;
            from = dot + 1;
        }
        return name;
    }

    static std::string relative(std::string_view indent, std::size_t strip) {
        return std::string(indent.substr(std::min(strip, indent.size())));
    }

    Node tag_node(NodeKind kind, const Token& t) const {
        Node node;
        node.kind = kind;
        node.line = t.line;
        node.column = t.column;
        return node;
    }

    std::vector<Node> build() {
        std::vector<Frame> stack(1);
        for (int i = 0; i < count(); ++i) {
            const Token& t = tokens_[i];
            Frame& frame = stack.back();
            std::vector<Node>& out = frame.node.children;
            if (!t.is_tag) {
                if (t.removed || frame.node.kind == NodeKind::Parent) continue;
                std::string_view text = t.text;
                bool line_start = i == 0 || ends_line(tokens_[i - 1]);
                if (line_start && frame.strip > 0)
                    text.remove_prefix(std::min(frame.strip, leading_space(text)));
                if (text.empty()) continue;
                if (!out.empty() && out.back().kind == NodeKind::Text) {
                    out.back().text.append(text);
                } else {
                    Node node = tag_node(NodeKind::Text, t);
                    node.text = std::string(text);
                    out.push_back(std::move(node));
                }
                continue;
            }
            // Inside a parent only block arguments count; other leaf tags are ignored.
            if (frame.node.kind == NodeKind::Parent && !opens(t) && t.tag != TagKind::Close)
                continue;
            switch (t.tag) {
            case TagKind::Comment:
            case TagKind::SetDelimiters:
                break;
            case TagKind::Variable:
            case TagKind::Unescaped: {
                Node node = tag_node(NodeKind::Variable, t);
                node.escape = t.tag == TagKind::Variable;
                node.name = make_name(t.text);
                out.push_back(std::move(node));
                break;
            }
            case TagKind::Partial: {
                Node node = tag_node(NodeKind::Partial, t);
                fill_include(node, t, i, frame.strip);
                out.push_back(std::move(node));
                break;
            }
            case TagKind::Section:
            case TagKind::Inverted:
            case TagKind::Parent:
            case TagKind::Block: {
                Frame next;
                next.strip = frame.strip;
                if (t.tag == TagKind::Section || t.tag == TagKind::Inverted) {
                    next.node = tag_node(
                        t.tag == TagKind::Section ? NodeKind::Section : NodeKind::Inverted, t);
                    next.node.name = make_name(t.text);
                } else if (t.tag == TagKind::Parent) {
                    next.node = tag_node(NodeKind::Parent, t);
                    fill_include(next.node, t, i, frame.strip);
                } else {
                    next.node = tag_node(NodeKind::Block, t);
                    next.node.text = std::string(t.text);
                    next.node.standalone = t.standalone;
                    if (t.standalone) {
                        std::string_view own = block_indentation(i);
                        next.strip = std::max(frame.strip, own.size());
                        next.node.indent = relative(own, frame.strip);
                        next.node.default_indent = next.node.indent;
                    } else if (left_clear(i) && right_clear(t.partner)) {
                        next.node.indent = relative(indentation(i), frame.strip);
                    }
                }
                stack.push_back(std::move(next));
                break;
            }
            case TagKind::Close: {
                Node done = std::move(stack.back().node);
                stack.pop_back();
                Node& owner = stack.back().node;
                // Inside a parent only block arguments count.
                if (owner.kind != NodeKind::Parent || done.kind == NodeKind::Block)
                    owner.children.push_back(std::move(done));
                break;
            }
            }
        }
        return std::move(stack.front().node.children);
    }

    void fill_include(Node& node, const Token& t, int i, std::size_t strip) const {
        node.dynamic = t.dynamic;
        if (t.dynamic)
            node.name = make_name(t.text);
        else
            node.text = std::string(t.text);
        node.standalone = t.standalone;
        if (t.standalone) node.indent = relative(indentation(i), strip);
    }
};

} // namespace

Template compile(std::string_view source, const CompileOptions& options) {
    auto data = std::make_shared<detail::TemplateData>();
    data->name = options.name;
    data->root = Compiler(source, options).run();
    return Template(std::move(data));
}

} // namespace llmops::mustache
