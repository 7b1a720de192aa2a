#pragma once
// Per-route guardrails of the gateway (`serve.routes.ROUTE.guardrails`): an input and an output
// policy, each with a PII and an injection detector and what to do on a finding (block, redact,
// flag). Parsed with the serve config; the PII engine is built once per config load and shared
// by every request. Reference: docs/serve.md#guardrails.
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "safety/injection_detector.hpp"
#include "safety/pii_engine.hpp"
#include "safety/pii_operators.hpp"
#include "safety/pii_settings.hpp"
#include "json/yaml_document.hpp"

namespace llmops::serve {

enum class GuardAction { block, redact, flag };
enum class GuardDirection { input, output };
enum class GuardDetector { pii, injection };
std::string_view to_string(GuardAction action);
std::string_view to_string(GuardDirection direction);
std::string_view to_string(GuardDetector detector);

struct PiiGuard {
    GuardAction action = GuardAction::flag;
    std::vector<std::string> entities; // empty = every entity the engine reports
    std::string operator_text = "redact";
    safety::RedactionOperator op; // what a redaction puts in place of a finding
};

struct InjectionGuard {
    GuardAction action = GuardAction::flag; // never redact (rejected at load)
    safety::InjectionOptions options;
};

struct GuardPolicy {
    std::optional<PiiGuard> pii;
    std::optional<InjectionGuard> injection;
    bool empty() const { return !pii && !injection; }
    // A block or redact: the whole text must be seen before anything reaches the client.
    bool needs_whole_text() const;
};

struct RouteGuardrails {
    GuardPolicy input, output;
};

// The bits of the request log's `flags` column (docs/store-format.md): which detector found
// something in which direction, whatever the action.
constexpr std::uint32_t kFlagInputPii = 1, kFlagInputInjection = 2, kFlagOutputPii = 4,
                        kFlagOutputInjection = 8;

// Reads `guardrails` of one route (`pointer` is its JSON pointer, for error locations; the
// shape is already checked by the serve schema). `known_entities`: the entity types the PII
// engine can report. Throws Error(BadInput) at file:line:column for `redact` on injection, an
// unknown entity and a bad operator.
RouteGuardrails parse_route_guardrails(const YamlDocument& document, const nlohmann::json& value,
                                       const std::string& pointer,
                                       const std::vector<std::string>& known_entities);

// What one check found and did.
struct GuardVerdict {
    struct Count {
        GuardDetector detector;
        GuardAction action;
        std::size_t findings = 0;
    };
    std::vector<Count> counts; // one per detector that found something
    std::uint32_t flags = 0;
    bool blocked = false;
    std::string reason; // for a block: what was found ("PII (EMAIL_ADDRESS)", "injection (...)")
};

// Every string inside a JSON value, for scanning and redaction in place (pointers into value).
void collect_strings(nlohmann::json& value, std::vector<std::string*>& out);

// The guardrails of every route of one config, with the PII engine they share.
class Guardrails {
  public:
    Guardrails() = default;
    // Builds the PII engine (when a route uses PII) from `pii_settings`.
    Guardrails(std::map<std::string, RouteGuardrails> routes, safety::PiiSettings pii_settings);

    const RouteGuardrails* route(const std::string& name) const;

    // Scans `texts` in `direction` of `route`'s policy; a redact policy rewrites them in place.
    // Throws Error(BadInput) for a text the detectors refuse (invalid UTF-8, over their limits).
    GuardVerdict check(const RouteGuardrails& route, GuardDirection direction,
                       const std::vector<std::string*>& texts) const;

    // `body` with the PII of `policy` (entities, operator) replaced, for the request log. JSON
    // bodies are redacted string by string, so they stay JSON; other text as a whole.
    std::string redact_for_log(const PiiGuard& policy, const std::string& body) const;

  private:
    std::vector<safety::Finding> pii_findings(const PiiGuard& policy, std::string_view text) const;
    std::map<std::string, RouteGuardrails> routes_;
    std::shared_ptr<const safety::PiiEngine> engine_;
};

} // namespace llmops::serve
