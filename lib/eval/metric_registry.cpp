// make_metric: finds the metric's definition by name, checks the parameters it accepts and the
// threshold rule, and lets the metric's family build it.
#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "core/closest_match.hpp"
#include "core/error.hpp"
#include "eval/metric.hpp"
#include "eval/metric_definitions.hpp"

namespace llmops::eval {

namespace {

const std::vector<MetricDefinition>& all_definitions() {
    static const std::vector<MetricDefinition> definitions = [] {
        std::vector<MetricDefinition> all;
        for (auto family :
             {string_metric_definitions, overlap_metric_definitions, structure_metric_definitions,
              performance_metric_definitions, retrieval_metric_definitions,
              judge_metric_definitions, safety_metric_definitions, injection_metric_definitions}) {
            for (auto& definition : family())
                all.push_back(std::move(definition));
        }
        std::sort(all.begin(), all.end(),
                  [](const auto& a, const auto& b) { return a.name < b.name; });
        return all;
    }();
    return definitions;
}

} // namespace

const std::vector<std::string>& metric_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& definition : all_definitions())
            out.push_back(definition.name);
        return out;
    }();
    return names;
}

std::unique_ptr<Metric> make_metric(const MetricSpec& spec, const MetricEnvironment& environment) {
    const auto& definitions = all_definitions();
    auto it = std::find_if(definitions.begin(), definitions.end(),
                           [&](const MetricDefinition& d) { return d.name == spec.name; });
    if (it == definitions.end())
        throw Error(ErrorKind::BadInput,
                    with_did_you_mean(fmt::format("unknown metric '{}'; valid metrics: {}",
                                                  spec.name, fmt::join(metric_names(), ", ")),
                                      spec.name, metric_names()),
                    spec.where);
    // Every entry may carry a label; only scored metrics take a threshold.
    std::vector<std::string> common{"label"};
    if (!it->boolean) common.insert(common.begin(), "threshold");
    MetricParameters params(spec, it->parameters, common);
    if (it->boolean && spec.threshold)
        params.fail("is a pass/fail assertion and takes no threshold");
    return it->make(spec, params, environment);
}

} // namespace llmops::eval
