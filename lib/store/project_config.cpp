#include "store/project_config.hpp"

#include "core/closest_match.hpp"
#include "core/error.hpp"

#include <algorithm>

namespace llmops::store {

const std::vector<std::string>& project_config_keys() {
    // schemas/llmops.schema.json lists the same keys (a unit test holds the two together).
    static const std::vector<std::string> keys{"version",      "providers", "prices", "limits",
                                               "environments", "serve",     "alerts", "safety",
                                               "pipelines",    "store"};
    return keys;
}

namespace {
std::string join_keys(const std::vector<std::string>& keys) {
    std::string out;
    for (const auto& key : keys)
        out += (out.empty() ? "" : ", ") + key;
    return out;
}
} // namespace

void check_project_config(const YamlDocument& document) {
    const nlohmann::json& root = document.value;
    if (root.is_null()) return;
    if (!root.is_object())
        throw Error(ErrorKind::BadInput, "llmops.yaml must be a mapping of sections",
                    document.location_of(""));
    const auto& known = project_config_keys();
    for (const auto& [key, value] : root.items()) {
        if (std::find(known.begin(), known.end(), key) != known.end()) continue;
        throw Error(ErrorKind::BadInput,
                    with_did_you_mean("unknown top-level key '" + key + "'", key, known),
                    document.location_of("/" + json_pointer_token(key)),
                    "llmops.yaml may hold: " + join_keys(known) + " (docs/config.md)");
    }
}

YamlDocument load_project_config(const std::filesystem::path& config_file) {
    std::error_code ec;
    if (!std::filesystem::exists(config_file, ec)) {
        YamlDocument empty;
        empty.source_name = config_file.string();
        return empty;
    }
    YamlDocument document = load_yaml_file(config_file);
    check_project_config(document);
    return document;
}

} // namespace llmops::store
