// JsonSchema::validate / is_valid: walks the compiled nodes over an instance, one keyword
// family per member (type, const and enum; numbers, strings, arrays, objects). The
// applicators are json_schema_applicators.cpp's.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/closest_match.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "json/json_schema.hpp"
#include "json/json_schema_internal.hpp"
#include "json/json_schema_validator.hpp"

namespace llmops {
namespace json_schema_detail {

using nlohmann::json;

std::string type_name(const json& value) {
    switch (value.type()) {
    case json::value_t::null:
        return "null";
    case json::value_t::boolean:
        return "boolean";
    case json::value_t::object:
        return "object";
    case json::value_t::array:
        return "array";
    case json::value_t::string:
        return "string";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
        return "integer";
    case json::value_t::number_float:
        return "number";
    default:
        return "binary";
    }
}

namespace {

bool is_integral(const json& value) {
    if (value.is_number_integer()) return true; // also true for unsigned
    if (!value.is_number_float()) return false;
    double d = value.get<double>();
    return std::isfinite(d) && std::floor(d) == d;
}

std::string type_list(std::uint8_t types) {
    static const std::pair<std::uint8_t, const char*> names[] = {
        {type_null, "null"},      {type_boolean, "boolean"}, {type_object, "object"},
        {type_array, "array"},    {type_number, "number"},   {type_string, "string"},
        {type_integer, "integer"}};
    std::string out;
    for (const auto& [bit, name] : names) {
        if ((types & bit) == 0) continue;
        if (bit == type_integer && (types & type_number) != 0) continue; // number covers it
        if (!out.empty()) out += " or ";
        out += name;
    }
    return out;
}

bool type_matches(std::uint8_t types, const json& value) {
    switch (value.type()) {
    case json::value_t::null:
        return types & type_null;
    case json::value_t::boolean:
        return types & type_boolean;
    case json::value_t::object:
        return types & type_object;
    case json::value_t::array:
        return types & type_array;
    case json::value_t::string:
        return types & type_string;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
        return (types & type_number) || ((types & type_integer) && is_integral(value));
    default:
        return false;
    }
}

// A JSON value for a message, cut short when long.
std::string show(const json& value) {
    std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    return text;
}

std::string show_number(long double value) {
    json number;
    if (std::floor(value) == value && std::fabs(value) < 9.0e18L) {
        number = static_cast<std::int64_t>(value);
    } else {
        number = static_cast<double>(value);
    }
    return number.dump();
}

bool is_multiple_of(const json& value, long double divisor) {
    if (value.is_number_integer() && std::floor(divisor) == divisor && divisor < 9.0e18L) {
        auto d = static_cast<std::uint64_t>(divisor);
        if (value.is_number_unsigned()) return value.get<std::uint64_t>() % d == 0;
        std::int64_t v = value.get<std::int64_t>();
        std::uint64_t magnitude =
            v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
        return magnitude % d == 0;
    }
    // In double on purpose: an overflowing quotient (1e308 / 0.12) is not a multiple.
    double quotient =
        static_cast<double>(number_as_long_double(value)) / static_cast<double>(divisor);
    if (!std::isfinite(quotient)) return false;
    double nearest = std::round(quotient);
    return std::fabs(quotient - nearest) <= 1e-9 * std::max(1.0, std::fabs(quotient));
}

constexpr int max_depth = 1000;

// "property not allowed", with the nearest declared property when the key looks misspelt.
std::string property_not_allowed(const SchemaNode& object, const std::string& key) {
    std::vector<std::string> declared;
    declared.reserve(object.properties.size());
    for (const auto& property : object.properties)
        declared.push_back(property.first);
    std::string suggestion = did_you_mean(key, declared);
    return suggestion.empty() ? "property not allowed" : "property not allowed; " + suggestion;
}

} // namespace

bool Validator::eval_in(int index, const json& value, FalseContext on_false) {
    const SchemaNode& n = node(index);
    if (n.boolean && !*n.boolean) {
        report(n.pointer, on_false.keyword, on_false.message);
        return false;
    }
    return eval(index, value);
}

bool Validator::eval_at(int index, const json& value, std::string_view token,
                        FalseContext on_false) {
    std::size_t length = pointer_.size();
    if (collecting()) append_pointer_token(pointer_, token);
    bool ok = eval_in(index, value, on_false);
    pointer_.resize(length);
    return ok;
}

bool Validator::eval(int index, const json& value) {
    const SchemaNode& n = node(index);
    if (n.boolean) {
        if (!*n.boolean) report(n.pointer, "false", "no value is allowed here");
        return *n.boolean;
    }
    if (++depth_ > max_depth) {
        throw_bad_input("value is nested too deeply to validate (more than " +
                        std::to_string(max_depth) + " levels)");
    }
    struct DepthGuard {
        int& depth;
        ~DepthGuard() { --depth; }
    } guard{depth_};

    bool ok = true;
    if (n.types != 0 && !type_matches(n.types, value)) {
        // The other keywords would mostly restate a type mismatch; one message is clearer.
        report(n, "type", "must be " + type_list(n.types) + ", got " + type_name(value));
        return false;
    }
    if (n.const_value && !json_equal(*n.const_value, value)) {
        ok = false;
        report(n, "const", "must be equal to " + show(*n.const_value));
        if (stop()) return false;
    }
    if (n.enum_values) {
        const auto& values = *n.enum_values;
        if (std::none_of(values.begin(), values.end(),
                         [&](const json& v) { return json_equal(v, value); })) {
            ok = false;
            if (collecting()) {
                std::string list;
                for (std::size_t i = 0; i < values.size() && i < 10; ++i)
                    list += (i ? ", " : "") + show(values[i]);
                if (values.size() > 10) list += ", ...";
                report(n, "enum",
                       values.empty() ? "no value is allowed (empty enum)"
                                      : "must be one of " + list);
            }
            if (stop()) return false;
        }
    }
    if (value.is_number()) {
        ok = eval_number(n, value) && ok;
    } else if (value.is_string()) {
        ok = eval_string(n, value) && ok;
    } else if (value.is_array()) {
        ok = eval_array(n, value) && ok;
    } else if (value.is_object()) {
        ok = eval_object(n, value) && ok;
    }
    if (!ok && stop()) return false;
    ok = eval_applicators(n, value) && ok;
    return ok;
}

bool Validator::eval_number(const SchemaNode& n, const json& value) {
    bool ok = true;
    long double x = number_as_long_double(value);
    auto check = [&](bool pass, const char* keyword, const std::string& message) {
        if (pass) return false;
        ok = false;
        report(n, keyword, message);
        return stop();
    };
    if (n.maximum && check(x <= *n.maximum, "maximum", "must be <= " + show_number(*n.maximum)))
        return false;
    if (n.exclusive_maximum && check(x < *n.exclusive_maximum, "exclusiveMaximum",
                                     "must be < " + show_number(*n.exclusive_maximum)))
        return false;
    if (n.minimum && check(x >= *n.minimum, "minimum", "must be >= " + show_number(*n.minimum)))
        return false;
    if (n.exclusive_minimum && check(x > *n.exclusive_minimum, "exclusiveMinimum",
                                     "must be > " + show_number(*n.exclusive_minimum)))
        return false;
    if (n.multiple_of && check(is_multiple_of(value, *n.multiple_of), "multipleOf",
                               "must be a multiple of " + show_number(*n.multiple_of)))
        return false;
    return ok;
}

bool Validator::eval_string(const SchemaNode& n, const json& value) {
    const auto& text = value.get_ref<const std::string&>();
    bool ok = true;
    if (n.max_length || n.min_length) {
        std::size_t length = code_point_count(text);
        if (n.max_length && length > *n.max_length) {
            ok = false;
            report(n, "maxLength",
                   "must be at most " + std::to_string(*n.max_length) + " characters long");
            if (stop()) return false;
        }
        if (n.min_length && length < *n.min_length) {
            ok = false;
            report(n, "minLength",
                   "must be at least " + std::to_string(*n.min_length) + " characters long");
            if (stop()) return false;
        }
    }
    if (n.pattern && !RE2::PartialMatch(text, *n.pattern->regex)) {
        ok = false;
        report(n, "pattern", "must match pattern " + json(n.pattern->source).dump());
        if (stop()) return false;
    }
    return ok;
}

bool Validator::eval_array(const SchemaNode& n, const json& value) {
    bool ok = true;
    auto fail = [&](const char* keyword, const std::string& message) {
        ok = false;
        report(n, keyword, message);
        return stop();
    };
    const std::size_t size = value.size();
    if (n.max_items && size > *n.max_items &&
        fail("maxItems", "must have at most " + std::to_string(*n.max_items) + " items"))
        return false;
    if (n.min_items && size < *n.min_items &&
        fail("minItems", "must have at least " + std::to_string(*n.min_items) + " items"))
        return false;

    for (std::size_t i = 0; i < size && i < n.prefix_items.size(); ++i) {
        if (!eval_at(n.prefix_items[i], value[i], std::to_string(i),
                     {"prefixItems", "item not allowed"})) {
            ok = false;
            if (stop()) return false;
        }
    }
    if (n.items != no_node) {
        for (std::size_t i = n.prefix_items.size(); i < size; ++i) {
            if (!eval_at(n.items, value[i], std::to_string(i), {"items", "item not allowed"})) {
                ok = false;
                if (stop()) return false;
            }
        }
    }
    if (n.contains != no_node) {
        std::size_t matches = 0;
        for (const auto& item : value)
            if (probe(n.contains, item)) ++matches;
        std::size_t at_least = n.min_contains.value_or(1);
        if (matches < at_least &&
            fail(n.min_contains ? "minContains" : "contains",
                 at_least == 1
                     ? std::string("must contain at least one item matching 'contains'")
                     : "must contain at least " + std::to_string(at_least) +
                           " items matching 'contains' (found " + std::to_string(matches) + ")"))
            return false;
        if (n.max_contains && matches > *n.max_contains &&
            fail("maxContains", "must contain at most " + std::to_string(*n.max_contains) +
                                    " items matching 'contains' (found " + std::to_string(matches) +
                                    ")"))
            return false;
    }
    if (n.unique_items && size > 1) {
        // Bucket by a hash consistent with JSON equality, then compare within buckets.
        std::unordered_multimap<std::size_t, std::size_t> seen;
        seen.reserve(size);
        for (std::size_t i = 0; i < size; ++i) {
            std::size_t h = json_hash(value[i]);
            auto [first, last] = seen.equal_range(h);
            for (auto it = first; it != last; ++it) {
                if (json_equal(value[it->second], value[i])) {
                    if (fail("uniqueItems", "must not contain duplicates (items " +
                                                std::to_string(it->second) + " and " +
                                                std::to_string(i) + " are equal)"))
                        return false;
                    goto unique_done; // one message per array is enough
                }
            }
            seen.emplace(h, i);
        }
    unique_done:;
    }
    if (n.unevaluated_items != no_node) {
        std::vector<bool> evaluated(size, false);
        evaluated_items(n, value, true, evaluated);
        for (std::size_t i = 0; i < size; ++i) {
            if (evaluated[i]) continue;
            if (!eval_at(n.unevaluated_items, value[i], std::to_string(i),
                         {"unevaluatedItems", "item not allowed"})) {
                ok = false;
                if (stop()) return false;
            }
        }
    }
    return ok;
}

bool Validator::eval_object(const SchemaNode& n, const json& value) {
    bool ok = true;
    auto fail = [&](const char* keyword, const std::string& message) {
        ok = false;
        report(n, keyword, message);
        return stop();
    };
    for (const auto& name : n.required) {
        if (!value.contains(name) && fail("required", "missing required property '" + name + "'"))
            return false;
    }
    const bool per_property = !n.properties.empty() || !n.pattern_properties.empty() ||
                              n.additional_properties != no_node || n.property_names != no_node;
    if (per_property) {
        for (auto it = value.begin(); it != value.end(); ++it) {
            const std::string& key = it.key();
            bool matched = false;
            if (int p = n.find_property(key); p != no_node) {
                matched = true;
                if (!eval_at(n.properties[static_cast<std::size_t>(p)].second, it.value(), key,
                             {"properties", "property not allowed"})) {
                    ok = false;
                    if (stop()) return false;
                }
            }
            for (const auto& [pattern, sub] : n.pattern_properties) {
                if (!RE2::PartialMatch(key, *pattern.regex)) continue;
                matched = true;
                if (!eval_at(sub, it.value(), key, {"patternProperties", "property not allowed"})) {
                    ok = false;
                    if (stop()) return false;
                }
            }
            if (!matched && n.additional_properties != no_node) {
                const SchemaNode& extra = node(n.additional_properties);
                if (extra.boolean && !*extra.boolean) {
                    // A closed object: a misspelt key most likely meant a declared one.
                    ok = false;
                    if (collecting()) {
                        std::size_t length = pointer_.size();
                        append_pointer_token(pointer_, key);
                        report(extra.pointer, "additionalProperties", property_not_allowed(n, key));
                        pointer_.resize(length);
                    }
                    if (stop()) return false;
                } else if (!eval_at(n.additional_properties, it.value(), key,
                                    {"additionalProperties", "property not allowed"})) {
                    ok = false;
                    if (stop()) return false;
                }
            }
            if (n.property_names != no_node) {
                json name = key;
                if (!collecting()) {
                    if (!eval(n.property_names, name)) return false;
                } else {
                    // Explain against the property's pointer, saying it is about the name.
                    std::size_t length = pointer_.size();
                    append_pointer_token(pointer_, key);
                    std::vector<SchemaError> name_errors;
                    Validator v(schema_, &name_errors, 5, depth_ + 1);
                    v.pointer_ = pointer_;
                    if (!v.eval_in(n.property_names, name,
                                   {"propertyNames", "property not allowed"})) {
                        ok = false;
                        for (auto& e : name_errors)
                            report(e.schema_pointer, "propertyNames",
                                   "invalid property name: " + e.message);
                    }
                    pointer_.resize(length);
                    if (!ok && stop()) return false;
                }
            }
        }
    }
    for (const auto& [trigger, names] : n.dependent_required) {
        if (!value.contains(trigger)) continue;
        for (const auto& name : names) {
            if (!value.contains(name) &&
                fail("dependentRequired", "missing property '" + name + "' (required when '" +
                                              trigger + "' is present)"))
                return false;
        }
    }
    for (const auto& [trigger, sub] : n.dependent_schemas) {
        if (value.contains(trigger) && !eval(sub, value)) {
            ok = false;
            if (stop()) return false;
        }
    }
    const std::size_t size = value.size();
    if (n.max_properties && size > *n.max_properties &&
        fail("maxProperties",
             "must have at most " + std::to_string(*n.max_properties) + " properties"))
        return false;
    if (n.min_properties && size < *n.min_properties &&
        fail("minProperties",
             "must have at least " + std::to_string(*n.min_properties) + " properties"))
        return false;
    if (n.unevaluated_properties != no_node) {
        std::set<std::string> evaluated;
        evaluated_properties(n, value, true, evaluated);
        for (auto it = value.begin(); it != value.end(); ++it) {
            if (evaluated.count(it.key()) != 0) continue;
            if (!eval_at(n.unevaluated_properties, it.value(), it.key(),
                         {"unevaluatedProperties", "property not allowed"})) {
                ok = false;
                if (stop()) return false;
            }
        }
    }
    return ok;
}

} // namespace json_schema_detail

std::string to_string(const SchemaError& error) {
    return error.instance_pointer + ": " + error.message;
}

std::vector<SchemaError> JsonSchema::validate(const nlohmann::json& instance,
                                              std::size_t max_errors) const {
    std::vector<SchemaError> errors;
    json_schema_detail::Validator validator(*compiled_, &errors, max_errors);
    validator.eval(0, instance);
    return errors;
}

bool JsonSchema::is_valid(const nlohmann::json& instance) const {
    json_schema_detail::Validator validator(*compiled_, nullptr, 0);
    return validator.eval(0, instance);
}

} // namespace llmops
