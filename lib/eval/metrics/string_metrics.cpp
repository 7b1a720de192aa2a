// String assertions and edit similarity as eval metrics: equals, exact_match, contains,
// icontains, not_contains, starts_with, contains_any, contains_all, regex, levenshtein. The
// comparisons themselves are string_match.hpp's.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/text.hpp"
#include "eval/metric_definitions.hpp"
#include "eval/metrics/string_match.hpp"
#include "eval/metrics/text_normalize.hpp"

namespace llmops::eval {

namespace {

// Decides one case from the output and the rendered parameter.
using TextCheck = std::function<MetricResult(std::string_view output, const std::string& value)>;

// A metric of the output against one string parameter template.
class TextParameterMetric final : public DeterministicMetric {
  public:
    TextParameterMetric(MetricSpec spec, ParameterTemplate value, TextCheck check)
        : DeterministicMetric(std::move(spec)), value_(std::move(value)), check_(std::move(check)) {
    }

  private:
    MetricResult score_case(const CaseContext& context) const override {
        auto rendered = value_.render(context.fields);
        if (!rendered.error.empty()) return error_result(std::move(rendered.error));
        return check_(context.output, rendered.text);
    }

    ParameterTemplate value_;
    TextCheck check_;
};

// contains_any / contains_all: the output against a list of string templates.
class NeedleListMetric final : public DeterministicMetric {
  public:
    NeedleListMetric(MetricSpec spec, std::vector<ParameterTemplate> needles, bool all,
                     bool ignore_case)
        : DeterministicMetric(std::move(spec)), needles_(std::move(needles)), all_(all),
          ignore_case_(ignore_case) {}

  private:
    MetricResult score_case(const CaseContext& context) const override {
        auto rendered = render_all(needles_, context.fields);
        if (!rendered.error.empty()) return error_result(std::move(rendered.error));
        const auto& values = rendered.texts;
        if (!all_) {
            bool passed = contains_any(context.output, values, ignore_case_);
            return boolean_result(passed, fmt::format("output {} contains none of {}",
                                                      quote_for_reason(context.output),
                                                      quoted_list(values)));
        }
        if (contains_all(context.output, values, ignore_case_)) return boolean_result(true, {});
        std::vector<std::string> absent;
        for (const auto& value : values)
            if (!contains_all(context.output, {value}, ignore_case_)) absent.push_back(value);
        return boolean_result(false,
                              fmt::format("output {} lacks {}", quote_for_reason(context.output),
                                          quoted_list(absent)));
    }

    static std::string quoted_list(const std::vector<std::string>& values) {
        std::vector<std::string> quoted;
        for (const auto& v : values)
            quoted.push_back(quote_for_reason(v, 60));
        return fmt::format("{}", fmt::join(quoted, ", "));
    }

    std::vector<ParameterTemplate> needles_;
    bool all_;
    bool ignore_case_;
};

class RegexMetric final : public DeterministicMetric {
  public:
    RegexMetric(MetricSpec spec, RegexMatcher matcher)
        : DeterministicMetric(std::move(spec)), matcher_(std::move(matcher)) {}

  private:
    MetricResult score_case(const CaseContext& context) const override {
        return boolean_result(matcher_.search(context.output),
                              fmt::format("output {} does not match /{}/",
                                          quote_for_reason(context.output), matcher_.pattern()));
    }

    RegexMatcher matcher_;
};

std::string expected_got(const std::string& expected, std::string_view output) {
    return fmt::format("expected {}, got {}", quote_for_reason(expected), quote_for_reason(output));
}

// levenshtein: a score in [0, 1], passed from the threshold.
class LevenshteinMetric final : public DeterministicMetric {
  public:
    LevenshteinMetric(MetricSpec spec, ParameterTemplate expected)
        : DeterministicMetric(std::move(spec)), expected_(std::move(expected)) {}

  private:
    MetricResult score_case(const CaseContext& context) const override {
        auto rendered = expected_.render(context.fields);
        if (!rendered.error.empty()) return error_result(std::move(rendered.error));
        return scored(levenshtein_similarity(context.output, rendered.text),
                      expected_got(rendered.text, context.output));
    }
    ParameterTemplate expected_;
};

// Python's str.strip(): the whitespace set of the other text metrics.
std::string strip_whitespace(std::string_view text) {
    std::u32string s = decode_utf8(text);
    std::size_t begin = 0, end = s.size();
    while (begin < end && is_python_space(s[begin]))
        ++begin;
    while (end > begin && is_python_space(s[end - 1]))
        --end;
    return encode_utf8(std::u32string_view(s).substr(begin, end - begin));
}

// A metric made of one required string template (under any of `keys`) and a check.
MetricFactory text_metric(std::initializer_list<std::string_view> keys, TextCheck check) {
    std::vector<std::string> names(keys.begin(), keys.end());
    return [names, check](MetricSpec spec, const MetricParameters& params,
                          const MetricEnvironment&) -> std::unique_ptr<Metric> {
        auto value = names.size() == 1 ? params.required_text_template({names[0]})
                                       : params.required_text_template({names[0], names[1]});
        return std::make_unique<TextParameterMetric>(std::move(spec), std::move(value), check);
    };
}

MetricDefinition equals_definition() {
    MetricDefinition d{"equals", {"expected", "value", "ignore_case", "trim"}, true, {}};
    d.make = [](MetricSpec spec, const MetricParameters& params,
                const MetricEnvironment&) -> std::unique_ptr<Metric> {
        auto expected = params.required_text_template({"expected", "value"});
        bool ignore_case = params.boolean("ignore_case").value_or(false);
        bool trim = params.boolean("trim").value_or(false);
        TextCheck check = [ignore_case, trim](std::string_view output, const std::string& value) {
            std::string a = trim ? strip_whitespace(output) : std::string(output);
            std::string b = trim ? strip_whitespace(value) : value;
            bool same = ignore_case ? casefold(a) == casefold(b) : equals(a, b);
            return boolean_result(same, expected_got(value, output));
        };
        return std::make_unique<TextParameterMetric>(std::move(spec), std::move(expected), check);
    };
    return d;
}

MetricDefinition exact_match_definition() {
    MetricDefinition d{"exact_match", {"expected", "value", "normalize"}, true, {}};
    d.make = [](MetricSpec spec, const MetricParameters& params,
                const MetricEnvironment&) -> std::unique_ptr<Metric> {
        auto expected = params.required_text_template({"expected", "value"});
        bool normalize = params.boolean("normalize").value_or(true);
        TextCheck check = [normalize](std::string_view output, const std::string& value) {
            bool same = normalize ? exact_match(output, value) : equals(output, value);
            std::string reason = expected_got(value, output);
            if (normalize)
                reason += fmt::format(" (normalised: {} vs {})",
                                      quote_for_reason(normalize_answer(value), 80),
                                      quote_for_reason(normalize_answer(output), 80));
            return boolean_result(same, reason);
        };
        return std::make_unique<TextParameterMetric>(std::move(spec), std::move(expected), check);
    };
    return d;
}

MetricDefinition contains_list_definition(std::string name, bool all) {
    MetricDefinition d{std::move(name), {"values", "value", "ignore_case"}, true, {}};
    d.make = [all](MetricSpec spec, const MetricParameters& params,
                   const MetricEnvironment&) -> std::unique_ptr<Metric> {
        auto needles = params.text_template_list({"values", "value"}, false);
        if (!needles) params.fail("needs the parameter 'values' (an array of strings)");
        bool ignore_case = params.boolean("ignore_case").value_or(false);
        return std::make_unique<NeedleListMetric>(std::move(spec), std::move(*needles), all,
                                                  ignore_case);
    };
    return d;
}

MetricDefinition regex_definition() {
    MetricDefinition d{"regex", {"pattern", "value"}, true, {}};
    d.make = [](MetricSpec spec, const MetricParameters& params,
                const MetricEnvironment&) -> std::unique_ptr<Metric> {
        auto key = params.present_key({"pattern", "value"});
        if (!key) params.fail("needs the parameter 'pattern'");
        auto pattern = params.plain_string(*key);
        try {
            RegexMatcher matcher(*pattern); // compiled once, searched for every case
            return std::make_unique<RegexMetric>(std::move(spec), std::move(matcher));
        } catch (const Error& e) {
            params.fail(e.message());
        }
    };
    return d;
}

} // namespace

std::vector<MetricDefinition> string_metric_definitions() {
    std::vector<MetricDefinition> out;
    out.push_back(equals_definition());
    out.push_back(exact_match_definition());
    out.push_back({"contains",
                   {"value"},
                   true,
                   text_metric({"value"}, [](std::string_view output, const std::string& v) {
                       return boolean_result(contains(output, v),
                                             fmt::format("output {} does not contain {}",
                                                         quote_for_reason(output),
                                                         quote_for_reason(v)));
                   })});
    out.push_back({"icontains",
                   {"value"},
                   true,
                   text_metric({"value"}, [](std::string_view output, const std::string& v) {
                       return boolean_result(icontains(output, v),
                                             fmt::format("output {} does not contain {} "
                                                         "(ignoring case)",
                                                         quote_for_reason(output),
                                                         quote_for_reason(v)));
                   })});
    out.push_back({"not_contains",
                   {"value"},
                   true,
                   text_metric({"value"}, [](std::string_view output, const std::string& v) {
                       return boolean_result(not_contains(output, v),
                                             fmt::format("output {} contains {}",
                                                         quote_for_reason(output),
                                                         quote_for_reason(v)));
                   })});
    out.push_back({"starts_with",
                   {"value"},
                   true,
                   text_metric({"value"}, [](std::string_view output, const std::string& v) {
                       return boolean_result(starts_with(output, v),
                                             fmt::format("output {} does not start with {}",
                                                         quote_for_reason(output),
                                                         quote_for_reason(v)));
                   })});
    out.push_back(contains_list_definition("contains_any", false));
    out.push_back(contains_list_definition("contains_all", true));
    out.push_back(regex_definition());

    out.push_back({"levenshtein",
                   {"expected", "value"},
                   false,
                   [](MetricSpec spec, const MetricParameters& params,
                      const MetricEnvironment&) -> std::unique_ptr<Metric> {
                       return std::make_unique<LevenshteinMetric>(
                           std::move(spec), params.required_text_template({"expected", "value"}));
                   }});
    return out;
}

} // namespace llmops::eval
