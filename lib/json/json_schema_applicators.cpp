// The applicator keywords of the validator (json_schema_validator.hpp): allOf, anyOf, oneOf,
// not, if/then/else and $ref, one message for a failed anyOf / oneOf, and the evaluated
// properties and items that unevaluatedProperties / unevaluatedItems look at.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "json/json_schema_validator.hpp"

namespace llmops::json_schema_detail {

using nlohmann::json;

bool Validator::eval_applicators(const SchemaNode& n, const json& value) {
    bool ok = true;
    for (int sub : n.all_of) {
        if (!eval(sub, value)) {
            ok = false;
            if (stop()) return false;
        }
    }
    if (!n.any_of.empty()) {
        bool any = std::any_of(n.any_of.begin(), n.any_of.end(),
                               [&](int sub) { return probe(sub, value); });
        if (!any) {
            ok = false;
            if (!collecting()) return false;
            explain_no_match(n, n.any_of, "anyOf", value);
            if (stop()) return false;
        }
    }
    if (!n.one_of.empty()) {
        std::vector<std::size_t> matching;
        for (std::size_t i = 0; i < n.one_of.size() && matching.size() < 2; ++i)
            if (probe(n.one_of[i], value)) matching.push_back(i);
        if (matching.size() != 1) {
            ok = false;
            if (!collecting()) return false;
            if (matching.empty()) {
                explain_no_match(n, n.one_of, "oneOf", value);
            } else {
                report(n, "oneOf",
                       "must match exactly one schema in oneOf, but matches both " +
                           std::to_string(matching[0]) + " and " + std::to_string(matching[1]));
            }
            if (stop()) return false;
        }
    }
    if (n.not_schema != no_node && probe(n.not_schema, value)) {
        ok = false;
        report(n, "not", "must not match the schema in 'not'");
        if (stop()) return false;
    }
    if (n.if_schema != no_node) {
        int branch = probe(n.if_schema, value) ? n.then_schema : n.else_schema;
        if (branch != no_node && !eval(branch, value)) {
            ok = false;
            if (stop()) return false;
        }
    }
    if (n.ref != no_node && !eval(n.ref, value)) {
        ok = false;
        if (stop()) return false;
    }
    return ok;
}

// One message for a failed anyOf / oneOf, instead of every branch's errors:
// - every branch wanted another type: "must be string or object, got integer";
// - else the branch that got furthest into the value (deepest pointer, then fewest errors)
//   is taken as the one the author meant, and its errors are reported;
// - on a tie, the tied branches' first errors are listed in one message.
void Validator::explain_no_match(const SchemaNode& n, const std::vector<int>& branches,
                                 const char* keyword, const json& value) {
    struct Candidate {
        std::vector<SchemaError> errors;
        std::size_t depth = 0;
    };
    std::vector<Candidate> candidates;
    std::vector<std::string> wanted_types;
    for (int sub : branches) {
        auto errors = explain(sub, value);
        if (errors.empty()) continue;
        auto type_error = std::find_if(errors.begin(), errors.end(), [&](const SchemaError& e) {
            return e.keyword == std::string_view("type") && e.instance_pointer == pointer_;
        });
        if (type_error != errors.end()) {
            // "must be X, got Y" -> "X"
            std::string_view m = type_error->message;
            m.remove_prefix(std::min<std::size_t>(8, m.size()));
            std::string wanted(m.substr(0, m.rfind(", got ")));
            if (std::find(wanted_types.begin(), wanted_types.end(), wanted) == wanted_types.end())
                wanted_types.push_back(wanted);
            continue;
        }
        Candidate c;
        for (const auto& e : errors)
            c.depth = std::max<std::size_t>(
                c.depth, static_cast<std::size_t>(std::count(e.instance_pointer.begin(),
                                                             e.instance_pointer.end(), '/')));
        c.errors = std::move(errors);
        candidates.push_back(std::move(c));
    }
    if (candidates.empty()) {
        std::string list;
        for (const auto& t : wanted_types)
            list += (list.empty() ? "" : " or ") + t;
        report(n, keyword, "must be " + list + ", got " + type_name(value));
        return;
    }
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& a, const Candidate& b) {
                         if (a.depth != b.depth) return a.depth > b.depth;
                         return a.errors.size() < b.errors.size();
                     });
    const auto tied = [&](const Candidate& c) {
        return c.depth == candidates[0].depth && c.errors.size() == candidates[0].errors.size();
    };
    if (candidates.size() == 1 || !tied(candidates[1])) {
        for (auto& e : candidates[0].errors) {
            if (stop()) return;
            errors_->push_back(std::move(e));
        }
        return;
    }
    std::string message = std::string("must match one of the ") + keyword + " alternatives: ";
    std::size_t listed = 0;
    for (const auto& c : candidates) {
        if (!tied(c)) break;
        if (listed == 3) {
            message += "; or ...";
            break;
        }
        const SchemaError& e = c.errors.front();
        if (listed++ > 0) message += "; or ";
        if (e.instance_pointer != pointer_)
            message += e.instance_pointer.substr(pointer_.size()) + ": ";
        message += e.message;
    }
    report(n, keyword, message);
}

// Property names that `n` (and its in-place subschemas that hold) evaluated; used by
// unevaluatedProperties. `self` leaves out n's own unevaluatedProperties.
void Validator::evaluated_properties(const SchemaNode& n, const json& object, bool self,
                                     std::set<std::string>& out) const {
    if (n.boolean) return;
    for (auto it = object.begin(); it != object.end(); ++it) {
        const std::string& key = it.key();
        bool matched = n.find_property(key) != no_node;
        for (const auto& pp : n.pattern_properties)
            if (RE2::PartialMatch(key, *pp.first.regex)) matched = true;
        if (matched || n.additional_properties != no_node ||
            (!self && n.unevaluated_properties != no_node))
            out.insert(key);
    }
    auto visit = [&](int sub) {
        if (sub != no_node && probe(sub, object))
            evaluated_properties(node(sub), object, false, out);
    };
    for (int sub : n.all_of)
        visit(sub);
    for (int sub : n.any_of)
        visit(sub);
    for (int sub : n.one_of)
        visit(sub);
    if (n.if_schema != no_node) {
        if (probe(n.if_schema, object)) {
            visit(n.if_schema);
            visit(n.then_schema);
        } else {
            visit(n.else_schema);
        }
    }
    for (const auto& [trigger, sub] : n.dependent_schemas)
        if (object.contains(trigger)) visit(sub);
    visit(n.ref);
}

// Same for array items and unevaluatedItems.
void Validator::evaluated_items(const SchemaNode& n, const json& array, bool self,
                                std::vector<bool>& out) const {
    if (n.boolean) return;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (i < n.prefix_items.size() || n.items != no_node ||
            (!self && n.unevaluated_items != no_node) ||
            (n.contains != no_node && probe(n.contains, array[i])))
            out[i] = true;
    }
    auto visit = [&](int sub) {
        if (sub != no_node && probe(sub, array)) evaluated_items(node(sub), array, false, out);
    };
    for (int sub : n.all_of)
        visit(sub);
    for (int sub : n.any_of)
        visit(sub);
    for (int sub : n.one_of)
        visit(sub);
    if (n.if_schema != no_node) {
        if (probe(n.if_schema, array)) {
            visit(n.if_schema);
            visit(n.then_schema);
        } else {
            visit(n.else_schema);
        }
    }
    visit(n.ref);
}

} // namespace llmops::json_schema_detail
