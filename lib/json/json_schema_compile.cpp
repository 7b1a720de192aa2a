// JsonSchema::compile: checks a schema document, turns it into SchemaNodes, precompiles
// patterns and resolves every $ref (JSON pointers, $id-based URIs and $anchor names inside the
// same document) to a node index, so validation does no lookups by name.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "json/json_schema.hpp"
#include "json/json_schema_internal.hpp"
#include "json/json_schema_regex.hpp"

namespace llmops {
namespace json_schema_detail {
namespace {

using nlohmann::json;

[[noreturn]] void bad_schema(const std::string& pointer, const std::string& what) {
    ErrorLocation where;
    where.field = pointer.empty() ? "/" : pointer;
    throw_bad_input("invalid schema at " + where.field + ": " + what, where);
}

// ---- URIs (RFC 3986), just enough to resolve $id and $ref against each other ----

struct Uri {
    std::optional<std::string> scheme, authority, query, fragment;
    std::string path;
};

bool is_scheme(std::string_view s) {
    if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
    });
}

Uri parse_uri(std::string_view s) {
    Uri uri;
    if (auto hash = s.find('#'); hash != std::string_view::npos) {
        uri.fragment = std::string(s.substr(hash + 1));
        s = s.substr(0, hash);
    }
    if (auto question = s.find('?'); question != std::string_view::npos) {
        uri.query = std::string(s.substr(question + 1));
        s = s.substr(0, question);
    }
    if (auto colon = s.find(':'); colon != std::string_view::npos &&
                                  s.substr(0, colon).find('/') == std::string_view::npos &&
                                  is_scheme(s.substr(0, colon))) {
        uri.scheme = std::string(s.substr(0, colon));
        s = s.substr(colon + 1);
    }
    if (s.substr(0, 2) == "//") {
        s = s.substr(2);
        auto slash = s.find('/');
        uri.authority = std::string(s.substr(0, slash));
        s = slash == std::string_view::npos ? std::string_view() : s.substr(slash);
    }
    uri.path = std::string(s);
    return uri;
}

std::string uri_to_string(const Uri& uri) {
    std::string out;
    if (uri.scheme) out += *uri.scheme + ":";
    if (uri.authority) out += "//" + *uri.authority;
    out += uri.path;
    if (uri.query) out += "?" + *uri.query;
    if (uri.fragment) out += "#" + *uri.fragment;
    return out;
}

std::string remove_dot_segments(std::string_view in) {
    std::string out;
    while (!in.empty()) {
        if (in.substr(0, 3) == "../") {
            in.remove_prefix(3);
        } else if (in.substr(0, 2) == "./") {
            in.remove_prefix(2);
        } else if (in.substr(0, 3) == "/./") {
            in.remove_prefix(2);
        } else if (in == "/.") {
            in = "/";
        } else if (in.substr(0, 4) == "/../" || in == "/..") {
            in = in.size() == 3 ? std::string_view("/") : in.substr(3);
            auto last = out.rfind('/');
            out.erase(last == std::string::npos ? 0 : last);
        } else if (in == "." || in == "..") {
            in = {};
        } else {
            auto next = in.find('/', 1);
            out += in.substr(0, next);
            in = next == std::string_view::npos ? std::string_view() : in.substr(next);
        }
    }
    return out;
}

std::string resolve_uri(const std::string& base_text, const std::string& ref_text) {
    Uri base = parse_uri(base_text);
    Uri ref = parse_uri(ref_text);
    Uri target;
    if (ref.scheme) {
        target = ref;
        target.path = remove_dot_segments(ref.path);
    } else {
        if (ref.authority) {
            target.authority = ref.authority;
            target.path = remove_dot_segments(ref.path);
            target.query = ref.query;
        } else {
            if (ref.path.empty()) {
                target.path = base.path;
                target.query = ref.query ? ref.query : base.query;
            } else {
                if (ref.path[0] == '/') {
                    target.path = remove_dot_segments(ref.path);
                } else {
                    std::string merged;
                    if (base.authority && base.path.empty()) {
                        merged = "/" + ref.path;
                    } else {
                        auto slash = base.path.rfind('/');
                        merged = (slash == std::string::npos ? std::string()
                                                             : base.path.substr(0, slash + 1)) +
                                 ref.path;
                    }
                    target.path = remove_dot_segments(merged);
                }
                target.query = ref.query;
            }
            target.authority = base.authority;
        }
        target.scheme = base.scheme;
    }
    target.fragment = ref.fragment;
    return uri_to_string(target);
}

std::pair<std::string, std::string> split_fragment(const std::string& uri) {
    auto hash = uri.find('#');
    if (hash == std::string::npos) return {uri, ""};
    return {uri.substr(0, hash), uri.substr(hash + 1)};
}

std::string percent_decode(std::string_view s) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// Splits an escaped JSON pointer ("/a~1b/0") into tokens; nullopt when malformed.
std::optional<std::vector<std::string>> pointer_tokens(std::string_view pointer) {
    std::vector<std::string> tokens;
    if (pointer.empty()) return tokens;
    if (pointer[0] != '/') return std::nullopt;
    std::string token;
    for (std::size_t i = 1; i <= pointer.size(); ++i) {
        if (i == pointer.size() || pointer[i] == '/') {
            tokens.push_back(std::move(token));
            token.clear();
        } else if (pointer[i] == '~') {
            if (i + 1 >= pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1'))
                return std::nullopt;
            token += pointer[i + 1] == '0' ? '~' : '/';
            ++i;
        } else {
            token += pointer[i];
        }
    }
    return tokens;
}

const json* navigate(const json& root, const std::vector<std::string>& tokens) {
    const json* at = &root;
    for (const auto& token : tokens) {
        if (at->is_object()) {
            auto it = at->find(token);
            if (it == at->end()) return nullptr;
            at = &*it;
        } else if (at->is_array()) {
            if (token.empty() || token.size() > 9 ||
                !std::all_of(token.begin(), token.end(),
                             [](char c) { return c >= '0' && c <= '9'; }) ||
                (token.size() > 1 && token[0] == '0'))
                return nullptr;
            std::size_t index = std::stoul(token);
            if (index >= at->size()) return nullptr;
            at = &(*at)[index];
        } else {
            return nullptr;
        }
    }
    return at;
}

// ---- keyword values ----

std::size_t non_negative_integer(const json& value, const std::string& pointer) {
    if (value.is_number_unsigned()) return value.get<std::uint64_t>();
    if (value.is_number_integer() && value.get<std::int64_t>() >= 0)
        return static_cast<std::size_t>(value.get<std::int64_t>());
    if (value.is_number_float()) {
        double d = value.get<double>();
        if (d >= 0 && std::floor(d) == d && d < 1.8e19) return static_cast<std::size_t>(d);
    }
    bad_schema(pointer, "must be a non-negative integer");
}

long double number_value(const json& value, const std::string& pointer) {
    if (value.is_number_unsigned()) return static_cast<long double>(value.get<std::uint64_t>());
    if (value.is_number_integer()) return static_cast<long double>(value.get<std::int64_t>());
    if (value.is_number_float()) return value.get<double>();
    bad_schema(pointer, "must be a number");
}

std::uint8_t type_bit(const json& name, const std::string& pointer) {
    static const std::map<std::string, std::uint8_t, std::less<>> bits = {
        {"null", type_null},      {"boolean", type_boolean}, {"object", type_object},
        {"array", type_array},    {"number", type_number},   {"string", type_string},
        {"integer", type_integer}};
    if (name.is_string()) {
        auto it = bits.find(name.get_ref<const std::string&>());
        if (it != bits.end()) return it->second;
    }
    bad_schema(pointer, "unknown type " + name.dump() +
                            " (expected null, boolean, object, array, number, string, integer)");
}

std::vector<std::string> string_array(const json& value, const std::string& pointer) {
    if (!value.is_array()) bad_schema(pointer, "must be an array of strings");
    std::vector<std::string> out;
    for (const auto& item : value) {
        if (!item.is_string()) bad_schema(pointer, "must be an array of strings");
        out.push_back(item.get<std::string>());
    }
    return out;
}

bool valid_anchor(const std::string& name) {
    if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_'))
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
}

// The document's base URI when the root has no $id; never fetched, only compared.
constexpr const char* default_base_uri = "llmops:///schema.json";

class SchemaCompiler {
  public:
    explicit SchemaCompiler(const json& root) : root_(root) {}

    CompiledSchema run() {
        compile_node(root_, "", default_base_uri);
        resolve_refs();
        check_in_place_cycles();
        return std::move(out_);
    }

  private:
    int compile_node(const json& schema, const std::string& pointer, std::string base);
    void compile_object_keywords(const json& schema, SchemaNode& node, const std::string& base);
    int child(const json& schema, const std::string& pointer, const std::string& base) {
        return compile_node(schema, pointer, base);
    }
    void resolve_refs();
    int resolve_ref(const std::string& ref, const std::string& base, const std::string& from);
    void check_in_place_cycles();

    const json& root_;
    CompiledSchema out_;
    std::unordered_map<std::string, int> by_pointer_;
    std::map<std::string, std::string> resources_; // absolute URI (no fragment) -> pointer
    std::map<std::string, std::string> anchors_;   // absolute URI "#" anchor -> pointer
};

std::string join(const std::string& pointer, std::string_view token) {
    std::string out = pointer;
    append_pointer_token(out, token);
    return out;
}

int SchemaCompiler::compile_node(const json& schema, const std::string& pointer, std::string base) {
    if (auto it = by_pointer_.find(pointer); it != by_pointer_.end()) return it->second;
    int index = static_cast<int>(out_.nodes.size());
    out_.nodes.emplace_back();
    by_pointer_.emplace(pointer, index);

    SchemaNode node;
    node.pointer = pointer;
    if (schema.is_boolean()) {
        node.boolean = schema.get<bool>();
    } else if (schema.is_object()) {
        if (auto id = schema.find("$id"); id != schema.end()) {
            if (!id->is_string()) bad_schema(join(pointer, "$id"), "must be a string");
            auto [uri, fragment] = split_fragment(resolve_uri(base, id->get<std::string>()));
            if (!fragment.empty())
                bad_schema(join(pointer, "$id"), "must not contain a fragment (use $anchor)");
            base = uri;
            resources_.emplace(base, pointer);
        } else if (pointer.empty()) {
            resources_.emplace(base, pointer);
        }
        for (const char* key : {"$anchor", "$dynamicAnchor"}) {
            if (auto anchor = schema.find(key); anchor != schema.end()) {
                if (!anchor->is_string() || !valid_anchor(anchor->get<std::string>()))
                    bad_schema(join(pointer, key), "must be a plain name");
                anchors_.emplace(base + "#" + anchor->get<std::string>(), pointer);
            }
        }
        node.base_uri = base;
        compile_object_keywords(schema, node, base);
    } else {
        bad_schema(pointer, "a schema must be an object or a boolean");
    }
    out_.nodes[index] = std::move(node);
    return index;
}

void SchemaCompiler::compile_object_keywords(const json& schema, SchemaNode& node,
                                             const std::string& base) {
    const std::string& ptr = node.pointer;
    auto at = [&](std::string_view key) { return join(ptr, key); };
    auto schema_list = [&](const json& value, std::string_view key) {
        std::string kp = at(key);
        if (!value.is_array() || value.empty())
            bad_schema(kp, "must be a non-empty array of schemas");
        std::vector<int> out;
        for (std::size_t i = 0; i < value.size(); ++i)
            out.push_back(child(value[i], join(kp, std::to_string(i)), base));
        return out;
    };
    auto schema_map = [&](const json& value, std::string_view key) {
        std::string kp = at(key);
        if (!value.is_object()) bad_schema(kp, "must be an object of schemas");
        std::vector<std::pair<std::string, int>> out;
        for (auto it = value.begin(); it != value.end(); ++it)
            out.emplace_back(it.key(), child(it.value(), join(kp, it.key()), base));
        return out;
    };

    for (auto it = schema.begin(); it != schema.end(); ++it) {
        const std::string& key = it.key();
        const json& value = it.value();
        if (key == "type") {
            if (value.is_array()) {
                if (value.empty()) bad_schema(at(key), "must not be empty");
                for (const auto& name : value)
                    node.types |= type_bit(name, at(key));
            } else {
                node.types = type_bit(value, at(key));
            }
        } else if (key == "const") {
            node.const_value = value;
        } else if (key == "enum") {
            if (!value.is_array()) bad_schema(at(key), "must be an array");
            node.enum_values = value.get<std::vector<json>>();
        } else if (key == "multipleOf") {
            node.multiple_of = number_value(value, at(key));
            if (!(*node.multiple_of > 0)) bad_schema(at(key), "must be greater than 0");
        } else if (key == "maximum") {
            node.maximum = number_value(value, at(key));
        } else if (key == "exclusiveMaximum") {
            node.exclusive_maximum = number_value(value, at(key));
        } else if (key == "minimum") {
            node.minimum = number_value(value, at(key));
        } else if (key == "exclusiveMinimum") {
            node.exclusive_minimum = number_value(value, at(key));
        } else if (key == "maxLength") {
            node.max_length = non_negative_integer(value, at(key));
        } else if (key == "minLength") {
            node.min_length = non_negative_integer(value, at(key));
        } else if (key == "pattern") {
            if (!value.is_string()) bad_schema(at(key), "must be a string");
            node.pattern = Pattern{value.get<std::string>(),
                                   compile_pattern(value.get_ref<const std::string&>(), at(key))};
        } else if (key == "prefixItems") {
            node.prefix_items = schema_list(value, key);
        } else if (key == "items") {
            if (value.is_array())
                bad_schema(at(key), "must be a schema (draft 2020-12 uses prefixItems for tuples)");
            node.items = child(value, at(key), base);
        } else if (key == "contains") {
            node.contains = child(value, at(key), base);
        } else if (key == "minContains") {
            node.min_contains = non_negative_integer(value, at(key));
        } else if (key == "maxContains") {
            node.max_contains = non_negative_integer(value, at(key));
        } else if (key == "maxItems") {
            node.max_items = non_negative_integer(value, at(key));
        } else if (key == "minItems") {
            node.min_items = non_negative_integer(value, at(key));
        } else if (key == "uniqueItems") {
            if (!value.is_boolean()) bad_schema(at(key), "must be a boolean");
            node.unique_items = value.get<bool>();
        } else if (key == "unevaluatedItems") {
            node.unevaluated_items = child(value, at(key), base);
            node.uses_unevaluated = true;
        } else if (key == "maxProperties") {
            node.max_properties = non_negative_integer(value, at(key));
        } else if (key == "minProperties") {
            node.min_properties = non_negative_integer(value, at(key));
        } else if (key == "required") {
            node.required = string_array(value, at(key));
        } else if (key == "properties") {
            node.properties = schema_map(value, key);
            std::sort(node.properties.begin(), node.properties.end());
        } else if (key == "patternProperties") {
            if (!value.is_object()) bad_schema(at(key), "must be an object of schemas");
            std::string kp = at(key);
            for (auto p = value.begin(); p != value.end(); ++p) {
                std::string pp = join(kp, p.key());
                node.pattern_properties.emplace_back(Pattern{p.key(), compile_pattern(p.key(), pp)},
                                                     child(p.value(), pp, base));
            }
        } else if (key == "additionalProperties") {
            node.additional_properties = child(value, at(key), base);
        } else if (key == "dependentRequired") {
            if (!value.is_object()) bad_schema(at(key), "must be an object of string arrays");
            for (auto d = value.begin(); d != value.end(); ++d)
                node.dependent_required.emplace_back(
                    d.key(), string_array(d.value(), join(at(key), d.key())));
        } else if (key == "dependentSchemas") {
            node.dependent_schemas = schema_map(value, key);
        } else if (key == "propertyNames") {
            node.property_names = child(value, at(key), base);
        } else if (key == "unevaluatedProperties") {
            node.unevaluated_properties = child(value, at(key), base);
            node.uses_unevaluated = true;
        } else if (key == "allOf") {
            node.all_of = schema_list(value, key);
        } else if (key == "anyOf") {
            node.any_of = schema_list(value, key);
        } else if (key == "oneOf") {
            node.one_of = schema_list(value, key);
        } else if (key == "not") {
            node.not_schema = child(value, at(key), base);
        } else if (key == "if") {
            node.if_schema = child(value, at(key), base);
        } else if (key == "then") {
            node.then_schema = child(value, at(key), base);
        } else if (key == "else") {
            node.else_schema = child(value, at(key), base);
        } else if (key == "$ref") {
            if (!value.is_string()) bad_schema(at(key), "must be a string");
            node.ref_text = value.get<std::string>();
        } else if (key == "$defs") {
            schema_map(value, key); // compiled so that they are checked and can be referenced
        } else if (key == "$dynamicRef" || key == "$recursiveRef") {
            bad_schema(at(key), key + " is not supported (see docs/json-schema.md)");
        }
        // Anything else ($schema, $comment, title, description, default, examples, format,
        // deprecated, unknown keywords ...) is an annotation and does not affect validation.
    }
}

int SchemaCompiler::resolve_ref(const std::string& ref, const std::string& base,
                                const std::string& from) {
    auto [resource, fragment] = split_fragment(resolve_uri(base, ref));
    auto fail = [&](const std::string& why) -> int {
        bad_schema(from, "cannot resolve $ref \"" + ref + "\": " + why);
    };
    std::string pointer;
    if (fragment.empty() || fragment[0] == '/') {
        auto res = resources_.find(resource);
        if (res == resources_.end())
            fail("it is outside this document (remote references are not supported)");
        auto tokens = pointer_tokens(percent_decode(fragment));
        if (!tokens) fail("malformed JSON pointer");
        pointer = res->second;
        for (const auto& token : *tokens)
            append_pointer_token(pointer, token);
    } else {
        auto anchor = anchors_.find(resource + "#" + percent_decode(fragment));
        if (anchor == anchors_.end()) fail("no $anchor named \"" + fragment + "\"");
        pointer = anchor->second;
    }
    if (auto it = by_pointer_.find(pointer); it != by_pointer_.end()) return it->second;
    // A location that is not a schema keyword's value (e.g. "definitions"): compile it now.
    const json* target = navigate(root_, *pointer_tokens(pointer));
    if (target == nullptr) fail("nothing at " + (pointer.empty() ? "/" : pointer));
    return compile_node(*target, pointer, resource);
}

void SchemaCompiler::resolve_refs() {
    // Resolving may compile new nodes, which may hold refs themselves: loop until done.
    for (std::size_t i = 0; i < out_.nodes.size(); ++i) {
        if (out_.nodes[i].ref_text.empty()) continue;
        std::string ref = out_.nodes[i].ref_text;
        std::string base = out_.nodes[i].base_uri;
        std::string from = join(out_.nodes[i].pointer, "$ref");
        int target = resolve_ref(ref, base, from);
        out_.nodes[i].ref = target;
    }
}

// A cycle through $ref / allOf / anyOf / oneOf / not / if / then / else / dependentSchemas
// applies the same schema to the same value forever; reject it instead of overflowing the stack.
void SchemaCompiler::check_in_place_cycles() {
    const auto& nodes = out_.nodes;
    std::vector<std::uint8_t> state(nodes.size(), 0); // 0 new, 1 on the stack, 2 done
    auto in_place = [&](int index) {
        const SchemaNode& n = nodes[static_cast<std::size_t>(index)];
        std::vector<int> next(n.all_of);
        next.insert(next.end(), n.any_of.begin(), n.any_of.end());
        next.insert(next.end(), n.one_of.begin(), n.one_of.end());
        for (int s : {n.not_schema, n.if_schema, n.then_schema, n.else_schema, n.ref})
            if (s != no_node) next.push_back(s);
        for (const auto& d : n.dependent_schemas)
            next.push_back(d.second);
        return next;
    };
    std::vector<std::pair<int, std::vector<int>>> stack;
    for (std::size_t start = 0; start < nodes.size(); ++start) {
        if (state[start] != 0) continue;
        stack.emplace_back(static_cast<int>(start), in_place(static_cast<int>(start)));
        state[start] = 1;
        while (!stack.empty()) {
            auto& [index, pending] = stack.back();
            if (pending.empty()) {
                state[static_cast<std::size_t>(index)] = 2;
                stack.pop_back();
                continue;
            }
            int next = pending.back();
            pending.pop_back();
            auto& s = state[static_cast<std::size_t>(next)];
            if (s == 1)
                bad_schema(nodes[static_cast<std::size_t>(next)].pointer,
                           "$ref cycle that never reaches a nested value");
            if (s == 0) {
                s = 1;
                stack.emplace_back(next, in_place(next));
            }
        }
    }
}

} // namespace

int SchemaNode::find_property(const std::string& name) const {
    auto it = std::lower_bound(
        properties.begin(), properties.end(), name,
        [](const std::pair<std::string, int>& p, const std::string& n) { return p.first < n; });
    if (it == properties.end() || it->first != name) return no_node;
    return static_cast<int>(it - properties.begin());
}

} // namespace json_schema_detail

JsonSchema::JsonSchema(std::shared_ptr<const json_schema_detail::CompiledSchema> compiled)
    : compiled_(std::move(compiled)) {}

JsonSchema JsonSchema::compile(const nlohmann::json& schema) {
    json_schema_detail::SchemaCompiler compiler(schema);
    return JsonSchema(std::make_shared<const json_schema_detail::CompiledSchema>(compiler.run()));
}

} // namespace llmops
