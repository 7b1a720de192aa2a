// Structure checks as eval metrics: is_json (the output is one JSON value) and json_schema (it
// is, and it satisfies an inline JSON Schema, checked by our 2020-12 validator).
#include <string>
#include <utility>

#include "core/error.hpp"
#include "eval/metric_definitions.hpp"
#include "eval/metrics/structured.hpp"
#include "json/json_schema.hpp"

namespace llmops::eval {

namespace {

// nlohmann's parse error without its "[json.exception.parse_error.101] " prefix.
std::string parse_error_text(std::string_view output) {
    try {
        auto parsed = nlohmann::json::parse(output);
        (void)parsed;
    } catch (const nlohmann::json::exception& e) {
        std::string what = e.what();
        auto close = what.find("] ");
        return close == std::string::npos ? what : what.substr(close + 2);
    }
    return "parsed";
}

std::string not_json_reason(std::string_view output) {
    return "output " + quote_for_reason(output, 120) + " is not JSON: " + parse_error_text(output);
}

class IsJsonMetric final : public DeterministicMetric {
  public:
    explicit IsJsonMetric(MetricSpec spec) : DeterministicMetric(std::move(spec)) {}

  private:
    MetricResult score_case(const CaseContext& context) const override {
        bool ok = is_json(context.output);
        return boolean_result(ok, ok ? std::string() : not_json_reason(context.output));
    }
};

class JsonSchemaMetric final : public DeterministicMetric {
  public:
    JsonSchemaMetric(MetricSpec spec, JsonSchema schema)
        : DeterministicMetric(std::move(spec)), schema_(std::move(schema)) {}

  private:
    MetricResult score_case(const CaseContext& context) const override {
        auto value = nlohmann::json::parse(context.output, nullptr, false);
        if (value.is_discarded()) return boolean_result(false, not_json_reason(context.output));
        auto errors = schema_.validate(value, 1);
        if (errors.empty()) return boolean_result(true, {});
        const SchemaError& first = errors.front();
        std::string where = first.instance_pointer.empty() ? "output" : first.instance_pointer;
        return boolean_result(false, "schema: " + where + ": " + first.message);
    }

    JsonSchema schema_; // compiled once at make_metric
};

} // namespace

std::vector<MetricDefinition> structure_metric_definitions() {
    std::vector<MetricDefinition> out;
    out.push_back({"is_json",
                   {},
                   true,
                   [](MetricSpec spec, const MetricParameters&,
                      const MetricEnvironment&) -> std::unique_ptr<Metric> {
                       return std::make_unique<IsJsonMetric>(std::move(spec));
                   }});
    out.push_back({"json_schema",
                   {"schema"},
                   true,
                   [](MetricSpec spec, const MetricParameters& params,
                      const MetricEnvironment&) -> std::unique_ptr<Metric> {
                       if (!params.has("schema"))
                           params.fail("needs the parameter 'schema' (an inline JSON Schema)");
                       const auto& schema = params.raw("schema");
                       if (!schema.is_object() && !schema.is_boolean())
                           params.fail_type("schema", "a JSON Schema object");
                       try {
                           auto compiled = JsonSchema::compile(schema);
                           return std::make_unique<JsonSchemaMetric>(std::move(spec),
                                                                     std::move(compiled));
                       } catch (const Error& e) {
                           params.fail("invalid schema: " + e.message());
                       }
                   }});
    return out;
}

} // namespace llmops::eval
