#include "store/store_location.hpp"

#include "core/error.hpp"
#include "store/project_config.hpp"

#include <cstdlib>

namespace llmops::store {

namespace {
bool is_postgres_url(const std::string& url) {
    return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}
constexpr const char* kUrlShape = "a postgresql://USER@HOST:PORT/DATABASE URL";
} // namespace

std::string parse_store_url(const YamlDocument& config) {
    if (!config.value.is_object()) return {};
    auto section = config.value.find("store");
    if (section == config.value.end() || section->is_null()) return {};
    if (!section->is_object())
        throw Error(ErrorKind::BadInput, "store: must be a mapping (store: {url: ...})",
                    config.location_of("/store"));
    for (const auto& [key, value] : section->items()) {
        if (key != "url")
            throw Error(ErrorKind::BadInput, "store: unknown key '" + key + "' (known: url)",
                        config.location_of("/store/" + json_pointer_token(key)));
        if (!value.is_string() || !is_postgres_url(value.get<std::string>()))
            throw Error(ErrorKind::BadInput,
                        std::string("store.url must be ") + kUrlShape + ", got " + value.dump(),
                        config.location_of("/store/url"));
    }
    auto url = section->find("url");
    return url == section->end() ? std::string() : url->get<std::string>();
}

std::string configured_database_url(const std::filesystem::path& config_file) {
    const char* env = std::getenv("LLMOPS_DATABASE_URL");
    if (env && *env) {
        std::string url = env;
        if (!is_postgres_url(url))
            throw Error(ErrorKind::Usage, std::string("LLMOPS_DATABASE_URL must be ") + kUrlShape,
                        {}, "unset it to use the project's SQLite store");
        return url;
    }
    return parse_store_url(load_project_config(config_file));
}

} // namespace llmops::store
