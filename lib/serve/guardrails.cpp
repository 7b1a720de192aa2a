#include "serve/guardrails.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "safety/text_scan.hpp"

namespace llmops::serve {

using nlohmann::json;

namespace {

GuardAction parse_action(const std::string& text) {
    if (text == "block") return GuardAction::block;
    if (text == "redact") return GuardAction::redact;
    return GuardAction::flag; // the schema allows only these three
}

std::vector<std::string> strings_at(const json& object, const char* key) {
    std::vector<std::string> out;
    if (object.is_object() && object.contains(key))
        for (const auto& item : object[key])
            out.push_back(item.get<std::string>());
    return out;
}

PiiGuard parse_pii(const YamlDocument& doc, const json& value, const std::string& pointer,
                   const std::vector<std::string>& known_entities) {
    PiiGuard guard;
    const bool object = value.is_object();
    guard.action =
        parse_action(object ? value["action"].get<std::string>() : value.get<std::string>());
    guard.entities = strings_at(value, "entities");
    for (std::size_t i = 0; i < guard.entities.size(); ++i)
        if (std::find(known_entities.begin(), known_entities.end(), guard.entities[i]) ==
            known_entities.end())
            throw Error(ErrorKind::BadInput,
                        pointer + "/entities: unknown entity type '" + guard.entities[i] +
                            "' (built-in types: docs/safety.md#entities; custom ones: "
                            "safety.pii.custom)",
                        doc.location_of(pointer + "/entities/" + std::to_string(i)));
    if (object && value.contains("operator")) {
        guard.operator_text = value["operator"].get<std::string>();
        const std::string key_env = value.value("hash_key_env", std::string("LLMOPS_PII_HASH_KEY"));
        try {
            guard.op = safety::parse_operator(guard.operator_text, key_env);
        } catch (const Error& e) {
            throw Error(ErrorKind::BadInput, pointer + "/operator: " + e.message(),
                        doc.location_of(pointer + "/operator"));
        }
    }
    return guard;
}

InjectionGuard parse_injection(const YamlDocument& doc, const json& value,
                               const std::string& pointer) {
    InjectionGuard guard;
    const bool object = value.is_object();
    const std::string action =
        object ? value["action"].get<std::string>() : value.get<std::string>();
    if (action == "redact")
        throw Error(ErrorKind::BadInput,
                    pointer + ": injection cannot be redacted (removing a rule's match leaves "
                              "the rest of the attack in place); use block or flag",
                    doc.location_of(object ? pointer + "/action" : pointer));
    guard.action = parse_action(action);
    if (!object) return guard;
    guard.options.threshold = value.value("threshold", guard.options.threshold);
    if (value.contains("mode"))
        guard.options.mode = *safety::parse_injection_mode(value["mode"].get<std::string>());
    guard.options.allow_rules = strings_at(value, "allow_rules");
    guard.options.allow_phrases = strings_at(value, "allow_phrases");
    guard.options.allow_hosts = strings_at(value, "allow_hosts");
    try {
        safety::check_injection_options(guard.options);
    } catch (const Error& e) {
        throw Error(ErrorKind::BadInput, pointer + ": " + e.message(), doc.location_of(pointer));
    }
    return guard;
}

GuardPolicy parse_policy(const YamlDocument& doc, const json& value, const std::string& pointer,
                         const std::vector<std::string>& known_entities) {
    GuardPolicy policy;
    if (value.contains("pii"))
        policy.pii = parse_pii(doc, value["pii"], pointer + "/pii", known_entities);
    if (value.contains("injection"))
        policy.injection = parse_injection(doc, value["injection"], pointer + "/injection");
    return policy;
}

} // namespace

void collect_strings(json& value, std::vector<std::string*>& out) {
    if (value.is_string())
        out.push_back(value.get_ptr<std::string*>());
    else if (value.is_structured())
        for (auto& item : value)
            collect_strings(item, out);
}

std::string_view to_string(GuardAction action) {
    switch (action) {
    case GuardAction::block:
        return "block";
    case GuardAction::redact:
        return "redact";
    default:
        return "flag";
    }
}

std::string_view to_string(GuardDirection direction) {
    return direction == GuardDirection::input ? "input" : "output";
}

std::string_view to_string(GuardDetector detector) {
    return detector == GuardDetector::pii ? "pii" : "injection";
}

bool GuardPolicy::needs_whole_text() const {
    return (pii && pii->action != GuardAction::flag) ||
           (injection && injection->action == GuardAction::block);
}

RouteGuardrails parse_route_guardrails(const YamlDocument& document, const json& value,
                                       const std::string& pointer,
                                       const std::vector<std::string>& known_entities) {
    RouteGuardrails out;
    if (value.contains("input"))
        out.input = parse_policy(document, value["input"], pointer + "/input", known_entities);
    if (value.contains("output"))
        out.output = parse_policy(document, value["output"], pointer + "/output", known_entities);
    return out;
}

Guardrails::Guardrails(std::map<std::string, RouteGuardrails> routes,
                       safety::PiiSettings pii_settings)
    : routes_(std::move(routes)) {
    bool uses_pii = false;
    for (const auto& [name, route] : routes_)
        uses_pii = uses_pii || route.input.pii || route.output.pii;
    if (uses_pii) engine_ = std::make_shared<const safety::PiiEngine>(std::move(pii_settings));
}

const RouteGuardrails* Guardrails::route(const std::string& name) const {
    auto it = routes_.find(name);
    if (it == routes_.end() || (it->second.input.empty() && it->second.output.empty()))
        return nullptr;
    return &it->second;
}

std::vector<safety::Finding> Guardrails::pii_findings(const PiiGuard& policy,
                                                      std::string_view text) const {
    std::vector<safety::Finding> found = engine_->scan(text);
    if (!policy.entities.empty())
        std::erase_if(found, [&](const safety::Finding& f) {
            return std::find(policy.entities.begin(), policy.entities.end(), f.type) ==
                   policy.entities.end();
        });
    return found;
}

namespace {

// The types of `findings` not yet in `types`, in the order they first appear (for a reason).
template <class Findings>
void add_types(std::vector<std::string>& types, const Findings& findings) {
    for (const auto& f : findings)
        if (std::find(types.begin(), types.end(), f.type) == types.end()) types.push_back(f.type);
}

std::string join_types(const std::vector<std::string>& types) {
    std::string out;
    for (const auto& t : types)
        out += (out.empty() ? "" : ", ") + t;
    return out;
}

} // namespace

GuardVerdict Guardrails::check(const RouteGuardrails& route, GuardDirection direction,
                               const std::vector<std::string*>& texts) const {
    const GuardPolicy& policy = direction == GuardDirection::input ? route.input : route.output;
    const bool input = direction == GuardDirection::input;
    GuardVerdict verdict;
    if (policy.injection) {
        std::size_t found = 0;
        std::vector<std::string> families;
        for (const std::string* text : texts) {
            auto findings = safety::detect_injection(*text, policy.injection->options);
            found += findings.size();
            add_types(families, findings);
        }
        if (found) {
            verdict.counts.push_back({GuardDetector::injection, policy.injection->action, found});
            verdict.flags |= input ? kFlagInputInjection : kFlagOutputInjection;
            if (policy.injection->action == GuardAction::block) {
                verdict.blocked = true;
                verdict.reason = "prompt injection (" + join_types(families) + ")";
            }
        }
    }
    if (policy.pii) {
        std::size_t found = 0;
        std::vector<std::string> types;
        for (std::string* text : texts) {
            auto findings = pii_findings(*policy.pii, *text);
            if (findings.empty()) continue;
            found += findings.size();
            add_types(types, findings);
            if (policy.pii->action == GuardAction::redact)
                *text = safety::redact_text(*text, findings, policy.pii->op);
        }
        if (found) {
            verdict.counts.push_back({GuardDetector::pii, policy.pii->action, found});
            verdict.flags |= input ? kFlagInputPii : kFlagOutputPii;
            if (policy.pii->action == GuardAction::block && !verdict.blocked) {
                verdict.blocked = true;
                verdict.reason = "personal data (" + join_types(types) + ")";
            }
        }
    }
    return verdict;
}

std::string Guardrails::redact_for_log(const PiiGuard& policy, const std::string& body) const {
    if (!engine_) return body;
    auto redact = [&](std::string& text) {
        auto findings = pii_findings(policy, text);
        if (!findings.empty()) text = safety::redact_text(text, findings, policy.op);
    };
    json parsed = json::parse(body, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_structured()) {
        std::string text = body;
        redact(text);
        return text;
    }
    std::vector<std::string*> strings;
    collect_strings(parsed, strings);
    for (std::string* s : strings)
        redact(*s);
    return parsed.dump();
}

} // namespace llmops::serve
