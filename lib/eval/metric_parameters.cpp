#include "eval/metric_parameters.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "core/closest_match.hpp"
#include "core/error.hpp"
#include "eval/metric_definitions.hpp"
#include "prompt/prompt_spec.hpp"

namespace llmops::eval {

using nlohmann::json;

namespace {

// Templates see the row as prompts do: values inserted as they are, never HTML-escaped. A
// missing name is reported (not thrown) so the case, not the run, fails.
std::string render_collecting_missing(const mustache::Template& tmpl, const json& fields,
                                      std::string& missing) {
    mustache::RenderOptions options;
    options.escape = mustache::Escape::None;
    options.strict_partials = true;
    options.on_missing = [&missing](const mustache::MissingVariable& m) {
        if (m.use == mustache::VariableUse::Interpolation && missing.empty())
            missing = std::string(m.name);
    };
    return mustache::render(tmpl, fields, options);
}

std::string number_text(const json& value) {
    if (value.is_number_float()) {
        double d = value.get<double>();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15)
            return fmt::format("{}", static_cast<long long>(d));
    }
    return value.dump();
}

} // namespace

// ---------------------------------------------------------------------------------------------
// ParameterTemplate

ParameterTemplate::ParameterTemplate(std::string parameter, std::string source)
    : parameter_(std::move(parameter)), source_(std::move(source)) {
    // Plain text (the common case: `expected: Paris`) skips the renderer altogether.
    if (source_.find("{{") == std::string::npos) return;
    literal_ = false;
    compiled_ = mustache::compile(source_, mustache::CompileOptions{.name = parameter_});
}

ParameterTemplate::Rendered ParameterTemplate::render(const json& fields) const {
    if (literal_) return {source_, {}};
    Rendered out;
    std::string missing;
    try {
        out.text = render_collecting_missing(compiled_, fields, missing);
    } catch (const Error& e) {
        // A template over its budget (or Ctrl-C) stops the eval; an unresolvable partial is a
        // case error.
        if (stops_command(e)) throw;
        out.error = "parameter '" + parameter_ + "': " + e.message();
        return out;
    }
    if (!missing.empty()) {
        out.text.clear();
        out.error = "missing field '" + missing + "' for parameter '" + parameter_ + "' (" +
                    quote_for_reason(source_) + ")";
    }
    return out;
}

RenderedList render_all(const std::vector<ParameterTemplate>& templates, const json& fields) {
    RenderedList out;
    out.texts.reserve(templates.size());
    for (const auto& t : templates) {
        auto rendered = t.render(fields);
        if (!rendered.error.empty()) {
            out.error = std::move(rendered.error);
            out.texts.clear();
            return out;
        }
        out.texts.push_back(std::move(rendered.text));
    }
    return out;
}

json render_parameter(const json& value, const json& fields) {
    if (!value.is_string()) return value;
    auto rendered = ParameterTemplate("parameter", value.get<std::string>()).render(fields);
    if (!rendered.error.empty()) throw Error(ErrorKind::BadInput, rendered.error);
    return rendered.text;
}

// ---------------------------------------------------------------------------------------------
// MetricParameters

MetricParameters::MetricParameters(const MetricSpec& spec, std::vector<std::string> allowed,
                                   const std::vector<std::string>& common)
    : spec_(spec), params_(spec.params.is_null() ? json::object() : spec.params) {
    if (!params_.is_object()) fail_type("", "a mapping of parameters");
    // `- is_json: null` arrives as {"value": null}: no parameters.
    if (params_.size() == 1 && params_.contains("value") && params_["value"].is_null())
        params_ = json::object();
    for (auto it = params_.begin(); it != params_.end(); ++it) {
        if (std::find(allowed.begin(), allowed.end(), it.key()) != allowed.end()) continue;
        std::vector<std::string> valid = allowed;
        valid.insert(valid.end(), common.begin(), common.end());
        if (valid.empty()) fail("takes no parameters, got '" + it.key() + "'");
        fail(with_did_you_mean(fmt::format("unknown parameter '{}'; valid parameters: {}", it.key(),
                                           fmt::join(valid, ", ")),
                               it.key(), valid));
    }
}

void MetricParameters::fail(const std::string& message) const {
    const std::string& who = spec_.label.empty() ? spec_.name : spec_.label;
    throw Error(ErrorKind::BadInput, "metric '" + who + "': " + message, spec_.where);
}

void MetricParameters::fail_type(std::string_view key, std::string_view expected) const {
    const json& value = key.empty() ? params_ : params_.at(std::string(key));
    std::string what = key.empty() ? "parameters" : "parameter '" + std::string(key) + "'";
    fail(fmt::format("{} must be {}, got {}", what, expected, prompt::json_type_name(value)));
}

std::optional<std::string>
MetricParameters::present_key(std::initializer_list<std::string_view> keys) const {
    std::optional<std::string> found;
    for (auto key : keys) {
        if (!has(key)) continue;
        if (found) fail("give '" + *found + "' or '" + std::string(key) + "', not both");
        found = std::string(key);
    }
    return found;
}

std::optional<ParameterTemplate>
MetricParameters::text_template(std::initializer_list<std::string_view> keys) const {
    auto key = present_key(keys);
    if (!key) return std::nullopt;
    const json& value = params_.at(*key);
    std::string source;
    if (value.is_string())
        source = value.get<std::string>();
    else if (value.is_number())
        source = number_text(value);
    else
        fail_type(*key, "a string");
    try {
        return ParameterTemplate(*key, std::move(source));
    } catch (const Error& e) {
        fail("parameter '" + *key + "': " + e.what());
    }
}

ParameterTemplate
MetricParameters::required_text_template(std::initializer_list<std::string_view> keys) const {
    if (auto t = text_template(keys)) return std::move(*t);
    std::vector<std::string_view> names(keys);
    fail(fmt::format("needs the parameter '{}'{}", names.front(),
                     names.size() > 1 ? fmt::format(" (or '{}')", fmt::join(names.begin() + 1,
                                                                            names.end(), "', '"))
                                      : std::string()));
}

std::optional<std::vector<ParameterTemplate>>
MetricParameters::text_template_list(std::initializer_list<std::string_view> keys,
                                     bool allow_single) const {
    auto key = present_key(keys);
    if (!key) return std::nullopt;
    const json& value = params_.at(*key);
    const char* expected = allow_single ? "a string or an array of strings" : "an array of strings";
    std::vector<ParameterTemplate> out;
    auto add = [&](const json& item) {
        std::string source;
        if (item.is_string())
            source = item.get<std::string>();
        else if (item.is_number())
            source = number_text(item);
        else
            fail_type(*key, expected);
        try {
            out.emplace_back(*key, std::move(source));
        } catch (const Error& e) {
            fail("parameter '" + *key + "': " + e.what());
        }
    };
    if (value.is_array()) {
        for (const auto& item : value)
            add(item);
    } else if (allow_single && (value.is_string() || value.is_number())) {
        add(value);
    } else {
        fail_type(*key, expected);
    }
    return out;
}

std::optional<std::string> MetricParameters::plain_string(std::string_view key) const {
    if (!has(key)) return std::nullopt;
    const json& value = raw(key);
    if (!value.is_string()) fail_type(key, "a string");
    return value.get<std::string>();
}

std::optional<bool> MetricParameters::boolean(std::string_view key) const {
    if (!has(key)) return std::nullopt;
    const json& value = raw(key);
    if (!value.is_boolean()) fail_type(key, "a boolean (true or false)");
    return value.get<bool>();
}

std::optional<long> MetricParameters::integer(std::string_view key, long minimum) const {
    if (!has(key)) return std::nullopt;
    const json& value = raw(key);
    std::string expected = fmt::format("an integer >= {}", minimum);
    if (value.is_number_integer() || value.is_number_unsigned()) {
        if (value.is_number_unsigned() && value.get<unsigned long long>() > 1'000'000'000ULL)
            fail_type(key, expected);
        long n = value.get<long>();
        if (n < minimum)
            fail(fmt::format("parameter '{}' must be an integer >= {}, got {}", key, minimum, n));
        return n;
    }
    if (value.is_number_float()) {
        double d = value.get<double>();
        if (d == std::floor(d) && d >= static_cast<double>(minimum) && d <= 1e9)
            return static_cast<long>(d);
    }
    fail_type(key, expected);
}

std::optional<double> MetricParameters::number(std::string_view key) const {
    if (!has(key)) return std::nullopt;
    const json& value = raw(key);
    if (!value.is_number()) fail_type(key, "a number");
    return value.get<double>();
}

std::optional<std::string> MetricParameters::choice(std::initializer_list<std::string_view> keys,
                                                    const std::vector<std::string>& choices) const {
    auto key = present_key(keys);
    if (!key) return std::nullopt;
    const json& value = params_.at(*key);
    std::string expected = fmt::format("one of {}", fmt::join(choices, ", "));
    if (!value.is_string()) fail_type(*key, expected);
    auto text = value.get<std::string>();
    if (std::find(choices.begin(), choices.end(), text) == choices.end())
        fail(fmt::format("parameter '{}' must be {}, got '{}'", *key, expected, text));
    return text;
}

} // namespace llmops::eval
