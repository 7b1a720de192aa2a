#pragma once
// Reading a metric's parameters (the mapping under its name in the eval spec) with errors that
// name the metric, the parameter and the expected type, and parameter templates ("{{answer}}")
// compiled once and rendered per case against the case's fields. Used by the metric families
// in lib/eval/metrics/*_metrics.cpp; the registry is lib/eval/metric_registry.cpp.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/eval_spec.hpp"
#include "eval/metric.hpp"
#include "mustache/mustache.hpp"

namespace llmops::eval {

// A string parameter that may hold Mustache tags, rendered against a case's fields without
// HTML escaping (as prompts are rendered). Immutable; safe to render from many threads.
class ParameterTemplate {
  public:
    // Throws Error(BadInput) with the template's own message when it does not compile.
    ParameterTemplate(std::string parameter, std::string source);

    struct Rendered {
        std::string text;
        std::string error; // non-empty: a field the template names is missing from the case
    };
    Rendered render(const nlohmann::json& fields) const;

    const std::string& parameter() const { return parameter_; }
    const std::string& source() const { return source_; }

  private:
    std::string parameter_;
    std::string source_;
    bool literal_ = true; // no tags: render() returns the source as it is
    mustache::Template compiled_;
};

// Renders each template in turn; stops at the first missing field (reported in `error`).
struct RenderedList {
    std::vector<std::string> texts;
    std::string error;
};
RenderedList render_all(const std::vector<ParameterTemplate>& templates,
                        const nlohmann::json& fields);

// The parameters of one metric entry. The constructor rejects keys outside `allowed` (listing
// the valid ones, `common` included, with a "did you mean"); the accessors reject wrong types.
// All errors are Error(BadInput) at the entry's location, starting "metric '<label>': ".
// `common` are the keys the spec reader takes out before (threshold, label): never in `params`,
// but valid, so the list in an error names them.
class MetricParameters {
  public:
    MetricParameters(const MetricSpec& spec, std::vector<std::string> allowed,
                     const std::vector<std::string>& common = {});

    const MetricSpec& spec() const { return spec_; }
    // The first of `keys` that is present (synonyms such as expected/value); giving two of them
    // is an error. Empty when none is present.
    std::optional<std::string> present_key(std::initializer_list<std::string_view> keys) const;
    bool has(std::string_view key) const { return params_.contains(std::string(key)); }
    const nlohmann::json& raw(std::string_view key) const { return params_.at(std::string(key)); }

    // A string (numbers are taken as their text) compiled as a template.
    std::optional<ParameterTemplate>
    text_template(std::initializer_list<std::string_view> keys) const;
    ParameterTemplate required_text_template(std::initializer_list<std::string_view> keys) const;
    // An array of strings (numbers taken as text), each compiled as a template. With
    // `allow_single`, a lone string is a list of one.
    std::optional<std::vector<ParameterTemplate>>
    text_template_list(std::initializer_list<std::string_view> keys, bool allow_single) const;
    std::optional<std::string> plain_string(std::string_view key) const;
    std::optional<bool> boolean(std::string_view key) const;
    std::optional<long> integer(std::string_view key, long minimum) const;
    std::optional<double> number(std::string_view key) const;
    // One of `choices`; the error lists them.
    std::optional<std::string> choice(std::initializer_list<std::string_view> keys,
                                      const std::vector<std::string>& choices) const;

    [[noreturn]] void fail(const std::string& message) const;
    [[noreturn]] void fail_type(std::string_view key, std::string_view expected) const;

  private:
    const MetricSpec& spec_;
    nlohmann::json params_;
};

} // namespace llmops::eval
