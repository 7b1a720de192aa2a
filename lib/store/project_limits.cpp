#include "store/project_limits.hpp"

#include <charconv>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>

#include "core/error.hpp"

namespace llmops::store {

namespace {

// A limit above this means nothing (and a double holds every integer up to it exactly).
constexpr std::uint64_t kLargestCount = 1ull << 53;
constexpr int kLargestDepth = 1000; // the renderer recurses once per level

struct LimitKey {
    std::string_view key; // under `limits:`
    std::string_view variable;
    std::uint64_t largest;
};

constexpr LimitKey kSteps{"template_steps", "LLMOPS_TEMPLATE_STEPS", kLargestCount};
constexpr LimitKey kOutput{"template_output_bytes", "LLMOPS_TEMPLATE_OUTPUT_BYTES", kLargestCount};
constexpr LimitKey kDepth{"template_depth", "LLMOPS_TEMPLATE_DEPTH", kLargestDepth};

std::string range_text(const LimitKey& key) {
    return "a whole number from 1 to " + std::to_string(key.largest);
}

void assign(mustache::TemplateLimits& limits, const LimitKey& key, std::uint64_t value) {
    if (key.key == kSteps.key)
        limits.max_steps = value;
    else if (key.key == kOutput.key)
        limits.max_output_bytes = value;
    else
        limits.max_depth = static_cast<int>(value);
}

} // namespace

mustache::TemplateLimits parse_template_limits(const YamlDocument& config) {
    mustache::TemplateLimits limits;
    if (!config.value.is_object()) return limits;
    auto section = config.value.find("limits");
    if (section == config.value.end() || section->is_null()) return limits;
    if (!section->is_object())
        throw Error(ErrorKind::BadInput, "limits: must be a mapping of limit names to numbers",
                    config.location_of("/limits"));
    for (const auto& [name, value] : section->items()) {
        const std::string pointer = "/limits/" + json_pointer_token(name);
        const LimitKey* key = nullptr;
        for (const LimitKey* candidate : {&kSteps, &kOutput, &kDepth})
            if (candidate->key == name) key = candidate;
        if (key == nullptr)
            throw Error(ErrorKind::BadInput,
                        "limits: unknown key '" + name +
                            "' (known: template_steps, template_output_bytes, template_depth)",
                        config.location_of(pointer));
        std::uint64_t number = 0;
        if (value.is_number_unsigned())
            number = value.get<std::uint64_t>();
        else if (value.is_number_integer() && value.get<std::int64_t>() > 0)
            number = static_cast<std::uint64_t>(value.get<std::int64_t>());
        if (number < 1 || number > key->largest)
            throw Error(ErrorKind::BadInput,
                        "limits." + name + " must be " + range_text(*key) + ", got " + value.dump(),
                        config.location_of(pointer));
        assign(limits, *key, number);
    }
    return limits;
}

mustache::TemplateLimits apply_limit_environment(mustache::TemplateLimits limits) {
    for (const LimitKey* key : {&kSteps, &kOutput, &kDepth}) {
        const char* text = std::getenv(std::string(key->variable).c_str());
        if (text == nullptr || *text == '\0') continue;
        std::string_view value(text);
        std::uint64_t number = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
        if (ec != std::errc() || end != value.data() + value.size() || number < 1 ||
            number > key->largest)
            throw Error(ErrorKind::Usage, std::string(key->variable) + " must be " +
                                              range_text(*key) + ", got '" + std::string(value) +
                                              "'");
        assign(limits, *key, number);
    }
    return limits;
}

mustache::TemplateLimits load_template_limits(const std::filesystem::path& config_file) {
    mustache::TemplateLimits limits;
    std::error_code ec;
    if (!config_file.empty() && std::filesystem::exists(config_file, ec))
        limits = parse_template_limits(load_yaml_file(config_file));
    return apply_limit_environment(limits);
}

std::string limits_hint() {
    return "raise limits.template_steps, template_output_bytes or template_depth in llmops.yaml, "
           "or LLMOPS_TEMPLATE_STEPS, _OUTPUT_BYTES, _DEPTH for one command (docs/templates.md)";
}

} // namespace llmops::store
