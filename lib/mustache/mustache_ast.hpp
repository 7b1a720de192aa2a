#pragma once
// The compiled form of a Mustache template, shared by the parser, the renderer and the
// variable lister. Internal to lib/prompt.
#include <cstdint>
#include <string>
#include <vector>

namespace llmops::mustache::detail {

enum class NodeKind : std::uint8_t {
    Text,     // literal text
    Variable, // {{x}}, {{{x}}}, {{&x}}
    Section,  // {{#x}}...{{/x}}
    Inverted, // {{^x}}...{{/x}}
    Partial,  // {{>x}}, {{>*x}}
    Parent,   // {{<x}}...{{/x}}; children are its block arguments only
    Block,    // {{$x}}...{{/x}}; children are its default content (or its argument)
};

// A name as written in a tag, split at dots once at compile time.
struct Name {
    std::string text;               // "a.b.c", or "." for the implicit iterator
    std::vector<std::string> parts; // {"a", "b", "c"}; empty for "."
};

struct Node {
    NodeKind kind = NodeKind::Text;
    bool escape = true;      // Variable: {{x}} (true) or {{{x}}} / {{&x}} (false)
    bool standalone = false; // Partial, Parent, Block: the tag stood alone on its line
    bool dynamic = false;    // Partial, Parent: {{>*x}}, the name is looked up in the context
    std::string text;        // Text: the literal; Partial/Parent/Block: the static name
    Name name;               // Variable, Section, Inverted; Partial/Parent when dynamic
    // Partial/Parent: indentation added to each line when standalone.
    // Block: indentation added to each line of an argument rendered here.
    std::string indent;
    // Block: indentation removed from its own content at compile time, added back when the
    // default content renders.
    std::string default_indent;
    std::vector<Node> children;
    std::uint32_t line = 0;
    std::uint32_t column = 0;
};

struct TemplateData {
    std::string name;
    std::vector<Node> root;
};

} // namespace llmops::mustache::detail
